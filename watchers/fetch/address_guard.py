"""Refuses to connect to any address that is not globally routable (loopback, private, link-local, shared,
multicast, reserved, documentation …) and to addresses that tunnel to one (6to4, NAT64 of a private address).

The check runs on the resolved addresses of every connection aiohttp opens (so every redirect hop and
every DNS answer is covered), plus on literal IP hosts, which aiohttp does not send through a resolver.
"""
from __future__ import annotations

import ipaddress
import re
import socket
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver


class AddressRefused(Exception):
    """The URL points at an address the guard refuses."""


# Ranges `is_global` still calls global (Python 3.11) that reach an IPv4 address the guard must judge itself:
# 6to4 (2002::/16, RFC 3056) tunnels to the IPv4 address it embeds via any relay, so it is refused whole, as is the
# 6to4 relay anycast prefix; NAT64 (64:ff9b::/96, RFC 6052) is how IPv6-only hosts reach IPv4, so its embedded
# address is checked; the local-use NAT64 prefix (RFC 8215) and IPv4-compatible addresses (::a.b.c.d, deprecated)
# are never a public server.
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_SIX_TO_FOUR_RELAY = ipaddress.ip_network("192.88.99.0/24")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")


def refusal_reason(address: str) -> str | None:
    """Why this IP address is refused, or None when it is globally routable. Everything not global is refused;
    the named cases only make the message clearer."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            inner = refusal_reason(str(embedded))
            return f"{address} is a NAT64 address: {inner}" if inner else None
        elif ip in _SIX_TO_FOUR:
            return f"{address} is a 6to4 address (it tunnels to {ip.sixtofour})"
        elif ip in _NAT64_LOCAL:
            return f"{address} is a local-use NAT64 address"
        elif ip in _IPV4_COMPATIBLE and not (ip.is_loopback or ip.is_unspecified):
            return f"{address} is an IPv4-compatible address (deprecated)"
    if ip in _SIX_TO_FOUR_RELAY:
        return f"{address} is a 6to4 relay address"
    for flag, label in (
        (ip.is_loopback, "loopback"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip in _SHARED, "shared (carrier-grade NAT)"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "not globally routable"),
    ):
        if flag:
            article = "an" if label[0] in "aeiou" else "a"
            return f"{address} is {article} {label} address"
    return None


_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.I)


def legacy_ipv4(host: str) -> str | None:
    """The IPv4 address a decimal, octal or hex spelling means (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`),
    as inet_aton and so getaddrinfo read it; None for a canonical dotted quad or a name."""
    if not _NUMERIC_HOST.match(host):
        return None
    try:
        canonical = socket.inet_ntoa(socket.inet_aton(host.rstrip(".")))
    except OSError:
        return None
    return None if canonical == host else canonical


def check_literal_host(host: str) -> None:
    host = host.strip("[]")
    meant = legacy_ipv4(host)
    if meant is not None:
        # Whatever it points at: such spellings only exist to slip past filters (and aiohttp refuses some anyway).
        raise AddressRefused(f"refused: {host} is a numeric spelling of the address {meant}; use a host name")
    reason = refusal_reason(host)
    if reason:
        raise AddressRefused(f"refused: {reason} (set ALLOW_PRIVATE_ADDRESSES=true to allow)")


class GuardedResolver(AbstractResolver):
    def __init__(self) -> None:
        self._inner = ThreadedResolver()

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            reason = refusal_reason(result["host"])
            if reason:
                raise AddressRefused(
                    f"refused: {host} resolves to {reason} (set ALLOW_PRIVATE_ADDRESSES=true to allow)"
                )
        return results

    async def close(self) -> None:
        await self._inner.close()


__all__: list[Any] = ["AddressRefused", "GuardedResolver", "check_literal_host", "refusal_reason"]

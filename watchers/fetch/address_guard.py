"""Refuses to connect to loopback, private, link-local, multicast and unspecified addresses.

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


def refusal_reason(address: str) -> str | None:
    """Why this IP address is refused, or None when it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for flag, label in (
        (ip.is_loopback, "loopback"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
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

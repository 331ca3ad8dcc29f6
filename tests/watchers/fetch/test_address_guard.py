"""The address guard's verdict on single addresses: everything not globally routable is refused, and so are the
IPv6 forms that tunnel to such an address."""
from __future__ import annotations

import pytest

from watchers.fetch.address_guard import refusal_reason


@pytest.mark.parametrize("address, reason", [
    ("100.64.0.1", "shared (carrier-grade NAT)"),
    ("100.127.255.254", "shared (carrier-grade NAT)"),
    ("2002:7f00:1::1", "6to4 address (it tunnels to 127.0.0.1)"),
    ("2002:808:808::1", "6to4 address"),                 # even a public inner address: any relay may carry it
    ("192.88.99.1", "6to4 relay"),
    ("64:ff9b::7f00:1", "NAT64 address: 127.0.0.1 is a loopback address"),
    ("64:ff9b::a9fe:a9fe", "169.254.169.254 is a link-local"),
    ("64:ff9b:1::1", "local-use NAT64"),
    ("::127.0.0.1", "IPv4-compatible"),
    ("192.0.2.1", "192.0.2.1 is a"),                     # documentation
    ("198.18.0.1", "198.18.0.1 is a"),                   # benchmarking
    ("240.0.0.1", "240.0.0.1 is a"),                     # reserved
    ("255.255.255.255", "255.255.255.255 is a"),         # broadcast
    ("2001:db8::1", "2001:db8::1 is a"),                 # documentation
    ("2001::1", "2001::1 is a"),                         # Teredo
    ("100::1", "100::1 is a"),                           # discard-only
    ("fe80::1%eth0", "link-local"),
])
def test_addresses_that_are_not_globally_routable_are_refused(address: str, reason: str) -> None:
    assert reason in (refusal_reason(address) or "")


@pytest.mark.parametrize("address", ["8.8.8.8", "100.63.255.255", "100.128.0.1", "151.101.1.69",
                                     "2606:4700:4700::1111", "64:ff9b::808:808", "::ffff:8.8.8.8"])
def test_globally_routable_addresses_pass(address: str) -> None:
    assert refusal_reason(address) is None


def test_names_are_left_to_the_resolver() -> None:
    assert refusal_reason("example.org") is None

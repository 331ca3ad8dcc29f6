"""Issue 9: addresses the guard must refuse with ALLOW_PRIVATE_ADDRESSES off, however they are spelled, polled by
the real PollCycle beside a good (allow-listed) feed on the same local server. No request may reach the server
for any of them, directly or through a redirect."""
from __future__ import annotations

import re

import pytest

from storage.store import Store
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from watchers.fetch.address_guard import AddressRefused, check_literal_host, legacy_ipv4
from watchers.fetch.http import FetchConfig, Fetcher

SPELLINGS = [
    # (host as written in the URL, what the refusal names)
    ("2130706433", "numeric spelling of the address 127.0.0.1"),       # decimal
    ("0177.0.0.1", "numeric spelling of the address 127.0.0.1"),       # octal
    ("017700000001", "numeric spelling of the address 127.0.0.1"),     # octal, one number
    ("0x7f.1", "numeric spelling of the address 127.0.0.1"),           # hex, short form
    ("0x7f000001", "numeric spelling of the address 127.0.0.1"),       # hex, one number
    ("127.1", "numeric spelling of the address 127.0.0.1"),            # short dotted form
    ("0", "numeric spelling of the address 0.0.0.0"),
    ("0.0.0.0", "unspecified address"),
    ("[::1]", "loopback address"),
    ("[::ffff:127.0.0.1]", "loopback address"),                        # IPv4-mapped IPv6
    ("[0:0:0:0:0:ffff:7f00:1]", "loopback address"),
    ("[::ffff:a00:1]", "private address"),                             # 10.0.0.1, mapped
    ("[fe80::1]", "link-local address"),
    ("[fc00::1]", "private address"),
    ("100.64.0.1", "shared (carrier-grade NAT) address"),               # RFC 6598, not private but not global
    ("[2002:7f00:1::1]", "6to4 address (it tunnels to 127.0.0.1)"),
    ("[64:ff9b::a00:1]", "NAT64 address: 10.0.0.1 is a private address"),
    ("198.18.0.1", "198.18.0.1 is a"),                                  # benchmarking range
    ("localhost", "localhost resolves to"),                            # a DNS name that resolves to loopback
]


@pytest.mark.parametrize("host, reason", [s for s in SPELLINGS if s[0] != "localhost"])  # a name: the resolver's
def test_literal_check_refuses_every_spelling(host: str, reason: str) -> None:
    with pytest.raises(AddressRefused, match=re.escape(reason)):
        check_literal_host(host)


@pytest.mark.parametrize("host", ["example.org", "1.2.3.4", "8.8.8.8", "0x-not-hex.example", "123abc.test"])
def test_names_and_canonical_public_addresses_are_not_numeric_spellings(host: str) -> None:
    assert legacy_ipv4(host) is None


async def test_every_spelling_is_refused_beside_a_good_feed_and_nothing_reaches_the_server(
    server: LocalServer, store: Store
) -> None:
    port = server.port
    server.static("/good", rss(items(1, "Good")))
    server.static("/secret", rss(items(3, "Internal")))
    redirects = {
        "/redir-numeric": f"http://2130706433:{port}/secret",
        "/redir-octal": f"http://0177.0.0.1:{port}/secret",
        "/redir-v6": f"http://[::1]:{port}/secret",
        "/redir-mapped": f"http://[::ffff:127.0.0.1]:{port}/secret",
        "/redir-name": f"http://localhost:{port}/secret",
        "/redir-file": "file:///etc/passwd",
        "/redir-cgnat": f"http://100.64.0.1:{port}/secret",
        "/redir-6to4": f"http://[2002:7f00:1::1]:{port}/secret",
    }
    for path, target in redirects.items():
        server.static(path, "", status=302, headers={"Location": target})
    config = FetchConfig(timeout_seconds=2, private_allowlist=frozenset({f"127.0.0.1:{port}"}))
    async with Fetcher(config) as fetcher:
        rig = Pipeline(store, fetcher)
        good = await store.sources.add("rss", server.url("/good"), "good")
        direct = {host: await store.sources.add("rss", f"http://{host}:{port}/secret", host) for host, _ in SPELLINGS}
        schemes = {url: await store.sources.add("rss", url, url) for url in [
            "file:///etc/passwd", "ftp://127.0.0.1/feed", "gopher://127.0.0.1:70/", "data:text/xml,<rss/>",
            "javascript:alert(1)", "//127.0.0.1/feed", "127.0.0.1/feed"]}
        via = {path: await store.sources.add("rss", server.url(path), path) for path in redirects}
        await rig.cycle_and_deliver()
        server.static("/good", rss(items(2, "Good")))
        out = await rig.cycle_and_deliver()
    assert "Good announces update number 2" in out
    assert (await store.sources.get(good.id)).consecutive_failures == 0
    for host, reason in SPELLINGS:
        error = (await store.sources.get(direct[host].id)).last_error or ""
        assert error.startswith("refused: ") and reason in error, (host, error)
    for url, source in schemes.items():
        error = (await store.sources.get(source.id)).last_error or ""
        assert error.startswith("refused: "), (url, error)
    for path, source in via.items():
        error = (await store.sources.get(source.id)).last_error or ""
        assert error.startswith("refused: "), (path, error)
    assert server.hits("/secret") == []
    assert {r.path for r in server.requests} == {"/good", *redirects}

from __future__ import annotations

import asyncio
import gzip

import pytest
from aiohttp import web

from tests.support.local_server import LocalServer
from watchers.fetch.address_guard import refusal_reason
from watchers.fetch.http import FetchConfig, Fetcher, FetchError

OPEN = FetchConfig(timeout_seconds=2, max_bytes=100_000, allow_private_addresses=True, user_agent="test-agent/1 (t@x)")


async def test_conditional_get_sends_validators_and_304_has_no_body(server: LocalServer) -> None:
    async def handler(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        return web.Response(text="<rss/>", headers={"ETag": '"v1"', "Last-Modified": "Mon, 02 Nov 2026 10:00:00 GMT"})

    server.route("/f", handler)
    async with Fetcher(OPEN) as fetcher:
        first = await fetcher.get(server.url("/f"))
        assert (first.status, first.etag, first.last_modified) == (200, '"v1"', "Mon, 02 Nov 2026 10:00:00 GMT")
        second = await fetcher.get(server.url("/f"), etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.body == b""
    sent = server.hits("/f")[1].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Mon, 02 Nov 2026 10:00:00 GMT"
    assert sent["User-Agent"] == "test-agent/1 (t@x)"


async def test_gzip_is_decoded(server: LocalServer) -> None:
    server.static("/gz", gzip.compress(b"<rss>hello</rss>"), headers={"Content-Encoding": "gzip"})
    async with Fetcher(OPEN) as fetcher:
        assert (await fetcher.get(server.url("/gz"))).body == b"<rss>hello</rss>"


@pytest.mark.parametrize("status", [404, 500, 503])
async def test_http_errors_are_one_line(server: LocalServer, status: int) -> None:
    server.static("/e", "oops", status=status, content_type="text/plain")
    async with Fetcher(OPEN) as fetcher:
        with pytest.raises(FetchError, match=f"^HTTP {status}") as info:
            await fetcher.get(server.url("/e"))
    assert info.value.status == status


async def test_retry_after_is_read(server: LocalServer) -> None:
    server.static("/busy", "slow down", status=429, headers={"Retry-After": "120"})
    async with Fetcher(OPEN) as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.get(server.url("/busy"))
    assert info.value.retry_after == 120


async def test_slow_response_times_out(server: LocalServer) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(text="late")

    server.route("/slow", slow)
    config = FetchConfig(timeout_seconds=0.5, allow_private_addresses=True)
    async with Fetcher(config) as fetcher:
        with pytest.raises(FetchError, match=r"timed out after 0\.5 s"):
            await fetcher.get(server.url("/slow"))


async def test_trickling_body_times_out(server: LocalServer) -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        for _ in range(20):
            await resp.write(b"<")
            await asyncio.sleep(0.2)
        return resp

    server.route("/trickle", trickle)
    async with Fetcher(FetchConfig(timeout_seconds=0.6, allow_private_addresses=True)) as fetcher:
        with pytest.raises(FetchError, match="timed out"):
            await fetcher.get(server.url("/trickle"))


async def test_body_over_cap_is_refused(server: LocalServer) -> None:
    server.static("/big", b"x" * 200_000)
    async with Fetcher(OPEN) as fetcher:
        with pytest.raises(FetchError, match="too large"):
            await fetcher.get(server.url("/big"))


async def test_gzip_bomb_stops_at_cap_after_decompression(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)  # ~50 KB on the wire, 50 MB inflated
    assert len(bomb) < 100_000
    server.static("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    async with Fetcher(OPEN) as fetcher:
        with pytest.raises(FetchError, match="too large"):
            await fetcher.get(server.url("/bomb"))


async def test_redirects_are_followed_up_to_five(server: LocalServer) -> None:
    for i in range(5):
        server.static(f"/r{i}", "", status=302, headers={"Location": f"/r{i + 1}"})
    server.static("/r5", "<rss/>")
    async with Fetcher(OPEN) as fetcher:
        result = await fetcher.get(server.url("/r0"))
    assert result.body == b"<rss/>" and result.url.endswith("/r5")


async def test_redirect_loop_is_refused(server: LocalServer) -> None:
    server.static("/a", "", status=302, headers={"Location": "/b"})
    server.static("/b", "", status=301, headers={"Location": "/a"})
    async with Fetcher(OPEN) as fetcher:
        with pytest.raises(FetchError, match="too many redirects"):
            await fetcher.get(server.url("/a"))
    assert len(server.requests) == 6


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/feed", "gopher://x/"])
async def test_non_http_schemes_are_refused_without_a_request(url: str) -> None:
    async with Fetcher(OPEN) as fetcher:
        with pytest.raises(FetchError, match="only http and https"):
            await fetcher.get(url)


async def test_guard_refuses_loopback_literal(server: LocalServer) -> None:
    async with Fetcher(FetchConfig(timeout_seconds=2)) as fetcher:
        with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1 is a loopback address"):
            await fetcher.get(server.url("/f"))
    assert server.requests == []


async def test_guard_refuses_name_resolving_to_loopback(server: LocalServer) -> None:
    async with Fetcher(FetchConfig(timeout_seconds=2)) as fetcher:
        with pytest.raises(FetchError, match="refused: localhost resolves to"):
            await fetcher.get(f"http://localhost:{server.port}/f")
    assert server.requests == []


async def test_guard_checks_every_redirect_hop(server: LocalServer) -> None:
    # The first hop is allow-listed; the redirect goes to a private name and must be refused.
    server.static("/start", "", status=302, headers={"Location": f"http://localhost:{server.port}/secret"})
    server.static("/secret", "<rss>internal</rss>")
    config = FetchConfig(timeout_seconds=2, private_allowlist=frozenset({f"127.0.0.1:{server.port}"}))
    async with Fetcher(config) as fetcher:
        with pytest.raises(FetchError, match="refused"):
            await fetcher.get(server.url("/start"))
    assert [r.path for r in server.requests] == ["/start"]


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "224.0.0.1",
     "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::"],
)
def test_refused_addresses(address: str) -> None:
    assert refusal_reason(address) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "151.101.1.69", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(address) is None

"""Per-host politeness, counted on a local server serving many feeds on one host."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.support.local_server import LocalServer
from watchers.fetch.http import FetchConfig, Fetcher, FetchError

FEEDS = 24


class Counting:
    """Serves /feed/N, counting how many requests are in flight at once and when each arrived."""

    def __init__(self, server: LocalServer, delay: float = 0.05) -> None:
        self.in_flight = 0
        self.most = 0
        self.arrivals: list[tuple[float, str]] = []
        self.refuse: set[str] = set()

        async def feed(request: web.Request) -> web.StreamResponse:
            self.arrivals.append((time.monotonic(), request.path))
            if request.path in self.refuse:
                return web.Response(status=429, headers={"Retry-After": "1"})
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            try:
                await asyncio.sleep(delay)
                return web.Response(text="<rss/>", content_type="application/rss+xml")
            finally:
                self.in_flight -= 1

        for i in range(FEEDS):
            server.route(f"/feed/{i}", feed)


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    config = FetchConfig(timeout_seconds=10, allow_private_addresses=True,
                         host_requests_per_second=20, host_concurrency=3)
    async with Fetcher(config) as f:
        yield f


async def test_many_feeds_on_one_host_share_its_rate_and_concurrency(server: LocalServer, fetcher: Fetcher) -> None:
    counting = Counting(server, delay=0.2)
    await asyncio.gather(*(fetcher.get(server.url(f"/feed/{i}")) for i in range(FEEDS)))
    assert len(counting.arrivals) == FEEDS
    assert counting.most <= 3  # never more than HOST_CONCURRENCY at once, though 24 sources asked together
    times = sorted(t for t, _ in counting.arrivals)
    # At most 20 a second: any 21 consecutive arrivals span at least a second (less the clock's slack).
    assert all(times[i + 20] - times[i] >= 0.95 for i in range(len(times) - 20))


async def test_a_429_slows_the_whole_host_not_only_its_source(server: LocalServer, fetcher: Fetcher) -> None:
    counting = Counting(server)
    counting.refuse.add("/feed/0")
    with pytest.raises(FetchError, match="429"):
        await fetcher.get(server.url("/feed/0"))
    refused_at = counting.arrivals[-1][0]
    await fetcher.get(server.url("/feed/1"))  # another source on the same host waits out the Retry-After
    assert counting.arrivals[-1][0] - refused_at >= 0.95
    assert fetcher.hosts.slowdown("127.0.0.1") > 1.0  # slowed still (one success eases it a step)
    # Another host (the same server by another name) is not slowed.
    other = server.url("/feed/2").replace("127.0.0.1", "localhost")
    await fetcher.get(other)
    assert fetcher.hosts.slowdown("localhost") == 1.0
    assert counting.arrivals[-1][0] - refused_at < 0.95 + 0.5  # it did not queue behind 127.0.0.1's pause


async def test_a_host_with_its_own_pace_keeps_it(server: LocalServer) -> None:
    # EDGAR's 10 requests a second, while every other host gets 2.
    config = FetchConfig(allow_private_addresses=True, host_requests_per_second=2, host_concurrency=4,
                         host_rates=(("127.0.0.1", 10.0),))
    counting = Counting(server, delay=0)
    async with Fetcher(config) as fetcher:
        await asyncio.gather(*(fetcher.get(server.url(f"/feed/{i}")) for i in range(11)))
    times = sorted(t for t, _ in counting.arrivals)
    assert times[-1] - times[0] >= 0.95  # 11 requests at 10 a second: a second at least …
    assert times[-1] - times[0] < 4.0  # … and not the five seconds 2 a second would take


async def test_a_request_cancelled_while_it_waits_for_the_pace_gives_its_slot_back(server: LocalServer) -> None:
    """The slot is held from the wait on: a poll cancelled in its wait (a cycle stopping) must not keep it, or the
    host's other sources would never be asked again."""
    counting = Counting(server, delay=0.0)
    config = FetchConfig(allow_private_addresses=True, host_requests_per_second=2.0, host_concurrency=1)
    async with Fetcher(config) as fetcher:
        await fetcher.get(server.url("/feed/0"))  # the next request waits ~0.5 s for the pace
        waiting = asyncio.create_task(fetcher.get(server.url("/feed/1")))
        await asyncio.sleep(0.1)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await asyncio.wait_for(fetcher.get(server.url("/feed/2")), 3)  # the only slot is free again
    assert [path for _, path in counting.arrivals] == ["/feed/0", "/feed/2"]

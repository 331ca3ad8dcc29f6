"""A cycle over many sources (issue 19: 100,000 feeds, 90% answering 304): few tasks alive at once, and every
304's health written (together, at the latest when the cycle ends)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web

from storage.clock import to_db
from storage.models import utcnow
from storage.store import Store
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.schedule.poll_cycle import CycleConfig, PollCycle
from watchers.sources import SourceConfig, build_watchers

SOURCES = 300


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchConfig(timeout_seconds=5, allow_private_addresses=True)) as f:
        yield f


async def test_a_cycle_over_many_sources_keeps_few_tasks_and_records_every_304(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    body = rss(items(2))
    most_tasks = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal most_tasks
        # The server shares the test's event loop: every task alive in it, the cycle's included.
        most_tasks = max(most_tasks, len(asyncio.all_tasks()))
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(text=body, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    for n in range(SOURCES):
        server.route(f"/feed/{n}", handler)
        await store.sources.add("rss", server.url(f"/feed/{n}"), f"Feed {n}")
    watchers = build_watchers(store, fetcher, SourceConfig(release_page_interval_seconds=0))
    cycle = PollCycle(store, watchers, CycleConfig(interval_seconds=600, concurrency=8))
    first = await cycle.run_once()
    assert (first.polled, first.failed) == (SOURCES, 0)

    # One source had failed twice before this cycle: its 304 resets the count, as a single poll's would.
    failing = (await store.sources.list())[7]
    for _ in range(2):
        await store.sources.mark_failed(failing.id, "HTTP 500", utcnow() - timedelta(seconds=1), disable=False)
    async with store.db.atomic() as db:
        await db.write("UPDATE sources SET next_poll_at = ?", (to_db(utcnow() - timedelta(seconds=1)),))
    most_tasks = 0
    before = utcnow()
    report = await cycle.run_once()

    assert (report.polled, report.not_modified, report.failed) == (SOURCES, SOURCES, 0)
    # 8 polls at once: a task per source waiting on a semaphore kept 300 alive.
    assert most_tasks < 40, most_tasks
    after = await store.sources.list()
    assert all(s.last_success_at is not None and s.last_success_at >= before for s in after)
    assert all(s.next_poll_at is not None and s.next_poll_at > utcnow() + timedelta(seconds=500) for s in after)
    assert all(s.etag == '"v1"' and s.consecutive_failures == 0 and s.last_error is None for s in after)
    assert len(await store.sources.due(utcnow())) == 0

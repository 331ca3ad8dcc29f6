"""A cycle's changed feeds written together (issue 19): one unit of work for a batch of changed polls instead of one
each, with every guarantee kept: an event is new once (the same release from three feeds of one batch is one event
with three sources, one alert), a poll the store refuses fails alone, and a changed poll's alerts are not held
until the cycle ends."""
from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web

from bot.delivery.console import ConsoleSink
from bot.delivery.dispatcher import Dispatcher
from storage.store import Store
from tests.support.feeds import Item, rss
from tests.support.local_server import LocalServer
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.schedule.poll_cycle import CycleConfig, PollCycle
from watchers.sources import SourceConfig, build_watchers

FEEDS = 12
NO_PAGES = SourceConfig(release_pages=False)


def release(n: int, feed: int) -> Item:
    return Item(f"Acme Bio Reports Positive Phase 2 Data for ACM-{n}0{n}", guid=f"feed{feed}-acm-{n}",
                link=f"https://news.test/feed{feed}/acm-{n}",
                summary=f"Acme Bio today announced positive topline results from its Phase 2 study of ACM-{n}0{n} "
                        f"in patients with relapsed lymphoma.",
                published=datetime(2026, 11, 2, 12, n, tzinfo=UTC))


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchConfig(timeout_seconds=5, allow_private_addresses=True)) as f:
        yield f


async def primed(server: LocalServer, store: Store, cycle: PollCycle, feeds: int) -> list[int]:
    ids = []
    for n in range(feeds):
        server.static(f"/feed/{n}", rss([]))
        ids.append((await store.sources.add("rss", server.url(f"/feed/{n}"), f"Feed {n}")).id)
    await cycle.run_once(due_only=False)
    await store.subscriptions.ensure("console", "stdout")
    return ids


async def statements(store: Store) -> list[str]:
    """Every statement the SQLite connection runs from now on (SQLite's own trace hook)."""
    seen: list[str] = []
    await store.db._db.set_trace_callback(seen.append)  # type: ignore[union-attr]
    return seen


async def test_changed_feeds_share_one_unit_of_work_and_each_release_is_new_once(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    cycle = PollCycle(store, build_watchers(store, fetcher, NO_PAGES), CycleConfig(interval_seconds=600))
    await primed(server, store, cycle, FEEDS)
    # Feeds 0-9: a release each; feeds 10 and 11 carry feed 0's release too (the wire and an IR page).
    for n in range(10):
        server.static(f"/feed/{n}", rss([release(n, n)]))
    for n in (10, 11):
        server.static(f"/feed/{n}", rss([release(0, n)]))

    traced = await statements(store)
    report = await cycle.run_once(due_only=False)
    await store.db._db.set_trace_callback(None)  # type: ignore[attr-defined]

    assert (report.polled, report.failed, len(report.new_event_ids)) == (FEEDS, 0, 10)
    begins = [s for s in traced if s.startswith("BEGIN")]
    assert len(begins) <= 2, begins  # before: one unit of work per changed feed (12)
    # The routing is read once for the batch (before: once per changed feed), though every release here teaches
    # the registry a programme: none of them is a name a subscription or mute was made with.
    assert sum(" FROM subscriptions" in s for s in traced) == 1
    events = {e.title: e for e in await store.events.latest(limit=50)}
    assert len(events) == 10
    fused = events["Acme Bio Reports Positive Phase 2 Data for ACM-000"]
    assert sorted(s.source_name for s in await store.events.sources(fused.id)) == ["Feed 0", "Feed 10", "Feed 11"]
    out = io.StringIO()
    await Dispatcher(store, [ConsoleSink(out)]).drain()
    assert sum("Phase 2 Data for ACM-" in line for line in out.getvalue().splitlines()) == 10, out.getvalue()

    # Polled again (validators gone: the whole feeds again): nothing is new a second time.
    again = await cycle.run_once(due_only=False)
    assert (again.failed, again.new_event_ids) == (0, [])


async def test_a_poll_the_store_refuses_fails_alone_and_the_rest_of_its_batch_is_recorded(
    server: LocalServer, store: Store, fetcher: Fetcher, caplog: pytest.LogCaptureFixture
) -> None:
    cycle = PollCycle(store, build_watchers(store, fetcher, NO_PAGES), CycleConfig(interval_seconds=600))
    ids = await primed(server, store, cycle, 6)
    for n in range(6):
        server.static(f"/feed/{n}", rss([release(n, n)]))

    async def removed_while_polled(request: web.Request) -> web.Response:
        # The user removes the feed while its poll is under way: its items can no longer be stored.
        await store.sources.remove(ids[3])
        return web.Response(text=rss([release(3, 3)]), content_type="application/rss+xml")

    server.route("/feed/3", removed_while_polled)
    report = await cycle.run_once(due_only=False)

    assert report.failed == 1 and ids[3] in report.errors, report.errors
    assert len(report.new_event_ids) == 5
    titles = {e.title for e in await store.events.latest(limit=50)}
    assert titles == {release(n, n).title for n in (0, 1, 2, 4, 5)}
    for n in (0, 1, 2, 4, 5):
        source = await store.sources.get(ids[n])
        assert source.consecutive_failures == 0 and source.last_success_at is not None
    assert "recording them one by one" in caplog.text


async def test_a_changed_polls_alerts_do_not_wait_for_the_cycle_to_end(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    cycle = PollCycle(store, build_watchers(store, fetcher, NO_PAGES), CycleConfig(interval_seconds=600))
    await primed(server, store, cycle, 2)
    server.static("/feed/0", rss([release(0, 0)]))
    queued = asyncio.Event()
    cycle.on_new_events = queued.set

    async def slow(request: web.Request) -> web.Response:
        # Answers only once the other feed's alert is queued (or fails the poll at the fetch timeout): a batch
        # that waited for the cycle's end would never get there.
        await asyncio.wait_for(queued.wait(), timeout=10)
        return web.Response(text=rss([]), content_type="application/rss+xml")

    server.route("/feed/1", slow)
    report = await cycle.run_once(due_only=False)
    assert (report.failed, len(report.new_event_ids)) == (0, 1), report.errors


async def test_a_changed_feed_writes_only_the_rows_of_what_changed_in_its_window(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    cycle = PollCycle(store, build_watchers(store, fetcher, NO_PAGES), CycleConfig(interval_seconds=600))
    window = [release(n, 0) for n in range(30)]
    server.static("/feed/0", rss(window))
    source = await store.sources.add("rss", server.url("/feed/0"), "Feed 0")
    await cycle.run_once(due_only=False)  # the first poll records the window
    edited = Item(window[5].title, guid=window[5].guid, link=window[5].link, summary="Acme Bio corrects the "
                  "topline results of its Phase 2 study in patients with relapsed lymphoma.",
                  published=window[5].published)
    server.static("/feed/0", rss([release(40, 0), release(41, 0), *window[:5], edited, *window[6:]]))

    traced = await statements(store)
    report = await cycle.run_once(due_only=False)
    await store.db._db.set_trace_callback(None)  # type: ignore[attr-defined]

    assert report.failed == 0 and len(report.new_event_ids) == 3  # two new releases and the edited one
    rows = [s for s in traced if s.startswith("INSERT INTO seen_items")]
    assert len(rows) == 3, rows  # before: the whole window again (32 rows)
    keys = [f"guid:{i.guid}" for i in (release(40, 0), release(41, 0), *window)]
    assert await store.seen.unseen(source.id, keys) == []
    [row] = await store.seen.known(source.id, [f"guid:{edited.guid}"], [])
    assert row.classified_as is not None and row.content_key is not None
    dates = (await store.publications.for_sources([source.id]))[source.id]
    assert len(dates) == 32


async def test_on_postgresql_a_batch_is_one_unit_of_work_too_and_a_release_new_once(
    pg_url: str, server: LocalServer, fetcher: Fetcher
) -> None:
    store = await Store.open(pg_url)
    try:
        cycle = PollCycle(store, build_watchers(store, fetcher, NO_PAGES), CycleConfig(interval_seconds=600))
        ids = await primed(server, store, cycle, FEEDS)
        for n in range(10):
            server.static(f"/feed/{n}", rss([release(n, n)]))
        for n in (10, 11):
            server.static(f"/feed/{n}", rss([release(0, n)]))

        async def removed_while_polled(request: web.Request) -> web.Response:
            await store.sources.remove(ids[9])
            return web.Response(text=rss([release(9, 9)]), content_type="application/rss+xml")

        server.route("/feed/9", removed_while_polled)
        report = await cycle.run_once(due_only=False)
        assert (report.failed, len(report.new_event_ids)) == (1, 9), report.errors
        events = {e.title: e for e in await store.events.latest(limit=50)}
        assert set(events) == {release(n, n).title for n in range(9)}
        fused = events[release(0, 0).title]
        assert sorted(s.source_name for s in await store.events.sources(fused.id)) == ["Feed 0", "Feed 10", "Feed 11"]
        out = io.StringIO()
        await Dispatcher(store, [ConsoleSink(out)]).drain()
        assert sum("Phase 2 Data for ACM-" in line for line in out.getvalue().splitlines()) == 9, out.getvalue()
        again = await cycle.run_once(due_only=False)
        assert (again.failed, again.new_event_ids) == (0, [])
    finally:
        await store.close()

"""The live scheduler learns each feed's publication dates and places its next poll with the cadence policy."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from storage.models import SeenItem, utcnow
from storage.store import Store
from tests.support.feeds import Item, rss
from tests.support.local_server import LocalServer
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.schedule.cadence import ZONE, History, build_prior, next_poll_at, phase_for
from watchers.schedule.poll_cycle import CycleConfig, PollCycle, is_new
from watchers.sources import SourceConfig, build_watchers


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchConfig(timeout_seconds=2, allow_private_addresses=True)) as f:
        yield f


def _weekday_releases(hour: int, days: int = 40) -> list[Item]:
    """A release each weekday at `hour` Eastern, on the hour."""
    out = []
    for d in range(1, days):
        day = (utcnow() - timedelta(days=d)).astimezone(ZONE)
        if day.weekday() < 5:
            # Five past: on the hour, an evening habit (19:00 Eastern in winter) falls on midnight UTC and reads
            # as a date-only feed (the fixed fallback), which made the test fail from 12:00 to 12:59 UTC.
            at = day.replace(hour=hour, minute=5, second=0, microsecond=0).astimezone(UTC)
            out.append(Item(f"Acme Bio update {d}", guid=f"acme-{d}", link=f"https://news.test/{d}", published=at))
    return out


async def test_dates_are_stored_and_the_next_poll_is_the_policys(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    # The habit lies half a day from now, so the policy's answer is a sparse grid point, the same a few
    # seconds either side of the moment the cycle asks.
    hour = (utcnow().astimezone(ZONE).hour + 12) % 24
    releases = _weekday_releases(hour)
    server.static("/feed.xml", rss(releases))
    source = await store.sources.add("rss", server.url("/feed.xml"), "Acme")
    config = CycleConfig(interval_seconds=600, adaptive=True)
    cycle = PollCycle(store, build_watchers(store, fetcher, SourceConfig()), config)
    await cycle.run_once(due_only=False)  # the first poll learns the dates (and announces nothing)
    stored = (await store.publications.for_sources([source.id]))[source.id]
    assert stored == sorted(i.published for i in releases if i.published)

    before = utcnow()
    await cycle.run_once(due_only=False)
    after = utcnow()
    polled = await store.sources.get(source.id)
    everyone = await store.publications.since(before - timedelta(days=365))
    history = History(tuple(stored), build_prior(everyone.values(), before))
    expected = {next_poll_at(history, t, config.budget(), phase=phase_for(source.id)) for t in (before, after)}
    assert polled.next_poll_at in expected  # to the microsecond: the policy's answer, not a jittered interval


async def test_without_adaptive_polling_the_fixed_interval_stays(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    server.static("/feed.xml", rss(_weekday_releases(3)))
    source = await store.sources.add("rss", server.url("/feed.xml"), "Acme")
    cycle = PollCycle(store, build_watchers(store, fetcher, SourceConfig()), CycleConfig(interval_seconds=600))
    before = utcnow()
    await cycle.run_once(due_only=False)
    wait = (await store.sources.get(source.id)).next_poll_at - before
    assert timedelta(seconds=530) <= wait <= timedelta(seconds=670)


def test_the_prior_window_is_a_year() -> None:
    # A guard against silently learning from a decade of archive: dates older than two years are ignored.
    old = History((datetime(2000, 1, 4, 12, tzinfo=UTC),) * 1)
    assert next_poll_at(old, utcnow(), CycleConfig().budget()) - utcnow() > timedelta(seconds=590)


async def test_a_new_feed_is_polled_on_the_prior_and_an_undated_one_at_the_fixed_interval(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    # A feed with no item yet (a new issuer) has nothing of its own to learn from: the next poll is the policy's
    # answer on every source's habits. A feed whose items carry no dates keeps the fixed interval (plus jitter).
    hour = (utcnow().astimezone(ZONE).hour + 12) % 24
    server.static("/dated.xml", rss(_weekday_releases(hour)))
    server.static("/empty.xml", rss([]))
    server.static("/undated.xml", rss([Item("Acme Bio update", guid="u1", link="https://news.test/u1")]))
    await store.sources.add("rss", server.url("/dated.xml"), "Dated")
    empty = await store.sources.add("rss", server.url("/empty.xml"), "New issuer")
    undated = await store.sources.add("rss", server.url("/undated.xml"), "Undated")
    config = CycleConfig(interval_seconds=600, adaptive=True)
    cycle = PollCycle(store, build_watchers(store, fetcher, SourceConfig()), config)
    await cycle.run_once(due_only=False)  # stores the dated feed's dates and the undated feed's item
    before = utcnow()
    await cycle.run_once(due_only=False)  # the prior is built from them now
    after = utcnow()
    everyone = await store.publications.since(before - timedelta(days=365))
    history = History((), build_prior(everyone.values(), before), new=True)
    expected = {next_poll_at(history, t, config.budget(), phase=phase_for(empty.id)) for t in (before, after)}
    assert (await store.sources.get(empty.id)).next_poll_at in expected
    wait = (await store.sources.get(undated.id)).next_poll_at - before
    assert timedelta(seconds=600) <= wait <= timedelta(seconds=661)


async def test_only_a_dated_kind_with_no_item_seen_is_new(store: Store) -> None:
    # A feed's first item makes it a source with a history (dated or not); the registry's records carry no item
    # keys and no times, so a ctgov source never counts as new (it keeps the fixed interval).
    feed = await store.sources.add("rss", "https://news.test/feed.xml", "Feed")
    registry = await store.sources.add("ctgov", "https://clinicaltrials.test/api", "Registry")
    assert await is_new(store, feed)
    assert not await is_new(store, registry)
    await store.seen.add(feed.id, [SeenItem(item_key="u1")], utcnow())
    assert not await is_new(store, feed)

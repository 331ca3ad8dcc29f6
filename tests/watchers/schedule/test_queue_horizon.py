"""The due horizon (issue 16): only polls due soon wait in procrastinate's queue, the reconciler brings in each
source before it is due, for its time, and a source never has two jobs. Real PostgreSQL, real poll cycle against
local feeds, real procrastinate worker."""
from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import procrastinate
import pytest

from storage.clock import to_db
from storage.models import utcnow
from storage.store import Store
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.schedule.poll_cycle import CycleReport
from watchers.schedule.queue import (
    ANALYZE_AFTER,
    POLL_TASK,
    SourceJobs,
    build_queue,
    ensure_queue_schema,
    poll_lock,
)

HORIZON = timedelta(seconds=60)


class Rig:
    def __init__(self, store: Store, queue: procrastinate.App, jobs: SourceJobs) -> None:
        self.store, self.queue, self.jobs = store, queue, jobs

    async def waiting(self) -> dict[int, datetime | None]:
        """Each source's waiting poll job: its time (fails on a source with two)."""
        rows = await self.queue.job_manager.list_jobs_async(task=POLL_TASK, status="todo")
        per_source = Counter(int(job.task_kwargs["source_id"]) for job in rows)  # type: ignore[arg-type]
        assert set(per_source.values()) <= {1}, per_source
        return {int(job.task_kwargs["source_id"]): job.scheduled_at for job in rows}  # type: ignore[arg-type]

    async def set_next_poll(self, source_id: int, at: datetime) -> None:
        await self.store.sources.mark_skipped(source_id, utcnow(), at)


async def _nothing(report: CycleReport) -> None:
    return None


@pytest.fixture
async def rig(pg_url: str, server: LocalServer) -> AsyncIterator[Rig]:
    await ensure_queue_schema(pg_url)
    store = await Store.open(pg_url)
    queue = build_queue(pg_url, max_connections=4)
    async with Fetcher(FetchConfig(timeout_seconds=5, allow_private_addresses=True)) as fetcher:
        jobs = SourceJobs(queue, store, Pipeline(store, fetcher).cycle, _nothing, horizon=HORIZON)
        try:
            async with queue.open_async():
                yield Rig(store, queue, jobs)
        finally:
            await store.close()


async def _sources(rig: Rig, server: LocalServer, offsets: list[float]) -> list[int]:
    """A feed per offset, its source next due that many seconds from now."""
    ids = []
    now = utcnow()
    for n, offset in enumerate(offsets):
        server.static(f"/feed/{n}.xml", rss(items(3, prefix=f"Feed{n} Bio")))
        source = await rig.store.sources.add("rss", server.url(f"/feed/{n}.xml"), f"Feed {n}")
        await rig.set_next_poll(source.id, now + timedelta(seconds=offset))
        ids.append(source.id)
    return ids


async def test_the_queue_holds_only_the_polls_due_within_the_horizon(rig: Rig, server: LocalServer) -> None:
    # Six sources due in the next minute (two overdue), twenty-four later, up to an hour ahead.
    soon = [-30, -1, 5, 20, 40, 55]
    later = [90 + 150 * k for k in range(24)]
    ids = await _sources(rig, server, soon + later)
    now = utcnow()
    assert await rig.jobs.reconcile(now) == len(soon)
    waiting = await rig.waiting()
    assert set(waiting) == set(ids[: len(soon)])
    # Each queued for its own time (the overdue ones at once), not for now.
    by_id = {s.id: s for s in await rig.store.sources.list()}
    for source_id, at in waiting.items():
        due = by_id[source_id].next_poll_at
        assert due is not None
        if due <= now:
            assert at is None or at <= now + timedelta(seconds=1)
        else:
            assert at is not None and abs((at - due).total_seconds()) < 0.01
    # Run again: nothing more, nothing twice.
    assert await rig.jobs.reconcile(now) == 0
    assert len(await rig.waiting()) == len(soon)


async def test_a_source_due_after_the_horizon_is_queued_for_its_time_by_a_later_run(
        rig: Rig, server: LocalServer) -> None:
    [source_id] = await _sources(rig, server, [150])
    due = (await rig.store.sources.get(source_id)).next_poll_at
    assert due is not None
    now = utcnow()
    assert await rig.jobs.reconcile(now) == 0
    assert await rig.waiting() == {}
    # Two reconciler periods later (the runs of a worker every 30 s): within the horizon, queued for its due time.
    assert await rig.jobs.reconcile(now + timedelta(seconds=60)) == 0
    assert await rig.jobs.reconcile(now + timedelta(seconds=100)) == 1
    at = (await rig.waiting())[source_id]
    assert at is not None and abs((at - due).total_seconds()) < 0.01


async def test_concurrent_reconcilers_and_a_job_give_each_source_one_job(rig: Rig, server: LocalServer) -> None:
    ids = await _sources(rig, server, [-5, 10, 30])
    results = await asyncio.gather(*(rig.jobs.reconcile() for _ in range(4)), rig.jobs.defer(ids[1], utcnow()))
    assert sum(results[:4]) + results[4] >= 3
    assert set(await rig.waiting()) == set(ids)
    rows = await rig.queue.job_manager.list_jobs_async(task=POLL_TASK)
    assert Counter(job.queueing_lock for job in rows) == {poll_lock(i): 1 for i in ids}


async def test_a_source_made_due_sooner_is_queued_again_at_the_earlier_time(rig: Rig, server: LocalServer) -> None:
    [source_id] = await _sources(rig, server, [50])
    assert await rig.jobs.reconcile() == 1
    # Made due now by hand (a command): its waiting job is 50 s late; the next run replaces it.
    await rig.set_next_poll(source_id, utcnow() - timedelta(seconds=1))
    assert await rig.jobs.reconcile() == 1
    at = (await rig.waiting())[source_id]
    assert at is None or at <= utcnow()


async def test_a_job_re_defers_its_source_only_within_the_horizon(rig: Rig, server: LocalServer) -> None:
    # Two sources due now; the poll cycle's interval is 600 s (± jitter): beyond a minute's horizon.
    ids = await _sources(rig, server, [-1, -1])
    assert await rig.jobs.reconcile() == 2
    await rig.queue.run_worker_async(wait=False, install_signal_handlers=False, delete_jobs="successful")
    assert rig.jobs.polls == 2
    assert all(s.primed for s in await rig.store.sources.list())
    # Polled, and nothing waits: their next polls are the reconciler's to queue when they come near.
    assert await rig.waiting() == {}
    assert await rig.jobs.reconcile() == 0
    # With a horizon longer than the interval, each job keeps its source's next poll queued, as on main.
    rig.jobs.horizon = timedelta(days=1)
    await rig.jobs.reconcile()
    for source_id in ids:
        await rig.set_next_poll(source_id, utcnow() - timedelta(seconds=1))
    await rig.jobs.reconcile()
    await rig.queue.run_worker_async(wait=False, install_signal_handlers=False, delete_jobs="successful")
    assert rig.jobs.polls == 4
    waiting = await rig.waiting()
    by_id = {s.id: s.next_poll_at for s in await rig.store.sources.list()}
    assert set(waiting) == set(ids)
    for source_id, at in waiting.items():
        due = by_id[source_id]
        assert at is not None and due is not None and abs((at - due).total_seconds()) < 0.01


async def test_the_fetch_index_is_made_on_an_existing_queue(pg_url: str) -> None:
    assert await ensure_queue_schema(pg_url) is True
    store = await Store.open(pg_url)
    try:
        await store.db.write("DROP INDEX milestone_jobs_lock_idx")
        assert await ensure_queue_schema(pg_url) is False  # installed already: only the index is made
        row = await store.db.one("SELECT to_regclass('milestone_jobs_lock_idx') IS NOT NULL")
        assert row == (True,)
    finally:
        await store.close()


async def test_queuing_a_mass_of_sources_refreshes_the_job_tables_statistics(rig: Rig) -> None:
    # A fleet coming due together (or a first start): the planner must know the queue is full of due jobs, else
    # procrastinate's fetch checks every due job's lock before taking one.
    stamp = to_db(utcnow() - timedelta(seconds=5))
    await rig.store.db.write(
        "INSERT INTO sources (kind, url, name, created_at, next_poll_at) "
        "SELECT 'rss', 'http://feeds.invalid/' || g, 'Feed', ?, ? FROM generate_series(1, ?) g",
        (stamp, stamp, ANALYZE_AFTER))
    assert await rig.jobs.reconcile() == ANALYZE_AFTER
    row = await rig.store.db.one(
        "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'procrastinate_jobs'")
    assert row == (True,)

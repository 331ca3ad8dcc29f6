"""Polling shared by worker processes on procrastinate (PostgreSQL only): one job per due source.

- A source's job is deferred with `queueing_lock` and `lock` `poll:<id>`: at most one waits in the queue, and two
  never run at once, whichever worker fetched them. Each job polls its source (the same `PollCycle.poll_one` as a
  single process: isolation, back-off, health notices) and defers the source's next poll itself, at the time the
  store now holds (`next_poll_at`), when that time is within the due horizon. Thousands of sources are thousands of
  small self-rescheduling jobs, not a periodic task each.
- The due horizon (issue 16): only polls due within `horizon` (two reconciler periods) wait in the queue. A source
  whose next poll is later has no job until the reconciler, a period or two before it is due, queues it for its
  time. procrastinate's fetch walks the waiting jobs in (priority, id) order and keeps those due, and each defer
  wakes every worker to fetch; one waiting job per source made both grow with the number of sources.
- A job that finds its source not yet due (a second trigger: the reconciler, a restart) only re-defers it (within
  the horizon; else the reconciler will).
- The store stays the truth: what was polled and when is in `sources`; what must be sent is in the outbox. A job is
  a trigger; `reconcile` queues the sources due within the horizon that have no job (coming due, or their job was
  lost) and `recover_stalled_jobs` puts the jobs of dead workers back in the queue (procrastinate's stalled-job
  recovery: workers send heartbeats; a job whose worker stopped sending them is retried).
"""
from __future__ import annotations

import contextlib
import logging
import select
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import procrastinate
import psycopg
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException, UniqueViolation
from procrastinate.jobs import Job, Status
from procrastinate.schema import SchemaManager
from psycopg_pool import AsyncConnectionPool

from storage.database import NotFoundError
from storage.models import utcnow
from storage.store import Store
from watchers.schedule.poll_cycle import CycleReport, PollCycle

log = logging.getLogger(__name__)

POLL_TASK = "milestone.poll_source"
POLL_QUEUE = "poll"
# How far ahead polls wait in the queue (the worker passes two reconciler periods: a source is queued a period
# before it is due even when one reconciler run is missed).
HORIZON = timedelta(seconds=60)
# A waiting job this much later than its source's next poll is early enough (times go through the store's text).
SCHEDULE_SLACK = timedelta(seconds=1)
# Any fixed 64-bit number: the advisory lock taken to install procrastinate's schema once.
SCHEMA_LOCK = 0x6D696C65717565

DEFER_BATCH = 500
# After queuing this many jobs at once the reconciler has the planner's statistics of the job table refreshed (see
# `reconcile`).
ANALYZE_AFTER = 1000
OnPolled = Callable[[CycleReport], Awaitable[None]]


def poll_lock(source_id: int) -> str:
    return f"poll:{source_id}"


def build_queue(database_url: str, max_connections: int = 10) -> procrastinate.App:
    """The procrastinate app over the store's database (its tables live beside the store's)."""
    connector = procrastinate.PsycopgConnector(conninfo=database_url, min_size=1, max_size=max_connections,
                                               pool_factory=_queue_pool)
    return procrastinate.App(connector=connector)


def _queue_pool(**pool_args: Any) -> AsyncConnectionPool:
    """procrastinate's pool, in autocommit and checked without a round trip.

    Every queue call is one statement (a stored function: fetch, defer, finish); in a transaction it cost BEGIN and
    COMMIT round trips besides, and procrastinate's default check of each borrowed connection (an empty query)
    one more: four round trips for one. Autocommit makes it one; the check below only asks the server when the
    idle connection has something to read (a server that shut down or dropped it says so, or closes it)."""
    # Set on each new connection (not in the pool's connect arguments: procrastinate adds `autocommit` to those
    # for its listening connection, and twice is an error).
    pool_args["configure"] = _autocommit
    pool_args["check"] = _check_idle_connection
    return AsyncConnectionPool(**pool_args)


async def _autocommit(conn: psycopg.AsyncConnection[Any]) -> None:
    await conn.set_autocommit(True)


async def _check_idle_connection(conn: psycopg.AsyncConnection[Any]) -> None:
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    # Nothing is expected on an idle connection: anything readable is the server's goodbye, or an end of file.
    if select.select([conn.fileno()], [], [], 0)[0]:
        await AsyncConnectionPool.check_connection(conn)


# Indexes of ours on procrastinate's job table, for its fetch (`procrastinate_fetch_job_v2`; procrastinate issue
# #1242): for each candidate job it asks whether another job holds the same lock, which its own indexes answer only by
# walking the whole (id, lock) index, once per due job it looks at.
FETCH_INDEXES: dict[str, str] = {
    "milestone_jobs_lock_idx": "CREATE INDEX milestone_jobs_lock_idx ON procrastinate_jobs (lock) WHERE status = "
                               "ANY (ARRAY['todo', 'doing', 'aborting']::procrastinate_job_status[])",
}


async def ensure_queue_schema(database_url: str) -> bool:
    """Install procrastinate's tables once (under an advisory lock, so workers starting together do not race), and
    our indexes on them; returns whether the tables were installed now."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        row = await (await conn.execute("SELECT to_regclass('procrastinate_jobs')")).fetchone()
        installed = row is None or row[0] is None
        if installed:
            await conn.execute(SchemaManager.get_schema())
        for name, create in FETCH_INDEXES.items():
            # Looked up first: CREATE INDEX IF NOT EXISTS would still lock the table against writes.
            found = await (await conn.execute("SELECT to_regclass(%s)", (name,))).fetchone()
            if found is None or found[0] is None:
                await conn.execute(create)  # type: ignore[arg-type]
    return installed


class SourceJobs:
    """The poll task on one procrastinate app, and what defers it."""

    def __init__(self, queue: procrastinate.App, store: Store, cycle: PollCycle, on_polled: OnPolled,
                 horizon: timedelta = HORIZON) -> None:
        self._queue = queue
        self._store = store
        self.horizon = horizon
        self._cycle = cycle
        self._on_polled = on_polled
        self.polls = 0  # jobs that polled (for logs and tests)

        @queue.task(name=POLL_TASK, queue=POLL_QUEUE)
        async def poll_source(source_id: int) -> None:
            await self._run(source_id)

        self._task = poll_source

    async def defer(self, source_id: int, at: datetime | None = None) -> bool:
        """Queue the source's poll (at `at`, or now); False when one is queued already for that time or sooner
        (nothing to add). One queued for later (the source became due sooner: re-enabled, made due by hand) is
        cancelled and queued again at the earlier time."""
        for _ in range(2):
            try:
                await self._task.configure(
                    lock=poll_lock(source_id), queueing_lock=poll_lock(source_id), schedule_at=at,
                ).defer_async(source_id=source_id)
            except AlreadyEnqueued:
                if not await self._cancel_later(source_id, at or utcnow()):
                    return False
                continue
            return True
        return False

    async def _cancel_later(self, source_id: int, at: datetime) -> bool:
        """Cancel the source's queued poll if it is scheduled after `at`; whether one was."""
        manager = self._queue.job_manager
        cancelled = False
        for job in await manager.list_jobs_async(queueing_lock=poll_lock(source_id), status="todo"):
            if job.id is not None and job.scheduled_at is not None and job.scheduled_at > at:
                cancelled |= await manager.cancel_job_by_id_async(job.id, delete_job=True)
        return cancelled

    async def reconcile(self, now: datetime | None = None) -> int:
        """Queue, each for its time, the sources due within the horizon that have no job: coming due, lost (a job
        deleted, a worker's defer that never happened), or never made (a source added by a command). A source whose
        waiting job is later than its next poll (made due by hand, re-enabled) is queued again at the earlier time.
        Returns how many jobs that made."""
        now = now or utcnow()
        due = [s for s in await self._store.sources.due(now + self.horizon) if self._cycle.polls(s)]
        if not due:
            return 0
        # Every poll job running or waiting (the queue holds only the horizon's, a few per second of it): those
        # sources are covered, unless their waiting job is later than they are due.
        rows = await self._queue.connector.execute_query_all_async(
            "SELECT lock, status, scheduled_at FROM procrastinate_jobs WHERE task_name = %(task)s "
            "AND status IN ('todo', 'doing')", task=POLL_TASK,
        )
        running = {row["lock"] for row in rows if row["status"] == "doing"}
        waiting = {row["lock"]: row["scheduled_at"] for row in rows if row["status"] == "todo"}
        fresh: list[tuple[int, datetime | None]] = []
        early: list[tuple[int, datetime | None]] = []
        for source in due:
            lock = poll_lock(source.id)
            at = source.next_poll_at if source.next_poll_at is not None and source.next_poll_at > now else None
            if lock in running:
                continue
            if lock not in waiting:
                fresh.append((source.id, at))
            elif (queued := waiting[lock]) is not None and queued > (at or now) + SCHEDULE_SLACK:
                early.append((source.id, at))
        # In due order: procrastinate takes jobs in id order among the due ones, so the earliest are found first.
        fresh.sort(key=lambda item: item[1] or now)
        made = 0
        for start in range(0, len(fresh), DEFER_BATCH):
            chunk = fresh[start : start + DEFER_BATCH]
            # One INSERT for the lot (tens of thousands of sources after an outage or at first start); when one
            # of them was queued meanwhile (a job's own re-defer) the insert is refused whole, and they are queued
            # one by one.
            try:
                await self._queue.job_manager.batch_defer_jobs_async([
                    self._task.configure(lock=poll_lock(i), queueing_lock=poll_lock(i), schedule_at=at)
                    .make_new_job(source_id=i) for i, at in chunk
                ])
                made += len(chunk)
            except AlreadyEnqueued:
                for source_id, at in chunk:
                    made += await self.defer(source_id, at)
        for source_id, at in early:
            made += await self.defer(source_id, at)
        if made >= ANALYZE_AFTER:
            # Statistics that predate a mass of due jobs (first start, after an outage, a fleet coming due together)
            # make the planner expect few: procrastinate's fetch then checks the lock of every due job before taking
            # one (2,000 due: 15 ms a fetch, 150 ms without our lock index; 16,000: 52 ms, 8 s), until autovacuum
            # gets to the table, up to a minute later. A fresh ANALYZE makes it take the first due job (~2 ms).
            await self._queue.connector.execute_query_async("ANALYZE procrastinate_jobs")
        if made:
            log.info("reconciler: queued the polls of %d sources due within %.0f s", made,
                     self.horizon.total_seconds())
        return made

    async def _defer_within_horizon(self, source_id: int, at: datetime) -> None:
        """Re-defer the source's next poll if it falls within the horizon; a later one is the reconciler's."""
        if at <= utcnow() + self.horizon:
            await self.defer(source_id, at)

    async def _run(self, source_id: int) -> None:
        try:
            source = await self._store.sources.get(source_id)
        except NotFoundError:
            return  # removed since: its polls end with it
        if source.disabled or not self._cycle.polls(source):
            return
        if source.next_poll_at is not None and source.next_poll_at > utcnow():
            # Polled already (this job was a second trigger): keep one job at the next poll time.
            await self._defer_within_horizon(source_id, source.next_poll_at)
            return
        report = await self._cycle.poll_one(source)
        self.polls += 1
        await self._on_polled(report)
        # The next poll as the poll wrote it (not read back: one round trip less per job). A source changed by a
        # command meanwhile (made due, disabled, removed) is the reconciler's or the next job's to see.
        next_poll = (report.next_polls or {}).get(source_id)
        if next_poll is not None:
            await self._defer_within_horizon(source_id, next_poll)


async def recover_stalled_jobs(queue: procrastinate.App, seconds_since_heartbeat: float = 30.0) -> int:
    """Put back in the queue the jobs that workers which stopped sending heartbeats (killed, frozen, cut off)
    left in `doing`; returns how many. A stalled job whose queueing lock is taken meanwhile (the reconciler queued
    its source again) is closed as failed instead: the queued one does its work.

    Safe to run twice at once: a job another run retried first is no longer `doing`, and retrying it again fails
    without changing it (only a queueing-lock conflict closes a job)."""
    manager = queue.job_manager
    recovered = 0
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=seconds_since_heartbeat):
        try:
            await manager.retry_job(job)
            recovered += 1
        except UniqueViolation:
            log.info("stalled job %s (%s) closed: its work is queued again already", job.id, job.task_name)
            with contextlib.suppress(ConnectorException):  # closed meanwhile by another run
                await _close_failed(manager, job)
        except ConnectorException as exc:  # retried meanwhile by another run
            log.debug("stalled job %s not retried: %s", job.id, exc)
    if recovered:
        log.warning("recovered %d jobs left running by stopped workers", recovered)
    return recovered


async def _close_failed(manager: Any, job: Job) -> None:
    assert job.id is not None
    await manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)

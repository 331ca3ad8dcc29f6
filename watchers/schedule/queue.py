"""Polling shared by worker processes on procrastinate (PostgreSQL only): one job per due source.

- A source's job is deferred with `queueing_lock` and `lock` `poll:<id>`: at most one waits in the queue, and two
  never run at once, whichever worker fetched them. Each job polls its source (the same `PollCycle.poll_one` as a
  single process: isolation, back-off, health notices) and defers the source's next poll itself, at the time the
  store now holds (`next_poll_at`). Thousands of sources are thousands of small self-rescheduling jobs, not a
  periodic task each.
- A job that finds its source not yet due (a second trigger: the reconciler, a restart) only re-defers it.
- The store stays the truth: what was polled and when is in `sources`; what must be sent is in the outbox. A job is
  a trigger; `reconcile_sources` re-creates the jobs of sources that are overdue (their job was lost) and
  `recover_stalled_jobs` puts the jobs of dead workers back in the queue (procrastinate's stalled-job recovery:
  workers send heartbeats; a job whose worker stopped sending them is retried).
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
# How late a source may be before the reconciler gives it a new job (its own job may just be waiting for a worker;
# queueing it again then adds nothing, but costs a query).
OVERDUE_GRACE = timedelta(seconds=60)
# Any fixed 64-bit number: the advisory lock taken to install procrastinate's schema once.
SCHEMA_LOCK = 0x6D696C65717565

DEFER_BATCH = 500
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


async def ensure_queue_schema(database_url: str) -> bool:
    """Install procrastinate's tables once (under an advisory lock, so workers starting together do not race);
    returns whether they were installed now."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        row = await (await conn.execute("SELECT to_regclass('procrastinate_jobs')")).fetchone()
        if row is not None and row[0] is not None:
            return False
        await conn.execute(SchemaManager.get_schema())
    return True


class SourceJobs:
    """The poll task on one procrastinate app, and what defers it."""

    def __init__(self, queue: procrastinate.App, store: Store, cycle: PollCycle, on_polled: OnPolled,
                 overdue_grace: timedelta = OVERDUE_GRACE) -> None:
        self._queue = queue
        self._store = store
        self._grace = overdue_grace
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
        """Give a job to every source overdue by more than the grace (its job was lost, or never made: a source
        added by a command); returns how many jobs that made."""
        now = now or utcnow()
        made = 0
        overdue = [s.id for s in await self._store.sources.due(now - self._grace) if self._cycle.polls(s)]
        if overdue:
            # Those whose job is running or waiting its turn already are no business of the reconciler (a backlog
            # after an outage would otherwise be queued again, refused and checked one by one, every run).
            busy = await self._queue.connector.execute_query_all_async(
                "SELECT lock FROM procrastinate_jobs WHERE task_name = %(task)s AND (status = 'doing' OR "
                "(status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= %(now)s)))",
                task=POLL_TASK, now=now,
            )
            taken = {row["lock"] for row in busy}
            overdue = [i for i in overdue if poll_lock(i) not in taken]
        for start in range(0, len(overdue), DEFER_BATCH):
            chunk = overdue[start : start + DEFER_BATCH]
            # One INSERT for the lot (tens of thousands of sources after an outage or at first start); when one
            # of them has a job queued already the insert is refused whole, and they are queued one by one.
            try:
                await self._queue.job_manager.batch_defer_jobs_async([
                    self._task.configure(lock=poll_lock(i), queueing_lock=poll_lock(i)).make_new_job(source_id=i)
                    for i in chunk
                ])
                made += len(chunk)
            except AlreadyEnqueued:
                for source_id in chunk:
                    made += await self.defer(source_id)
        if made:
            log.info("reconciler: queued the polls of %d overdue sources", made)
        return made

    async def _run(self, source_id: int) -> None:
        try:
            source = await self._store.sources.get(source_id)
        except NotFoundError:
            return  # removed since: its polls end with it
        if source.disabled or not self._cycle.polls(source):
            return
        if source.next_poll_at is not None and source.next_poll_at > utcnow():
            # Polled already (this job was a second trigger): keep one job at the next poll time.
            await self.defer(source_id, source.next_poll_at)
            return
        report = await self._cycle.poll_one(source)
        self.polls += 1
        await self._on_polled(report)
        # The next poll as the poll wrote it (not read back: one round trip less per job). A source changed by a
        # command meanwhile (made due, disabled, removed) is the reconciler's or the next job's to see.
        next_poll = (report.next_polls or {}).get(source_id)
        if next_poll is not None:
            await self.defer(source_id, next_poll)


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

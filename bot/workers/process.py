"""`milestone-bot worker`: polls and delivers from the shared procrastinate queue (PostgreSQL); run any number.

Wiring only: poll jobs are `watchers/schedule/queue.py`, delivery jobs `bot/delivery/jobs.py`. Besides them the
queue runs, at most once at a time across all workers (each is a periodic task with a lock):
- the reconciler (every WORKER_RECONCILE_SECONDS): stalled jobs of dead workers back in the queue, a job for every
  source due within the horizon (two periods) that has none, and for every channel with alerts due;
- PDUFA reminders (hourly) and digests (every 5 minutes), as `run` does them on its scheduler.
A lost database connection stops the procrastinate worker: it is started again with back-off, and nothing is lost
(the store holds what is due; the reconciler re-makes the jobs).
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

import procrastinate
import psycopg

from bot.app import App
from bot.delivery.console import ConsoleSink
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.jobs import DeliveryJobs
from bot.workers.sinks import RestSinks, open_rest_sinks
from storage.models import utcnow
from storage.store import StoreError
from watchers.schedule.poll_cycle import CycleReport
from watchers.schedule.queue import SourceJobs, build_queue, ensure_queue_schema, recover_stalled_jobs

log = logging.getLogger(__name__)

RECONCILE_TASK = "milestone.reconcile"
CATALYST_TASK = "milestone.catalysts"
DIGEST_TASK = "milestone.digests"
MAX_RESTART_DELAY = 60.0


@dataclass
class WorkerParts:
    queue: procrastinate.App
    sources: SourceJobs
    deliveries: DeliveryJobs
    sinks: RestSinks


def _reconcile_cron(seconds: int) -> str:
    # procrastinate's cron takes a sixth field for seconds.
    if seconds < 60:
        return f"* * * * * */{seconds}"
    return f"*/{max(1, seconds // 60)} * * * *"


async def build_worker(app: App) -> WorkerParts:
    """The queue with every task registered (and its tables installed once)."""
    settings = app.settings
    if app.store.dialect != "postgres":
        raise StoreError("workers share their work through PostgreSQL: set DATABASE_URL=postgresql://… "
                         "(on SQLite, `milestone-bot run` does everything in one process)")
    await ensure_queue_schema(settings.database_url)
    sinks = await open_rest_sinks(settings)
    for sink in sinks.sinks:
        if isinstance(sink, ConsoleSink):
            await app.store.subscriptions.ensure(sink.platform, sink.channel_id)
    queue = build_queue(settings.database_url, max_connections=min(50, settings.worker_concurrency + 4))
    deliveries = DeliveryJobs(queue, app.store, lambda: sinks.sinks, settings.max_delivery_attempts)

    async def on_polled(report: CycleReport) -> None:
        if report.new_event_ids:
            await deliveries.reconcile()

    # Polls due within two reconciler periods wait in the queue (the due horizon): the reconciler queues each
    # source a period or more before it is due, even when one of its runs is missed.
    horizon = timedelta(seconds=2 * settings.worker_reconcile_seconds)
    sources = SourceJobs(queue, app.store, app.cycle, on_polled, horizon=horizon)
    released: list[asyncio.Task[int]] = []

    def on_facts() -> None:
        # An alert that waited for its release page's facts is due now: a job for its channel (one reconcile at a
        # time; the periodic one catches what a running one missed).
        if not released or released[0].done():
            released[:] = [asyncio.create_task(deliveries.reconcile())]

    if app.watchers.pages is not None:
        app.watchers.pages.on_facts = on_facts

    # No `lock`: a reconciler killed mid-run would hold it, and the stalled-job recovery that frees locks is this
    # task. Each tick is deferred once across workers (procrastinate's periodic defers), and every step is safe to
    # run twice.
    @queue.periodic(cron=_reconcile_cron(settings.worker_reconcile_seconds), periodic_id="reconcile")
    @queue.task(name=RECONCILE_TASK, queueing_lock=RECONCILE_TASK)
    async def reconcile(timestamp: int | None = None) -> None:
        await recover_stalled_jobs(queue, settings.worker_stalled_seconds)
        await sources.reconcile()
        await deliveries.reconcile()

    @queue.periodic(cron="7 * * * *", periodic_id="catalysts")
    @queue.task(name=CATALYST_TASK, queueing_lock=CATALYST_TASK, lock=CATALYST_TASK)
    async def catalysts(timestamp: int | None = None) -> None:
        if await app.catalyst_notices():
            await deliveries.reconcile()

    @queue.periodic(cron="*/5 * * * *", periodic_id="digests")
    @queue.task(name=DIGEST_TASK, queueing_lock=DIGEST_TASK, lock=DIGEST_TASK)
    async def digests(timestamp: int | None = None) -> None:
        dispatcher = Dispatcher(app.store, sinks.sinks, max_attempts=settings.max_delivery_attempts)
        await dispatcher.send_digests(utcnow())

    return WorkerParts(queue, sources, deliveries, sinks)


async def run_worker(app: App, stop: asyncio.Event) -> None:
    """Run jobs until `stop` is set; a lost database restarts the worker with back-off instead of ending it."""
    parts = await build_worker(app)
    settings = app.settings
    name = f"{socket.gethostname()}:{os.getpid()}"
    delay = 1.0
    try:
        while not stop.is_set():
            try:
                async with parts.queue.open_async():
                    await _kick(parts)
                    delay = 1.0
                    await _until_stopped(parts.queue.run_worker_async(
                        concurrency=settings.worker_concurrency, name=name, install_signal_handlers=False,
                        stalled_worker_timeout=settings.worker_stalled_seconds,
                        update_heartbeat_interval=max(1.0, settings.worker_stalled_seconds / 3),
                        fetch_job_polling_interval=1.0,
                        # A finished poll leaves nothing to keep (the store holds what it did): deleting it keeps
                        # the queue at one row per source, not one per poll ever made. Failures stay, to be read.
                        delete_jobs="successful",
                    ), stop)
            except (psycopg.Error, procrastinate.exceptions.ConnectorException, OSError) as exc:
                if stop.is_set():
                    break
                log.warning("worker: database unreachable (%s); retrying in %.0f s", _first_line(exc), delay)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                except TimeoutError:
                    pass
                delay = min(delay * 2, MAX_RESTART_DELAY)
    finally:
        await parts.sinks.close()


async def _kick(parts: WorkerParts) -> None:
    """The reconciler once at start: a new worker (or the first one on a fresh queue) finds the work at once."""
    try:
        await parts.queue.tasks[RECONCILE_TASK].defer_async()
    except procrastinate.exceptions.AlreadyEnqueued:
        pass


async def _until_stopped(work: object, stop: asyncio.Event) -> None:
    """Run the procrastinate worker until it ends (an error) or `stop` is set (then it is cancelled: it stops
    taking jobs and waits for the running ones)."""
    worker = asyncio.ensure_future(work)  # type: ignore[arg-type]
    stopper = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({worker, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if worker in done:
            worker.result()  # re-raise its error (e.g. the database went away)
            raise procrastinate.exceptions.ConnectorException("the worker stopped")
    finally:
        stopper.cancel()
        if not worker.done():
            worker.cancel()
            try:
                await worker
            except (asyncio.CancelledError, Exception):
                pass


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

"""Delivery shared by worker processes on procrastinate (PostgreSQL only): one job per destination channel.

A job is deferred with `lock` and `queueing_lock` `deliver:<platform>:<channel>`: one channel's alerts are sent by
one job at a time, whichever worker runs it, so per-channel order and the platform's per-channel rate limit hold
across processes (and at most one more waits behind it). The outbox row stays the truth: the job drains that
channel's due rows through the same `Dispatcher` as a single process (claims, retries, back-off); a lost job is
re-made by `reconcile`, from the rows still pending.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

from bot.delivery.dispatcher import Dispatcher, DispatchReport
from bot.delivery.sink import Sink
from storage.models import utcnow
from storage.store import Store

log = logging.getLogger(__name__)

DELIVER_TASK = "milestone.deliver"
DELIVER_QUEUE = "deliver"


def channel_lock(platform: str, channel_id: str) -> str:
    return f"deliver:{platform}:{channel_id}"


class DeliveryJobs:
    """The delivery task on one procrastinate app, and what defers it."""

    def __init__(self, queue: procrastinate.App, store: Store, sinks: Callable[[], Sequence[Sink]],
                 max_attempts: int) -> None:
        self._store = store
        self._sinks = sinks
        self._max_attempts = max_attempts
        self.report = DispatchReport()  # what this process's jobs did (logs, tests)

        @queue.task(name=DELIVER_TASK, queue=DELIVER_QUEUE)
        async def deliver(platform: str, channel_id: str) -> None:
            await self._run(platform, channel_id)

        self._task = deliver

    def platforms(self) -> list[str]:
        return [s.platform for s in self._sinks()]

    async def defer(self, platform: str, channel_id: str) -> bool:
        """Queue a drain of this channel; False when one is queued already (it will send the new rows too)."""
        lock = channel_lock(platform, channel_id)
        try:
            await self._task.configure(lock=lock, queueing_lock=lock).defer_async(
                platform=platform, channel_id=channel_id)
        except AlreadyEnqueued:
            return False
        return True

    async def reconcile(self) -> int:
        """A job for every channel with alerts due now (new ones, retries whose time came, a lost job's)."""
        made = 0
        for platform, channel_id in await self._store.outbox.due_channels(self.platforms(), utcnow()):
            made += await self.defer(platform, channel_id)
        return made

    async def _run(self, platform: str, channel_id: str) -> None:
        # A dispatcher per job: its claims are this job's alone (another channel's job runs beside it).
        dispatcher = Dispatcher(self._store, list(self._sinks()), max_attempts=self._max_attempts)
        report = await dispatcher.drain(channel=(platform, channel_id))
        for name in ("sent", "failed", "dead", "rate_limited", "paused"):
            setattr(self.report, name, getattr(self.report, name) + getattr(report, name))

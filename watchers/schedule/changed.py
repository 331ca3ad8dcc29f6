"""A cycle's changed polls, written together: at 100,000 feeds the 10% that changed cost some 30 round trips to
the database each in their own unit of work, most of the cycle's store time once the 304s were grouped (issue 19,
watchers/schedule/not_modified.py). Here `BATCH` of them share one unit of work (`watchers.record.record_outcomes`)."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from storage.models import Source
from storage.store import Store
from watchers.record import record_outcome, record_outcomes
from watchers.sources.base import PollOutcome

log = logging.getLogger(__name__)

BATCH = 50  # polls per unit of work: a few hundred statements, a fraction of a second holding the write lock
MAX_WAIT = 0.25  # seconds a changed poll waits for its batch to fill: its alerts are not held up longer (a cycle
# at 100,000 feeds fills a batch sooner; a tick of a few due sources ends, and writes, sooner)


@dataclass(frozen=True)
class ChangedPoll:
    source: Source
    outcome: PollOutcome
    next_poll_at: datetime


Recorded = Callable[[ChangedPoll, list[int]], None]
Failed = Callable[[ChangedPoll, Exception], Awaitable[None]]


class ChangedWrites:
    """Collects a cycle's polls that changed something and writes each full batch in one unit of work, a batch
    waiting longer than `max_wait` too, and the rest at `close`. A batch the store refused is written again poll by
    poll (`record_outcome`, each its own unit of work), so one poll the store cannot take fails alone: `failed`
    counts it against its source, as an error inside its poll did before. `recorded` gets each poll written with
    the ids of its new events."""

    def __init__(self, store: Store, recorded: Recorded, failed: Failed, batch: int = BATCH,
                 max_wait: float = MAX_WAIT) -> None:
        self._store = store
        self._recorded, self._failed = recorded, failed
        self._batch, self._max_wait = batch, max_wait
        self._pending: list[ChangedPoll] = []
        self._timer: asyncio.TimerHandle | None = None
        self._flushes: set[asyncio.Task[None]] = set()

    async def add(self, poll: ChangedPoll) -> None:
        self._pending.append(poll)
        if len(self._pending) >= self._batch:
            await self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._max_wait, self._flush_late)

    def _flush_late(self) -> None:
        self._timer = None
        task = asyncio.get_running_loop().create_task(self.flush())
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def close(self) -> None:
        """The cycle's end: everything pending is written before this returns."""
        await self.flush()
        while self._flushes:
            await asyncio.gather(*self._flushes)

    async def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        polls, self._pending = self._pending, []
        if not polls:
            return
        try:
            new_ids = await record_outcomes(self._store, [(p.outcome, p.next_poll_at) for p in polls],
                                            {p.source.id: p.source.name for p in polls})
        except Exception as exc:  # nothing of the batch is stored: each poll on its own, so only a bad one fails
            log.warning("could not record %d changed polls together (%s: %s); recording them one by one",
                        len(polls), type(exc).__name__, exc)
            for poll in polls:
                await self._one(poll)
            return
        for poll, ids in zip(polls, new_ids, strict=True):
            self._recorded(poll, ids)

    async def _one(self, poll: ChangedPoll) -> None:
        try:
            ids = await record_outcome(self._store, poll.outcome, poll.next_poll_at)
        except Exception as exc:
            await self._failed(poll, exc)
            return
        self._recorded(poll, ids)

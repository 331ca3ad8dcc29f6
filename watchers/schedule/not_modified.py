"""A cycle's 304s, written together: at 100,000 feeds most polls are "not modified", and one UPDATE (one
transaction, one hop to the database's thread) each was most of the cycle's store time (issue 19)."""
from __future__ import annotations

import logging

from storage.models import Polled
from storage.store import Store

log = logging.getLogger(__name__)

BATCH = 500  # polls per transaction: small enough that a tick's few due sources still go out at the cycle's end


class NotModifiedWrites:
    """Collects 304s and writes each full batch, and the rest when the cycle ends. A batch not written (the store
    failed) loses nothing: those sources keep their old next poll, so the next tick polls them again."""

    def __init__(self, store: Store, batch: int = BATCH) -> None:
        self._store = store
        self._batch = batch
        self._pending: list[Polled] = []

    async def add(self, poll: Polled) -> None:
        self._pending.append(poll)
        if len(self._pending) >= self._batch:
            await self.flush()

    async def flush(self) -> None:
        polls, self._pending = self._pending, []
        if not polls:
            return
        try:
            await self._store.sources.mark_polled_many(polls)
        except Exception as exc:  # the store's trouble: polled again next tick, never a lost cycle
            log.warning("could not record %d sources' 304s (%s: %s); they are polled again next tick",
                        len(polls), type(exc).__name__, exc)

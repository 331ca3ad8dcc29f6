"""Release pages read after the poll, not inside it (issue 19).

A changed feed's poll records its events with the lede's facts and hands their release pages here: one queue per
host, read one at a time and spaced as `ReleasePages` paces them (politeness unchanged: at most one read per
page, never for `other`, the same guarded fetcher). So a wire host's pages, 1 s apart, never hold a poll worker,
and the polls (and the 304s behind them) finish while the pages are still being read.

When a page is read, its facts are worked out (in a worker process when there are some) and stored on the event
(`watchers.record.apply_page_facts`), and the event's deliveries, which waited for them, go at once
(`on_facts` wakes the dispatcher). They wait at most the hold the poll gave them (`RELEASE_PAGE_WAIT_SECONDS`):
after it they go with the lede's facts, and the page's facts still reach the event (cards, `why`, lookups).
A page that cannot be read (one log line) lets its deliveries go at once. Nothing here is persisted: after a
restart the waiting deliveries go when their hold ends, with the lede's facts.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from yarl import URL

from storage.models import NewEvent, Source
from storage.store import Store

# The module, not its names: watchers.record imports watchers.sources.base, whose package builds the watchers
# with this queue, so either may be imported first.
from watchers import record
from watchers.classify import Analysis
from watchers.fetch.http import redact_urls
from watchers.fetch.release_pages import ReleasePages
from watchers.parse.feed import FeedItem
from watchers.parse.pool import FeedParser
from watchers.sources.base import FollowUp
from watchers.sources.rss_work import page_event

log = logging.getLogger(__name__)

DEFAULT_HOLD_SECONDS = 15.0
FACTS_AT_ONCE = 4  # pages of one host whose facts are being worked out and stored while the next is fetched


@dataclass(frozen=True)
class PageRead:
    """An event whose release page is to be read: what its facts are worked out from."""

    url: str
    analysis: Analysis
    item: FeedItem
    source: Source
    lede: NewEvent  # the event as recorded, with the lede's facts


class PageReads:
    def __init__(self, store: Store, pages: ReleasePages, work: FeedParser | None = None,
                 hold_seconds: float = DEFAULT_HOLD_SECONDS) -> None:
        self._store = store
        self._pages = pages
        self._work = work or FeedParser()
        self._hold = hold_seconds
        self._queues: dict[str, deque[tuple[int, PageRead]]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        # Called whenever an event's deliveries were released (the app wakes its dispatcher).
        self.on_facts: Callable[[], None] | None = None
        self.stored = 0  # pages whose facts were stored
        self.last_stored_at: float | None = None  # time.monotonic() of the last (for the benchmark)

    def wants(self, url: str | None) -> bool:
        return bool(url) and self._pages.unasked(url)  # type: ignore[arg-type]

    def follow_up(self, reads: Sequence[PageRead]) -> FollowUp | None:
        """What the poll leaves to do after its transaction: these pages, for the events stored by it."""
        if not reads:
            return None
        return FollowUp(frozenset(r.url for r in reads), self._hold, lambda stored: self.submit(reads, stored))

    def submit(self, reads: Sequence[PageRead], stored: Mapping[str, int]) -> None:
        """Queue the pages of the events stored now (an event stored before, or fused into another, is not read)."""
        for read in reads:
            event_id = stored.get(read.url)
            if event_id is None or not self._pages.unasked(read.url):
                continue
            self._pages.mark_asked(read.url)
            try:
                host = URL(read.url).host or ""
            except ValueError:
                host = ""
            self._queues.setdefault(host, deque()).append((event_id, read))
            self._idle.clear()
            if host not in self._tasks:
                self._tasks[host] = asyncio.create_task(self._drain(host), name=f"release pages {host}")

    @property
    def waiting(self) -> int:
        return sum(len(q) for q in self._queues.values())

    async def settled(self) -> None:
        """Until every queued page was read and its facts stored (tests, one-shot polls, the benchmark)."""
        await self._idle.wait()

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._tasks.clear()
        self._queues.clear()
        self._idle.set()

    async def _drain(self, host: str) -> None:
        """The host's pages one request at a time (paced by ReleasePages); each page's facts are worked out and
        stored while the next page is fetched (a few at once): politeness counts requests, not our own work."""
        queue = self._queues[host]
        working: set[asyncio.Task[None]] = set()
        room = asyncio.Semaphore(FACTS_AT_ONCE)
        try:
            while queue or working:
                if not queue:
                    # Pages queued meanwhile are still this task's: it ends only with nothing queued or working.
                    await asyncio.wait(set(working))
                    continue
                event_id, read = queue.popleft()
                body = await self._read(event_id, read)
                if body is None:
                    continue
                await room.acquire()
                task = asyncio.create_task(self._facts(event_id, read, body))
                working.add(task)
                task.add_done_callback(lambda done: (working.discard(done), room.release()))
        finally:
            for task in working:
                task.cancel()
            self._tasks.pop(host, None)
            if not queue:
                self._queues.pop(host, None)
            if not self._tasks:
                self._idle.set()

    async def _read(self, event_id: int, read: PageRead) -> str | None:
        """The page, or None when it cannot be read (logged once by ReleasePages): then the event's deliveries go
        now, with the lede's facts."""
        try:
            body = await self._pages.read(read.url)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one bad page never stops the host's queue
            log.warning("release page %s not read (%s: %s): facts from the lede only",
                        redact_urls(read.url), type(exc).__name__, exc)
            body = None
        if body is None:
            await self._release(event_id)
        return body

    async def _facts(self, event_id: int, read: PageRead, body: str) -> None:
        try:
            page = await self._work.call(page_event, read.analysis, body, read.item, read.source)
            await record.apply_page_facts(self._store, event_id, read.lede, page)
            self.stored += 1
            self.last_stored_at = time.monotonic()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("release page %s: facts not stored (%s: %s); the alert goes with the lede's facts",
                        redact_urls(read.url), type(exc).__name__, exc)
            await self._release(event_id)
            return
        if self.on_facts is not None:
            self.on_facts()

    async def _release(self, event_id: int) -> None:
        try:
            await record.release_held(self._store, event_id)
        except Exception:  # the store is away: the hold ends by itself
            log.warning("event %s: held deliveries not released (store unavailable); they go when the hold ends",
                        event_id)
            return
        if self.on_facts is not None:
            self.on_facts()

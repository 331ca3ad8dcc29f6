"""Polls one RSS/Atom source: fetch → parse → keep unseen items → classify into events."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from storage.models import PollOutcome, Source
from storage.store import Store
from watchers.classify import ProgramFinder
from watchers.classify.item_events import event_from_item
from watchers.fetch.http import Fetcher
from watchers.parse.pool import FeedParser


class RssWatcher:
    kind = "rss"

    def __init__(
        self, fetcher: Fetcher, store: Store, programs: Callable[[], Awaitable[ProgramFinder]] | None = None,
        parser: FeedParser | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._store = store
        self._programs = programs
        self._parser = parser or FeedParser()

    async def poll(self, source: Source) -> PollOutcome:
        result = await self._fetcher.get(source.url, etag=source.etag, last_modified=source.last_modified)
        if result.not_modified:
            return PollOutcome(source_id=source.id, not_modified=True)
        # feedparser is CPU-bound: keep it off the event loop (a thread, or worker processes).
        feed = await self._parser.parse(result.body)
        keys = [item.key for item in feed.items]
        unseen = set(await self._store.unseen_keys(source.id, keys))
        outcome = PollOutcome(
            source_id=source.id, item_keys=keys, etag=result.etag, last_modified=result.last_modified
        )
        if not source.primed:
            # First poll of a new feed: remember what is there, announce nothing (no backfill flood).
            return outcome
        finder = await self._programs() if self._programs else None
        outcome.events = [event_from_item(i, source, finder) for i in feed.items if i.key in unseen]
        return outcome

"""RSS/Atom feeds: conditional GET, feed items, one classified event per new item."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from storage.models import Source
from watchers.classify import ProgramFinder, analyse
from watchers.classify.item_events import event_from_result
from watchers.fetch.http import Fetcher
from watchers.fetch.release_pages import ReleasePages
from watchers.parse.pool import FeedParser
from watchers.sources.base import Classified, Fetched, Item, feed_events

Programs = Callable[[], Awaitable[ProgramFinder]]


class RssWatcher:
    kind = "rss"
    announces_first_poll = False

    def __init__(
        self, fetcher: Fetcher, programs: Programs | None = None, parser: FeedParser | None = None,
        pages: ReleasePages | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._programs = programs
        self._parser = parser or FeedParser()
        self._pages = pages

    async def fetch(self, source: Source) -> Fetched:
        result = await self._fetcher.get(source.url, etag=source.etag, last_modified=source.last_modified)
        return Fetched(result.body, result.etag, result.last_modified, result.not_modified)

    async def parse(self, source: Source, fetched: Fetched) -> list[Item]:
        # Parsing is CPU-bound: keep it off the event loop (a thread, or worker processes).
        feed = await self._parser.parse(fetched.payload)
        return [Item(i.key, i, i.content_key, i.published_at) for i in feed.items]

    async def classify(self, source: Source, fetched: Fetched, items: list[Item]) -> Classified:
        finder = await self._programs() if self._programs else None
        events = []
        for item in items:
            analysis = analyse(item.data.title, item.data.summary, source.url, finder)
            event = event_from_result(item.data, source, analysis.finish())
            if self._pages is not None and event.kind != "other" and item.data.link:
                # An event: its release page may state what the lede does not (every result, safety, design).
                # Only the facts are redone with it: the title and lede were analysed once, above.
                body = await self._pages.body(item.data.link)
                if body is not None:
                    event = event_from_result(item.data, source, analysis.finish(body))
            events.append(event)
        return feed_events(items, events)


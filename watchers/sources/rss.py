"""RSS/Atom feeds: conditional GET, feed items, one classified event per new item."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from storage.models import Source
from watchers.classify import ProgramFinder
from watchers.fetch.http import Fetcher
from watchers.parse.pool import FeedParser
from watchers.schedule.page_reads import PageRead, PageReads
from watchers.sources.base import Classified, Fetched, Item, fingerprinted_events
from watchers.sources.rss_work import classify_items

Programs = Callable[[], Awaitable[ProgramFinder]]


class RssWatcher:
    kind = "rss"
    announces_first_poll = False

    def __init__(
        self, fetcher: Fetcher, programs: Programs | None = None, parser: FeedParser | None = None,
        pages: PageReads | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._programs = programs
        self._parser = parser or FeedParser()
        self._pages = pages

    async def fetch(self, source: Source) -> Fetched:
        result = await self._fetcher.get(source.url, etag=source.etag, last_modified=source.last_modified)
        return Fetched(result.body, result.etag, result.last_modified, result.not_modified, url=result.url)

    async def parse(self, source: Source, fetched: Fetched) -> list[Item]:
        # Parsing is CPU-bound: keep it off the event loop (a thread, or worker processes). The items the last
        # recorded poll kept, by digest, are not read again (b"": none recorded yet, digests wanted).
        feed = await self._parser.parse(fetched.payload, fetched.url or source.url, source.item_digests or b"")
        digests = feed.digests
        return [*(Item(i.key, i, i.content_key, i.published_at, digests.get(i.key)) for i in feed.items),
                *(Item(key, None, digest=digests[key], unchanged=True) for key in feed.unchanged)]

    async def classify(self, source: Source, fetched: Fetched, items: list[Item]) -> Classified:
        finder = await self._programs() if self._programs else None
        feed_items = [item.data for item in items]
        # The registry's matcher runs here (it lives with the store); the rest of the analysis in the parser's
        # worker processes when there are some (the event loop keeps fetching and storing meanwhile).
        names = [_names(finder, f"{i.title}\n{i.summary}") for i in feed_items] if finder is not None else None
        analysed = await self._parser.call(classify_items, feed_items, source, names)
        reads = [PageRead(event.url, analysis, item, source, event)  # type: ignore[arg-type]
                 for item, (analysis, event) in zip(feed_items, analysed, strict=True)
                 if self._pages is not None and event.kind != "other" and self._pages.wants(event.url)]
        found = fingerprinted_events(items, [event for _, event in analysed])
        # An event's release page may state what the lede does not (every result, safety, design): read after
        # this poll (watchers/schedule/page_reads.py), its deliveries waiting a little for those facts.
        found.follow_up = self._pages.follow_up(reads) if self._pages is not None else None
        return found


def _names(finder: ProgramFinder, text: str) -> list[str] | None:
    try:
        return [str(n) for n in finder.find(text)]
    except Exception:  # a faulty store must not break classification (analyse skips the names too)
        return None

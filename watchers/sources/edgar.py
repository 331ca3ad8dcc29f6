"""SEC EDGAR 8-K filings per sponsor CIK: the press release filed as exhibit 99.1 becomes the event.

The Atom feed names each filing and links its index page; for a new 8-K the watcher opens the index,
finds the EX-99 exhibit and classifies the release's own headline and lede. EDGAR requires a User-Agent
naming a company and a contact, and allows at most 10 requests per second in total: one limiter is
shared by every EDGAR source.
"""
from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Awaitable, Callable
from urllib.parse import urljoin

from storage.models import Source
from watchers.classify import ProgramFinder
from watchers.classify.item_events import event_from_item
from watchers.fetch.http import Fetcher, FetchError
from watchers.fetch.rate_limit import RateLimiter
from watchers.parse.feed import FeedItem, clean_text, parse_feed
from watchers.sources.base import Classified, Fetched, Item, feed_events

_EXHIBIT_LINK = re.compile(r'href="([^"]+\.(?:htm|html|txt))"[^>]*>[^<]*</a>\s*</td>\s*<td[^>]*>\s*EX-99', re.I)
_ANY_EX99 = re.compile(r'href="([^"]*ex-?99[^"]*\.(?:htm|html|txt))"', re.I)
_TAG = re.compile(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", re.I | re.S)
_SPACE = re.compile(r"\s+")


def edgar_feed_url(base: str, cik: str) -> str:
    return (f"{base.rstrip('/')}/cgi-bin/browse-edgar?action=getcompany&CIK={cik.strip().lstrip('0') or '0'}"
            "&type=8-K&dateb=&owner=include&count=40&output=atom")


class EdgarWatcher:
    kind = "edgar"

    announces_first_poll = False

    def __init__(
        self, fetcher: Fetcher, requests_per_second: float = 10.0,
        programs: Callable[[], Awaitable[ProgramFinder]] | None = None,
    ) -> None:
        self._fetcher = fetcher
        # One limiter for every EDGAR source: SEC allows 10 requests per second in total.
        self._limiter = RateLimiter(requests_per_second)
        self._programs = programs

    async def _get(self, url: str, **kw: str | None) -> bytes:
        await self._limiter.wait()
        result = await self._fetcher.get(url, **kw)  # type: ignore[arg-type]
        return result.body if not result.not_modified else b""

    async def fetch(self, source: Source) -> Fetched:
        await self._limiter.wait()
        result = await self._fetcher.get(source.url, etag=source.etag, last_modified=source.last_modified)
        return Fetched(result.body, result.etag, result.last_modified, result.not_modified)

    async def parse(self, source: Source, fetched: Fetched) -> list[Item]:
        feed = await asyncio.to_thread(parse_feed, fetched.payload)
        return [Item(i.key, i, i.content_key, i.published_at) for i in feed.items]

    async def classify(self, source: Source, fetched: Fetched, items: list[Item]) -> Classified:
        """Each new filing's EX-99 press release (headline + lede) is classified, else its Atom entry."""
        finder = await self._programs() if self._programs else None
        events = []
        for item in items:
            release, document = await self._press_release(item.data)
            # The exhibit is the release itself: its whole text is the body the facts come from.
            events.append(event_from_item(release or item.data, source, finder, body=document))
        return feed_events(items, events)

    async def _press_release(self, item: FeedItem) -> tuple[FeedItem | None, str | None]:
        """The EX-99 press release behind a filing as a feed item (headline + lede) and its document, or None."""
        if not item.link:
            return None, None
        try:
            index = (await self._get(item.link)).decode("utf-8", "replace")
            m = _EXHIBIT_LINK.search(index) or _ANY_EX99.search(index)
            if m is None:
                return None, None
            doc = (await self._get(urljoin(item.link, html.unescape(m.group(1))))).decode("utf-8", "replace")
        except FetchError:
            return None, None  # the filing itself still becomes an event from its Atom entry
        headline, lede = release_text(doc)
        if not headline:
            return None, None
        return FeedItem(key=item.key, title=headline, summary=lede, link=item.link, published_at=item.published_at,
                        content_key=item.content_key), doc


def release_text(document: str) -> tuple[str, str]:
    """The press release's headline and first paragraph from an exhibit's HTML."""
    paragraphs = [clean_text(p, 2000) for p in re.split(r"</p>|<br\s*/?>|</div>|</h\d>", document, flags=re.I)]
    lines = [p for p in (_SPACE.sub(" ", _TAG.sub(" ", html.unescape(x))).strip() for x in paragraphs) if p]
    body = [line for line in lines if not re.fullmatch(r"(?i)exhibit\s*99\.?\d*|ex-?99\.?\d*", line)]
    headline = next((line for line in body if 20 <= len(line) <= 300), "")
    rest = body[body.index(headline) + 1 :] if headline else []
    lede = next((line for line in rest if len(line) > 80), "")
    return headline, lede[:2000]

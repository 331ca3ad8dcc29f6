"""The release page behind an event: fetched once, politely, so facts can come from the body as well as the lede.

Only for items already classified as events (never for `other`), through the same guarded fetcher (address guard,
timeout), with a smaller size cap and one request at a time per host, spaced out. Any failure is one log line and
no body: the event is still delivered, with facts from the lede.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, defaultdict

from yarl import URL

from watchers.fetch.http import Fetcher, FetchError, redact_urls

log = logging.getLogger(__name__)

PAGE_MAX_BYTES = 2_000_000  # a press release page is well under this; the feed cap is larger
_REMEMBERED = 20_000  # page URLs remembered as asked for (about 2 MB)
_TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


class ReleasePages:
    def __init__(self, fetcher: Fetcher, per_host_interval: float = 1.0, max_bytes: int = PAGE_MAX_BYTES) -> None:
        self._fetcher = fetcher
        self._interval = per_host_interval
        self._max_bytes = max_bytes
        self._hosts: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._last: dict[str, float] = {}
        # At most one request per page: an item re-classified after an edit is not fetched again.
        self._asked: OrderedDict[str, None] = OrderedDict()

    async def body(self, url: str) -> str | None:
        """The page's HTML or text, or None (logged once) when it cannot or should not be read."""
        if url in self._asked:
            return None
        self.mark_asked(url)
        return await self.read(url)

    def unasked(self, url: str) -> bool:
        """Whether the page was never asked for (`body` would read it)."""
        return url not in self._asked

    def mark_asked(self, url: str) -> None:
        self._asked[url] = None
        if len(self._asked) > _REMEMBERED:
            self._asked.popitem(last=False)

    async def read(self, url: str) -> str | None:
        """`body` for a page already marked as asked for (a queue decided to read it)."""
        try:
            host = URL(url).host or ""
        except ValueError:
            return None
        async with self._hosts[host]:
            wait = self._interval - (time.monotonic() - self._last.get(host, float("-inf")))
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                result = await self._fetcher.get(url, max_bytes=self._max_bytes)
            except FetchError as exc:
                log.warning("release page %s not read (%s): facts from the lede only", redact_urls(url), exc)
                return None
            finally:
                self._last[host] = time.monotonic()
        kind = (result.headers.get("Content-Type") or "text/html").split(";")[0].strip().lower()
        if kind not in _TEXT_TYPES:
            log.warning("release page %s is %s, not a page: facts from the lede only", redact_urls(url), kind)
            return None
        charset = _charset(result.headers.get("Content-Type") or "")
        return result.body.decode(charset, "replace")


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value.strip().strip('"'):
            name = value.strip().strip('"')
            try:
                "".encode(name)
            except LookupError:
                break
            return name
    return "utf-8"

"""Where feed bodies are parsed: in a thread (the default) or in a pool of worker processes.

feedparser is pure Python and CPU-bound, so a thread keeps the event loop responsive but shares the GIL with it.
Worker processes (`PARSE_PROCESSES=N`) parse on other cores while the loop fetches, classifies and stores: on a
2-core machine the 10,000-feed benchmark's first poll takes about 40% less wall time (bench/bench_poll_cycle.py).
Workers are started with "spawn", never forked from a process that runs threads (aiosqlite, discord.py).
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from watchers.parse.feed import FeedParseError, ParsedFeed, parse_feed

log = logging.getLogger(__name__)


class FeedParser:
    def __init__(self, processes: int = 0) -> None:
        self.processes = max(0, processes)
        self._pool: ProcessPoolExecutor | None = None

    async def parse(self, body: bytes, base_url: str | None = None) -> ParsedFeed:
        """parse_feed(body, base_url), off the event loop; raises FeedParseError like parse_feed."""
        if not self.processes:
            return await asyncio.to_thread(parse_feed, body, base_url)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, parse_feed, body, base_url)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): this feed fails, the next parse gets a fresh pool.
            log.warning("a feed parser process died; starting a new pool")
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise FeedParseError("the feed parser process stopped while parsing this feed") from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

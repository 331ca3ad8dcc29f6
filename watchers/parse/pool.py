"""Where feed bodies are parsed: in a thread (the default) or in a pool of worker processes.

feedparser is pure Python and CPU-bound, so a thread keeps the event loop responsive but shares the GIL with it.
Worker processes (`PARSE_PROCESSES=N`) parse on other cores while the loop fetches, classifies and stores: on a
2-core machine the 10,000-feed benchmark's first poll takes about 40% less wall time (bench/bench_poll_cycle.py).
Workers are started with "spawn", never forked from a process that runs threads (aiosqlite, discord.py).
The same workers run other CPU-bound work of a changed feed (`call`: its items' classification, a release
page's facts), so the event loop keeps the fetching, the store and the routing.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ParamSpec, TypeVar

from watchers.parse.feed import FeedParseError, ParsedFeed, parse_feed
from watchers.schedule.heap import loosen_young_collections

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class FeedParser:
    def __init__(self, processes: int = 0) -> None:
        self.processes = max(0, processes)
        self._pool: ProcessPoolExecutor | None = None

    async def parse(self, body: bytes, base_url: str | None = None, known: bytes | None = None) -> ParsedFeed:
        """parse_feed(body, base_url, known), off the event loop; raises FeedParseError like parse_feed."""
        if not self.processes:
            return await asyncio.to_thread(parse_feed, body, base_url, known)
        if self._pool is None:
            self._pool = self._new_pool()
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, parse_feed, body, base_url, known)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): this feed fails, the next parse gets a fresh pool.
            log.warning("a feed parser process died; starting a new pool")
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            raise FeedParseError("the feed parser process stopped while parsing this feed") from None

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """fn(*args) in a worker process; inline without them (as the work ran before workers existed). `fn` is a
        module-level function whose arguments and result pickle. A worker that dies costs only time: the call
        is made again inline and the next one gets a fresh pool."""
        if not self.processes:
            return fn(*args, **kwargs)
        if self._pool is None:
            self._pool = self._new_pool()
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, _apply, fn, args, kwargs)
        except BrokenProcessPool:
            log.warning("a worker process died; running %s here and starting a new pool", fn.__name__)
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            return fn(*args, **kwargs)

    def _new_pool(self) -> ProcessPoolExecutor:
        # A worker allocates as fast as the poll does: the same collector pace (watchers/schedule/heap.py).
        return ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=loosen_young_collections)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _apply(fn: Callable[..., T], args: tuple[object, ...], kwargs: dict[str, object]) -> T:
    return fn(*args, **kwargs)

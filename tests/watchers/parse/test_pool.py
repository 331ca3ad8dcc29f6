"""The parse pool's worker processes (watchers/parse/pool.py)."""
from __future__ import annotations

import gc

from watchers.parse.pool import FeedParser
from watchers.schedule.heap import YOUNG_OBJECTS


async def test_a_worker_collects_its_young_objects_at_the_polling_pace() -> None:
    """A worker parses and classifies as fast as the loop polls: CPython's default (a young collection every 700
    allocations) cost it ~9% of its CPU (watchers/schedule/heap.py)."""
    pool = FeedParser(1)
    try:
        young, _, _ = await pool.call(gc.get_threshold)
        assert young == YOUNG_OBJECTS
    finally:
        pool.close()

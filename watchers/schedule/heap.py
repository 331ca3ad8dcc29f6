"""The garbage collector's pace for a process that polls (issue 19).

A poll cycle allocates many short-lived objects per source (requests, rows, items, events), and CPython's default
of a young collection every 700 allocations made it collect often enough that, at 100,000 feeds, the collector
took ~6 s of the bot process's ~60–80 s of CPU: ~2,800 young collections, ~250 middle ones and 18 full ones, each
full one walking every object the process holds (the classifier's tables, the cycle's sources). With a young
collection every 10,000 allocations the same cycle spent ~1 s collecting and no full collection came due
(bench/bench_poll_cycle.py with the collector's callbacks timed). Only cyclic garbage waits longer: reference
counting still frees everything else at once, and 10,000 young objects are a few MB at most.
"""
from __future__ import annotations

import gc

YOUNG_OBJECTS = 10_000  # allocations (net) between two young collections; CPython's default is 700


def loosen_young_collections() -> None:
    """Collect the young generation every YOUNG_OBJECTS allocations (unless it is set higher already); the older
    generations' thresholds stay as they are."""
    young, middle, old = gc.get_threshold()
    if young and young < YOUNG_OBJECTS:  # 0: collection is off, left off
        gc.set_threshold(YOUNG_OBJECTS, middle, old)

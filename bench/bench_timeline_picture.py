"""Benchmark the programme timeline picture: drawing a PNG (matplotlib, Agg) for a programme with N trials and
a few years of history, and answering the same picture again from the cache.

Prints the first draw (includes matplotlib's font setup), the best of R later draws of new content, the cached
answer, and the PNG's size; ``--json`` prints ``BENCH-RESULT {json}``.

Usage: python bench/bench_timeline_picture.py [--trials 8] [--rounds 10] [--json]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import timeline_picture
from bot.core.timeline import Marker, Slip, Timeline, TrialTimeline

TODAY = date(2026, 12, 7)


def timeline(trials: int, variant: int) -> Timeline:
    """Shaped like a busy programme: each trial recruited, closed, slipped its completion twice."""
    lanes = []
    for i in range(trials):
        start = date(2019 + i % 5, 1 + i % 12, 1)
        lanes.append(TrialTimeline(
            nct_id=f"NCT0{i:07d}", label=f"NCT0{i:07d} (STUDY-{i})",
            statuses=[(start, "NOT_YET_RECRUITING"), (start + timedelta(days=90), "RECRUITING"),
                      (start + timedelta(days=700), "ACTIVE_NOT_RECRUITING")],
            enrollment=[(start, 100 + i), (start + timedelta(days=400), 160 + i + variant),
                        (start + timedelta(days=700), 150 + i)],
            primary_completion=start + timedelta(days=1300),
            slips=[Slip(seen=start + timedelta(days=300), old=start + timedelta(days=1000),
                        new=start + timedelta(days=1150)),
                   Slip(seen=start + timedelta(days=600), old=start + timedelta(days=1150),
                        new=start + timedelta(days=1300))]))
    kinds = ("designation", "readout", "catalyst")
    markers = [Marker(when=date(2019, 6, 1) + timedelta(days=200 * k), kind=kinds[k % 3], label=f"milestone {k}")
               for k in range(10)]
    return Timeline(program="benchmark-mab", today=TODAY, trials=lanes, markers=markers)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    png = await timeline_picture.timeline_png(timeline(args.trials, 0))
    first_ms = (time.perf_counter() - started) * 1000
    draws = []
    for r in range(1, args.rounds + 1):
        started = time.perf_counter()
        await timeline_picture.timeline_png(timeline(args.trials, r))  # new content: drawn, not cached
        draws.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    await timeline_picture.timeline_png(timeline(args.trials, 0))
    cached_ms = (time.perf_counter() - started) * 1000
    result = {"trials": args.trials, "first_ms": round(first_ms, 1), "draw_best_ms": round(min(draws), 1),
              "draw_median_ms": round(sorted(draws)[len(draws) // 2], 1), "cached_ms": round(cached_ms, 2),
              "png_bytes": len(png)}
    if args.json:
        print("BENCH-RESULT " + json.dumps(result))
    else:
        print(f"timeline picture, {args.trials} trials: first draw {result['first_ms']} ms, later draws best "
              f"{result['draw_best_ms']} ms (median {result['draw_median_ms']}), cached {result['cached_ms']} ms, "
              f"PNG {len(png):,} bytes")


if __name__ == "__main__":
    asyncio.run(main())

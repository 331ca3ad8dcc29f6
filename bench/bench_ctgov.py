"""Benchmark: refresh 2,000 watched trials against a local fake of the ClinicalTrials.gov API v2.

Run from the repository root: `python bench/bench_ctgov.py [--trials 2000] [--changed 100]`.
Target: at most 3 HTTP requests and under 10 s wall for 2,000 trials.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage.store import Store
from tests.support.ctgov_fake import FakeCtgov, study
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.schedule.poll_cycle import CycleConfig, PollCycle
from watchers.sources.ctgov.watcher import CtgovWatcher


def nct(i: int) -> str:
    return f"NCT{10_000_000 + i:08d}"


def changed_record(i: int) -> dict:
    # Every fourth kind of change in turn: a slip, enrollment done, a status change, results posted.
    variant = i % 4
    if variant == 0:
        return study(nct(i), primary=("2026-03", "ESTIMATED"), last_update="2025-09-01")
    if variant == 1:
        return study(nct(i), enrollment=(120, "ACTUAL"), status="ACTIVE_NOT_RECRUITING", last_update="2025-09-01")
    if variant == 2:
        return study(nct(i), status="TERMINATED", why_stopped="Sponsor decision", last_update="2025-09-01")
    return study(nct(i), status="COMPLETED", results_posted="2025-08-30", last_update="2025-09-01")


async def run(trials: int, changed: int, interval: float) -> list[tuple[str, int, float, int]]:
    fake = FakeCtgov()
    await fake.start()
    rows = []
    try:
        fake.put(*(study(nct(i), locations=i % 7) for i in range(trials)))
        with tempfile.TemporaryDirectory() as tmp:
            store = await Store.open(f"sqlite:///{tmp}/bench.db")
            async with Fetcher(FetchConfig(timeout_seconds=60, max_bytes=200_000_000,
                                           allow_private_addresses=True)) as fetcher:
                watcher = CtgovWatcher(fetcher, store, interval_seconds=interval)
                cycle = PollCycle(store, [watcher], CycleConfig())
                await store.sources.add("ctgov", fake.base_url, "ClinicalTrials.gov")
                await store.trials.add_watches([nct(i) for i in range(trials)])

                async def poll(label: str) -> None:
                    before = len(fake.requests)
                    started = time.perf_counter()
                    report = await cycle.run_once(due_only=False)
                    assert not report.errors, report.errors
                    rows.append((label, len(fake.requests) - before, time.perf_counter() - started,
                                 len(report.new_event_ids)))

                await poll("first sight (snapshots)")
                await poll("refresh, nothing changed")
                fake.put(*(changed_record(i) for i in range(0, trials, max(1, trials // changed))))
                await poll(f"refresh, {changed} changed")
                await poll("refresh again")
            await store.close()
    finally:
        await fake.stop()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.0, help="pacing between requests (s)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args()
    rows = asyncio.run(run(args.trials, args.changed, args.interval))
    print(f"{args.trials:,} watched trials, local fake API v2, pacing {args.interval:g} s")
    print(f"{'poll':<28} {'requests':>8} {'seconds':>8} {'events':>7}")
    for label, requests, seconds, events in rows:
        print(f"{label:<28} {requests:>8} {seconds:>8.2f} {events:>7}")
    worst_requests = max(r[1] for r in rows)
    worst_seconds = max(r[2] for r in rows)
    ok = worst_requests <= 3 and worst_seconds < 10
    print(f"target (≤ 3 requests, < 10 s): {'met' if ok else 'MISSED'}")
    if args.json:
        print("BENCH-RESULT " + json.dumps({"trials": args.trials, "changed": args.changed, "rows": rows, "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

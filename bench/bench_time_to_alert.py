"""Time to alert: fixed 600 s polling vs the adaptive schedule, replayed on real publication times.

Reads ../shared/corpus/globenewswire_biotech_items.csv (ticker, published_eastern) beside the repository root;
skips cleanly when it is absent. Each ticker is one source. The items are split in time at one date:

* the learning period (older items): the policy's parameters are chosen here only. It is split again at its own
  65th percentile; each candidate parameter set learns on the older part and is scored on the newer part, and
  the set with the best worse-of-both-targets ratio is kept;
* the scored period (newer items): fixed and adaptive are replayed once each, with those parameters.

Each scored item's time to detect is the wait from its publication to the first poll at or after it. The corpus
gives minutes only, so the real publication second is drawn uniformly within the minute (seeded): a poll at
hh:mm:00 does not get to see an item published "at hh:mm" for free. Fixed polling: every 600 s from a random
phase per source (144 requests a day). Adaptive: the real policy, `watchers.schedule.cadence.next_poll_at`, with
the same 144 requests a day; the source's history is its learning items plus the scored items it has already
detected (the dates as seen, as the live scheduler stores them), the prior is all sources' learning items.
The adaptive polls are replayed as the live scheduler makes them: each poll asks for the next one. The replay
starts two hours before each item (the schedule is a fixed grid, so the chain is on it after its first poll);
requests per source per day are counted on a full simulated week per source.

    python bench/bench_time_to_alert.py [--json] [--no-tune]
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CORPUS_CSV, table
from watchers.schedule.cadence import (
    Budget,
    History,
    Params,
    Prior,
    build_prior,
    next_poll_at,
    phase_for,
)

FIXED_SECONDS = 600.0
WARMUP = timedelta(hours=2)
SCORED_SHARE = 0.35  # the newest 35% of all items are scored
Dated = dict[str, list[datetime]]


def load() -> Dated | None:
    if not CORPUS_CSV.exists():
        return None
    by_ticker: defaultdict[str, set[datetime]] = defaultdict(set)
    with CORPUS_CSV.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = (row.get("published_eastern") or "").strip()
            if not text or not row.get("ticker"):
                continue
            try:
                by_ticker[row["ticker"]].add(datetime.strptime(text, "%Y-%m-%d %H:%M:%S%z").astimezone(UTC))
            except ValueError:
                continue
    return {t: sorted(d) for t, d in by_ticker.items()}


def cut_at(dated: Dated, share_after: float) -> datetime:
    everything = sorted(d for ds in dated.values() for d in ds)
    return everything[int(len(everything) * (1 - share_after))]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(waits: list[float], per_day: float) -> dict[str, float]:
    return {"median_s": round(statistics.median(waits), 1), "p95_s": round(percentile(waits, 0.95), 1),
            "max_s": round(max(waits), 1), "requests_per_source_day": round(per_day, 2)}


def true_times(dated: Dated, seed: int = 7) -> dict[str, list[tuple[datetime, datetime]]]:
    """(stated minute, real moment within it) per item."""
    rng = random.Random(seed)
    return {t: [(d, d + timedelta(seconds=rng.uniform(0, 60))) for d in ds] for t, ds in dated.items()}


def fixed_waits(items: dict[str, list[tuple[datetime, datetime]]], start: datetime, end: datetime,
                seed: int = 11) -> list[float]:
    rng = random.Random(seed)
    waits = []
    for _ticker, pairs in sorted(items.items()):
        phase = rng.uniform(0, FIXED_SECONDS)
        for stated, real in pairs:
            if start <= stated < end:
                since = (real.timestamp() - phase) % FIXED_SECONDS
                waits.append(FIXED_SECONDS - since if since else 0.0)
    return waits


def adaptive_waits(items: dict[str, list[tuple[datetime, datetime]]], learn_from: datetime, start: datetime,
                   end: datetime, params: Params, budget: Budget) -> tuple[list[float], Prior]:
    learning = [[s for s, _ in pairs if learn_from <= s < start] for pairs in items.values()]
    prior = build_prior(learning, start)
    waits: list[float] = []
    for source_id, (_ticker, pairs) in enumerate(sorted(items.items()), start=1):
        phase = phase_for(source_id)
        known = [s for s, _ in pairs if learn_from <= s < start]
        for stated, real in pairs:
            if not start <= stated < end:
                continue
            # Dates as seen: the learning items and every scored item detected before this replay starts.
            history = History(tuple(known + [s for s, _ in pairs if start <= s < stated - WARMUP]), prior, params)
            t = next_poll_at(history, real - WARMUP, budget, phase=phase)
            while t < real:
                t = next_poll_at(history, t, budget, phase=phase)
            waits.append((t - real).total_seconds())
    return waits, prior


def adaptive_requests_per_day(items: dict[str, list[tuple[datetime, datetime]]], learn_from: datetime,
                              start: datetime, prior: Prior, params: Params, budget: Budget) -> float:
    """Polls in one simulated week per source (a chain of real calls), per day."""
    total = 0
    for source_id, (_ticker, pairs) in enumerate(sorted(items.items()), start=1):
        history = History(tuple(s for s, _ in pairs if learn_from <= s < start), prior, params)
        t, stop, polls = start, start + timedelta(days=7), 0
        while True:
            t = next_poll_at(history, t, budget, phase=phase_for(source_id))
            if t >= stop:
                break
            polls += 1
        total += polls
    return total / len(items) / 7


def score(fixed: dict[str, float], adaptive: dict[str, float]) -> float:
    """The worse of the two target ratios (median 4× lower, p95 2× lower): below 1 meets both."""
    return max(adaptive["median_s"] * 4 / fixed["median_s"], adaptive["p95_s"] * 2 / fixed["p95_s"])


CANDIDATES = [
    Params(exponent=e, minute_exponent=0.35, hour_prior_weight=16.0, minute_prior_weight=30.0, neighbour_hours=0.5,
           day_pooling=0.5, busy_gap_seconds=gap, busy_threshold=threshold)
    for e in (0.35, 0.5) for gap, threshold in ((0.0, 1.0), (240.0, 1.0), (240.0, 2.0), (360.0, 1.0))
]


def tune(items: dict[str, list[tuple[datetime, datetime]]], first: datetime, cut: datetime,
         budget: Budget) -> tuple[Params, list[dict[str, object]]]:
    """Choose parameters on the learning period alone: learn before `inner`, validate on [inner, cut)."""
    inner = cut_at({t: [s for s, _ in p if s < cut] for t, p in items.items()}, SCORED_SHARE)
    fixed = summary(fixed_waits(items, inner, cut), 86400 / FIXED_SECONDS)
    tried = []
    for params in CANDIDATES:
        waits, _ = adaptive_waits(items, first, inner, cut, params, budget)
        result = summary(waits, budget.requests_per_day)
        tried.append({"params": asdict(params), "score": round(score(fixed, result), 3), **result})
    best = min(tried, key=lambda r: float(r["score"]))  # type: ignore[arg-type]
    return Params(**best["params"]), tried  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one BENCH-RESULT line")
    parser.add_argument("--no-tune", action="store_true", help="use the policy's default parameters")
    args = parser.parse_args()
    dated = load()
    if dated is None:
        print(f"skipped: {CORPUS_CSV} not found (the benchmark needs ../shared/corpus beside the repository)")
        return 0
    started = time.perf_counter()
    items = true_times(dated)
    first = min(d for ds in dated.values() for d in ds)
    cut = cut_at(dated, SCORED_SHARE)
    end = max(d for ds in dated.values() for d in ds) + timedelta(seconds=1)
    budget = Budget(requests_per_day=86400 / FIXED_SECONDS)
    params, tried = (Params(), []) if args.no_tune else tune(items, first, cut, budget)
    fixed = summary(fixed_waits(items, cut, end), 86400 / FIXED_SECONDS)
    waits, prior = adaptive_waits(items, first, cut, end, params, budget)
    adaptive = summary(waits, adaptive_requests_per_day(items, first, cut, prior, params, budget))
    scored_sources = sum(1 for pairs in items.values() if any(cut <= s < end for s, _ in pairs))
    result = {
        "fixed": fixed, "adaptive": adaptive, "sources": scored_sources, "items_scored": len(waits),
        "median_ratio": round(fixed["median_s"] / max(adaptive["median_s"], 0.1), 2),
        "p95_ratio": round(fixed["p95_s"] / max(adaptive["p95_s"], 0.1), 2),
        "learning_period": [first.date().isoformat(), cut.date().isoformat()],
        "scored_period": [cut.date().isoformat(), end.date().isoformat()],
        "params": asdict(replace(params)), "tuned_on": "learning period only" if tried else "defaults",
        "seconds": round(time.perf_counter() - started, 1),
    }
    if args.json:
        print("BENCH-RESULT " + json.dumps(result))
        return 0
    rows = [("sources scored", str(scored_sources)), ("items scored", str(len(waits))),
            ("learning period", " → ".join(result["learning_period"])),  # type: ignore[arg-type]
            ("scored period", " → ".join(result["scored_period"])),  # type: ignore[arg-type]
            ("parameters", f"{params} ({result['tuned_on']})")]
    for key in ("median_s", "p95_s", "max_s", "requests_per_source_day"):
        rows.append((key, f"fixed {fixed[key]:>8}   adaptive {adaptive[key]:>8}"))
    rows.append(("ratio fixed/adaptive", f"median {result['median_ratio']}×, p95 {result['p95_ratio']}×"))
    print(table(rows))
    if tried:
        print("\ncandidates on the learning period's validation part (best 5):")
        for r in sorted(tried, key=lambda r: float(r["score"]))[:5]:  # type: ignore[arg-type]
            print(f"  score {r['score']}  median {r['median_s']}  p95 {r['p95_s']}  {r['params']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

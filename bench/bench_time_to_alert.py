"""Time to alert: fixed 600 s polling vs the adaptive schedule, replayed on real publication times.

Reads ../shared/corpus/globenewswire_biotech_items.csv (ticker, published_eastern) beside the repository root;
skips cleanly when it is absent. Each ticker is one source. The items are split in time at one date:

* the learning period (the older 65 % of items): the policy's parameters are chosen here only, with
  `--validate`, on rolling-origin folds: for each of several origins M (every two months), learn on everything
  before M and validate on [M, M + 2 months), the last fold ending at the split. Each candidate's score on a fold
  is the worse of its two target ratios (median ×4 / fixed's median, p95 ×2 / fixed's p95: below 1 meets both),
  and the candidate with the best mean of its mean and worst fold score is the policy's default (`Params()`).
  `--validate` never replays, computes or prints anything of the scored period;
* the scored period (the newer 35 %): without `--validate`, fixed and adaptive (the policy's defaults) are
  replayed once each. That is the held-out test; it chooses nothing.

Each scored item's time to detect is the wait from its publication to the first poll at or after it. The corpus
gives minutes only, so the real publication second is drawn uniformly within the minute (seeded): a poll at
hh:mm:00 does not get to see an item published "at hh:mm" for free. Fixed polling: every 600 s from a random
phase per source (144 requests a day): the issue's baseline, with no tick lag or jitter. Adaptive: the live
scheduler's path replayed over all sources at once, in time order (`adaptive_replay`): polls on the app's 5-s
ticks; `next_poll_at` asked before each fetch with the source's dates as stored so far (the items it has seen,
the newest KEEP); the prior rebuilt every PRIOR_REFRESH from every source's dates of the last PRIOR_WINDOW, the
items seen since included (`prior_due`, `prior_from`, as `PollCycle` calls them); the live budget
(`CycleConfig(adaptive=True).budget()`: a source without usable dates polls at the fixed interval plus jitter).
Requests per source per day are the polls the replay made in the period.

    python bench/bench_time_to_alert.py [--json]                 the scored period, once, with the defaults
    python bench/bench_time_to_alert.py --validate [--grid NAME] [--workers N]   choose, on the folds only
"""
from __future__ import annotations

import argparse
import csv
import heapq
import json
import math
import multiprocessing
import random
import statistics
import sys
import time
from bisect import insort
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import CORPUS_CSV, table
from storage.repositories.publications import KEEP, PRIOR_SAMPLE
from watchers.schedule.cadence import Budget, History, Params, Prior, next_poll_at, phase_for
from watchers.schedule.poll_cycle import PRIOR_WINDOW, CycleConfig, poll_tick_seconds, prior_due, prior_from

FIXED_SECONDS = 600.0
WARMUP = timedelta(hours=2)


def live_budget() -> Budget:
    """The live scheduler's budget at the default settings (600 s interval, adaptive): 144 requests a day."""
    return CycleConfig(interval_seconds=FIXED_SECONDS, adaptive=True).budget()
SCORED_SHARE = 0.35  # the newest 35% of all items are scored
Dated = dict[str, list[datetime]]
Items = dict[str, list[tuple[datetime, datetime]]]  # per ticker: (stated minute, real moment) of each item


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


@dataclass
class Replayed:
    waits: list[float]  # each scored item's publication → the poll that saw it, seconds
    seen_at: list[float]  # … and that poll's moment (POSIX seconds), in the same order
    requests_per_source_day: float  # polls in [start, end) per source per day, as made
    prior_builds: int  # how many times the prior was rebuilt (every PRIOR_REFRESH, as live)


def adaptive_replay(items: Items, learn_from: datetime, start: datetime, end: datetime, params: Params,
                    budget: Budget, tick: float | None = None) -> Replayed:
    """The live scheduler's adaptive path, replayed over [start, end) for every source at once, in time order.

    What the live bot does (`watchers/schedule/poll_cycle.py`, `watchers/record.py`, `bot/app.py`), step for step:
    * the app polls the due sources every `poll_tick_seconds` (5 s when adaptive): a poll placed at t runs at the
      first tick at or after t, and the next one is asked for from that moment;
    * a cycle first rebuilds the prior when `prior_due` (every PRIOR_REFRESH) from every source's dates of the
      last PRIOR_WINDOW as stored (`prior_from`), the items seen since the last build included;
    * each due source (in id order): `next_poll_at(History(its stored dates, prior), now, budget)` is asked
      *before* the fetch, then the fetch sees every item published by then, whose dates are stored (the newest
      KEEP per source): this poll's items shape the poll after next;
    * the budget is `CycleConfig(adaptive=True).budget()`'s: a source without usable dates polls at the fixed
      interval stretched by up to its jitter.
    A source's history at `start` is its items published before `start` (dates as seen); scored items are those
    published in [start, end). The chains start WARMUP before `start`, each at its phase of the fixed interval."""
    tick = tick or poll_tick_seconds(FIXED_SECONDS, adaptive=True)
    tickers = sorted(items)
    seen: dict[int, list[datetime]] = {}
    pending: dict[int, list[tuple[float, datetime]]] = {}
    for source_id, ticker in enumerate(tickers, start=1):
        pairs = items[ticker]
        seen[source_id] = sorted({s for s, _ in pairs if learn_from <= s < start})[-KEEP:]
        pending[source_id] = sorted((r.timestamp(), s) for s, r in pairs if start <= s < end)
    histories: dict[int, History] = {}
    begin, stop = (start - WARMUP).timestamp(), end.timestamp()
    queue = [(_tick_after(begin + phase_for(i) * FIXED_SECONDS, tick), i) for i in seen]
    heapq.heapify(queue)
    prior: Prior | None = None
    prior_at: datetime | None = None
    builds = polls = 0
    waits: list[float] = []
    seen_at: list[float] = []
    left = sum(len(p) for p in pending.values())
    while queue and (left or queue[0][0] < stop):
        at = queue[0][0]
        due = []
        while queue and queue[0][0] == at:
            due.append(heapq.heappop(queue)[1])
        now = datetime.fromtimestamp(at, UTC)
        if prior_due(prior, prior_at, now):  # the cycle's start (PollCycle.run_once → _refresh_prior)
            prior, prior_at, builds = prior_from(_since(seen, now - PRIOR_WINDOW), now), now, builds + 1
            histories.clear()
        for source_id in sorted(due):  # `sources.due` in id order
            history = histories.get(source_id)
            if history is None:
                # Every corpus item is dated: no dates stored means no item seen yet, a new source
                # (`poll_cycle.is_new`), placed on the prior.
                history = histories[source_id] = History(tuple(seen[source_id]), prior, params,
                                                         new=not seen[source_id])
            following = next_poll_at(history, now, budget, phase=phase_for(source_id)).timestamp()
            if at >= start.timestamp() and at < stop:
                polls += 1
            waiting = pending[source_id]
            found = 0
            while found < len(waiting) and waiting[found][0] <= at:
                found += 1
            if found:  # the fetch: every item published by now; their dates stored after `following` was asked
                for real, stated in waiting[:found]:
                    waits.append(at - real)
                    seen_at.append(at)
                    if stated not in seen[source_id]:
                        insort(seen[source_id], stated)
                del seen[source_id][:-KEEP]
                del waiting[:found]
                left -= found
                histories.pop(source_id, None)
            heapq.heappush(queue, (_tick_after(following, tick), source_id))
    days = (end - start).total_seconds() / 86400
    return Replayed(waits, seen_at, polls / len(seen) / days, builds)


def _tick_after(t: float, tick: float) -> float:
    """The app's first tick at or after t (ticks every `tick` seconds)."""
    return math.ceil(t / tick - 1e-9) * tick


def _since(seen: dict[int, list[datetime]], after: datetime) -> dict[int, list[datetime]]:
    """`publications.since(after)`: every source's stored dates after a moment, the newest PRIOR_SAMPLE."""
    found = {i: [d for d in dates if d > after] for i, dates in seen.items()}
    found = {i: dates for i, dates in found.items() if dates}
    assert sum(len(d) for d in found.values()) <= PRIOR_SAMPLE, "the replay holds fewer dates than the sample"
    return found


def score(fixed: dict[str, float], adaptive: dict[str, float]) -> float:
    """The worse of the two target ratios (median 4× lower, p95 2× lower): below 1 meets both."""
    return max(adaptive["median_s"] * 4 / fixed["median_s"], adaptive["p95_s"] * 2 / fixed["p95_s"])


FOLD_MONTHS = 2
FOLDS = 5


def _months_before(d: datetime, months: int) -> datetime:
    index = d.year * 12 + d.month - 1 - months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def folds(cut: datetime) -> list[tuple[datetime, datetime]]:
    """Rolling origins inside the learning period: [M, M + FOLD_MONTHS) for FOLDS origins M, the last ending at
    the split (so it is a little shorter); each fold learns on everything before its M."""
    last = _months_before(cut, FOLD_MONTHS - 1)
    origins = [_months_before(last, FOLD_MONTHS * k) for k in range(FOLDS - 1, -1, -1)]
    windows = [(m, min(_months_before(m, -FOLD_MONTHS), cut)) for m in origins]
    assert all(b <= cut for _, b in windows), "a validation fold reaches into the scored period"
    return windows


def _grid_params(name: str) -> list[Params]:
    """Design choices evaluated on the folds (see --grid)."""
    base = Params()
    if name == "defaults":
        return [base]
    if name == "shape":  # how much to concentrate, and where the floor of density lies
        return [replace(base, exponent=e, minute_exponent=me, min_share=ms)
                for e in (0.2, 0.35, 0.5) for me in (0.35, 0.5) for ms in (0.0, 0.25, 0.5)]
    if name == "busy":  # the quantile-aware cover: likeliest hours at a capped gap, by share of the budget
        return [replace(base, busy_gap_seconds=gap, busy_share=share)
                for gap in (240.0, 300.0, 360.0) for share in (0.3, 0.45, 0.6, 0.75)]
    if name == "prior":  # a time-of-day ceiling from every source's working hours
        return [replace(base, prior_gap_seconds=gap, prior_threshold=th)
                for gap in (600.0, 900.0, 1200.0) for th in (0.5, 1.0, 2.0)]
    if name == "tail":  # the busy cover, the prior's time-of-day cap and the concentration, jointly
        return [base] + [replace(base, busy_gap_seconds=gap, busy_share=share, prior_gap_seconds=pg, exponent=e)
                         for gap in (240.0, 300.0) for share in (0.45, 0.6, 0.75) for pg in (0.0, 900.0)
                         for e in (0.35, 0.5)]
    if name == "tail2":  # round 2, around round 1's best (busy cover at 360 s, 60 % of the week's polls)
        cover = replace(base, busy_share=0.6)
        return ([replace(cover, busy_gap_seconds=gap, busy_share=share)
                 for gap in (360.0, 420.0, 480.0) for share in (0.5, 0.6, 0.7)]
                + [replace(cover, prior_gap_seconds=900.0, busy_gap_seconds=gap, busy_share=share)
                   for gap, share in ((360.0, 0.6), (420.0, 0.6), (360.0, 0.5))]
                + [replace(cover, exponent=0.5), replace(cover, exponent=0.25),
                   replace(cover, neighbour_hours=1.0), replace(cover, day_pooling=0.8),
                   replace(cover, min_share=0.25), replace(cover, hour_prior_weight=48.0)])
    if name == "tail3":  # round 2 as run (the shared lock was taken until the deadline): two combinations
        cover = replace(base, busy_share=0.6)
        return [replace(cover, prior_gap_seconds=900.0), replace(cover, neighbour_hours=1.0)]
    if name == "p95":  # branch p95, on the replay that plays the live scheduler: round 1 (tail2's open choices)
        return [base,
                replace(base, busy_gap_seconds=420.0, busy_share=0.7),
                replace(base, busy_gap_seconds=480.0, busy_share=0.8),
                replace(base, busy_gap_seconds=360.0, busy_share=0.7),
                replace(base, hour_prior_weight=48.0),
                replace(base, busy_block_minutes=15),  # the cover by quarters of an hour (new on branch p95)
                replace(base, busy_block_minutes=15, busy_gap_seconds=300.0),
                replace(base, busy_block_minutes=10, busy_gap_seconds=300.0, busy_share=0.7)]
    if name == "new":  # branch prior: a new source (no item yet) on the prior, and how much a few dates lean
        before = replace(base, new_on_prior=False)  # on it (shrinkage: the prior counts as this many items)
        return [before, base,
                replace(base, hour_prior_weight=6.0),
                replace(base, hour_prior_weight=48.0),
                replace(base, hour_prior_weight=100.0),
                replace(base, minute_prior_weight=90.0),
                replace(base, hour_prior_weight=48.0, minute_prior_weight=90.0),
                replace(base, busy_gap_seconds=420.0, busy_share=0.7)]  # round 1's close second (p95.md)
    if name == "new2":  # round 2 (after the scored run, for the next session only): the busy cover re-tuned with
        return [replace(base, busy_gap_seconds=gap, busy_share=share)  # new sources on the prior
                for gap, share in ((450.0, 0.75), (480.0, 0.7), (420.0, 0.8), (360.0, 0.8))]
    if name == "smooth":  # shifts by an hour, weekday pooling, how much the prior weighs
        return [replace(base, neighbour_hours=nb, day_pooling=dp, hour_prior_weight=hw)
                for nb in (0.25, 0.5, 1.0) for dp in (0.5, 0.8) for hw in (8.0, 16.0, 48.0)]
    raise SystemExit(f"unknown grid {name!r}")


def _fold_task(task: tuple[Items, datetime, datetime, datetime, Params, Budget]) -> Replayed:
    items, first, start, end, params, budget = task
    return adaptive_replay(items, first, start, end, params, budget)


def validate(items: Items, first: datetime, cut: datetime, budget: Budget, candidates: list[Params],
             workers: int) -> list[dict[str, object]]:
    """Every candidate on every fold of the learning period; nothing at or after `cut` is replayed."""
    windows = folds(cut)
    learning = {t: [(s, r) for s, r in pairs if s < cut] for t, pairs in items.items()}
    fixed = [summary(fixed_waits(learning, a, b), 86400 / FIXED_SECONDS) for a, b in windows]
    tasks = [(learning, first, a, b, params, budget) for params in candidates for a, b in windows]
    if workers > 1:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_fold_task, tasks, chunksize=1)
    else:
        results = [_fold_task(t) for t in tasks]
    out = []
    for c, params in enumerate(candidates):
        per_fold = []
        for f, (a, _b) in enumerate(windows):
            run = results[c * len(windows) + f]
            got = summary(run.waits, run.requests_per_source_day)
            per_fold.append({"origin": a.date().isoformat(), "fixed": fixed[f], "adaptive": got,
                             "score": round(score(fixed[f], got), 3),
                             "median_ratio": round(fixed[f]["median_s"] / max(got["median_s"], 0.1), 2),
                             "p95_ratio": round(fixed[f]["p95_s"] / max(got["p95_s"], 0.1), 2)})
        scores = [float(x["score"]) for x in per_fold]  # type: ignore[arg-type]
        mean, worst = statistics.mean(scores), max(scores)
        out.append({"params": asdict(params), "folds": per_fold, "mean_score": round(mean, 3),
                    "worst_score": round(worst, 3), "objective": round((mean + worst) / 2, 3)})
    return out


def _print_validation(result: list[dict[str, object]], cut: datetime) -> None:
    windows = folds(cut)
    print("folds (learn on everything before the origin, validate the window; all before the split "
          f"{cut.date()}):")
    first = result[0]["folds"]  # type: ignore[index]
    for (a, b), f in zip(windows, first, strict=True):  # type: ignore[arg-type]
        print(f"  {a.date()} → {b.date()}  fixed median {f['fixed']['median_s']} p95 {f['fixed']['p95_s']}")
    default = asdict(Params())
    for r in sorted(result, key=lambda r: float(r["objective"])):  # type: ignore[arg-type]
        changed = {k: v for k, v in r["params"].items() if v != default[k]}  # type: ignore[attr-defined]
        cells = "  ".join(f"{f['adaptive']['median_s']:>5}/{f['adaptive']['p95_s']:>6}"
                          for f in r["folds"])  # type: ignore[attr-defined]
        print(f"objective {r['objective']:<6} mean {r['mean_score']:<6} worst {r['worst_score']:<6} "
              f"median/p95 per fold: {cells}  {changed or 'defaults'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one BENCH-RESULT line")
    parser.add_argument("--no-tune", action="store_true", help="kept for old callers: the scored run always uses "
                        "the policy's defaults, chosen with --validate")
    parser.add_argument("--validate", action="store_true",
                        help="choose on rolling folds of the learning period only; the scored period is not run")
    parser.add_argument("--grid", default="defaults", help="candidates for --validate: defaults, shape, busy, new, "
                        "prior, smooth")
    parser.add_argument("--workers", type=int, default=1, help="processes for --validate")
    args = parser.parse_args()
    dated = load()
    if dated is None:
        print(f"skipped: {CORPUS_CSV} not found (the benchmark needs ../shared/corpus beside the repository)")
        return 0
    started = time.perf_counter()
    items = true_times(dated)
    first = min(d for ds in dated.values() for d in ds)
    cut = cut_at(dated, SCORED_SHARE)
    budget = live_budget()
    if args.validate:
        found = validate(items, first, cut, budget, _grid_params(args.grid), args.workers)
        if args.json:
            print("BENCH-RESULT " + json.dumps({"validation": found, "seconds":
                                                round(time.perf_counter() - started, 1)}))
        else:
            _print_validation(found, cut)
            print(f"({time.perf_counter() - started:.0f} s; the scored period was not run)")
        return 0
    end = max(d for ds in dated.values() for d in ds) + timedelta(seconds=1)
    params = Params()
    fixed = summary(fixed_waits(items, cut, end), 86400 / FIXED_SECONDS)
    run = adaptive_replay(items, first, cut, end, params, budget)
    waits = run.waits
    adaptive = summary(waits, run.requests_per_source_day)
    scored_sources = sum(1 for pairs in items.values() if any(cut <= s < end for s, _ in pairs))
    result = {
        "fixed": fixed, "adaptive": adaptive, "sources": scored_sources, "items_scored": len(waits),
        "median_ratio": round(fixed["median_s"] / max(adaptive["median_s"], 0.1), 2),
        "p95_ratio": round(fixed["p95_s"] / max(adaptive["p95_s"], 0.1), 2),
        "learning_period": [first.date().isoformat(), cut.date().isoformat()],
        "scored_period": [cut.date().isoformat(), end.date().isoformat()],
        "params": asdict(params), "tuned_on": "rolling folds of the learning period (--validate)",
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Run every benchmark, each in its own process, and print one table.

Run from the repository root: `python bench/run_all.py` (full sizes, about 3 minutes on 2 cores),
`python bench/run_all.py --repeat 3` (each benchmark three times: the best run and the spread) or
`python bench/run_all.py --quick` (reduced sizes, for a smoke run). Each script also runs on its own and prints
its own detailed table; this runner collects the one JSON line each prints with `--json`.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def bench(script: str, *args: str) -> dict[str, Any] | None:
    cmd = [sys.executable, str(ROOT / "bench" / script), *args, "--json"]
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    result = None
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            result = json.loads(line.removeprefix("BENCH-RESULT "))
    if result is None:
        print(f"{script} failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}",
              file=sys.stderr)
        return None
    result["_seconds"] = time.perf_counter() - started
    print(f"  {script} done in {result['_seconds']:.0f} s", file=sys.stderr)
    return result


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def spread(values: list[float], fmt: str) -> str:
    """` (runs: a–b)` when a benchmark ran more than once: the machine is shared, so the spread is shown."""
    if len(values) < 2:
        return ""
    return f" (runs: {format(min(values), fmt)}–{format(max(values), fmt)})"


def best_of(runs: list[dict[str, Any]], key: Any, highest: bool = False) -> dict[str, Any]:
    return (max if highest else min)(runs, key=key)


def rows_for(results: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str, str, str]]:
    """One row per figure: the best run, and the spread over the runs when there were several."""
    rows: list[tuple[str, str, str, str]] = []
    if polls := results.get("poll"):
        p = polls[0]
        for i, c0 in enumerate(p["cycles"]):
            walls = [r["cycles"][i]["wall"] for r in polls]
            c = min((r["cycles"][i] for r in polls), key=lambda c: c["wall"])
            rows.append((f"poll cycle, {p['feeds']:,} feeds (c={c0['concurrency']})",
                         f"{c['wall']:.1f} s wall{spread(walls, '.1f')}, peak RSS {c['peak_rss']:.0f} MB "
                         f"({c['not_modified']:,} × 304, {c['events']:,} events)",
                         "< 60 s, < 400 MB", verdict(c["wall"] < 60 and c["peak_rss"] < 400)))
        pr = min((r["priming"] for r in polls), key=lambda x: x["wall"])
        rows.append(("  priming cycle (first poll, not a target)",
                     f"{pr['wall']:.1f} s wall{spread([r['priming']['wall'] for r in polls], '.1f')}, "
                     f"peak RSS {pr['peak_rss']:.0f} MB", "", ""))
        peak = max(r["peak_rss_process"] for r in polls)
        rows.append(("  bot process peak RSS, whole run (worst)", f"{peak:.0f} MB", "< 400 MB", verdict(peak < 400)))
        o = min((r["overhead"] for r in polls), key=lambda o: o["ratio"])
        ratios = [x for r in polls for x in r["overhead"]["ratios"]]
        # Over the parser each feed actually took (fast path or feedparser: the mix of real shapes decides).
        used = o.get("used_cpu", o["parse_cpu"])
        rows.append((f"overhead over the parser used ({o['feeds']:,} changed feeds)",
                     f"{o['ratio']:.2f}×{spread(ratios, '.2f')} ({o['bot_cpu'] / o['feeds'] * 1000:.2f} vs "
                     f"{used / o['feeds'] * 1000:.2f} ms CPU/feed)", "≤ 1.5×", verdict(o["ratio"] <= 1.5)))
        if paths := min(polls, key=lambda r: r["overhead"]["ratio"]).get("paths"):
            total = paths["fast"]["items"] + paths["feedparser"]["items"]
            rows.append(("  items on the fast path / feedparser",
                         f"{paths['fast']['items'] / total:.0%} / {paths['feedparser']['items'] / total:.0%}"
                         f" (over feedparser alone: {o['ratio_feedparser']:.2f}×)", "", ""))
    if runs := results.get("ctgov"):
        worsts = [max(r[2] for r in c["rows"]) for c in runs]
        c = runs[worsts.index(min(worsts))]
        requests = max(r[1] for r in c["rows"])
        rows.append((f"ClinicalTrials.gov refresh, {c['trials']:,} trials",
                     f"worst poll {min(worsts):.2f} s{spread(worsts, '.2f')}, {requests} requests",
                     "< 10 s, ≤ 3 requests", verdict(c["ok"])))
    if runs := results.get("match"):
        m = best_of(runs, lambda m: m["seconds"])
        rows.append((f"programme matching, {m['aliases']:,} aliases × {m['items']:,} items",
                     f"{m['seconds']:.3f} s{spread([r['seconds'] for r in runs], '.3f')} "
                     f"({m['items'] / m['seconds']:,.0f} items/s)", "< 1 s", verdict(m["seconds"] < 1)))
    if runs := results.get("lookup"):
        lk = best_of(runs, lambda r: r["p95"])
        rows.append((f"lookup, {lk['events']:,} events / {lk['programs']:,} programmes",
                     f"p50 {lk['p50']:.1f} ms, p95 {lk['p95']:.1f} ms{spread([r['p95'] for r in runs], '.1f')}",
                     "p95 < 50 ms", verdict(lk["p95"] < 50)))
    if runs := results.get("delivery"):
        d = best_of(runs, lambda r: r["rate"], highest=True)
        over = max(r["over_limit"] for r in runs)
        rows.append((f"Discord delivery, {d['channels']} channels, {d['limit']}/{d['window']:g} s each",
                     f"{d['rate']:.0f}/s{spread([r['rate'] for r in runs], '.0f')} "
                     f"({d['rate'] / d['ceiling']:.0%} of the {d['ceiling']:.0f}/s ceiling), {over} × 429",
                     "0 × 429", verdict(over == 0 and all(r["failed"] == 0 for r in runs))))
    for name, value in results.items():
        if not value:
            rows.append((name, "FAILED (see stderr)", "", "MISSED"))
    return rows


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    head = ("benchmark", "result", "target", "")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    line = " | ".join
    print("| " + line(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + line(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="reduced sizes (1,000 feeds, 20,000 events)")
    ap.add_argument("--concurrency", default="64", help="poll-cycle concurrency values, comma-separated")
    ap.add_argument("--only", help="comma-separated subset: poll,ctgov,match,lookup,delivery")
    ap.add_argument("--repeat", type=int, default=1, help="runs per benchmark: the best is shown, with the spread")
    a = ap.parse_args()
    feeds = "1000" if a.quick else "10000"
    events = "20000" if a.quick else "100000"
    plan = {
        "poll": ("bench_poll_cycle.py", "--feeds", feeds, "--concurrency", a.concurrency),
        "ctgov": ("bench_ctgov.py", "--trials", "2000"),
        "match": ("bench_program_match.py",),
        "lookup": ("bench_lookup.py", "--events", events),
        "delivery": ("bench_delivery.py",),
    }
    wanted = a.only.split(",") if a.only else list(plan)
    results: dict[str, list[dict[str, Any]]] = {}
    for name in wanted:
        runs = [bench(*plan[name]) for _ in range(max(1, a.repeat))]
        results[name] = [r for r in runs if r is not None] if all(runs) else []
    print_table(rows_for(results))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark, each in its own process, and print one table.

Run from the repository root: `python bench/run_all.py` (full sizes, a few minutes on 2 cores) or
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


def rows_for(results: dict[str, dict[str, Any] | None]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    if (p := results.get("poll")) is not None:
        for c in p["cycles"]:
            rows.append((f"poll cycle, {p['feeds']:,} feeds (c={c['concurrency']})",
                         f"{c['wall']:.1f} s wall, peak RSS {c['peak_rss']:.0f} MB "
                         f"({c['not_modified']:,} × 304, {c['events']:,} events)",
                         "< 60 s, < 400 MB", verdict(c["wall"] < 60 and c["peak_rss"] < 400)))
        pr = p["priming"]
        rows.append(("  priming cycle (first poll, not a target)",
                     f"{pr['wall']:.1f} s wall, peak RSS {pr['peak_rss']:.0f} MB", "", ""))
        rows.append(("  bot process peak RSS, whole run", f"{p['peak_rss_process']:.0f} MB", "< 400 MB",
                     verdict(p["peak_rss_process"] < 400)))
        o = p["overhead"]
        rows.append((f"overhead over feedparser ({o['feeds']:,} changed feeds)",
                     f"{o['ratio']:.2f}× ({o['bot_cpu'] / o['feeds'] * 1000:.2f} vs "
                     f"{o['parse_cpu'] / o['feeds'] * 1000:.2f} ms CPU/feed)", "≤ 1.5×", verdict(o["ratio"] <= 1.5)))
    if (c := results.get("ctgov")) is not None:
        worst = max(r[2] for r in c["rows"])
        requests = max(r[1] for r in c["rows"])
        rows.append((f"ClinicalTrials.gov refresh, {c['trials']:,} trials",
                     f"worst poll {worst:.2f} s, {requests} requests", "< 10 s, ≤ 3 requests", verdict(c["ok"])))
    if (m := results.get("match")) is not None:
        rows.append((f"programme matching, {m['aliases']:,} aliases × {m['items']:,} items",
                     f"{m['seconds']:.3f} s ({m['items'] / m['seconds']:,.0f} items/s)", "< 1 s",
                     verdict(m["seconds"] < 1)))
    if (lk := results.get("lookup")) is not None:
        rows.append((f"lookup, {lk['events']:,} events / {lk['programs']:,} programmes",
                     f"p50 {lk['p50']:.1f} ms, p95 {lk['p95']:.1f} ms", "p95 < 50 ms", verdict(lk["p95"] < 50)))
    if (d := results.get("delivery")) is not None:
        rows.append((f"Discord delivery, {d['channels']} channels, {d['limit']}/{d['window']:g} s each",
                     f"{d['rate']:.0f}/s ({d['rate'] / d['ceiling']:.0%} of the {d['ceiling']:.0f}/s ceiling), "
                     f"{d['over_limit']} × 429", "0 × 429", verdict(d["over_limit"] == 0 and d["failed"] == 0)))
    for name, value in results.items():
        if value is None:
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
    results = {name: bench(*plan[name]) for name in wanted}
    print_table(rows_for(results))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

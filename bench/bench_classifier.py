"""Benchmark the headline classifier on the real GlobeNewswire feed items (one core, one process).

Reads ../shared/corpus/globenewswire_biotech_items.csv (beside the repository root) and prints items, seconds,
items/s and the label distribution. Skips with a message when the file is absent.

Each item is classified from its title and lede (the rules, the learned label model, language detection, facts).
``--json`` prints one ``BENCH-RESULT {json}`` line instead of the table.

Usage: python bench/bench_classifier.py [path/to/items.csv] [--repeat N] [--json]
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from watchers.classify import classify

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CSV_PATH = SHARED / "corpus" / "globenewswire_biotech_items.csv"
TARGET_ITEMS_PER_S = 5_000


def load(path: Path) -> list[tuple[str, str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = csv.DictReader(f)
        return [(r.get("title") or "", r.get("summary") or "", r.get("link") or "") for r in rows]


def run(items: list[tuple[str, str, str]], repeat: int = 3) -> tuple[float, Counter[str]]:
    """Best-of-``repeat`` wall time for classifying all items once, and the label distribution."""
    for title, summary, link in items[:50]:  # warm up
        classify(title, summary, link)
    best = float("inf")
    labels: Counter[str] = Counter()
    for _ in range(repeat):
        labels = Counter()
        t0 = time.perf_counter()
        for title, summary, link in items:
            c = classify(title, summary, link)
            labels[f"{c.label}/{c.subtype}"] += 1
        best = min(best, time.perf_counter() - t0)
    return best, labels


def main(argv: list[str]) -> int:
    repeat = 3
    args = list(argv)
    as_json = "--json" in args
    if as_json:
        args.remove("--json")
    if "--repeat" in args:
        i = args.index("--repeat")
        repeat = int(args[i + 1])
        del args[i : i + 2]
    path = Path(args[0]) if args else CSV_PATH
    if not path.exists():
        print(f"skipped: {path} not found (the benchmark needs ../shared/corpus beside the repository)")
        return 0
    items = load(path)
    seconds, labels = run(items, repeat)
    rate = len(items) / seconds if seconds else float("inf")
    if as_json:
        print("BENCH-RESULT " + json.dumps({"name": "classifier", "items": len(items), "seconds": round(seconds, 3),
                                            "items_per_s": round(rate), "target_items_per_s": TARGET_ITEMS_PER_S}))
        return 0
    print(f"{'items':<28}{len(items):>10}")
    print(f"{'seconds (best of ' + str(repeat) + ')':<28}{seconds:>10.3f}")
    print(f"{'items/s (one core)':<28}{rate:>10.0f}   target >= {TARGET_ITEMS_PER_S}")
    print()
    print(f"{'label/subtype':<36}{'count':>7}{'share':>8}")
    for key, n in labels.most_common():
        print(f"{key:<36}{n:>7}{n / len(items):>8.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

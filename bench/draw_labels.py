"""Draw unlabelled train-period corpus items at random (seeded) for blind labelling.

Usage: python bench/draw_labels.py --seed N --n COUNT [--before 2024-08-06] > /tmp/draw.tsv

Prints link, date, title and the first characters of the lede of COUNT items chosen at random (``random.Random``
with the seed) among the corpus items not yet in tests/data/stream_labels.csv and published before ``--before``
(the frozen test split starts there). It never runs the classifier: labels are decided from this text alone, written
to a file and committed before the classifier is run on them. The output holds corpus text: keep it out of the
repository (write it under /tmp).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stream_data import CORPUS_CSV, load_labels

TEST_FROM = "2024-08-06"


def draw(seed: int, n: int, before: str = TEST_FROM) -> list[dict[str, str]]:
    labelled = {r["link"] for r in load_labels()}
    with CORPUS_CSV.open(newline="", encoding="utf-8") as f:
        pool = [r for r in csv.DictReader(f)
                if r["link"] not in labelled and (r.get("published_eastern") or "")[:10] < before]
    pool.sort(key=lambda r: r["link"])  # a fixed order, whatever the CSV's
    return random.Random(seed).sample(pool, min(n, len(pool)))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--before", default=TEST_FROM, help="only items published before this date (train period)")
    ap.add_argument("--lede", type=int, default=400, help="characters of the lede to print")
    args = ap.parse_args(argv)
    if args.before > TEST_FROM:
        print(f"refused: items from {TEST_FROM} on are the frozen test period")
        return 2
    if not CORPUS_CSV.exists():
        print(f"skipped: {CORPUS_CSV} not found")
        return 0
    for i, r in enumerate(draw(args.seed, args.n, args.before)):
        lede = " ".join((r.get("summary") or "").split())[: args.lede]
        print(f"#{i}\t{r['link']}\t{r['published_eastern']}\n  T: {r['title']}\n  L: {lede}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

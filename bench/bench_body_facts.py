"""Benchmark fact extraction from a release body: a generated ~30 KB HTML release page, one core.

Times ``classify(title, lede, body=page)`` minus ``classify(title, lede)`` (the body's share: HTML parsing and
facts), best of N rounds, and prints the figure; ``--json`` prints ``BENCH-RESULT {json}`` for run_all-style
collection. Target: <= 5 ms per page.

Usage: python bench/bench_body_facts.py [--kb 30] [--rounds 50] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from watchers.classify import classify

TARGET_MS = 5.0
TITLE = "Northgate Bio Announces Positive Topline Results From Phase 3 HARBOR Trial of NGB-101"
LEDE = "Northgate Bio today announced topline results from the randomized Phase 3 HARBOR trial of NGB-101."

_SENTENCES = (
    "The trial met its primary endpoint: median progression-free survival of {a}.{b} months versus {c}.{b} months "
    "(hazard ratio 0.{d}; p&lt;0.001) in {n} patients with second-line multiple myeloma.",
    "The objective response rate was {p}% in patients with high-risk disease and {q}% across {n} evaluable patients.",
    "Grade 3 or higher neutropenia occurred in {r}% of patients; no grade &#8805;3 CRS or ICANS was observed.",
    "Median overall survival was not reached; the 24-month OS rate was {p}%.",
    "NGB-101 was generally well tolerated, with a safety profile consistent with earlier studies.",
    "Following a Type B meeting, the FDA agreed that the HARBOR data could support a BLA submission.",
    "Northgate Bio is a clinical-stage company developing medicines for people living with blood cancers, "
    "with operations in Boston and Basel and a pipeline of {n} programmes.",
    "This press release contains forward-looking statements within the meaning of the Private Securities "
    "Litigation Reform Act of 1995, including statements about the timing of regulatory submissions.",
)


def make_page(kb: int = 30, seed: int = 7) -> str:
    """A release page of about ``kb`` kilobytes: head, navigation, script, paragraphs of release prose."""
    rng = random.Random(seed)
    head = ("<!doctype html><html><head><meta charset='utf-8'><title>Northgate Bio release</title>"
            "<style>body{font-family:sans-serif} .nav{display:flex}</style>"
            "<script>window.dataLayer=[];function gtag(){dataLayer.push(arguments)}</script></head><body>"
            "<nav class='nav'><a href='/'>Home</a><a href='/news'>News</a><a href='/ir'>Investors</a></nav>"
            f"<article><h1>{TITLE}</h1>")
    parts = [head]
    size = len(head)
    while size < kb * 1024 - 200:
        s = rng.choice(_SENTENCES).format(a=rng.randint(5, 20), b=rng.randint(0, 9), c=rng.randint(3, 9),
                                          d=rng.randint(40, 90), n=rng.randint(20, 600), p=rng.randint(10, 95),
                                          q=rng.randint(10, 95), r=rng.randint(1, 30))
        p = f"<p>{s} {rng.choice(_SENTENCES[-2:])}</p>"
        parts.append(p)
        size += len(p)
    parts.append("</article><footer><p>&copy; Northgate Bio</p></footer></body></html>")
    return "".join(parts)


def run(kb: int, rounds: int) -> dict[str, float]:
    page = make_page(kb)
    classify(TITLE, LEDE, body=page)  # warm up (imports, regex compilation)
    with_body = without = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        classify(TITLE, LEDE, body=page)
        t1 = time.perf_counter()
        classify(TITLE, LEDE)
        t2 = time.perf_counter()
        with_body = min(with_body, t1 - t0)
        without = min(without, t2 - t1)
    return {"page_kb": round(len(page.encode()) / 1024, 1), "classify_with_body_ms": round(with_body * 1e3, 3),
            "classify_without_body_ms": round(without * 1e3, 3),
            "body_facts_ms": round((with_body - without) * 1e3, 3), "target_ms": TARGET_MS}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = run(args.kb, args.rounds)
    if args.json:
        print("BENCH-RESULT " + json.dumps({"name": "body_facts", **res}))
    else:
        for k, v in res.items():
            print(f"{k:<28}{v:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

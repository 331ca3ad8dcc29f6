"""Programme matching at scale: 1,000 programmes × 5 aliases over 10,000 items (target: under 1 s).

Run: .venv/bin/python bench/bench_program_match.py
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import corpus_rows, fake_code, fake_drug, table
from watchers.classify.program_match import ProgramMatcher


def main(as_json: bool = False) -> None:
    rng = random.Random(7)
    rows = []
    names = []
    for i in range(1000):
        name = fake_drug(rng) + str(i)
        aliases = [name, fake_code(rng), fake_drug(rng) + f"x{i}", f"{fake_drug(rng)}-{i} brand", fake_code(rng)]
        names.append(aliases)
        rows.extend((name, a, False, []) for a in aliases)
    real = corpus_rows()
    base = [f"{r['title']} {r['summary']}" for r in real] if real else [
        " ".join(fake_drug(rng) for _ in range(40)) for _ in range(500)
    ]
    texts = []
    for i in range(10_000):
        text = base[i % len(base)]
        if i % 3 == 0:  # a third of the items mention one programme, in a random spelling
            alias = rng.choice(rng.choice(names))
            text = f"{text[:80]} {alias.upper() if i % 2 else alias.replace('-', ' ')} {text[80:]}"
        texts.append(text)
    chars = sum(len(t) for t in texts)

    t0 = time.perf_counter()
    matcher = ProgramMatcher(rows)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    hits = sum(1 for t in texts if matcher.find(t))
    elapsed = time.perf_counter() - t0
    print(table([
        ("programmes × aliases", f"1,000 × 5 = {matcher.size:,} distinct aliases"),
        ("items", f"{len(texts):,} ({chars / 1e6:.1f} M characters; {'real corpus' if real else 'generated'})"),
        ("build automaton", f"{build * 1000:.0f} ms"),
        ("match all items", f"{elapsed:.3f} s  ({len(texts) / elapsed:,.0f} items/s)"),
        ("items with a match", f"{hits:,} (≥ {len(range(0, 10_000, 3)):,} planted)"),
        ("target", "match under 1 s: " + ("MET" if elapsed < 1 else "MISSED")),
    ]))
    if as_json:
        print("BENCH-RESULT " + json.dumps({"aliases": matcher.size, "items": len(texts), "build": build,
                                            "seconds": elapsed, "hits": hits, "real": bool(real)}))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    main(ap.parse_args().json)

"""Programme matching at scale: 1,000 registered programmes × 5 aliases plus 50,000 learned programmes with
200,000 aliases (INN, code, short form, brand: what the stream teaches) over 10,000 items (target: under 1 s).

Run: .venv/bin/python bench/bench_program_match.py [--learned N]   (--learned 0: the registered ones only)
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import corpus_rows, fake_code, fake_drug, peak_rss_mb, table
from watchers.classify.program_match import ProgramMatcher


def main(as_json: bool = False, learned: int = 50_000) -> None:
    rng = random.Random(7)
    rows = []
    names = []
    for i in range(1000):
        name = fake_drug(rng) + str(i)
        aliases = [name, fake_code(rng), fake_drug(rng) + f"x{i}", f"{fake_drug(rng)}-{i} brand", fake_code(rng)]
        names.append(aliases)
        rows.extend((name, a, False, []) for a in aliases)
    for i in range(learned):
        # What learning stores: the INN, its code, a short form and a brand, four aliases each.
        inn = f"{fake_drug(rng)}{i}"
        aliases = [inn, f"{fake_code(rng)}{i % 10}", f"{inn[:4]}-cel{i}", f"Brand{i}x"]
        if i % 50 == 0:
            names.append(aliases)
        rows.extend((inn, a, False, []) for a in aliases)
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

    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    matcher = ProgramMatcher(rows)
    build = time.perf_counter() - t0
    rss = peak_rss_mb() - rss_before
    t0 = time.perf_counter()
    hits = sum(1 for t in texts if matcher.find(t))
    elapsed = time.perf_counter() - t0
    print(table([
        ("programmes × aliases", f"1,000 registered × 5 + {learned:,} learned × 4 = {matcher.size:,} distinct aliases"),
        ("items", f"{len(texts):,} ({chars / 1e6:.1f} M characters; {'real corpus' if real else 'generated'})"),
        ("build automaton", f"{build * 1000:.0f} ms (peak memory +{rss:.0f} MB)"),
        ("match all items", f"{elapsed:.3f} s  ({len(texts) / elapsed:,.0f} items/s)"),
        ("items with a match", f"{hits:,} (≥ {len(range(0, 10_000, 3)):,} planted)"),
        ("target", "match under 1 s: " + ("MET" if elapsed < 1 else "MISSED")),
    ]))
    if as_json:
        print("BENCH-RESULT " + json.dumps({"aliases": matcher.size, "learned": learned, "build_mb": rss,
                                            "items": len(texts), "build": build,
                                            "seconds": elapsed, "hits": hits, "real": bool(real)}))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    ap.add_argument("--learned", type=int, default=50_000, help="learned programmes (4 aliases each)")
    args = ap.parse_args()
    main(args.json, args.learned)

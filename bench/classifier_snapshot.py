"""Prove that a change to the classifier changes no output: snapshot every item's classification, then compare.

Classifies every item of ../shared/corpus/globenewswire_biotech_items.csv from its title and lede and writes, per
item, the link and a SHA-256 of its whole classification (label, subtype, programmes, sponsor, facts, evidence,
confidence) as JSON, one line each. No corpus text is written, so a snapshot may be kept anywhere (it is not
committed). Run it before a change, then after it with ``--compare``; any item whose output differs is listed
(with what differs, from the fresh output) and the exit status is 1.

Usage:
  python bench/classifier_snapshot.py SNAPSHOT                 # write the snapshot of the current code
  python bench/classifier_snapshot.py SNAPSHOT --compare       # compare the current code with it
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stream_data import CORPUS_CSV
from watchers.classify import classify


def outputs(path: Path = CORPUS_CSV) -> dict[str, dict[str, Any]]:
    """Every corpus item's classification as plain JSON data, keyed by link."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {r["link"]: classify(r.get("title") or "", r.get("summary") or "", r["link"]).model_dump(mode="json")
            for r in rows}


def digest(output: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(output, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("snapshot", type=Path)
    ap.add_argument("--compare", action="store_true", help="compare the current code with SNAPSHOT")
    args = ap.parse_args(argv)
    if not CORPUS_CSV.exists():
        print(f"skipped: {CORPUS_CSV} not found")
        return 0
    now = outputs()
    if not args.compare:
        args.snapshot.write_text("".join(json.dumps({"link": k, "sha256": digest(v)}) + "\n" for k, v in now.items()),
                                 encoding="utf-8")
        print(f"wrote {len(now)} items to {args.snapshot}")
        return 0
    then = {d["link"]: d["sha256"] for d in map(json.loads, args.snapshot.read_text(encoding="utf-8").splitlines())}
    differ = [k for k, v in now.items() if then.get(k) != digest(v)]
    missing = sorted(set(then) - set(now))
    for link in differ[:20]:
        out = now[link]
        print(f"differs: {link}\n  now: {out['label']}/{out['subtype']} confidence={out['confidence']} "
              f"facts={sorted(out['facts'])}")
    print(f"{len(now)} items: {len(now) - len(differ)} identical, {len(differ)} differ, {len(missing)} missing")
    return 1 if differ or missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

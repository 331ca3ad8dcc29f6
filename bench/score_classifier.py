"""Score the classifier on the labelled dev corpus in ../shared/corpus/dev.jsonl.

Prints label accuracy, regulatory-subtype accuracy, program recall and the misclassified items.
Usage: python bench/score_classifier.py [path/to/dev.jsonl] [-v]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from watchers.classify import classify

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV = SHARED / "corpus" / "dev.jsonl"


def program_variants(program: str) -> list[str]:
    """'CASGEVY (exagamglogene autotemcel)' -> ['CASGEVY', 'exagamglogene autotemcel']; split on ';' too."""
    out = []
    for part in re.split(r"[;()]", program):
        part = part.strip()
        if part:
            out.append(part)
    return out


def score(path: Path = DEV, verbose: bool = False) -> dict[str, float]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    n_label = n_reg = n_reg_ok = 0
    prog_total = prog_found = 0
    misses: list[str] = []
    for it in items:
        c = classify(it["title"], it.get("summary") or "", it.get("source"))
        ok = c.label == it["label"]
        n_label += ok
        sub_ok = c.subtype == it["subtype"]
        if it["label"] == "regulatory":
            n_reg += 1
            n_reg_ok += ok and sub_ok
        if not (ok and sub_ok):
            misses.append(
                f"{it['id']:9} want {it['label']}/{it['subtype']:20} got {c.label}/{c.subtype:20} "
                f"{it['title'][:90]!r}\n           evidence: {[(e.rule, e.phrase[:60]) for e in c.evidence]}"
            )
        text = f"{it['title']}\n{it.get('summary') or ''}".casefold()
        found = " | ".join(c.programs).casefold()
        for var in program_variants(it.get("program") or ""):
            if var.casefold() in text:
                prog_total += 1
                if var.casefold() in found or any(p.casefold() in var.casefold() for p in c.programs):
                    prog_found += 1
                elif verbose:
                    misses.append(f"{it['id']:9} program {var!r} not found; got {c.programs}")
                break
    res = {
        "items": len(items),
        "label_accuracy": n_label / len(items),
        "regulatory_subtype_accuracy": n_reg_ok / n_reg if n_reg else 1.0,
        "program_recall": prog_found / prog_total if prog_total else 1.0,
    }
    if verbose:
        print("\n".join(misses))
    return res


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "-v"]
    path = Path(args[0]) if args else DEV
    if not path.exists():
        print(f"skipped: {path} not found")
        return
    res = score(path, verbose=True)
    for k, v in res.items():
        print(f"{k:30} {v:.3f}" if isinstance(v, float) else f"{k:30} {v}")


if __name__ == "__main__":
    main()

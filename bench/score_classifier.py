"""Score the classifier: the labelled dev corpus, the stream labels' train split, and (on request) the frozen test.

* dev — ``../shared/corpus/dev.jsonl`` (113 items): label accuracy, regulatory-subtype accuracy, program recall;
* train — ``tests/data/stream_labels.csv`` split=train (1,200 items) joined to the corpus text: event recall,
  false alarms (true ``other`` called an event), label accuracy, regulatory-subtype accuracy, both with the
  shipped model (in-sample: the model was trained on these) and by 5-fold cross-validation (``--cv``; needs
  scikit-learn: the model is refitted per fold, as ``bench/train_classifier.py`` does); ``--subtypes`` adds the
  cross-validated table of gold regulatory subtype × predicted subtype (counts, train only);
* test — split=test (450 newest items, FROZEN): only with ``--test``. Prints the figures only, never an item,
  and appends them to ``tests/data/frozen_test_runs.jsonl`` so the number of looks is on record. Nothing may be
  tuned on it.

Usage: python bench/score_classifier.py [--dev PATH] [--cv] [--subtypes] [--test] [-v]   (-v lists dev and train misses)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stream_data import CORPUS_CSV, DEV, ROOT, load_stream
from watchers.classify import classify

TEST_RUNS = ROOT / "tests" / "data" / "frozen_test_runs.jsonl"
TARGETS = {"event_recall": 0.95, "false_alarms": 0.02, "label_accuracy": 0.95, "regulatory_subtype_accuracy": 0.92}


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


def stream_metrics(gold: list[tuple[str, str]], pred: list[tuple[str, str]]) -> dict[str, float]:
    """Event recall, false alarms, label accuracy and regulatory-subtype accuracy of ``pred`` against ``gold``."""
    ev = [i for i, g in enumerate(gold) if g[0] != "other"]
    oth = [i for i, g in enumerate(gold) if g[0] == "other"]
    reg = [i for i, g in enumerate(gold) if g[0] == "regulatory"]
    return {
        "items": len(gold),
        "event_recall": sum(pred[i][0] != "other" for i in ev) / max(1, len(ev)),
        "false_alarms": sum(pred[i][0] != "other" for i in oth) / max(1, len(oth)),
        "label_accuracy": sum(p[0] == g[0] for p, g in zip(pred, gold, strict=True)) / max(1, len(gold)),
        "regulatory_subtype_accuracy": sum(pred[i] == gold[i] for i in reg) / max(1, len(reg)),
    }


def score_split(split: str, verbose: bool = False) -> dict[str, float]:
    items = load_stream(split)
    gold = [(it["label"], it["subtype"]) for it in items]
    pred: list[tuple[str, str]] = []
    for it in items:
        c = classify(it["title"], it["summary"])
        pred.append((c.label, c.subtype))
        if verbose and split == "train" and (pred[-1][0] != it["label"] or (
                it["label"] == "regulatory" and pred[-1] != gold[-1])):
            print(f"train want {it['label']}/{it['subtype']} got {c.label}/{c.subtype} {it['title'][:90]!r}")
    return stream_metrics(gold, pred)


def train_cv_predictions() -> tuple[list[tuple[str, str]], list[tuple[str, str]]] | None:
    """Gold and 5-fold cross-validated predictions on train (the model refitted per fold, shipped settings)."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return None
    from bench import train_classifier as tc
    from watchers.classify import Thresholds
    from watchers.classify.learned import load_model

    model = load_model()
    if model is None:
        return None
    rows = tc.prepared(load_stream("train"))
    scores, _ = tc.cross_validate(rows, float(model.meta.get("C", 0.1)))
    temp = tc.fit_temperature(scores, [tc.LABELS.index(r["label"]) for r in rows])
    pred = tc.oof_predictions(rows, scores, temp, Thresholds(*model.thresholds))
    return [(r["label"], r["subtype"]) for r in rows], pred


def score_train_cv() -> dict[str, float] | None:
    """5-fold cross-validated figures on train (the model refitted per fold with the shipped settings)."""
    got = train_cv_predictions()
    return stream_metrics(*got) if got else None


def subtype_table(gold: list[tuple[str, str]], pred: list[tuple[str, str]]) -> str:
    """Gold regulatory subtype × predicted label/subtype, with counts (only the gold-regulatory items)."""
    by_gold: dict[str, dict[str, int]] = {}
    for g, p in zip(gold, pred, strict=True):
        if g[0] != "regulatory":
            continue
        got = p[1] if p[0] == "regulatory" else f"({p[0]})"
        row = by_gold.setdefault(g[1], {})
        row[got] = row.get(got, 0) + 1
    lines = [f"{'gold subtype':22} {'n':>4} {'right':>5}  predicted (count), wrong ones"]
    for sub, row in sorted(by_gold.items(), key=lambda kv: -sum(kv[1].values())):
        n = sum(row.values())
        wrong = ", ".join(f"{k} {v}" for k, v in sorted(row.items(), key=lambda kv: -kv[1]) if k != sub)
        lines.append(f"{sub:22} {n:>4} {row.get(sub, 0):>5}  {wrong}")
    # the other direction: what gold-regulatory items and non-regulatory items were called each subtype wrongly
    false_for: dict[str, int] = {}
    for g, p in zip(gold, pred, strict=True):
        if p[0] == "regulatory" and g != p:
            key = p[1]
            false_for[key] = false_for.get(key, 0) + 1
    lines.append("predicted regulatory subtype, wrongly (from any gold): "
                 + ", ".join(f"{k} {v}" for k, v in sorted(false_for.items(), key=lambda kv: -kv[1])))
    return "\n".join(lines)


def _fmt(res: dict[str, float]) -> str:
    return "  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in res.items())


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dev_path", nargs="?", type=Path, default=DEV)
    ap.add_argument("--cv", action="store_true", help="also 5-fold cross-validation on train (needs scikit-learn)")
    ap.add_argument("--subtypes", action="store_true",
                    help="with --cv: gold × predicted regulatory subtype on train, cross-validated")
    ap.add_argument("--test", action="store_true", help="score the FROZEN test split (report only; logged)")
    ap.add_argument("-v", action="store_true", help="list dev and train misses")
    args = ap.parse_args(argv)
    if args.dev_path.exists():
        print("dev            ", _fmt(score(args.dev_path, verbose=args.v)))
    else:
        print(f"dev             skipped: {args.dev_path} not found")
    if not CORPUS_CSV.exists():
        print(f"stream          skipped: {CORPUS_CSV} not found")
        return 0
    print("train (in-sample, shipped model)", _fmt(score_split("train", verbose=args.v)))
    if args.cv or args.subtypes:
        got = train_cv_predictions()
        print("train (5-fold CV)              ",
              _fmt(stream_metrics(*got)) if got else "skipped: scikit-learn or the model missing")
        if got and args.subtypes:
            print(subtype_table(*got))
    if args.test:
        res = score_split("test")
        print("TEST (frozen)                  ", _fmt(res))
        print("targets                        ", "  ".join(f"{k}{'<=' if k == 'false_alarms' else '>='}{v}"
                                                          for k, v in TARGETS.items()))
        with TEST_RUNS.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                **{k: round(v, 4) for k, v in res.items()}}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Train the classifier's label model and ship it as JSON (watchers/classify/model/label_model.json).

Usage: python bench/train_classifier.py [--cv-only] [--out PATH] [-C 1.0]

Reads the ``train`` split of tests/data/stream_labels.csv joined to ../shared/corpus (never the ``test`` split),
chooses the regularisation C and the event threshold by stratified 5-fold cross-validation on train (fixed seed),
fits a temperature on the out-of-fold scores so probabilities are calibrated, refits on all of train and writes
the weights. Deterministic: the same data give the same file. Needs scikit-learn (``pip install -e ".[train]"``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stream_data import CORPUS_CSV, load_stream
from watchers.classify import Thresholds, _decide_foreign, _lede, _prepare, combine, decide
from watchers.classify.languages import detect_language
from watchers.classify.learned import LABELS, MODEL_PATH, LabelModel, features, hashed

SEED = 20261207
C_GRID = (0.1, 0.3, 1.0, 3.0)
EVENT_TH = (0.4, 0.5, 0.6, 0.7, 0.8)
VETO_TH = (0.8, 0.9, 0.95, 1.01)  # 1.01: never veto a specific rule
# 0.0: never overrule an explicit other.* rule. Not above 0.1: those rules are the labelling conventions ("to
# present" without numbers, earnings that mention a product), and a model allowed to overrule them on a weaker guess
# looks better in cross-validation (the rules were written on train) than on releases it has not seen.
RESCUE_TH = (0.0, 0.1)
THRESHOLDS = [Thresholds(e, v, r) for e in EVENT_TH for v in VETO_TH for r in RESCUE_TH]
PRUNE = 0.005  # weights this small change no probability by more than ~1%; dropping them halves the file
MIN_DF = 2  # a feature seen in one training item only is noise, and makes the shipped file large


def prepared(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for it in items:
        title = _prepare(it["title"], 1_000)
        lede = _lede(_prepare(it["summary"], 2_000), title)
        label, subtype, evidence = decide(title, lede)
        rule = evidence[0].rule if evidence and not evidence[0].rule.startswith("default.") else None
        lang = detect_language(title, lede)
        # releases not in English are decided by their language's rules at run time, never by the model
        foreign = _decide_foreign(lang, title, lede)[:2] if lang != "en" else None
        out.append({**it, "t": title, "l": lede, "rlabel": label, "rsub": subtype, "ev": evidence, "lang": lang,
                    "foreign": foreign, "feats": features(title, lede, rule, label if rule else None)})
    return out


def fit(rows: list[dict[str, Any]], c: float) -> LabelModel:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts: dict[str, int] = {}
    for r in rows:
        for f in set(r["feats"]):
            counts[f] = counts.get(f, 0) + 1
    keep = {f for f, n in counts.items() if n >= MIN_DF}
    vec = DictVectorizer()
    x = vec.fit_transform([dict.fromkeys([f for f in r["feats"] if f in keep], 1) for r in rows])
    y = [LABELS.index(r["label"]) for r in rows]
    clf = LogisticRegression(C=c, max_iter=5_000, class_weight="balanced", random_state=SEED)
    clf.fit(x, y)
    coef = clf.coef_
    idx = [LABELS.index(lab) for lab in LABELS]
    assert list(clf.classes_) == idx
    weights = {}
    for j, name in enumerate(vec.get_feature_names_out()):
        w = [round(float(coef[i, j]), 5) for i in range(len(LABELS))]
        if max(abs(v) for v in w) >= PRUNE:
            weights[str(hashed([str(name)])[0])] = w  # shipped by hash: no corpus words in the repository
    return LabelModel({"labels": list(LABELS), "bias": [round(float(b), 5) for b in clf.intercept_],
                       "weights": weights, "temperature": 1.0})


def fit_temperature(scores: list[list[float]], gold: list[int]) -> float:
    """The temperature minimising log loss of softmax(scores / T) (grid, deterministic)."""
    def nll(t: float) -> float:
        tot = 0.0
        for s, g in zip(scores, gold, strict=True):
            z = [v / t for v in s]
            m = max(z)
            tot -= z[g] - m - math.log(sum(math.exp(v - m) for v in z))
        return tot / len(gold)
    grid = [0.25 + 0.05 * i for i in range(76)]
    return min(grid, key=nll)


def metrics(rows: list[dict[str, Any]], preds: list[tuple[str, str]]) -> dict[str, float]:
    ev = [i for i, r in enumerate(rows) if r["label"] != "other"]
    oth = [i for i, r in enumerate(rows) if r["label"] == "other"]
    reg = [i for i, r in enumerate(rows) if r["label"] == "regulatory"]
    return {
        "items": len(rows),
        "event_recall": sum(preds[i][0] != "other" for i in ev) / max(1, len(ev)),
        "false_alarms": sum(preds[i][0] != "other" for i in oth) / max(1, len(oth)),
        "label_accuracy": sum(p[0] == r["label"] for p, r in zip(preds, rows, strict=True)) / max(1, len(rows)),
        "regulatory_subtype_accuracy": sum(preds[i] == ("regulatory", rows[i]["subtype"]) for i in reg)
        / max(1, len(reg)),
    }


def predict_rows(model: LabelModel, rows: list[dict[str, Any]], threshold: Thresholds) -> list[tuple[str, str]]:
    out = []
    for r in rows:
        if r["foreign"] is not None:
            out.append(r["foreign"])
            continue
        probs = model.predict(r["feats"])
        label, sub, _, _ = combine(r["t"], r["l"], r["rlabel"], r["rsub"], r["ev"], probs, threshold)
        out.append((label, sub))
    return out


def folds(rows: list[dict[str, Any]], k: int = 5) -> list[list[int]]:
    """Stratified folds by label, deterministic (round-robin over a seeded shuffle)."""
    import random

    rng = random.Random(SEED)
    out: list[list[int]] = [[] for _ in range(k)]
    for lab in LABELS:
        idx = [i for i, r in enumerate(rows) if r["label"] == lab]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            out[j % k].append(i)
    return out


def cross_validate(rows: list[dict[str, Any]], c: float) -> tuple[list[list[float]], list[LabelModel]]:
    """Out-of-fold raw scores for every row (temperature 1)."""
    scores: list[list[float]] = [[] for _ in rows]
    for test_idx in folds(rows):
        held = set(test_idx)
        model = fit([r for i, r in enumerate(rows) if i not in held], c)
        for i in test_idx:
            scores[i] = model.scores(rows[i]["feats"])
    return scores, []


def oof_predictions(rows: list[dict[str, Any]], scores: list[list[float]], temperature: float,
                    threshold: Thresholds) -> list[tuple[str, str]]:
    out = []
    for r, s in zip(rows, scores, strict=True):
        if r["foreign"] is not None:
            out.append(r["foreign"])
            continue
        z = [v / temperature for v in s]
        m = max(z)
        e = [math.exp(v - m) for v in z]
        probs = {lab: v / sum(e) for lab, v in zip(LABELS, e, strict=True)}
        label, sub, _, _ = combine(r["t"], r["l"], r["rlabel"], r["rsub"], r["ev"], probs, threshold)
        out.append((label, sub))
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv-only", action="store_true", help="report cross-validation, write nothing")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("-C", type=float, default=None, help="skip the C search")
    ap.add_argument("--errors", type=Path, help="write the cross-validated errors on train to this file")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every setting tried")
    args = ap.parse_args(argv)
    if not CORPUS_CSV.exists():
        print(f"skipped: {CORPUS_CSV} not found")
        return 0
    rows = prepared(load_stream("train"))
    gold = [LABELS.index(r["label"]) for r in rows]
    rules_only = [r["foreign"] or (r["rlabel"], r["rsub"]) for r in rows]
    print("rules only (train):", json.dumps({k: round(v, 3) for k, v in metrics(rows, rules_only).items()}))
    best: tuple[float, float, float, float, dict[str, float]] | None = None
    for c in (args.C,) if args.C else C_GRID:
        scores, _ = cross_validate(rows, c)
        temp = fit_temperature(scores, gold)
        for th in THRESHOLDS:
            m = metrics(rows, oof_predictions(rows, scores, temp, th))
            # one figure to choose by: label accuracy, with recall and false alarms weighed as the targets ask
            objective = m["label_accuracy"] + 0.5 * m["event_recall"] - 2.0 * max(0.0, m["false_alarms"] - 0.02)
            if args.verbose:
                print(f"C={c:<5} T={temp:.2f} {th}", json.dumps({k: round(v, 3) for k, v in m.items()}))
            if best is None or objective > best[0] + 1e-9:
                best = (objective, c, temp, th, m)
    assert best is not None
    _, c, temp, th, m = best
    if args.errors:
        scores, _ = cross_validate(rows, c)
        preds = oof_predictions(rows, scores, temp, th)
        with args.errors.open("w", encoding="utf-8") as f:
            for r, p in zip(rows, preds, strict=True):
                if p[0] != r["label"] or (r["label"] == "regulatory" and p[1] != r["subtype"]):
                    f.write(f"want {r['label']}/{r['subtype']} got {p[0]}/{p[1]} rules {r['rlabel']}/{r['rsub']} "
                            f"{[e.rule for e in r['ev']]} note={r['note']}\n  T: {r['t'][:200]}\n"
                            f"  L: {r['l'][:300]}\n\n")
    print(f"chosen C={c} temperature={temp:.2f} {th}:",
          json.dumps({k: round(v, 3) for k, v in m.items()}))
    if args.cv_only:
        return 0
    model = fit(rows, c)
    data = {
        "labels": list(model.labels), "bias": model.bias, "temperature": round(temp, 4),
        "thresholds": {"event": th.event, "veto": th.veto, "rescue": th.rescue},
        "meta": {"trained_on": "tests/data/stream_labels.csv split=train", "items": len(rows), "C": c,
                 "seed": SEED, "cv": {k: round(v, 4) for k, v in m.items()}},
        "weights": {str(k): list(v) for k, v in sorted(model.weights.items())},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, separators=(",", ":"), sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(model.weights)} features, {args.out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

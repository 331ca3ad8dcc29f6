"""The hand-labelled stream set: tests/data/stream_labels.csv joined by link to the corpus text in ../shared.

``load_stream()`` returns the labelled items (title, summary, label, subtype, split, ...). The text stays in
../shared/corpus/globenewswire_biotech_items.csv; only links and our labels are in the repository.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS_CSV = SHARED / "corpus" / "globenewswire_biotech_items.csv"
DEV = SHARED / "corpus" / "dev.jsonl"
LABELS = ROOT / "tests" / "data" / "stream_labels.csv"


def load_labels(path: Path = LABELS) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def load_stream(split: str | None = None, corpus: Path = CORPUS_CSV, labels: Path = LABELS) -> list[dict[str, Any]]:
    """Labelled items with their text, in label-file order; ``split`` = "train" / "test" / None (both)."""
    with corpus.open(newline="", encoding="utf-8") as f:
        text = {r["link"]: r for r in csv.DictReader(f)}
    out: list[dict[str, Any]] = []
    for row in load_labels(labels):
        if split is not None and row["split"] != split:
            continue
        src = text.get(row["link"])
        if src is None:
            continue
        out.append({**row, "title": src.get("title") or "", "summary": src.get("summary") or ""})
    return out

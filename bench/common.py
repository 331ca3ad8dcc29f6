"""Shared helpers for the benchmark scripts (plain Python; each script prints a table)."""
from __future__ import annotations

import csv
import random
import resource
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS_CSV = SHARED / "corpus" / "globenewswire_biotech_items.csv"


def corpus_rows() -> list[dict[str, str]] | None:
    """The real GlobeNewswire items, or None (with a message) when ../shared is absent."""
    if not CORPUS_CSV.exists():
        print(f"note: {CORPUS_CSV} is absent; using generated items")
        return None
    with CORPUS_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


_SYLLABLES = ["ra", "zo", "li", "ve", "ta", "no", "mi", "sa", "ke", "du", "po", "xi", "lu", "be", "fa", "go"]
_STEMS = ["mab", "cel", "leucel", "tinib", "parin", "gene", "tide", "stat", "vir", "sertib"]


def fake_drug(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) + rng.choice(_STEMS)


def fake_code(rng: random.Random) -> str:
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTVXYZ") for _ in range(rng.randint(2, 4)))
    return f"{letters}-{rng.randint(100, 99999)}"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


# Settings for a harness whose local feed server stands for sources on many hosts, polled on a fixed schedule:
# per-host politeness (2 requests/s by default) would measure one host's pacing, and adaptive polling would move
# polls to times the harness does not expect.
ONE_HOST_STANDS_FOR_MANY = {"ADAPTIVE_POLLING": "false", "HOST_REQUESTS_PER_SECOND": "10000",
                            "HOST_CONCURRENCY": "10000"}

"""What every renderer (console, Discord, Slack) shows of an alert's facts and links, formatted once."""
from __future__ import annotations

import json
from typing import Any


def fact_value(value: Any) -> str:
    """A fact as text: booleans as yes/no, lists joined, objects as compact JSON."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(fact_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def http_url(url: str | None, max_length: int) -> str | None:
    """The URL if it is http(s) and fits; chat platforms reject (or turn into links) anything else."""
    if url and url.startswith(("https://", "http://")) and len(url) <= max_length:
        return url
    return None


# Facts shown another way: a trial alert's title already lists each change; a summary lists its trials.
# The classifier's confidence is for `why`, not for every alert.
HIDDEN_FACTS = frozenset({"changes", "trials", "confidence"})
# Shown inside `results` when it is present (the older single-value keys say the same thing less well).
_SUPERSEDED_BY_RESULTS = frozenset({"orr", "cr_rate", "n_patients"})
_LABELS = {"results": "Results", "safety": "Safety", "meeting": "Regulator meeting", "design": "Design"}


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def result_text(r: dict[str, Any]) -> str:
    """{"measure": "ORR", "value": 93, "unit": "%", "population": "indolent", "n": 14} → "ORR 93% (indolent, n=14)"."""
    unit = r.get("unit") or ""
    value = f"{_number(r.get('value'))}{unit if unit == '%' else (' ' + unit if unit else '')}"
    detail = [str(r["population"])] if r.get("population") else []
    if r.get("n") is not None:
        detail.append(f"n={r['n']}")
    measure = str(r.get("measure") or "?")
    joiner = ": " if measure[-1:].isdigit() else " "  # "PASI 75: 72%", not "PASI 75 72%"
    return f"{measure}{joiner}{value}" + (f" ({', '.join(detail)})" if detail else "")


def safety_text(s: dict[str, Any]) -> str:
    """A named event in short ("no grade ≥3 CRS", "12% grade 3 neutropenia"), else the finding's own words."""
    if not s.get("event"):
        return str(s.get("text") or "")
    parts = [p for p in (f"grade {s['grade']}" if s.get("grade") else "", str(s["event"])) if p]
    rate = s.get("rate")
    return ("no " if rate == 0 else f"{_number(rate)}% " if rate is not None else "") + " ".join(parts)


def meeting_text(m: dict[str, Any]) -> str:
    kind, outcome = m.get("type"), m.get("outcome")
    return f"{kind}: {outcome}" if kind and outcome else str(kind or outcome or "")


_DESIGN_WORDS = (("randomised", "randomised"), ("pivotal", "pivotal"), ("single_trial", "single trial"))


def design_text(d: dict[str, Any]) -> str:
    """The design facts (keys as watchers/classify/detail_facts.py writes them) as words."""
    words = [word for key, word in _DESIGN_WORDS if d.get(key) is True]
    if d.get("line_of_therapy"):
        words.append(str(d["line_of_therapy"]))
    if d.get("phase"):
        phase = str(d["phase"])
        words.append(phase if phase.lower().startswith("phase") else f"Phase {phase}")
    return " · ".join(words)


def fact_text(key: str, value: Any) -> str:
    """One fact as a reader wants it: structured results, safety, meetings and design in words."""
    if key == "results" and isinstance(value, list):
        return " · ".join(result_text(r) for r in value if isinstance(r, dict))
    if key == "safety" and isinstance(value, list):
        return " · ".join(safety_text(s) for s in value if isinstance(s, dict))
    if key == "meeting" and isinstance(value, dict):
        return meeting_text(value)
    if key == "design" and isinstance(value, dict):
        return design_text(value)
    return fact_value(value)


def fact_items(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) for every fact worth showing, in the event's order; every renderer lists these."""
    skip = HIDDEN_FACTS | (_SUPERSEDED_BY_RESULTS if facts.get("results") else frozenset())
    out: list[tuple[str, str]] = []
    for key, value in facts.items():
        if key in skip or value in (None, "", [], {}):
            continue
        text = fact_text(key, value)
        if text:
            out.append((_LABELS.get(key, key.replace("_", " ")), text))
    return out


def facts_line(facts: dict[str, Any], separator: str = "; ") -> str:
    """Every fact worth showing on one line ("Results: ORR 93% (indolent, n=14); Safety: no grade ≥3 CRS")."""
    return separator.join(f"{label}: {text}" for label, text in fact_items(facts))

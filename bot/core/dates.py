"""Dates an event announces (PDUFA / target action dates, guidance), read from its facts."""
from __future__ import annotations

import re

from storage.models import Event

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")
_HALF = re.compile(r"\b([12])H\s*(\d{4})\b|\b(first|second)\s+half\s+(?:of\s+)?(\d{4})\b", re.I)
_QUARTER = re.compile(r"\bQ([1-4])\s*(\d{4})\b|\b([1-4])Q\s*(\d{4})\b", re.I)
_YEAR = re.compile(r"\b(20\d{2})\b")


def event_dates(event: Event) -> list[tuple[str, str, str]]:
    """(what, ISO-ish date, precision) for each date the event's facts name."""
    out: list[tuple[str, str, str]] = []
    for key, label in (("pdufa_date", "PDUFA date"), ("target_action_date", "target action date")):
        value = event.facts.get(key)
        if isinstance(value, str):
            parsed = normalise(value)
            if parsed:
                out.append((f"{label}: {', '.join(event.programs) or event.title}", *parsed))
    guidance = event.facts.get("guidance")
    for text in guidance if isinstance(guidance, list) else [guidance] if isinstance(guidance, str) else []:
        parsed = normalise(text)
        if parsed:
            out.append((f"guidance: {text}", *parsed))
    return out


def normalise(text: str) -> tuple[str, str] | None:
    """'2026-03-14' → day; '2026-03' → month; '2H 2026' → the half's last month; 'Q3 2026' → quarter."""
    text = text.strip()
    if _ISO_DAY.match(text):
        return text, "day"
    if _ISO_MONTH.match(text):
        return text, "month"
    m = _HALF.search(text)
    if m:
        half = int(m.group(1)) if m.group(1) else (1 if m.group(3).lower() == "first" else 2)
        year = m.group(2) or m.group(4)
        return f"{year}-{'06' if half == 1 else '12'}", "half"
    m = _QUARTER.search(text)
    if m:
        quarter = int(m.group(1) or m.group(3))
        year = m.group(2) or m.group(4)
        return f"{year}-{quarter * 3:02d}", "quarter"
    m = _YEAR.search(text)
    if m:
        return f"{m.group(1)}-12", "year"
    return None

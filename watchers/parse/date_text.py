"""Dates as press releases write them → (ISO date, precision).

"April 30, 2027" / "30 April 2027" / "2027-04-30" → ("2027-04-30", "day"); "March 2027" → ("2027-03", "month");
"Q3 2026" / "third quarter of 2026" → ("2026-09", "quarter", last month of it); "2H 2026" / "second half of 2026"
→ ("2026-12", "half"); "mid-2026" → ("2026-06", "half"); "end of 2026" / "year-end 2026" / "2026" → ("2026-12",
"year"). A coarse date is stored as its last month: it is "due" by then.
"""
from __future__ import annotations

import re
from datetime import date

from storage.clock import months_between

__all__ = ["months_between", "parse_date_text"]

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MON = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"((?:19|20)\d{2})"
_ORD = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b{_YEAR}-(\d{{2}})-(\d{{2}})\b"), "iso_day"),
    (re.compile(rf"\b{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+{_YEAR}\b", re.I), "mdy"),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MON},?\s+{_YEAR}\b", re.I), "dmy"),
    (re.compile(rf"\b(?:q([1-4])|([1-4])q)\s*[-']?\s*{_YEAR}\b", re.I), "quarter"),
    (re.compile(rf"\b(first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+quarter\s+(?:of\s+)?{_YEAR}\b", re.I),
     "quarter_words"),
    (re.compile(rf"\b(?:([12])h|h([12]))\s*[-']?\s*{_YEAR}\b", re.I), "half"),
    (re.compile(rf"\b(first|second|1st|2nd)[\s-]+half\s+(?:of\s+)?{_YEAR}\b", re.I), "half_words"),
    (re.compile(rf"\bmid[\s-]+{_YEAR}\b", re.I), "mid"),
    (re.compile(rf"\b{_MON}\s+{_YEAR}\b", re.I), "month"),
    (re.compile(rf"\b(?:end\s+of|year[\s-]end|late|by\s+the\s+end\s+of)\s+{_YEAR}\b", re.I), "year_end"),
    (re.compile(rf"\b(?:in|during|by)\s+{_YEAR}\b", re.I), "year"),
]


def parse_date_text(text: str) -> tuple[str, str] | None:
    """The first date found in the text as (ISO date or month, precision), or None."""
    best: tuple[int, str, str] | None = None
    for pattern, form in _PATTERNS:
        m = pattern.search(text)
        if m is None:
            continue
        parsed = _convert(form, m)
        if parsed and (best is None or m.start() < best[0]):
            best = (m.start(), *parsed)
    return (best[1], best[2]) if best else None


def _convert(form: str, m: re.Match[str]) -> tuple[str, str] | None:
    g = m.groups()
    try:
        if form == "iso_day":
            return date(int(g[0]), int(g[1]), int(g[2])).isoformat(), "day"
        if form == "mdy":
            return date(int(g[2]), _MONTHS[g[0].lower()[:3]], int(g[1])).isoformat(), "day"
        if form == "dmy":
            return date(int(g[2]), _MONTHS[g[1].lower()[:3]], int(g[0])).isoformat(), "day"
    except (ValueError, KeyError):
        return None
    if form == "quarter":
        return f"{g[2]}-{int(g[0] or g[1]) * 3:02d}", "quarter"
    if form == "quarter_words":
        return f"{g[1]}-{_ORD[g[0].lower()] * 3:02d}", "quarter"
    if form == "half":
        return f"{g[2]}-{'06' if (g[0] or g[1]) == '1' else '12'}", "half"
    if form == "half_words":
        return f"{g[1]}-{'06' if _ORD[g[0].lower()] == 1 else '12'}", "half"
    if form == "mid":
        return f"{g[0]}-06", "half"
    if form == "month":
        return f"{g[1]}-{_MONTHS[g[0].lower()[:3]]:02d}", "month"
    if form in ("year_end", "year"):
        return f"{g[0]}-12", "year"
    return None


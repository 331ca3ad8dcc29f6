"""The catalyst calendar as an iCalendar (RFC 5545) file any calendar app can import."""
from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

from storage.models import Catalyst

_PRODID = "-//milestone-bot//catalyst calendar//EN"


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 §3.1)."""
    out: list[str] = []
    current = ""
    for ch in line:
        if len((current + ch).encode("utf-8")) > 75:
            out.append(current)
            current = " " + ch
        else:
            current += ch
    out.append(current)
    return "\r\n".join(out)


def _day(c: Catalyst) -> date:
    if c.precision == "day":
        return date.fromisoformat(c.date)
    year, month = int(c.date[:4]), int(c.date[5:7])
    return date(year, month, calendar.monthrange(year, month)[1])


def catalysts_to_ics(catalysts: list[Catalyst], now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{_PRODID}", "CALSCALE:GREGORIAN",
             "X-WR-CALNAME:Biotech catalysts (milestone-bot)"]
    for c in catalysts:
        try:
            day = _day(c)
        except ValueError:
            continue
        approx = "" if c.precision == "day" else f" (expected by end of {c.date}, {c.precision} precision)"
        history = "; ".join(h["date"] for h in c.history)
        description = f"{c.label}{approx}. Status: {c.status}."
        if len(c.history) > 1:
            description += f" Dates announced so far: {history}."
        if c.event_id:
            description += f" Source event #{c.event_id} (milestone-bot why {c.event_id})."
        lines += [
            "BEGIN:VEVENT",
            f"UID:{f'trial-{c.trial}' if c.trial else f'catalyst-{c.id}'}@milestone-bot",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(f'{c.program}: {c.label}' + ('' if c.precision == 'day' else ' (approx.)'))}",
            f"DESCRIPTION:{_escape(description)}",
            f"CATEGORIES:{_escape(c.kind.upper())}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"

"""The catalyst calendar as an iCalendar (RFC 5545) file any calendar app can import, written by `icalendar`.

A catalyst keeps its UID when its date moves; SEQUENCE (how many times it moved) and LAST-MODIFIED (when the last
move was seen) tell a calendar app that has imported it before to update the event rather than keep the old date.
"""
from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

import icalendar

from storage.interfaces import Events
from storage.models import Catalyst
from storage.store import StoreError
from watchers.parse.bidi import strip_bidi_controls

_PRODID = "-//milestone-bot//catalyst calendar//EN"
_TRIAL_URL = "https://clinicaltrials.gov/study/{}"


def _text(value: str) -> str:
    """One line of plain text: RFC 5545 allows no control characters in a value (icalendar passes them through),
    and bidi controls would make a title read as another."""
    value = strip_bidi_controls(value)
    # Line breaks and tabs become spaces (split), other controls (DEL, BEL, ESC …) go.
    return " ".join("".join(c for c in value if c.isspace() or unicodedata.category(c) != "Cc").split())


def _day(c: Catalyst) -> date:
    if c.precision == "day":
        return date.fromisoformat(c.date)
    year, month = int(c.date[:4]), int(c.date[5:7])
    return date(year, month, calendar.monthrange(year, month)[1])


def _moved_at(c: Catalyst) -> datetime | None:
    """When the latest date was seen, for a catalyst whose date has moved."""
    if len(c.history) < 2:
        return None
    try:
        when = datetime.fromisoformat(c.history[-1].get("seen_at", ""))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


async def event_links(events: Events, catalysts: list[Catalyst]) -> dict[int, str]:
    """The URL of each catalyst's source event (one read per catalyst: a calendar holds tens, not thousands)."""
    links = {}
    for event_id in {c.event_id for c in catalysts if c.event_id}:
        try:
            url = (await events.get(event_id)).url
        except StoreError:
            continue
        if url:
            links[event_id] = url
    return links


def catalysts_to_ics(catalysts: list[Catalyst], now: datetime | None = None, *,
                     links: Mapping[int, str] | None = None, reminder_days: int | None = None) -> str:
    """`links`: the source event's URL by event id; `reminder_days`: an alarm that many days before each date."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", _PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Biotech catalysts (milestone-bot)")
    for c in catalysts:
        try:
            day = _day(c)
        except ValueError:
            continue
        approx = "" if c.precision == "day" else f" (expected by end of {c.date}, {c.precision} precision)"
        description = f"{c.label}{approx}. Status: {c.status}."
        if len(c.history) > 1:
            description += f" Dates announced so far: {'; '.join(h.get('date', '?') for h in c.history)}."
        if c.event_id:
            description += f" Source event #{c.event_id} (milestone-bot why {c.event_id})."
        event = icalendar.Event()
        event.add("uid", f"{f'trial-{c.trial}' if c.trial else f'catalyst-{c.id}'}@milestone-bot")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", _text(f"{c.program}: {c.label}" + ("" if c.precision == "day" else " (approx.)")))
        event.add("description", _text(description))
        event.add("categories", [_text(c.kind.upper())])
        event.add("transp", "TRANSPARENT")
        moved = _moved_at(c)
        if len(c.history) > 1:
            event.add("sequence", len(c.history) - 1)
        if moved is not None:
            event.add("last-modified", moved.astimezone(UTC).replace(microsecond=0))
        url = (links or {}).get(c.event_id or 0) or (_TRIAL_URL.format(c.trial) if c.trial else None)
        if url and url.startswith(("http://", "https://")):
            event.add("url", url)
        if reminder_days is not None:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", _text(f"{c.program}: {c.label}"))
            alarm.add("trigger", timedelta(days=-reminder_days))
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical().decode("utf-8")

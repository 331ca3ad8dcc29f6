"""The catalyst calendar read back with icalendar: plain text only, moves announced, links and reminders."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from bot.core.calendar_ics import catalysts_to_ics
from storage.models import Catalyst

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _events(text: str) -> list[icalendar.Event]:
    return [c for c in icalendar.Calendar.from_ical(text).walk() if c.name == "VEVENT"]


def test_control_characters_never_reach_the_file() -> None:
    cat = Catalyst(id=1, program="azer\x7f-cel", kind="pdufa", label="PDUFA\x07 date\x1b[31m \u202eevil\r\nX: y",
                   date="2027-03-14", precision="day")
    text = catalysts_to_ics([cat], NOW)
    body = text.replace("\r\n", "")
    assert not [c for c in body if ord(c) < 32 or ord(c) == 127 or c == "\u202e"], ascii(body)
    [event] = _events(text)
    assert str(event["SUMMARY"]) == "azer-cel: PDUFA date[31m evil X: y"
    assert "\nX:" not in text


def test_a_moved_date_carries_sequence_last_modified_url_and_reminder() -> None:
    history = [{"date": "2027-01-10", "seen_at": "2026-10-01T12:00:00+00:00", "event_id": "3"},
               {"date": "2027-03-14", "seen_at": "2026-11-20T08:15:00+00:00", "event_id": "7"}]
    moved = Catalyst(id=2, program="NWB-220", kind="pdufa", label="PDUFA date", date="2027-03-14", precision="day",
                     event_id=7, history=history)
    trial = Catalyst(id=3, program="NWB-220", kind="completion", label="Primary completion", date="2027-06",
                     precision="month", trial="NCT01234567", history=history[:1])
    text = catalysts_to_ics([moved, trial], NOW, links={7: "https://news.test/nwb/7"}, reminder_days=3)
    first, second = _events(text)
    assert first["SEQUENCE"] == 1
    assert first.decoded("LAST-MODIFIED") == datetime(2026, 11, 20, 8, 15, tzinfo=UTC)
    assert str(first["URL"]) == "https://news.test/nwb/7"
    [alarm] = [c for c in first.walk() if c.name == "VALARM"]
    assert alarm.decoded("TRIGGER") == timedelta(days=-3) and str(alarm["ACTION"]) == "DISPLAY"
    assert "SEQUENCE" not in second and "LAST-MODIFIED" not in second
    assert str(second["URL"]) == "https://clinicaltrials.gov/study/NCT01234567"
    assert "VALARM" not in catalysts_to_ics([moved], NOW)

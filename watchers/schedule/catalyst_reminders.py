"""Reminders before PDUFA dates, and an 'overdue' notice when one passes with no approval or CRL seen."""
from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date

from storage.models import Catalyst, NewEvent
from storage.store import Store
from watchers.record import add_events


def _due(cat: Catalyst) -> date | None:
    try:
        if cat.precision == "day":
            return date.fromisoformat(cat.date)
        year, month = int(cat.date[:4]), int(cat.date[5:7])
        # A coarse date is due at the end of its last month.
        return date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        return None


async def catalyst_notices(store: Store, today: date, reminder_days: Sequence[int] = (30, 7, 1)) -> list[int]:
    """Store (and so queue) the reminders and overdue notices due today; returns the new event ids."""
    events: list[NewEvent] = []
    overdue: list[int] = []
    for cat in await store.ledger.catalysts(program=None, statuses=("open",)):
        if cat.kind != "pdufa":
            continue
        due = _due(cat)
        if due is None:
            continue
        left = (due - today).days
        if left < 0:
            overdue.append(cat.id)
            events.append(NewEvent(
                dedupe_key=f"overdue:{cat.id}:{cat.date}", kind="regulatory", subtype="other",
                title=f"Overdue: no FDA decision reported for {cat.program} (PDUFA date {cat.date})",
                summary="The PDUFA date has passed and no approval or complete response letter has been seen.",
                programs=[cat.program], facts={"pdufa_date": cat.date, "overdue_days": -left, "notice": "overdue"},
            ))
            continue
        # The nearest threshold not yet passed: a bot that was down on the day still reminds once.
        fitting = [d for d in sorted(reminder_days) if left <= d]
        if fitting and cat.precision == "day":
            d = fitting[0]
            events.append(NewEvent(
                dedupe_key=f"reminder:{cat.id}:{cat.date}:{d}", kind="regulatory", subtype="pdufa_date",
                title=f"Reminder: {cat.program} PDUFA date in {left} day{'s' if left != 1 else ''} ({cat.date})",
                programs=[cat.program], facts={"pdufa_date": cat.date, "days_left": left, "notice": "reminder"},
            ))
    ids = await add_events(store, events) if events else []
    for catalyst_id in overdue:
        await store.ledger.set_catalyst_status(catalyst_id, "overdue")
    return ids

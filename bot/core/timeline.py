"""A programme's history as dated points, for the timeline picture on the programme card.

Built from what the store already keeps: each trial's current snapshot and its recorded changes (status,
enrollment, primary completion date moves), the designation ledger, readout events and the catalyst calendar.
A registry change is dated by the registry's "last update posted" when known (when the sponsor changed it),
else by when the bot saw it.
"""
from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.core.context import CoreContext
from bot.core.lookup import ProgramCard
from storage.trial_models import StoredTrialChange, TrialSnapshot

MAX_TRIALS = 8  # lanes that stay readable at chat size; the card lists every trial anyway


class Slip(BaseModel):
    seen: date
    old: date
    new: date


class TrialTimeline(BaseModel):
    nct_id: str
    label: str
    statuses: list[tuple[date, str]] = Field(default_factory=list)  # from that day on, the trial had this status
    enrollment: list[tuple[date, int]] = Field(default_factory=list)
    primary_completion: date | None = None
    slips: list[Slip] = Field(default_factory=list)


class Marker(BaseModel):
    when: date
    kind: Literal["designation", "readout", "catalyst"]
    label: str


class Timeline(BaseModel):
    program: str
    today: date
    trials: list[TrialTimeline] = Field(default_factory=list)
    markers: list[Marker] = Field(default_factory=list)
    more_trials: int = 0  # left out beyond MAX_TRIALS

    def is_empty(self) -> bool:
        return not self.markers and not any(t.statuses or t.enrollment or t.primary_completion for t in self.trials)


def registry_day(text: str | None) -> date | None:
    """A registry date (YYYY-MM or YYYY-MM-DD) as a day; a month means its middle."""
    if not text or not isinstance(text, str):
        return None
    try:
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:7])
            return date(year, month, min(15, calendar.monthrange(year, month)[1]))
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _seen(change: StoredTrialChange) -> date:
    return registry_day(change.last_update_posted) or change.seen_at.date()


def _count(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("count")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def trial_timeline(nct_id: str, snap: TrialSnapshot | None, changes: list[StoredTrialChange],
                   today: date) -> TrialTimeline:
    """Status and enrollment as steps over time, from the oldest recorded value to the current one."""
    ordered = sorted(changes, key=lambda c: (_seen(c), c.seen_at))
    start = registry_day(snap.start_date) if snap else None
    first_seen = _seen(ordered[0]) if ordered else today
    origin = min(d for d in (start, first_seen) if d is not None)
    line = TrialTimeline(nct_id=nct_id, label=snap.label if snap else nct_id)
    status_changes = [c for c in ordered if c.change.field == "overall_status"]
    enrollment_changes = [c for c in ordered if c.change.field == "enrollment"]
    first_status = status_changes[0].change.old if status_changes else (snap.overall_status if snap else None)
    if isinstance(first_status, str):
        line.statuses.append((origin, first_status))
    for c in status_changes:
        if isinstance(c.change.new, str):
            line.statuses.append((_seen(c), c.change.new))
    first_count = _count(enrollment_changes[0].change.old) if enrollment_changes else (
        snap.enrollment_count if snap else None)
    if first_count is not None:
        line.enrollment.append((origin, first_count))
    for c in enrollment_changes:
        if (count := _count(c.change.new)) is not None:
            line.enrollment.append((_seen(c), count))
    for c in ordered:
        if c.change.field == "primary_completion_date" and c.change.change == "slip":
            old, new = registry_day(c.change.old), registry_day(c.change.new)
            if old and new:
                line.slips.append(Slip(seen=_seen(c), old=old, new=new))
    line.primary_completion = registry_day(snap.primary_completion_date) if snap else None
    return line


def _event_day(when: datetime | None, fallback: datetime) -> date:
    return (when or fallback).date()


async def program_timeline(ctx: CoreContext, card: ProgramCard, today: date | None = None) -> Timeline:
    """The timeline of the programme a `lookup` card shows (read with the card, drawn by the front ends)."""
    today = today or datetime.now().date()
    store = ctx.store
    ids = [t.nct_id for t in card.trials]
    snaps = await store.trials.snapshots(ids[:MAX_TRIALS])
    trials = [trial_timeline(n, snaps.get(n), await store.trials.changes(n), today) for n in ids[:MAX_TRIALS]]
    markers = [Marker(when=d.first_seen_at.date(), kind="designation", label=d.designation.replace("_", " "))
               for d in card.designations]
    readouts = await store.events.for_program(card.program.id, limit=10, kind="readout")
    markers += [Marker(when=_event_day(e.published_at, e.detected_at), kind="readout",
                       label=e.subtype.replace("_", " ")) for e in readouts]
    for c in await store.ledger.catalysts(program=card.program.name, statuses=("open", "met", "overdue")):
        if (when := registry_day(c.date)) is not None:
            markers.append(Marker(when=when, kind="catalyst", label=c.label))
    markers.sort(key=lambda m: m.when)
    return Timeline(program=card.program.name, today=today, trials=trials, markers=markers,
                    more_trials=max(0, len(ids) - MAX_TRIALS))

"""`lookup`: everything we know about one programme, as a card every front end renders."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from bot.core.context import CoreContext
from bot.core.dates import event_dates
from bot.core.programs import resolve_program
from storage.models import Event, Program
from storage.taxonomy import DESIGNATIONS


class TrialLine(BaseModel):
    nct_id: str
    title: str | None = None
    phase: str | None = None
    status: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None
    primary_completion: str | None = None


class DesignationLine(BaseModel):
    designation: str
    when: datetime
    indication: str | None = None
    source: str | None = None
    url: str | None = None


class DateLine(BaseModel):
    what: str
    when: str
    precision: str = "day"
    event_id: int | None = None


class ProgramCard(BaseModel):
    program: Program
    trials: list[TrialLine] = Field(default_factory=list)
    designations: list[DesignationLine] = Field(default_factory=list)
    readouts: list[Event] = Field(default_factory=list)
    upcoming: list[DateLine] = Field(default_factory=list)
    recent: list[Event] = Field(default_factory=list)


async def lookup(ctx: CoreContext, name: str, today: date | None = None) -> ProgramCard:
    program = await resolve_program(ctx, name)
    store = ctx.store
    today = today or datetime.now().date()
    designations = await store.program_events(program.id, limit=20, kind="regulatory", subtypes=DESIGNATIONS)
    readouts = await store.program_events(program.id, limit=3, kind="readout")
    recent = await store.program_events(program.id, limit=5)
    dated = await store.program_events(program.id, limit=50, kind="regulatory")
    card = ProgramCard(program=program, readouts=readouts, recent=recent)
    seen: set[str] = set()
    for ev in designations:
        if ev.subtype in seen:
            continue  # the ledger keeps the first report of each designation
        seen.add(ev.subtype)
        indication = ev.facts.get("indication")
        card.designations.append(DesignationLine(
            designation=ev.subtype, when=ev.published_at or ev.detected_at,
            indication=indication if isinstance(indication, str) else None, source=ev.source_name, url=ev.url,
        ))
    for ev in [*dated, *readouts]:
        for what, when, precision in event_dates(ev):
            if when >= today.isoformat()[: len(when)]:
                card.upcoming.append(DateLine(what=what, when=when, precision=precision, event_id=ev.id))
    card.upcoming.sort(key=lambda d: d.when)
    card.trials = [TrialLine(nct_id=n) for n in program.nct_ids]
    return card

"""`lookup`: everything we know about one programme, as a card every front end renders."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from bot.core.context import CoreContext
from bot.core.programs import resolve_program
from storage.models import Catalyst, Designation, Event, EventSource, Program
from storage.names import fold_name
from storage.trial_models import TrialSnapshot

REGULATORY_STEPS = ("meeting_agreement", "clinical_hold", "submission", "acceptance", "pdufa_date", "approval", "crl")


class TrialLine(BaseModel):
    nct_id: str
    title: str | None = None
    phase: str | None = None
    status: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None
    primary_completion: str | None = None


class ProgramCard(BaseModel):
    program: Program
    trials: list[TrialLine] = Field(default_factory=list)
    designations: list[Designation] = Field(default_factory=list)
    readouts: list[Event] = Field(default_factory=list)
    # Regulator interactions other than designations (those are in the ledger): meetings, holds, filings, decisions.
    regulatory: list[Event] = Field(default_factory=list)
    upcoming: list[Catalyst] = Field(default_factory=list)
    recent: list[Event] = Field(default_factory=list)
    # The listed events told by more than one source (fused: IR feed and wire), by event id, first teller first.
    sources: dict[int, list[EventSource]] = Field(default_factory=dict)


async def lookup(ctx: CoreContext, name: str, today: date | None = None) -> ProgramCard:
    program = await resolve_program(ctx, name)
    store = ctx.store
    today = today or datetime.now().date()
    # The programme's own NCT IDs, plus every watched trial labelled with one of its names.
    names = {fold_name(a.alias) for a in program.alias_flags} | {fold_name(program.name)}
    watched = [w.nct_id for w in await store.trials.list_watches() if w.program and fold_name(w.program) in names]
    nct_ids = list(dict.fromkeys([*program.nct_ids, *watched]))
    snaps = await store.trials.snapshots(nct_ids)
    card = ProgramCard(
        program=program,
        trials=[_trial_line(n, snaps.get(n)) for n in nct_ids],
        designations=await store.ledger.designations(program.name),
        readouts=await store.events.for_program(program.id, limit=3, kind="readout"),
        regulatory=await store.events.for_program(program.id, limit=3, kind="regulatory", subtypes=REGULATORY_STEPS),
        upcoming=await store.ledger.catalysts(start=today.isoformat(), program=program.name),
        recent=await store.events.for_program(program.id, limit=5),
    )
    for event_id in {ev.id for ev in (*card.readouts, *card.regulatory, *card.recent)}:
        told = await store.events.sources(event_id)  # at most 11 events on a card
        if len(told) > 1:
            card.sources[event_id] = told
    return card


def _trial_line(nct_id: str, snap: TrialSnapshot | None) -> TrialLine:
    if snap is None:
        return TrialLine(nct_id=nct_id)
    return TrialLine(
        nct_id=nct_id, title=snap.title or None, phase="/".join(snap.phases) or None, status=snap.overall_status,
        enrollment=snap.enrollment_count, enrollment_type=snap.enrollment_type,
        primary_completion=snap.primary_completion_date,
    )

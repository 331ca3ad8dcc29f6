"""`lookup`: everything we know about one programme, as a card every front end renders."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from bot.core.context import CoreContext
from bot.core.programs import resolve_program
from storage.models import Catalyst, Designation, Event, Program


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
    upcoming: list[Catalyst] = Field(default_factory=list)
    recent: list[Event] = Field(default_factory=list)


async def lookup(ctx: CoreContext, name: str, today: date | None = None) -> ProgramCard:
    program = await resolve_program(ctx, name)
    store = ctx.store
    today = today or datetime.now().date()
    return ProgramCard(
        program=program,
        trials=[TrialLine(nct_id=n) for n in program.nct_ids],
        designations=await store.designations(program.name),
        readouts=await store.program_events(program.id, limit=3, kind="readout"),
        upcoming=await store.catalysts(start=today.isoformat(), program=program.name),
        recent=await store.program_events(program.id, limit=5),
    )

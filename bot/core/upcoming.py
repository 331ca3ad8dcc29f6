"""`upcoming`: dated catalysts (PDUFA dates, guidance, completions) in the next N days."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field

from bot.core.context import CommandError, CoreContext
from bot.core.programs import resolve_program
from storage.models import Catalyst
from storage.names import fold_name

MAX_DAYS = 730


class UpcomingList(BaseModel):
    days: int
    program: str | None = None
    catalysts: list[Catalyst] = Field(default_factory=list)


async def upcoming(ctx: CoreContext, days: int = 90, program: str | None = None,
                   today: date | None = None) -> UpcomingList:
    if not 1 <= days <= MAX_DAYS:
        raise CommandError(f"Days must be between 1 and {MAX_DAYS}.")
    today = today or datetime.now().date()
    name = (await resolve_program(ctx, program)).name if program else None
    start, end = today.isoformat(), (today + timedelta(days=days)).isoformat()
    found = await ctx.store.ledger.catalysts(start, end, name)
    found += await trial_completions(ctx, start, end, name)
    found.sort(key=lambda c: (c.date, c.program))
    return UpcomingList(days=days, program=name, catalysts=found)


_DONE = {"COMPLETED", "TERMINATED", "WITHDRAWN"}


async def trial_completions(ctx: CoreContext, start: str, end: str, program: str | None) -> list[Catalyst]:
    """Primary completion dates of watched trials, straight from their latest registry snapshots."""
    watches = await ctx.store.trials.list_watches()
    canonical: dict[str, str] = {}  # a watch's programme label → the registry name, when it is an alias
    for label in {w.program for w in watches if w.program}:
        found = await ctx.store.programs.find(label)
        canonical[label] = found.name if found else label
    if program:
        watches = [w for w in watches if w.program and fold_name(canonical[w.program]) == fold_name(program)]
    snaps = await ctx.store.trials.snapshots([w.nct_id for w in watches])
    out: list[Catalyst] = []
    for w in watches:
        snap = snaps.get(w.nct_id)
        when = snap.primary_completion_date if snap else None
        if not snap or not when or snap.overall_status in _DONE or not start[: len(when)] <= when <= end[: len(when)]:
            continue
        estimated = (snap.primary_completion_type or "").upper() == "ESTIMATED"
        out.append(Catalyst(
            id=0, program=canonical[w.program] if w.program else snap.label, kind="primary_completion",
            trial=snap.nct_id,
            label=f"primary completion of {snap.label}" + (" (estimated)" if estimated else ""),
            date=when, precision="day" if len(when) == 10 else "month",
        ))
    return out

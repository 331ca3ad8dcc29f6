"""`upcoming`: dated catalysts (PDUFA dates, guidance) in the next N days, across programmes."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field

from bot.core.context import CommandError, CoreContext
from bot.core.dates import event_dates
from bot.core.lookup import DateLine
from bot.core.programs import resolve_program

MAX_DAYS = 730


class UpcomingList(BaseModel):
    days: int
    program: str | None = None
    dates: list[DateLine] = Field(default_factory=list)


async def upcoming(ctx: CoreContext, days: int = 90, program: str | None = None,
                   today: date | None = None) -> UpcomingList:
    if not 1 <= days <= MAX_DAYS:
        raise CommandError(f"Days must be between 1 and {MAX_DAYS}.")
    today = today or datetime.now().date()
    end = (today + timedelta(days=days)).isoformat()
    start = today.isoformat()
    if program:
        prog = await resolve_program(ctx, program)
        events = await ctx.store.program_events(prog.id, limit=500)
        name: str | None = prog.name
    else:
        events = await ctx.store.latest_events(limit=5000, kinds=("regulatory", "readout", "enrollment"))
        name = None
    answer = UpcomingList(days=days, program=name)
    seen: set[tuple[str, str]] = set()
    for ev in events:
        for what, when, precision in event_dates(ev):
            # A coarse date (month, quarter, half) counts when any part of it falls in the window.
            if start[: len(when)] <= when <= end[: len(when)]:
                if (what, when) not in seen:
                    seen.add((what, when))
                    answer.dates.append(DateLine(what=what, when=when, precision=precision, event_id=ev.id))
    answer.dates.sort(key=lambda d: d.when)
    return answer

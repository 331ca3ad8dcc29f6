"""`upcoming`: dated catalysts (PDUFA dates, guidance, completions) in the next N days."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, Field

from bot.core.context import CommandError, CoreContext
from bot.core.programs import resolve_program
from storage.models import Catalyst

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
    found = await ctx.store.catalysts(today.isoformat(), (today + timedelta(days=days)).isoformat(), name)
    return UpcomingList(days=days, program=name, catalysts=found)

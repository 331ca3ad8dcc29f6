"""What a front end's home page shows: the subscriptions, the next catalysts, recent alerts and feed health."""
from __future__ import annotations

from pydantic import BaseModel, Field

from bot.core.context import CoreContext
from bot.core.upcoming import upcoming
from storage.models import Catalyst, Event, Mute, Source, Subscription

HOME_DAYS = 60
HOME_CATALYSTS = 8
HOME_ALERTS = 8


class HomeSummary(BaseModel):
    subscriptions: list[Subscription] = Field(default_factory=list)
    mutes: list[Mute] = Field(default_factory=list)
    catalysts: list[Catalyst] = Field(default_factory=list)
    recent: list[Event] = Field(default_factory=list)
    sources_ok: int = 0
    failing: list[Source] = Field(default_factory=list)
    disabled: list[Source] = Field(default_factory=list)


async def home(ctx: CoreContext, platform: str) -> HomeSummary:
    """This platform's subscriptions and mutes, what is coming and what came, and which feeds need a look."""
    sources = await ctx.store.sources.list()
    recent = [e for e in await ctx.store.events.latest(limit=HOME_ALERTS * 2) if e.kind != "system"]
    return HomeSummary(
        subscriptions=await ctx.store.subscriptions.list(platform),
        mutes=await ctx.store.mutes.list(platform),
        catalysts=(await upcoming(ctx, HOME_DAYS)).catalysts[:HOME_CATALYSTS],
        recent=recent[:HOME_ALERTS],
        sources_ok=sum(1 for s in sources if not s.disabled and s.consecutive_failures == 0),
        failing=[s for s in sources if not s.disabled and s.consecutive_failures > 0],
        disabled=[s for s in sources if s.disabled],
    )

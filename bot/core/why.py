"""`why`: what produced an alert — the rule and evidence, a registry change's before/after, the source."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from bot.core.context import CommandError, CoreContext
from storage.models import Event, EventSource, Evidence
from storage.store import NotFoundError


class WhyAnswer(BaseModel):
    event: Event
    evidence: list[Evidence] = Field(default_factory=list)
    changes: list[dict[str, Any]] = Field(default_factory=list)
    source_url: str | None = None
    confidence: float | None = None  # the classifier's calibrated probability of the label
    # Every source that told it (a release fused from an IR feed and a wire lists both), first teller first.
    sources: list[EventSource] = Field(default_factory=list)
    alerted_at: datetime | None = None  # when its first alert went out: publication → alert is the delay felt


async def why(ctx: CoreContext, event_id: int | str) -> WhyAnswer:
    try:
        ident = int(str(event_id).strip().lstrip("#"))
    except ValueError:
        raise CommandError(f"'{str(event_id)[:40]}' is not an event number (alerts show it as #123).") from None
    try:
        event = await ctx.store.events.get(ident)
    except NotFoundError:
        raise CommandError(f"No event #{ident}.") from None
    changes = event.facts.get("changes")
    if not isinstance(changes, list):
        changes = [{"field": event.facts["field"], "old": event.facts.get("old"), "new": event.facts.get("new")}] \
            if "field" in event.facts else []
    source_url = None
    if event.source_id is not None:
        try:
            source_url = (await ctx.store.sources.get(event.source_id)).url
        except NotFoundError:
            source_url = None
    confidence = event.facts.get("confidence")
    return WhyAnswer(event=event, evidence=event.evidence, changes=[c for c in changes if isinstance(c, dict)],
                     source_url=source_url, sources=await ctx.store.events.sources(ident),
                     confidence=float(confidence) if isinstance(confidence, int | float) else None,
                     alerted_at=await ctx.store.outbox.first_sent_at(event.id))

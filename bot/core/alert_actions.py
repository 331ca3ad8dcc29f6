"""What the buttons on an alert do, for every front end: why, the programme card, mute and unmute the programme
in this channel, and "why this alert?" for a posted message. Each checks what it needs itself; an alert whose
event, or a mute that, was deleted since answers "no longer exists"."""
from __future__ import annotations

from pydantic import BaseModel

from bot.core.context import Actor, CommandError, CoreContext, require_manage
from bot.core.lookup import ProgramCard, lookup
from bot.core.why import WhyAnswer, why
from storage.models import ChannelRef, Event, Mute
from storage.store import NotFoundError

GONE = "This alert no longer exists (its event was deleted)."


class Muted(BaseModel):
    mute: Mute
    channel: ChannelRef


class Unmuted(BaseModel):
    mute: Mute


async def _event(ctx: CoreContext, event_id: int) -> Event:
    try:
        return await ctx.store.events.get(event_id)
    except NotFoundError:
        raise CommandError(GONE) from None


async def alert_why(ctx: CoreContext, event_id: int) -> WhyAnswer:
    await _event(ctx, event_id)
    return await why(ctx, event_id)


async def alert_card(ctx: CoreContext, event_id: int) -> ProgramCard:
    event = await _event(ctx, event_id)
    if not event.programs:
        raise CommandError("This alert is about no registered programme, so it has no programme card.")
    return await lookup(ctx, event.programs[0])


async def mute_program(ctx: CoreContext, actor: Actor, channel: ChannelRef, event_id: int) -> Muted:
    """Mute the alert's programme in this channel: its later alerts no longer reach it."""
    require_manage(actor, "mute a programme in this channel")
    event = await _event(ctx, event_id)
    if not event.programs:
        raise CommandError("This alert is about no registered programme; there is nothing to mute.")
    if not await ctx.store.subscriptions.list(channel.platform, channel.channel_id):
        raise CommandError("This channel's subscriptions no longer exist, so nothing reaches it to mute.")
    mute = await ctx.store.mutes.add(channel.platform, channel.channel_id, event.programs[0], actor.user_id)
    return Muted(mute=mute, channel=channel)


async def unmute(ctx: CoreContext, actor: Actor, channel: ChannelRef, mute_id: int) -> Unmuted:
    require_manage(actor, "unmute a programme in this channel")
    try:
        mute = await ctx.store.mutes.get(mute_id)
    except NotFoundError:
        raise CommandError("That mute no longer exists (the programme was unmuted already).") from None
    if (mute.platform, mute.channel_id) != (channel.platform, channel.channel_id):
        raise CommandError("That mute belongs to another channel.")
    await ctx.store.mutes.remove(mute.id)
    return Unmuted(mute=mute)


async def why_message(ctx: CoreContext, platform: str, channel_id: str | None, message_id: str) -> WhyAnswer:
    """"Why this alert?" on a posted message: the event it was posted for."""
    event_id = await ctx.store.outbox.event_of_message(platform, channel_id, message_id)
    if event_id is None:
        raise CommandError("That message is not one of this bot's alerts (or its alert no longer exists).")
    return await alert_why(ctx, event_id)

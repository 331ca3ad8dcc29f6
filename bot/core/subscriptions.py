"""Subscription commands: subscribe a channel with filters, unsubscribe, list a channel's subscriptions."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot.core.context import Actor, CommandError, CoreContext, require_manage
from bot.core.programs import resolve_program
from storage.models import ChannelRef, Subscription, SubscriptionFilters
from storage.repositories.subscriptions import AlreadySubscribed
from storage.taxonomy import ALL_SUBTYPES, KINDS
from watchers.parse.bidi import strip_bidi_controls

MAX_KEYWORD_LENGTH = 100
MAX_VALUES_PER_FILTER = 20


class SubscribeRequest(BaseModel):
    programs: list[str] = Field(default_factory=list)
    sponsors: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    subtypes: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    everything: bool = False
    mention: str | None = None
    mode: Literal["instant", "digest"] = "instant"
    digest_hour: int | None = None


class SubscriptionList(BaseModel):
    channel: ChannelRef
    subscriptions: list[Subscription]


def _clean(values: list[str], what: str) -> list[str]:
    out = list(dict.fromkeys(c for v in values if v and (c := strip_bidi_controls(v).strip())))
    if len(out) > MAX_VALUES_PER_FILTER:
        raise CommandError(f"At most {MAX_VALUES_PER_FILTER} {what} per subscription.")
    for v in out:
        if len(v) > MAX_KEYWORD_LENGTH:
            raise CommandError(f"A {what[:-1]} may be at most {MAX_KEYWORD_LENGTH} characters.")
    return out


def check_filters(programs: list[str], sponsors: list[str], kinds: list[str], subtypes: list[str],
                  keywords: list[str]) -> SubscriptionFilters:
    """The filters as `subscribe` and `import` accept them (programme names as given: the caller resolves them)."""
    kinds = [k.lower() for k in _clean(kinds, "kinds")]
    for kind in kinds:
        if kind not in KINDS:
            raise CommandError(f"Unknown kind '{kind[:40]}'. Kinds are: {', '.join(KINDS)}.")
    subtypes = [s.lower() for s in _clean(subtypes, "subtypes")]
    for subtype in subtypes:
        if subtype not in ALL_SUBTYPES:
            raise CommandError(
                f"Unknown subtype '{subtype[:40]}'. Examples: fast_track, topline, first_patient, approval.")
    return SubscriptionFilters(programs=_clean(programs, "programmes"), sponsors=_clean(sponsors, "sponsors"),
                               kinds=kinds, subtypes=subtypes, keywords=_clean(keywords, "keywords"))


def check_schedule(mode: str, digest_hour: int | None) -> None:
    if mode == "digest":
        if digest_hour is None or not 0 <= digest_hour <= 23:
            raise CommandError("A daily digest needs an hour from 0 to 23 (UTC).")
    elif digest_hour is not None:
        raise CommandError("An hour only applies to a daily digest.")


def check_mention(mention: str | None) -> str | None:
    return strip_bidi_controls(mention or "").strip() or None


def check_room(existing: int, adding: int, limit: int) -> None:
    """Refuse when a channel with `existing` subscriptions would go over the per-channel limit."""
    if existing + adding > limit:
        if adding == 1:
            raise CommandError(f"This channel already has {existing} subscriptions (the limit); remove one first.")
        raise CommandError(f"That would give the channel {existing + adding} subscriptions; the limit is {limit}.")


async def subscribe(ctx: CoreContext, actor: Actor, channel: ChannelRef, req: SubscribeRequest) -> Subscription:
    require_manage(actor, "change this channel's subscriptions")
    checked = check_filters(req.programs, req.sponsors, req.kinds, req.subtypes, req.keywords)
    programs = [(await resolve_program(ctx, name)).name for name in checked.programs]
    filters = checked.model_copy(update={"programs": programs})
    if filters.is_empty() and not req.everything:
        raise CommandError(
            "Give at least one filter (programme, sponsor, kind, subtype or keyword), or subscribe to everything."
        )
    check_schedule(req.mode, req.digest_hour)
    existing = await ctx.store.subscriptions.list(channel.platform, channel.channel_id)
    check_room(len(existing), 1, ctx.settings.max_subscriptions_per_channel)
    for sub in existing:
        if sub.filters.key() == filters.key() and sub.mode == req.mode and not sub.disabled:
            raise _already(sub)
    mention = check_mention(req.mention)
    try:
        return await ctx.store.subscriptions.add(
            channel.platform, channel.channel_id, filters, mention=mention, mode=req.mode,
            digest_hour=req.digest_hour, created_by=actor.user_id,
        )
    except AlreadySubscribed as exc:
        # A retried or concurrent identical subscribe (Slack resends a slow command): the schema keeps one.
        raise _already(exc.subscription) from None


def _already(sub: Subscription) -> CommandError:
    return CommandError(f"Already subscribed: this channel already has that subscription (#{sub.id}).")


async def unsubscribe(ctx: CoreContext, actor: Actor, channel: ChannelRef, subscription_id: int) -> Subscription:
    require_manage(actor, "change this channel's subscriptions")
    for sub in await ctx.store.subscriptions.list(channel.platform, channel.channel_id):
        if sub.id == subscription_id:
            await ctx.store.subscriptions.remove(sub.id)
            return sub
    raise CommandError(f"This channel has no subscription #{subscription_id}; `subscriptions` lists them.")


async def list_subscriptions(ctx: CoreContext, channel: ChannelRef) -> SubscriptionList:
    subs = await ctx.store.subscriptions.list(channel.platform, channel.channel_id)
    return SubscriptionList(channel=channel, subscriptions=subs)

"""Feed commands: add (validated by one fetch), list with health, remove, enable."""
from __future__ import annotations

import asyncio
import unicodedata
from datetime import datetime

from pydantic import BaseModel
from yarl import URL

from bot.core.context import Actor, CommandError, CoreContext, require_manage
from storage.models import Source, utcnow
from storage.store import StoreError
from watchers.fetch.address_guard import AddressRefused, check_literal_host
from watchers.fetch.http import FetchConfig, FetchError
from watchers.parse.bidi import strip_bidi_controls
from watchers.parse.feed import FeedParseError, parse_feed
from watchers.schedule.cadence import History, build_prior, describe
from watchers.schedule.poll_cycle import PRIOR_WINDOW, is_new


class FeedAdded(BaseModel):
    source: Source
    items_now: int


class FeedCadence(BaseModel):
    """What the adaptive schedule learned about a feed (watchers/schedule/cadence.py)."""

    dates: int  # publication dates it learned from
    adaptive: bool  # False: polled at the fixed interval (no usable dates, or adaptive polling off)
    busiest: list[str]  # busiest hours of the week, Eastern time
    polls_per_day: float
    next_poll_at: datetime | None
    on_prior: bool = False  # a new feed (no item yet) polled on all feeds' habits; `busiest` are theirs


class FeedList(BaseModel):
    feeds: list[Source]
    cadence: dict[int, FeedCadence] = {}


MAX_URL_LENGTH = 2000
MAX_NAME_LENGTH = 200


def check_feed_url(url: str, fetch: FetchConfig) -> str:
    """The URL as `feeds add` and `import` accept it (trimmed), or CommandError saying what is wrong. Literal
    addresses go through the fetcher's address guard now; host names are checked when they are resolved."""
    url = url.strip()
    if not url:
        raise CommandError("Give the feed's URL.")
    if len(url) > MAX_URL_LENGTH:
        raise CommandError(f"That URL is too long (over {MAX_URL_LENGTH:,} characters).")
    shown = url[:80]
    # Spaces, line breaks and invisible format characters (bidi controls, zero-width) make a URL that is not the
    # one the user sees; a browser would percent-encode them, so we ask for that.
    if any(c.isspace() or unicodedata.category(c).startswith("C") for c in url):
        raise CommandError(f"Cannot add {shown!r}: a URL may not contain spaces, line breaks or control "
                           "characters (percent-encode them).")
    try:
        parsed = URL(url)
    except ValueError:
        raise CommandError(f"Cannot add {shown!r}: not a valid URL.") from None
    if parsed.scheme not in ("http", "https"):
        raise CommandError(f"Cannot add {shown}: refused: only http and https URLs can be watched, "
                           f"not {parsed.scheme or 'no scheme'}:")
    if not parsed.host:
        raise CommandError(f"Cannot add {shown}: the URL has no host.")
    host = parsed.host.strip("[]")
    allowed = fetch.allow_private_addresses or host in fetch.private_allowlist or (
        f"{host}:{parsed.port}" in fetch.private_allowlist)
    if not allowed:
        try:
            check_literal_host(host)
        except AddressRefused as exc:
            raise CommandError(f"Cannot add {shown}: {exc}") from None
    return url


def check_feed_name(name: str | None) -> str:
    """A source's display name: one line, no bidi controls, at most 200 characters ('' when none is given)."""
    return " ".join(strip_bidi_controls(name or "").split())[:MAX_NAME_LENGTH]


async def add_feed(ctx: CoreContext, actor: Actor, url: str, name: str | None = None) -> FeedAdded:
    require_manage(actor, "add feeds")
    url = check_feed_url(url, ctx.fetcher.config)
    if await ctx.store.sources.find("rss", url):
        raise CommandError(f"{url} is already watched.")
    try:
        result = await ctx.fetcher.get(url)
        feed = await asyncio.to_thread(parse_feed, result.body)
    except (FetchError, FeedParseError) as exc:
        raise CommandError(f"Cannot add {url}: {exc}") from None
    try:
        source = await ctx.store.sources.add("rss", url, check_feed_name(name) or feed.title or url)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    return FeedAdded(source=source, items_now=len(feed.items))


async def list_feeds(ctx: CoreContext) -> FeedList:
    sources = await ctx.store.sources.list("rss")
    return FeedList(feeds=sources, cadence=await cadences(ctx, sources))


async def cadences(ctx: CoreContext, sources: list[Source]) -> dict[int, FeedCadence]:
    """Each source's learned cadence, as the poll cycle sees it (same history, prior and budget)."""
    now = utcnow()
    config = ctx.settings.cycle_config()
    histories = await ctx.store.publications.for_sources([s.id for s in sources])
    everyone = await ctx.store.publications.since(now - PRIOR_WINDOW)
    prior = build_prior(everyone.values(), now) if everyone else None
    out = {}
    for source in sources:
        dates = tuple(histories.get(source.id, ()))
        new = not dates and await is_new(ctx.store, source)
        learned = describe(History(dates, prior, new=new), now, config.budget())
        adaptive = learned.adaptive and config.adaptive
        out[source.id] = FeedCadence(
            dates=learned.items, adaptive=adaptive, busiest=list(learned.busiest) if adaptive else [],
            polls_per_day=round(learned.polls_per_day if adaptive else 86400 / config.interval_seconds, 1),
            next_poll_at=source.next_poll_at, on_prior=adaptive and learned.on_prior)
    return out


async def remove_feed(ctx: CoreContext, actor: Actor, source_id: int) -> Source:
    require_manage(actor, "remove feeds")
    source = await _feed(ctx, source_id)
    return await ctx.store.sources.remove(source.id)


async def enable_feed(ctx: CoreContext, actor: Actor, source_id: int) -> Source:
    require_manage(actor, "enable feeds")
    source = await _feed(ctx, source_id, kinds=("rss", "edgar", "openfda"))
    return await ctx.store.sources.set_enabled(source.id, True)


async def _feed(ctx: CoreContext, source_id: int, kinds: tuple[str, ...] = ("rss", "edgar")) -> Source:
    try:
        source = await ctx.store.sources.get(source_id)
    except StoreError:
        source = None
    if source is None or source.kind not in kinds:
        raise CommandError(f"No feed with id {source_id}; `feeds list` shows the ids.")
    return source

"""Feed commands: add (validated by one fetch), list with health, remove, enable."""
from __future__ import annotations

import asyncio

from pydantic import BaseModel

from bot.core.context import Actor, CommandError, CoreContext, require_manage
from storage.models import Source
from storage.store import StoreError
from watchers.fetch.http import FetchError
from watchers.parse.feed import FeedParseError, parse_feed


class FeedAdded(BaseModel):
    source: Source
    items_now: int


class FeedList(BaseModel):
    feeds: list[Source]


async def add_feed(ctx: CoreContext, actor: Actor, url: str, name: str | None = None) -> FeedAdded:
    require_manage(actor, "add feeds")
    url = url.strip()
    if not url:
        raise CommandError("Give the feed's URL.")
    if len(url) > 2000:
        raise CommandError("That URL is too long (over 2,000 characters).")
    if await ctx.store.sources.find("rss", url):
        raise CommandError(f"{url} is already watched.")
    try:
        result = await ctx.fetcher.get(url)
        feed = await asyncio.to_thread(parse_feed, result.body)
    except (FetchError, FeedParseError) as exc:
        raise CommandError(f"Cannot add {url}: {exc}") from None
    try:
        source = await ctx.store.sources.add("rss", url, (name or "").strip()[:200] or feed.title or url)
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    return FeedAdded(source=source, items_now=len(feed.items))


async def list_feeds(ctx: CoreContext) -> FeedList:
    return FeedList(feeds=await ctx.store.sources.list("rss"))


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

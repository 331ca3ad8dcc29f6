"""SEC filings: watch a sponsor's 8-K feed by CIK (also done for every programme that names a CIK)."""
from __future__ import annotations

from bot.core.context import Actor, CommandError, CoreContext, require_manage
from storage.interfaces import Sources
from storage.models import Source
from watchers.sources.edgar import edgar_feed_url


def normalise_cik(cik: str) -> str:
    digits = cik.strip().upper().removeprefix("CIK").lstrip("0")
    if not digits.isdigit() or len(digits) > 10:
        raise CommandError(f"'{cik[:20]}' is not a SEC CIK (up to 10 digits).")
    return digits


async def ensure_filings_source(ctx: CoreContext, cik: str, name: str, sources: Sources | None = None) -> Source:
    """The sponsor's 8-K feed, added if missing (through `sources`, a unit of work's, when one is open)."""
    sources = sources or ctx.store.sources
    url = edgar_feed_url(ctx.settings.edgar_base_url, normalise_cik(cik))
    existing = await sources.find("edgar", url)
    return existing or await sources.add("edgar", url, f"SEC 8-K: {name}"[:200])


async def watch_filings(ctx: CoreContext, actor: Actor, cik: str, name: str | None = None) -> Source:
    require_manage(actor, "watch SEC filings")
    digits = normalise_cik(cik)
    return await ensure_filings_source(ctx, digits, (name or "").strip() or f"CIK {digits}")


async def list_filings(ctx: CoreContext) -> list[Source]:
    return await ctx.store.sources.list("edgar")

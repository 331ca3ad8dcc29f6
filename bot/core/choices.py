"""Suggestions for what a user is typing (chat autocomplete), from the registry and a channel's state."""
from __future__ import annotations

from bot.core.context import CoreContext
from storage.models import ChannelRef
from storage.names import fold_name

MAX_TYPED = 100


async def program_choices(ctx: CoreContext, typed: str, limit: int = 25) -> list[str]:
    """Every known name for what is typed: names starting with it first, then names containing it; within each,
    registered programmes, then learned ones, then intervention names seen on ClinicalTrials.gov."""
    typed = typed.strip()[:MAX_TYPED]
    norm = fold_name(typed)
    out: list[str] = []
    for mode, pattern in (("prefix", f"{norm}%"), ("contains", f"%{norm}%")):
        for name in [*await ctx.store.programs.name_choices(typed, limit, mode),
                     *await ctx.store.trials.intervention_choices(pattern, limit)]:
            if fold_name(name) not in {fold_name(n) for n in out}:
                out.append(name)
        if len(out) >= limit:
            break
    return out[:limit]


async def subscription_choices(ctx: CoreContext, channel: ChannelRef, typed: str,
                               limit: int = 25) -> list[tuple[int, str]]:
    """(id, short description) of this channel's subscriptions whose number or filters contain the typed text."""
    typed = typed.strip().lstrip("#").casefold()
    out: list[tuple[int, str]] = []
    for sub in await ctx.store.subscriptions.list(channel.platform, channel.channel_id):
        f = sub.filters
        words = [*f.programs, *f.sponsors, *f.kinds, *f.subtypes, *f.keywords]
        label = f"#{sub.id} " + (", ".join(words) or "everything") + (" (digest)" if sub.mode == "digest" else "")
        if not typed or typed in label.casefold():
            out.append((sub.id, label))
    return out[:limit]

"""Programmes learned from the stream: list them, see and undo merges, promote one to registered."""
from __future__ import annotations

from bot.core.context import Actor, CommandError, CoreContext, require_manage
from bot.core.programs import resolve_program
from storage.models import Program, ProgramMerge
from storage.store import StoreError


async def list_learned(ctx: CoreContext) -> list[Program]:
    return await ctx.store.programs.list(kind="learned")


async def list_merges(ctx: CoreContext, limit: int = 50) -> list[ProgramMerge]:
    return await ctx.store.programs.merges(limit)


async def undo_merge(ctx: CoreContext, actor: Actor, raw_id: str) -> ProgramMerge:
    """Split a merged programme off again: its names, events, ledger rows and trial labels go back to it."""
    require_manage(actor, "undo merges")
    text = raw_id.strip().lstrip("#")
    if not text.isdigit() or len(text) > 12:
        raise CommandError(f"'{raw_id[:40]}' is not a merge number (`programs merges` lists them).")
    try:
        return await ctx.store.programs.undo_merge(int(text))
    except StoreError as exc:
        raise CommandError(f"Cannot undo merge #{text}: {exc}.") from None


async def promote(ctx: CoreContext, actor: Actor, name: str) -> Program:
    """A learned programme becomes registered (exported, kept like any the user added)."""
    require_manage(actor, "promote programmes")
    program = await resolve_program(ctx, name)
    if program.kind == "registered":
        raise CommandError(f"{program.name} is registered already.")
    await ctx.store.programs.promote(program.id)
    return await ctx.store.programs.get(program.id)

"""How every command answers: the core's model rendered as an embed; errors as one ephemeral sentence.

Core calls start before the interaction is acknowledged; if one is not done within `defer_after` seconds
(Discord allows 3 s for the first response) the interaction is deferred first and answered with a follow-up.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.core.context import CommandError, CoreContext
from bot.discord.embeds import cut

log = logging.getLogger(__name__)

T = TypeVar("T")
NO_MENTIONS = discord.AllowedMentions.none()  # replies echo user and feed text: they never ping anyone
DEFERRED_EPHEMERAL = "milestone_bot_deferred_ephemeral"
AUTOCOMPLETE_MAX = 25
CHOICE_MAX = 100


@dataclass
class CommandEnv:
    """What the command modules need: the command core, and when to defer."""

    core: CoreContext
    defer_after: float = 2.0


async def answer(interaction: discord.Interaction[Any], env: CommandEnv, work: Awaitable[T],
                 render: Callable[[T], discord.Embed], *, ephemeral: bool = False,
                 view: Callable[[T], discord.ui.View] | None = None) -> None:
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=env.defer_after)
    if not done:
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        interaction.extras[DEFERRED_EPHEMERAL] = ephemeral
    try:
        result = await task
    except CommandError as exc:
        await refuse(interaction, str(exc))
        return
    embed = render(result)
    extra: dict[str, Any] = {"view": view(result)} if view is not None else {}
    if interaction.response.is_done():
        await interaction.followup.send(embed=embed, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS, **extra)
    else:
        await interaction.response.send_message(embed=embed, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS,
                                                **extra)


async def refuse(interaction: discord.Interaction[Any], message: str) -> None:
    """One clear sentence only the caller sees, whether or not the interaction was already deferred."""
    message = cut(message, 1900)
    if not interaction.response.is_done():
        await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
        return
    if not interaction.extras.get(DEFERRED_EPHEMERAL, False):
        # A public "thinking…" placeholder would turn the follow-up public: remove it first.
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.debug("could not delete the deferred response", exc_info=True)
    await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def on_tree_error(interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
    """Checks and option conversion failures, and anything a command did not handle, as one sentence."""
    if isinstance(error, app_commands.MissingPermissions):
        text = "You need the Manage Server permission to use this command."
    elif isinstance(error, app_commands.NoPrivateMessage):
        text = "This command works in a server channel only."
    elif isinstance(error, app_commands.TransformerError):
        text = f"'{cut(str(error.value), 60)}' is not a valid value for that option."
    elif isinstance(error, app_commands.CommandInvokeError) and isinstance(error.original, CommandError):
        text = str(error.original)
    elif isinstance(error, app_commands.CheckFailure):
        text = "You cannot use this command here."
    else:
        log.error("command %s failed", interaction.command and interaction.command.qualified_name,
                  exc_info=getattr(error, "original", error))
        text = "Something went wrong on the bot's side; the error is logged. Please try again later."
    try:
        await refuse(interaction, text)
    except discord.HTTPException:
        log.warning("could not tell the user that the command failed", exc_info=True)


def choices(names: list[str]) -> list[app_commands.Choice[str]]:
    """Autocomplete choices within Discord's limits (25 choices, 100 characters)."""
    return [app_commands.Choice(name=cut(n, CHOICE_MAX), value=n) for n in names if len(n) <= CHOICE_MAX][
        :AUTOCOMPLETE_MAX]

"""/lookup, /upcoming, /why: read-only answers about programmes and events."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.core.lookup import ProgramCard
from bot.core.lookup import lookup as core_lookup
from bot.core.lookup import track as core_track
from bot.core.timeline import program_timeline
from bot.core.upcoming import MAX_DAYS
from bot.core.upcoming import upcoming as core_upcoming
from bot.core.why import why as core_why
from bot.discord import embeds
from bot.discord.attachments import Attachment, answer_with_files
from bot.discord.commands_subscribe import programme_autocomplete
from bot.discord.permissions import actor
from bot.discord.replies import CommandEnv, answer

log = logging.getLogger(__name__)


def card_with_picture(env: CommandEnv) -> Callable[[ProgramCard], Awaitable[tuple[discord.Embed, list[Attachment]]]]:
    """The card's embed with the timeline picture attached and shown in it; the card alone if drawing fails."""
    async def render(card: ProgramCard) -> tuple[discord.Embed, list[Attachment]]:
        embed = embeds.card_embed(card)
        try:
            from bot.timeline_picture import FILENAME, timeline_png  # matplotlib loads on the first picture

            png = await timeline_png(await program_timeline(env.core, card))
        except Exception:
            log.warning("timeline picture for %s failed; sending the card without it", card.program.name,
                        exc_info=True)
            return embed, []
        embed.set_image(url=f"attachment://{FILENAME}")
        return embed, [(FILENAME, png)]
    return render


def register(tree: app_commands.CommandTree[Any], env: CommandEnv) -> None:
    @app_commands.command(name="lookup", description="Everything known about a drug programme.")
    @app_commands.describe(programme="Programme name or alias, or any drug name",
                           track="Follow it from now on (registers it; needs Manage Server)")
    @app_commands.autocomplete(programme=programme_autocomplete(env))
    async def lookup(interaction: discord.Interaction[Any], programme: str, track: bool = False) -> None:
        render = card_with_picture(env)
        if track:
            await answer_with_files(interaction, env, core_track(env.core, actor(interaction), programme),
                                    lambda tracked: render(tracked.card))
            return
        await answer_with_files(interaction, env, core_lookup(env.core, programme), render)

    @app_commands.command(name="upcoming", description="Dated catalysts (PDUFA dates, guidance) coming up.")
    @app_commands.describe(days="How many days ahead (default 90)", programme="Only this programme")
    @app_commands.autocomplete(programme=programme_autocomplete(env))
    async def upcoming(interaction: discord.Interaction[Any], days: app_commands.Range[int, 1, MAX_DAYS] = 90,
                       programme: str | None = None) -> None:
        await answer(interaction, env, core_upcoming(env.core, days, programme), embeds.upcoming_embed)

    @app_commands.command(name="why", description="What produced an alert: the rule, the evidence, the source.")
    @app_commands.describe(event="Event number, shown on each alert as #123")
    async def why(interaction: discord.Interaction[Any], event: str) -> None:
        await answer(interaction, env, core_why(env.core, event), embeds.why_embed)

    for command in (lookup, upcoming, why):
        tree.add_command(command)

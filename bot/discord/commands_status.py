"""/status and /calendar: how the bot is doing, and the catalyst calendar as an .ics file."""
from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.core.calendar_ics import catalysts_to_ics, event_links
from bot.core.status import status as core_status
from bot.core.upcoming import MAX_DAYS, UpcomingList
from bot.core.upcoming import upcoming as core_upcoming
from bot.discord import embeds_status
from bot.discord.attachments import Attachment, answer_with_files
from bot.discord.commands_subscribe import programme_autocomplete
from bot.discord.replies import CommandEnv, answer

ICS_FILENAME = "catalysts.ics"


def register(tree: app_commands.CommandTree[Any], env: CommandEnv) -> None:
    @app_commands.command(name="status", description="How the bot is doing: last poll, sources, outbox, front ends.")
    async def status(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, env, core_status(env.core), embeds_status.status_embed, ephemeral=True)

    @app_commands.command(name="calendar", description="The catalyst calendar as a file for any calendar app.")
    @app_commands.describe(days="How many days ahead (default 730)", programme="Only this programme",
                           remind_days="Add a reminder this many days before each date")
    @app_commands.autocomplete(programme=programme_autocomplete(env))
    async def calendar(interaction: discord.Interaction[Any], days: app_commands.Range[int, 1, MAX_DAYS] = MAX_DAYS,
                       programme: str | None = None,
                       remind_days: app_commands.Range[int, 0, 365] | None = None) -> None:
        async def render(found: UpcomingList) -> tuple[discord.Embed, list[Attachment]]:
            links = await event_links(env.core.store.events, found.catalysts)
            ics = catalysts_to_ics(found.catalysts, links=links, reminder_days=remind_days)
            return embeds_status.calendar_embed(found, ICS_FILENAME), [(ICS_FILENAME, ics.encode("utf-8"))]

        await answer_with_files(interaction, env, core_upcoming(env.core, days, programme), render)

    for command in (status, calendar):
        tree.add_command(command)

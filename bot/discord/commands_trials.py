"""/trials watch|unwatch|list|show|enable: ClinicalTrials.gov trials and programmes (server-wide configuration)."""
from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.core import trials as core
from bot.discord import embeds, embeds_status
from bot.discord.commands_subscribe import programme_autocomplete, split_list
from bot.discord.permissions import PLATFORM, actor, recheck_manage_server
from bot.discord.replies import CommandEnv, answer, refuse
from storage.models import ChannelRef


def _channel(interaction: discord.Interaction[Any]) -> ChannelRef | None:
    # Where the "now watching" summary goes: the channel that asked.
    return ChannelRef(platform=PLATFORM, channel_id=str(interaction.channel_id)) if interaction.channel_id else None


def register(tree: app_commands.CommandTree[Any], env: CommandEnv) -> None:
    trials = app_commands.Group(name="trials", description="ClinicalTrials.gov trials the bot watches.",
                                guild_only=True, default_permissions=discord.Permissions(manage_guild=True))

    @trials.command(name="watch", description="Watch trials by NCT ID, or a programme by intervention name.")
    @app_commands.describe(
        nct_ids="NCT IDs, e.g. NCT05531279 (comma- or space-separated)",
        programme="Programme name: labels the trials, or is searched for when no NCT ID is given",
        aliases="Other intervention names of the programme (comma-separated; programme search only)",
        sponsor="Only trials of this lead sponsor (programme search only)",
    )
    @app_commands.autocomplete(programme=programme_autocomplete(env))
    @recheck_manage_server()
    async def watch(interaction: discord.Interaction[Any], nct_ids: str | None = None, programme: str | None = None,
                    aliases: str | None = None, sponsor: str | None = None) -> None:
        who, channel = actor(interaction), _channel(interaction)
        if nct_ids:
            if aliases or sponsor:
                await refuse(interaction, "Aliases and sponsor describe a programme search: give them without NCT IDs.")
                return
            # Each ID is checked against the registry: `answer` defers when that takes a while.
            await answer(interaction, env, core.watch_trials(env.core, who, [nct_ids], programme, channel),
                         embeds.trials_watched_embed)
        elif programme:
            await answer(interaction, env, core.watch_program(env.core, who, programme, split_list(aliases), sponsor,
                                                              channel), embeds.program_watched_embed)
        else:
            await refuse(interaction, "Give NCT IDs, or a programme to search for.")

    @trials.command(name="unwatch", description="Stop watching trials or a programme.")
    @app_commands.describe(nct_ids="NCT IDs (comma- or space-separated)",
                           programme="Stop watching this programme and the trials it brought in")
    @recheck_manage_server()
    async def unwatch(interaction: discord.Interaction[Any], nct_ids: str | None = None,
                      programme: str | None = None) -> None:
        if not nct_ids and not programme:
            await refuse(interaction, "Give NCT IDs, or a programme.")
            return
        who = actor(interaction)

        async def work() -> discord.Embed:
            removed = await core.unwatch_trials(env.core, who, [nct_ids]) if nct_ids else []
            dropped = await core.unwatch_program(env.core, who, programme) if programme else None
            return embeds.trials_unwatched_embed(removed, dropped)

        await answer(interaction, env, work(), lambda embed: embed)

    @trials.command(name="list", description="Watched trials with their state, and programmes.")
    async def list_(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, env, core.list_trials(env.core), embeds.trial_list_embed)

    @trials.command(name="show", description="A trial's current record and the changes seen so far.")
    @app_commands.describe(nct_id="NCT ID, e.g. NCT05531279")
    async def show(interaction: discord.Interaction[Any], nct_id: str) -> None:
        await answer(interaction, env, core.show_trial(env.core, nct_id), embeds_status.trial_detail_embed)

    @trials.command(name="enable", description="Poll ClinicalTrials.gov again after it was disabled for failing.")
    @recheck_manage_server()
    async def enable(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, env, core.enable_registry(env.core, actor(interaction)),
                     embeds_status.registry_enabled_embed)

    tree.add_command(trials)

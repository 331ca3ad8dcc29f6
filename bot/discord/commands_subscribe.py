"""/subscribe, /unsubscribe, /subscriptions: a channel's alert subscriptions."""
from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands

from bot.core import choices as core_choices
from bot.core import subscriptions as core
from bot.discord import embeds
from bot.discord.permissions import actor, channel_ref, manage_server
from bot.discord.replies import CommandEnv, answer, choices, refuse

_SPLIT = re.compile(r"\s*,\s*")


def split_list(text: str | None) -> list[str]:
    """A comma-separated option as a list (one text box per filter keeps the command short)."""
    return [part for part in _SPLIT.split(text.strip()) if part] if text and text.strip() else []


def programme_autocomplete(env: CommandEnv) -> Any:
    async def complete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        return choices(await core_choices.program_choices(env.core, current))
    return complete


def programmes_autocomplete(env: CommandEnv) -> Any:
    """Completes the last of several comma-separated programmes, keeping the ones before it."""
    async def complete(interaction: discord.Interaction[Any], current: str) -> list[app_commands.Choice[str]]:
        done, _, typing = current.rpartition(",")
        before = split_list(done)
        names = [n for n in await core_choices.program_choices(env.core, typing) if n not in before]
        return choices([", ".join([*before, n]) for n in names])
    return complete


def register(tree: app_commands.CommandTree[Any], env: CommandEnv) -> None:
    @app_commands.command(name="subscribe", description="Post alerts matching these filters in this channel.")
    @app_commands.describe(
        programme="Drug programme name or alias (comma-separate several)",
        sponsor="Sponsor company (comma-separate several)",
        kinds="readout, enrollment, regulatory, other (comma-separated)",
        subtypes="e.g. topline, fast_track, approval, first_patient (comma-separated)",
        keywords="Words or phrases in the title (comma-separated)",
        role="Role to mention with each alert",
        everything="No filter: every alert",
        digest_hour="Post one daily digest at this hour (UTC) instead of each alert at once",
    )
    @app_commands.autocomplete(programme=programmes_autocomplete(env))
    @app_commands.guild_only()
    @manage_server()
    async def subscribe(
        interaction: discord.Interaction[Any], programme: str | None = None, sponsor: str | None = None,
        kinds: str | None = None, keywords: str | None = None, role: discord.Role | None = None,
        everything: bool = False, digest_hour: app_commands.Range[int, 0, 23] | None = None,
        subtypes: str | None = None,
    ) -> None:
        if role is not None and role.is_default():
            await refuse(interaction, "Pick a role to mention other than @everyone.")
            return
        req = core.SubscribeRequest(
            programs=split_list(programme), sponsors=split_list(sponsor), kinds=split_list(kinds),
            subtypes=split_list(subtypes), keywords=split_list(keywords), everything=everything,
            mention=f"<@&{role.id}>" if role is not None else None,  # stored as a role mention, pinged on alerts
            mode="digest" if digest_hour is not None else "instant", digest_hour=digest_hour,
        )
        await answer(interaction, env, core.subscribe(env.core, actor(interaction), channel_ref(interaction), req),
                     embeds.subscribed_embed)

    async def complete_subscription(interaction: discord.Interaction[Any],
                                    current: str) -> list[app_commands.Choice[int]]:
        found = await core_choices.subscription_choices(env.core, channel_ref(interaction), current)
        return [app_commands.Choice(name=embeds.cut(label, 100), value=sub_id) for sub_id, label in found]

    @app_commands.command(name="unsubscribe", description="Remove one of this channel's subscriptions.")
    @app_commands.describe(subscription="Subscription number (/subscriptions lists them)")
    @app_commands.autocomplete(subscription=complete_subscription)
    @app_commands.guild_only()
    @manage_server()
    async def unsubscribe(interaction: discord.Interaction[Any], subscription: int) -> None:
        await answer(interaction, env,
                     core.unsubscribe(env.core, actor(interaction), channel_ref(interaction), subscription),
                     embeds.unsubscribed_embed)

    @app_commands.command(name="subscriptions", description="This channel's subscriptions.")
    @app_commands.guild_only()
    async def subscriptions(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, env, core.list_subscriptions(env.core, channel_ref(interaction)),
                     embeds.subscriptions_embed)

    for command in (subscribe, unsubscribe, subscriptions):
        tree.add_command(command)

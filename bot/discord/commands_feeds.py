"""/feeds add|remove|enable|list: the RSS/Atom feeds the bot watches (server-wide configuration)."""
from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.core import feeds as core
from bot.discord import embeds
from bot.discord.permissions import actor, recheck_manage_server
from bot.discord.replies import CommandEnv, answer


def register(tree: app_commands.CommandTree[Any], env: CommandEnv) -> None:
    # Discord applies default permissions per top-level command only, so they sit on the group.
    feeds = app_commands.Group(name="feeds", description="Feeds the bot watches.", guild_only=True,
                               default_permissions=discord.Permissions(manage_guild=True))

    @feeds.command(name="add", description="Watch a feed (fetched once to check it).")
    @app_commands.describe(url="The feed's URL", name="A name to show (default: the feed's title)")
    @recheck_manage_server()
    async def add(interaction: discord.Interaction[Any], url: str, name: str | None = None) -> None:
        # Fetching the feed can take up to the HTTP timeout: `answer` defers when it does.
        await answer(interaction, env, core.add_feed(env.core, actor(interaction), url, name),
                     embeds.feed_added_embed)

    @feeds.command(name="remove", description="Stop watching a feed.")
    @app_commands.describe(feed="Feed number (/feeds list shows them)")
    @recheck_manage_server()
    async def remove(interaction: discord.Interaction[Any], feed: int) -> None:
        await answer(interaction, env, core.remove_feed(env.core, actor(interaction), feed),
                     lambda source: embeds.feed_changed_embed("Feed removed", source))

    @feeds.command(name="enable", description="Watch a disabled feed again.")
    @app_commands.describe(feed="Feed number (/feeds list shows them)")
    @recheck_manage_server()
    async def enable(interaction: discord.Interaction[Any], feed: int) -> None:
        await answer(interaction, env, core.enable_feed(env.core, actor(interaction), feed),
                     lambda source: embeds.feed_changed_embed("Feed enabled", source))

    @feeds.command(name="list", description="Watched feeds with their health.")
    async def list_(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, env, core.list_feeds(env.core), embeds.feeds_embed)

    tree.add_command(feeds)

"""Who is asking, from an interaction, and the Manage Server gate for configuration commands.

The gate is twofold: `default_permissions` hides the command from members without Manage Server (server
admins can change that in Integrations), and the check runs again on every call, because a server's command
overrides or a stale client can still deliver the interaction. The core checks `Actor.can_manage` a third time.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.core.context import Actor
from storage.models import ChannelRef

T = TypeVar("T")

PLATFORM = "discord"
MANAGE_SERVER = discord.Permissions(manage_guild=True)


def actor(interaction: discord.Interaction[Any]) -> Actor:
    return Actor(platform=PLATFORM, user_id=str(interaction.user.id),
                 can_manage=interaction.permissions.manage_guild)


def channel_ref(interaction: discord.Interaction[Any]) -> ChannelRef:
    """The channel (or thread) the command was run in: where that channel's subscriptions deliver."""
    channel_id = interaction.channel_id
    if channel_id is None:
        raise app_commands.NoPrivateMessage("This command works in a server channel only.")
    return ChannelRef(platform=PLATFORM, channel_id=str(channel_id))


def manage_server() -> Callable[[T], T]:
    """Default permission + a per-call check for Manage Server."""
    def decorator(func: T) -> T:
        func = app_commands.default_permissions(manage_guild=True)(func)
        return app_commands.checks.has_permissions(manage_guild=True)(func)  # type: ignore[no-any-return]
    return decorator


def recheck_manage_server() -> Callable[[T], T]:
    """Only the per-call check: for subcommands, whose default permissions come from their group."""
    return app_commands.checks.has_permissions(manage_guild=True)

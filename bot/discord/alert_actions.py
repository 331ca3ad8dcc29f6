"""The buttons on every Discord alert and the "Why this alert?" message command.

The buttons are `DynamicItem`s: their custom_id (`mb:<action>:<id>`) carries the event (or mute) they act on, so
they work on any alert ever posted, across restarts, with nothing kept in memory. Every action goes through the
command core (bot/core/alert_actions.py), which checks permissions; answers are visible to the clicker only.
"""
from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.core import alert_actions as core
from bot.delivery.alert_view import http_url
from bot.discord import embeds
from bot.discord.permissions import PLATFORM, actor
from bot.discord.replies import CommandEnv, answer
from storage.models import ChannelRef, Event

TEMPLATE = r"mb:(?P<action>why|card|mute|unmute):(?P<ident>[0-9]{1,19})"
LABELS = {"why": "Why?", "card": "Programme card", "mute": "Mute programme here", "unmute": "Unmute"}
STYLES = {"why": discord.ButtonStyle.secondary, "card": discord.ButtonStyle.secondary,
          "mute": discord.ButtonStyle.danger, "unmute": discord.ButtonStyle.primary}
WHY_THIS_ALERT = "Why this alert?"


def custom_id(action: str, ident: int) -> str:
    return f"mb:{action}:{ident}"


def _button(action: str, ident: int) -> discord.ui.Button[Any]:
    return discord.ui.Button(label=LABELS[action], style=STYLES[action], custom_id=custom_id(action, ident))


def _detached(view: discord.ui.View) -> discord.ui.View:
    # The clicks are answered by the registered dynamic items, not by this view: stopped, discord.py never keeps
    # it in memory (a kept one would answer the same click a second time).
    view.stop()
    return view


def alert_view(event: Event) -> discord.ui.View:
    """Open source (a link), Why?, and for a programme's alert its card and Mute programme here."""
    view = discord.ui.View(timeout=None)
    if (url := http_url(event.url, embeds.URL_MAX)) and " " not in url:
        view.add_item(discord.ui.Button(label="Open source", style=discord.ButtonStyle.link, url=url))
    if event.kind != "system":
        view.add_item(_button("why", event.id))
    if event.programs:
        view.add_item(_button("card", event.id))
        view.add_item(_button("mute", event.id))
    return _detached(view)


def unmute_view(muted: core.Muted) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(_button("unmute", muted.mute.id))
    return _detached(view)


def alert_channel(interaction: discord.Interaction[Any]) -> ChannelRef:
    """The channel whose subscriptions an alert came through: a thread's (or forum post's) parent."""
    channel = interaction.channel
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return ChannelRef(platform=PLATFORM, channel_id=str(channel.parent_id))
    if interaction.channel_id is None:
        raise app_commands.NoPrivateMessage("Alerts are in server channels only.")
    return ChannelRef(platform=PLATFORM, channel_id=str(interaction.channel_id))


def register(client: discord.Client, tree: app_commands.CommandTree[Any], env: CommandEnv) -> None:
    class AlertButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):  # type: ignore[misc]
        def __init__(self, action: str, ident: int) -> None:
            super().__init__(_button(action, ident))
            self.action = action
            self.ident = ident

        @classmethod
        async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                                 match: Any) -> AlertButton:
            return cls(match["action"], int(match["ident"]))

        async def callback(self, interaction: discord.Interaction[Any]) -> None:
            ctx = env.core
            if self.action == "why":
                await answer(interaction, env, core.alert_why(ctx, self.ident), embeds.why_embed, ephemeral=True)
            elif self.action == "card":
                await answer(interaction, env, core.alert_card(ctx, self.ident), embeds.card_embed, ephemeral=True)
            elif self.action == "mute":
                await answer(interaction, env,
                             core.mute_program(ctx, actor(interaction), alert_channel(interaction), self.ident),
                             embeds.muted_embed, ephemeral=True, view=unmute_view)
            else:
                await answer(interaction, env,
                             core.unmute(ctx, actor(interaction), alert_channel(interaction), self.ident),
                             embeds.unmuted_embed, ephemeral=True)

    client.add_dynamic_items(AlertButton)

    @app_commands.context_menu(name=WHY_THIS_ALERT)
    async def why_this_alert(interaction: discord.Interaction[Any], message: discord.Message) -> None:
        await answer(interaction, env, core.why_message(env.core, PLATFORM, None, str(message.id)),
                     embeds.why_embed, ephemeral=True)

    tree.add_command(why_this_alert)

"""Running the real Discord front end against the local mock: a logged-in client, its CommandTree, and real
interaction payloads shaped like the gateway's INTERACTION_CREATE."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.http import Route

from bot.app import App
from bot.discord.frontend import DiscordFrontEnd
from bot.settings import Settings
from tests.support.discord_mock import APP_ID, GUILD_ID, TEXT, MockDiscord

CHANNEL_ID = 1400000000000000001
ADMIN_ID = 1500000000000000001
MEMBER_ID = 1500000000000000002
MANAGE = discord.Permissions(manage_guild=True, view_channel=True, send_messages=True)
MEMBER = discord.Permissions(view_channel=True, send_messages=True)


@dataclass
class DiscordHarness:
    mock: MockDiscord
    app: App
    front: DiscordFrontEnd

    @property
    def tree(self) -> app_commands.CommandTree[discord.Client]:
        assert self.front.tree is not None
        return self.front.tree

    def payload(self, name: str, options: list[dict[str, Any]] | None = None, *, kind: int = 2,
                manage: bool = True, channel_id: int = CHANNEL_ID,
                resolved: dict[str, Any] | None = None) -> dict[str, Any]:
        iid = self.mock.next_id()
        user_id = ADMIN_ID if manage else MEMBER_ID
        data: dict[str, Any] = {"id": str(self.mock.next_id()), "name": name, "type": 1,
                                "guild_id": str(GUILD_ID), "options": options or []}
        if resolved:
            data["resolved"] = resolved
        return {
            "id": str(iid), "application_id": str(APP_ID), "type": kind, "token": f"token{iid}", "version": 1,
            "guild_id": str(GUILD_ID), "channel_id": str(channel_id),
            "channel": {"id": str(channel_id), "type": TEXT, "guild_id": str(GUILD_ID), "name": "alerts",
                        "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None},
            "member": {
                "user": {"id": str(user_id), "username": "admin" if manage else "member", "discriminator": "0",
                         "avatar": None, "global_name": None},
                "roles": [], "joined_at": "2025-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0,
                "pending": False, "nick": None, "avatar": None,
                "permissions": str((MANAGE if manage else MEMBER).value),
            },
            "app_permissions": str(discord.Permissions(send_messages=True, embed_links=True).value),
            "locale": "en-US", "guild_locale": "en-US", "entitlements": [], "context": 0,
            "authorizing_integration_owners": {"0": str(GUILD_ID)}, "attachment_size_limit": 10485760,
            "data": data,
        }

    async def run(self, name: str, options: list[dict[str, Any]] | None = None, **kw: Any) -> str:
        """Delivers one interaction through the CommandTree as discord.py's gateway handler does; returns its token."""
        payload = self.payload(name, options, **kw)
        interaction = discord.Interaction(data=payload, state=self.front.client._connection)  # type: ignore[arg-type]
        # The body of CommandTree._from_interaction, awaited instead of spawned as a task.
        try:
            await self.tree._call(interaction)
        except app_commands.AppCommandError as exc:
            await self.tree._dispatch_error(interaction, exc)
        return str(payload["token"])

    async def click(self, custom_id: str, message: dict[str, Any], *, manage: bool = True,
                    channel: dict[str, Any] | None = None) -> str:
        """A button press on `message` (as the mock stored it), delivered as the gateway's INTERACTION_CREATE is:
        through discord.py's ConnectionState, whose view store finds the dynamic item; waits for its answer."""
        channel_id = int(message["channel_id"])
        payload = self.payload("", kind=3, manage=manage, channel_id=channel_id)
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        payload["message"] = message
        if channel is not None:
            payload["channel"] = channel
        self.front.client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        pending = [t for t in asyncio.all_tasks() if t.get_name().startswith("discord-ui-dynamic-item")]
        await asyncio.gather(*pending)
        return str(payload["token"])

    async def message_command(self, name: str, message: dict[str, Any], *, manage: bool = True) -> str:
        """A message context-menu command ("Apps → name") run on `message`."""
        payload = self.payload(name, manage=manage, channel_id=int(message["channel_id"]))
        payload["data"].update({"type": 3, "target_id": message["id"], "options": [],
                                "resolved": {"messages": {message["id"]: message}}})
        interaction = discord.Interaction(data=payload, state=self.front.client._connection)  # type: ignore[arg-type]
        try:
            await self.tree._call(interaction)
        except app_commands.AppCommandError as exc:
            await self.tree._dispatch_error(interaction, exc)
        return str(payload["token"])

    def replies(self, token: str) -> list[Any]:
        return self.mock.replies_to(token)

    def reply(self, token: str) -> dict[str, Any]:
        """The one callback discord.py sent for an interaction that answered at once."""
        [call] = self.replies(token)
        assert call.path.endswith("/callback")
        return call.body  # type: ignore[no-any-return]


def opt(name: str, value: Any, kind: int = 3, focused: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "type": kind, "value": value}
    if focused:
        out["focused"] = True
    return out


def sub(name: str, *options: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "type": 1, "options": list(options)}


def settings_for(mock: MockDiscord, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'discord.db'}", "discord_token": "test-token",
        "discord_api_base": mock.api_base, "allow_private_addresses": True,
        # A lookup of an unknown name also asks ClinicalTrials.gov: nothing listens here, so it fails at once.
        "ctgov_base_url": "http://127.0.0.1:9/api/v2", **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def discord_harness(tmp_path: Path, defer_after: float = 5.0, **overrides: Any) -> AsyncIterator[DiscordHarness]:
    base = Route.BASE
    mock = MockDiscord()
    await mock.start()
    mock.add_channel(CHANNEL_ID)
    app = await App.open(settings_for(mock, tmp_path, **overrides))
    front = DiscordFrontEnd(app.settings, connect_gateway=False, defer_after=defer_after)
    try:
        await front.start(app.core)
        yield DiscordHarness(mock, app, front)
    finally:
        await front.stop()
        await app.close()
        await mock.stop()
        Route.BASE = base

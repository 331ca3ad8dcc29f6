"""DiscordFrontEnd: the discord.py client and its CommandTree, started by `milestone-bot run` beside the scheduler.

`start` logs in over REST (which checks the token), registers and syncs the slash commands (to one server when
DISCORD_GUILD_ID is set: instant; globally otherwise), then connects to the gateway in a task and waits until
ready. Tests pass `connect_gateway=False` and drive the tree with real interaction payloads instead.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord
from discord import app_commands

from bot.core.context import CoreContext
from bot.discord import (
    alert_actions,
    commands_feeds,
    commands_lookup,
    commands_status,
    commands_subscribe,
    commands_trials,
)
from bot.discord.command_sync import sync_if_changed
from bot.discord.library_internals import DiscordEndpoints, silence_voice_warnings
from bot.discord.replies import CommandEnv, on_tree_error
from bot.discord.sink import DiscordSink
from bot.frontends import FrontEndError
from bot.settings import DEFAULT_DISCORD_API_BASE, Settings

log = logging.getLogger(__name__)

# Longer rate limits than this come back as errors (the outbox retries later) instead of blocking delivery.
MAX_RATELIMIT_WAIT_SECONDS = 60.0


def build_tree(client: discord.Client, env: CommandEnv) -> app_commands.CommandTree[discord.Client]:
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    tree.on_error = on_tree_error  # type: ignore[method-assign]
    modules: list[Any] = [commands_subscribe, commands_lookup, commands_feeds, commands_trials, commands_status]
    for module in modules:
        module.register(tree, env)
    alert_actions.register(client, tree, env)
    return tree


class DiscordFrontEnd:
    name = "discord"

    def __init__(self, settings: Settings, *, connect_gateway: bool = True, defer_after: float = 2.0) -> None:
        if settings.discord_token is None:
            raise FrontEndError("DISCORD_TOKEN is not set")
        self._settings = settings
        self._connect_gateway = connect_gateway
        self._defer_after = defer_after
        # discord.py's API base and gateway are process-wide: set from start to stop, not when built.
        self._endpoints = DiscordEndpoints()
        silence_voice_warnings()
        # Slash commands need no privileged intents; guilds keeps channel types cached for the sink.
        options: dict[str, Any] = {
            "intents": discord.Intents(guilds=True),
            "allowed_mentions": discord.AllowedMentions.none(),  # the default for every send: nobody is pinged
            "max_ratelimit_timeout": MAX_RATELIMIT_WAIT_SECONDS,
        }
        shard_ids = settings.shard_ids()
        if shard_ids is not None and settings.discord_shard_count is None:
            raise FrontEndError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the total number of shards)")
        if settings.discord_shard_count is not None:
            # Past one gateway connection: this process holds its slice of the shards (several `gateway`
            # processes hold the others); alerts need no gateway, workers post them over REST.
            self.client: discord.Client = discord.AutoShardedClient(
                shard_count=settings.discord_shard_count, shard_ids=shard_ids, **options)
        else:
            self.client = discord.Client(**options)
        self._sink = DiscordSink(self.client)
        self.tree: app_commands.CommandTree[discord.Client] | None = None
        self._gateway: asyncio.Task[None] | None = None
        self._core: CoreContext | None = None

    @property
    def sink(self) -> DiscordSink:
        return self._sink

    async def start(self, core: CoreContext) -> None:
        self._core = core
        self.tree = build_tree(self.client, CommandEnv(core=core, defer_after=self._defer_after))
        token = self._settings.discord_token
        assert token is not None
        self._endpoints.use(self._settings.discord_api_base)
        try:
            await self.client.login(token.get_secret_value())
        except discord.LoginFailure:
            await self.stop()
            raise FrontEndError(
                "Discord refused DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the "
                "Developer Portal (Bot → Reset Token)."
            ) from None
        except (discord.HTTPException, OSError) as exc:
            await self.stop()
            raise FrontEndError(f"cannot log in to Discord at {self._settings.discord_api_base}: {exc}") from None
        await self.sync_commands()
        if self._connect_gateway:
            await self._connect()
        log.info("Discord: logged in as %s (application %s)", self.client.user, self.client.application_id)

    async def sync_commands(self) -> bool:
        """Sync the slash commands if their definitions changed since the last sync; True when synced."""
        assert self.tree is not None and self._core is not None
        guild_id = self._settings.discord_guild_id
        guild = discord.Object(guild_id) if guild_id is not None else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        synced = await sync_if_changed(self.tree, self._core.store.meta, guild, self.client.application_id,
                                       self._settings.discord_api_base)
        if synced and guild_id is not None:
            log.info("Discord: slash commands synced to server %s", guild_id)
        elif synced:
            log.info("Discord: slash commands synced globally (may take up to an hour to appear)")
        return synced

    async def _use_api_gateway(self) -> None:
        """With DISCORD_API_BASE pointing elsewhere (a local stand-in), connect to the gateway that API names.

        discord.py's plain Client always dials its built-in wss://gateway.discord.gg/; asking `GET /gateway/bot`
        (Discord's documented way to find the gateway) keeps REST and gateway on the same host.
        """
        if self._settings.discord_api_base == DEFAULT_DISCORD_API_BASE:
            return
        try:
            _shards, url, _limits = await self.client.http.get_bot_gateway()
        except (discord.HTTPException, discord.GatewayNotFound, OSError) as exc:
            await self.stop()
            raise FrontEndError(
                f"cannot find the Discord gateway at {self._settings.discord_api_base}: {exc}") from None
        self._endpoints.use(self._settings.discord_api_base, gateway=url)

    async def _connect(self) -> None:
        await self._use_api_gateway()
        self._gateway = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({self._gateway, ready}, timeout=self._settings.discord_ready_timeout_seconds,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready in done:
            return
        ready.cancel()
        if self._gateway in done:
            exc = self._gateway.exception()
            await self.stop()
            raise FrontEndError(f"Discord gateway connection failed: {type(exc).__name__}: {exc}")
        await self.stop()
        raise FrontEndError(
            f"Discord gateway not ready after {self._settings.discord_ready_timeout_seconds:.0f}s; giving up"
        )

    async def stop(self) -> None:
        await self.client.close()
        if self._gateway is not None:
            self._gateway.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._gateway
            self._gateway = None
        self._endpoints.restore()

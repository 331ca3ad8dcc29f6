"""Sinks for a worker: alerts go out over the platforms' REST APIs, so a worker holds no gateway or socket."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import discord
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery.console import ConsoleSink
from bot.delivery.sink import Sink
from bot.discord.frontend import MAX_RATELIMIT_WAIT_SECONDS
from bot.discord.library_internals import DiscordEndpoints
from bot.discord.sink import DiscordSink
from bot.frontends import FrontEndError
from bot.settings import Settings
from bot.slack.sink import SlackSink


@dataclass
class RestSinks:
    sinks: list[Sink] = field(default_factory=list)
    _discord: discord.Client | None = None
    _endpoints: DiscordEndpoints = field(default_factory=DiscordEndpoints)

    async def close(self) -> None:
        if self._discord is not None:
            with contextlib.suppress(Exception):
                await self._discord.close()
        self._endpoints.restore()


async def open_rest_sinks(settings: Settings) -> RestSinks:
    """A sink per configured chat token (Discord: logged in over REST only; Slack: its Web API client), or the
    console sink when none is set (like `run`)."""
    out = RestSinks()
    if settings.discord_token is not None:
        out._endpoints.use(settings.discord_api_base)
        client = discord.Client(intents=discord.Intents.none(), allowed_mentions=discord.AllowedMentions.none(),
                                max_ratelimit_timeout=MAX_RATELIMIT_WAIT_SECONDS)
        out._discord = client
        try:
            await client.login(settings.discord_token.get_secret_value())
        except discord.LoginFailure:
            await out.close()
            raise FrontEndError("Discord refused DISCORD_TOKEN (401 Unauthorized)") from None
        except (discord.HTTPException, OSError) as exc:
            await out.close()
            raise FrontEndError(f"cannot log in to Discord at {settings.discord_api_base}: {exc}") from None
        out.sinks.append(DiscordSink(client))
    if settings.slack_bot_token is not None:
        client_slack = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(),
                                      base_url=settings.slack_api_base)
        out.sinks.append(SlackSink(client_slack))
    if not out.sinks:
        out.sinks.append(ConsoleSink())
    return out

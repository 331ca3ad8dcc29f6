"""`milestone-bot gateway`: holds the Discord gateway (a slice of shards with DISCORD_SHARD_IDS/COUNT) and the Slack
socket for slash commands; it neither polls nor posts alerts (workers do, over REST)."""
from __future__ import annotations

import asyncio
import logging

from bot.app import App, start_front_ends
from bot.frontends import FrontEndError

log = logging.getLogger(__name__)


async def run_gateway(app: App, stop: asyncio.Event) -> None:
    front_ends = await start_front_ends(app)
    if not front_ends:
        raise FrontEndError("the gateway holds chat connections: set DISCORD_TOKEN and/or SLACK_BOT_TOKEN")
    try:
        await stop.wait()
    finally:
        for front_end in front_ends:
            await front_end.stop()

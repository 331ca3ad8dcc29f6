"""The Discord front end connects to the gateway its API base names (here the local mock's minimal gateway)."""
from __future__ import annotations

from pathlib import Path

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.app import App
from bot.discord.frontend import DiscordFrontEnd
from tests.support.discord_mock import BOT_ID, MockDiscord
from tests.support.discord_support import settings_for


async def test_front_end_becomes_ready_through_the_mock_gateway(tmp_path: Path) -> None:
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    mock = MockDiscord()
    await mock.start()
    app = await App.open(settings_for(mock, tmp_path, seed_defaults=False, discord_ready_timeout_seconds=15))
    front = DiscordFrontEnd(app.settings)
    try:
        await front.start(app.core)
        assert front.client.is_ready() and front.client.user is not None and front.client.user.id == BOT_ID
        assert mock.gateway_sessions == 1
        [identify] = mock.identified
        assert identify["token"] == "test-token" and identify["intents"] == 1  # guilds only, nothing privileged
        assert mock.calls_to("GET", "/gateway/bot")
        assert Route.BASE == mock.api_base.rstrip("/")  # while it runs
    finally:
        await front.stop()
        await app.close()
        await mock.stop()
        restored = Route.BASE
        Route.BASE = base
    # stop puts back what discord.py had: the gateway and the REST base
    assert DiscordWebSocket.DEFAULT_GATEWAY == gateway == yarl.URL("wss://gateway.discord.gg/")
    assert restored == base

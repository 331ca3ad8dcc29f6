"""The discord.py internals the Discord front end has to set, in one place. Checked against discord.py 2.7.1.

discord.py has no public setting for its REST base URL or its gateway URL: a `Route` reads the class attribute
`Route.BASE` when it is built (every request, interaction replies included), and `Client.connect` dials
`DiscordWebSocket.DEFAULT_GATEWAY`. Both are process-wide, so they are set only while a front end runs (from
`start` to `stop`) and what was there before is put back. Upgrading discord.py: check that both attributes still
exist and are still read this way (tests/bot/discord/test_gateway.py fails if not).
"""
from __future__ import annotations

import logging

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


class DiscordEndpoints:
    """Points discord.py at an API base (and its gateway) and restores the previous values on `restore`."""

    def __init__(self) -> None:
        self._saved: tuple[str, yarl.URL] | None = None

    def use(self, api_base: str, gateway: str | None = None) -> None:
        if self._saved is None:
            self._saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        Route.BASE = api_base.rstrip("/")
        if gateway is not None:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)

    def restore(self) -> None:
        if self._saved is not None:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None


class _NoVoiceWarnings(logging.Filter):
    """discord.py warns at every Client() that PyNaCl / davey are missing, so "voice will NOT be supported":
    this bot never joins voice, so the two lines are only noise at each start-up."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "voice will NOT be supported" not in record.getMessage()


def silence_voice_warnings() -> None:
    client_log = logging.getLogger("discord.client")
    if not any(isinstance(f, _NoVoiceWarnings) for f in client_log.filters):
        client_log.addFilter(_NoVoiceWarnings())

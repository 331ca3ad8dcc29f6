"""Chat front ends started beside the scheduler, in the same event loop, when their tokens are set."""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from bot.delivery.sink import Sink

if TYPE_CHECKING:
    from bot.app import App


class FrontEndError(Exception):
    """A front end could not start (bad token, unreachable service): one line for the operator."""


class FrontEnd(Protocol):
    name: str

    @property
    def sink(self) -> Sink:
        """Where this front end's alerts are delivered (its platform's outbox consumer)."""
        ...

    async def start(self, app: App) -> None:
        """Log in / connect and register commands; return once ready (long-running work in tasks)."""
        ...

    async def stop(self) -> None: ...


def build_front_ends(app: App) -> list[FrontEnd]:
    """The front ends whose tokens are configured (imported lazily so each stays optional)."""
    front_ends: list[FrontEnd] = []
    if app.settings.discord_token is not None:
        from bot.discord.frontend import DiscordFrontEnd

        front_ends.append(DiscordFrontEnd(app.settings))
    if app.settings.slack_bot_token is not None:
        from bot.slack.frontend import SlackFrontEnd

        front_ends.append(SlackFrontEnd(app.settings))
    return front_ends

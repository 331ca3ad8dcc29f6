"""Chat front ends started beside the scheduler, in the same event loop, when their tokens are set."""
from __future__ import annotations

from typing import Protocol

from bot.core.context import CoreContext
from bot.delivery.sink import Sink


class FrontEndError(Exception):
    """A front end could not start (bad token, unreachable service): one line for the operator."""


class FrontEnd(Protocol):
    name: str

    @property
    def sink(self) -> Sink:
        """Where this front end's alerts are delivered (its platform's outbox consumer)."""
        ...

    async def start(self, core: CoreContext) -> None:
        """Log in / connect and register commands; return once ready (long-running work in tasks)."""
        ...

    async def stop(self) -> None: ...

"""What a delivery sink is, and how it reports failure."""
from __future__ import annotations

from typing import Protocol

from bot.delivery.digest import Digest
from storage.models import PendingDelivery


class SinkError(Exception):
    """A failed send. `permanent` means the channel is gone or forbidden: retrying cannot help.

    `rate_limited` means the platform asked us to wait `retry_after` seconds: nothing failed, so the dispatcher
    retries then without counting an attempt (a long rate limit must never use up a delivery's attempts).

    `auth_failed` means the platform refused the bot's own token: no channel is at fault and no attempt is used up;
    the dispatcher pauses the whole sink and tries again later, until the token works.
    """

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None,
                 rate_limited: bool = False, auth_failed: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.rate_limited = rate_limited
        self.auth_failed = auth_failed


class Sink(Protocol):
    platform: str

    async def send(self, pending: PendingDelivery) -> str | None:
        """Post one alert; returns the platform's message id when it has one."""
        ...

    async def send_digest(self, digest: Digest) -> str | None:
        """Post one digest message grouping many alerts."""
        ...

"""What a delivery sink is, and how it reports failure."""
from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Sent:
    """What a threading sink posted: the message, the thread it is in (or that now hangs off it), and whether it
    had to start a new conversation although one was asked for (its thread or root was deleted or archived)."""

    message_id: str | None
    thread_id: str | None = None
    new_root: bool = False


class Sink(Protocol):
    platform: str

    async def send(self, pending: PendingDelivery) -> str | Sent | None:
        """Post one alert (in `pending.conversation`'s thread when set; an update's note as a reply under
        `pending.original_message_id`); returns the platform's message id when it has one."""
        ...

    async def send_digest(self, digest: Digest) -> str | None:
        """Post one digest message grouping many alerts."""
        ...


class EditingSink(Sink, Protocol):
    async def edit(self, pending: PendingDelivery) -> None:
        """Edit the posted alert `pending.original_message_id` to the event's current facts and the update's
        note (an update lane). Editing twice to the same content changes nothing."""
        ...

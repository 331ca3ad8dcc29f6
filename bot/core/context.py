"""What every core command runs with, and who is asking."""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from bot.settings import Settings
from storage.store import Store
from watchers.fetch.http import Fetcher
from watchers.sources import Watchers, build_watchers
from watchers.sources.ctgov.client import CtgovClient


class Actor(BaseModel):
    """Who runs a command. Front ends fill `can_manage` from the platform's permissions."""

    platform: str = "console"
    user_id: str = "local"
    can_manage: bool = True


CONSOLE_ACTOR = Actor()


class CommandError(Exception):
    """A refusal or bad input, as one sentence a user can act on."""


class PermissionDenied(CommandError):
    pass


def require_manage(actor: Actor, what: str) -> None:
    if not actor.can_manage:
        raise PermissionDenied(f"You need the Manage Server permission (or workspace admin) to {what}.")


@dataclass
class CoreContext:
    store: Store
    fetcher: Fetcher
    settings: Settings
    # The app passes the watchers it polls with, so a command's registry request shares the poll's pacing.
    watchers: Watchers | None = None

    def __post_init__(self) -> None:
        if self.watchers is None:
            self.watchers = build_watchers(self.store, self.fetcher, self.settings.source_config())

    def ctgov(self) -> CtgovClient:
        """The ClinicalTrials.gov client the watcher polls with (one per registry URL)."""
        assert self.watchers is not None
        return self.watchers.ctgov.client(self.settings.ctgov_base_url)

"""`status`: how the bot is doing, one answer every front end renders (CLI, Discord `/status`, Slack).

The running bot records two facts in the store's meta table, so any process (a CLI `status` beside `run`) can
read them: the last poll cycle (when, how long, how many sources) and the front ends it has connected.
"""
from __future__ import annotations

import json
from datetime import datetime
from importlib import metadata
from typing import TypeVar

from pydantic import BaseModel, Field, ValidationError

from bot.core.context import CoreContext
from storage.database import StoreError, sqlite_path
from storage.interfaces import Meta
from storage.models import Source
from storage.run_lock import lock_holder

LAST_CYCLE_KEY = "status:last_cycle"
FRONT_ENDS_KEY = "status:front_ends"
M = TypeVar("M", bound=BaseModel)
MAX_LISTED = 5  # failing or disabled sources named in the answer; the rest are counted


class LastCycle(BaseModel):
    started_at: datetime
    duration_seconds: float
    polled: int = 0
    failed: int = 0
    not_modified: int = 0


class FrontEndState(BaseModel):
    name: str
    connected_at: datetime


class StatusAnswer(BaseModel):
    version: str
    running_pid: str | None = None  # the `milestone-bot run` using this store, if one is
    last_cycle: LastCycle | None = None
    sources_ok: int = 0
    sources_failing: int = 0
    sources_disabled: int = 0
    # A few of the sources needing attention, so the answer says which (the rest are in `feeds list`).
    attention: list[Source] = Field(default_factory=list)
    outbox_depth: int = 0
    dead_deliveries: int = 0
    disabled_subscriptions: int = 0
    front_ends: list[FrontEndState] = Field(default_factory=list)


def bot_version() -> str:
    try:
        return metadata.version("milestone-bot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


async def record_cycle(meta: Meta, started_at: datetime, duration_seconds: float, polled: int, failed: int,
                       not_modified: int) -> None:
    cycle = LastCycle(started_at=started_at, duration_seconds=round(duration_seconds, 3), polled=polled,
                      failed=failed, not_modified=not_modified)
    await meta.set(LAST_CYCLE_KEY, cycle.model_dump_json())


async def record_front_ends(meta: Meta, states: list[FrontEndState]) -> None:
    """The front ends connected now (an empty list when the bot stops)."""
    await meta.set(FRONT_ENDS_KEY, json.dumps([s.model_dump(mode="json") for s in states]))


async def _read(meta: Meta, key: str, model: type[M]) -> list[M]:
    raw = await meta.get(key)
    if not raw:
        return []
    try:
        data = json.loads(raw)
        return [model.model_validate(item) for item in (data if isinstance(data, list) else [data])]
    except (ValueError, ValidationError):
        return []  # written by another version of the bot: not worth failing `status` over


async def status(ctx: CoreContext) -> StatusAnswer:
    store = ctx.store
    sources = await store.sources.list()
    disabled = [s for s in sources if s.disabled]
    failing = [s for s in sources if not s.disabled and s.consecutive_failures > 0]
    counts = await store.outbox.counts()
    subs = await store.subscriptions.list()
    cycles = await _read(store.meta, LAST_CYCLE_KEY, LastCycle)
    running = _running_pid(ctx.settings.database_url)
    return StatusAnswer(
        version=bot_version(),
        running_pid=running,
        last_cycle=cycles[0] if cycles else None,
        sources_ok=len(sources) - len(disabled) - len(failing),
        sources_failing=len(failing),
        sources_disabled=len(disabled),
        attention=[*disabled, *failing][:MAX_LISTED],
        outbox_depth=counts.get("pending", 0),
        dead_deliveries=counts.get("dead", 0),
        disabled_subscriptions=sum(1 for s in subs if s.disabled),
        # What a `run` recorded is only true while it runs (a killed one could not clear it).
        front_ends=await _read(store.meta, FRONT_ENDS_KEY, FrontEndState) if running else [],
    )


def _running_pid(database_url: str) -> str | None:
    try:
        return lock_holder(sqlite_path(database_url))
    except StoreError:  # a store that is not a SQLite file has no lock file to ask
        return None

"""What a source is to the pipeline: three stages (fetch, parse, classify) and what one poll hands back."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from storage.models import ChannelRef, NewEvent, Source
from storage.store import UnitOfWork


@dataclass
class Fetched:
    """One poll's raw answer. `not_modified`: nothing changed (a 304, or a poll skipped to respect a limit)."""

    payload: Any = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    partial_error: str | None = None  # some of the work failed: kept as the source's last error


@dataclass(frozen=True)
class Item:
    """One thing a source found. `key` is its identity for "seen before?"; None for records that are diffed
    against their last snapshot instead (registries)."""

    key: str | None
    data: Any


class SourceWrites(Protocol):
    """What a source stores beside the events (e.g. trial snapshots), in the poll's unit of work."""

    async def save(self, uow: UnitOfWork, now: datetime) -> None: ...


@dataclass
class Classified:
    events: list[NewEvent] = field(default_factory=list)
    # Events meant only for the channel that asked (dedupe_key → channels), e.g. a "now watching" summary.
    audiences: dict[str, list[ChannelRef]] = field(default_factory=dict)
    writes: SourceWrites | None = None


@dataclass
class PollOutcome:
    """What one successful poll of a source hands to the store, applied in one unit of work."""

    source_id: int
    item_keys: list[str] = field(default_factory=list)
    events: list[NewEvent] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    audiences: dict[str, list[ChannelRef]] = field(default_factory=dict)
    partial_error: str | None = None
    writes: SourceWrites | None = None


class Watcher(Protocol):
    kind: str
    # False: a new source's first poll records what is there and announces nothing (no backfill flood).
    announces_first_poll: bool

    async def fetch(self, source: Source) -> Fetched: ...

    async def parse(self, source: Source, fetched: Fetched) -> list[Item]: ...

    async def classify(self, source: Source, fetched: Fetched, items: list[Item]) -> Classified:
        """New items → typed events (the caller already dropped the items seen before)."""
        ...

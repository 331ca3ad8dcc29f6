"""What a source is to the pipeline: three stages (fetch, parse, classify) and what one poll hands back."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from storage.models import ChannelRef, NewEvent, SeenItem, Source
from storage.store import UnitOfWork
from watchers.parse.identity import fingerprint


@dataclass
class Fetched:
    """One poll's raw answer. `not_modified`: nothing changed (a 304). `skipped`: the source did not ask at all
    (e.g. to respect a daily limit) — not a success, so the pacing clock and health keep the last real one."""

    payload: Any = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    partial_error: str | None = None  # some of the work failed: kept as the source's last error
    skipped: bool = False
    url: str | None = None  # where the answer came from (after redirects): relative links in it resolve against it


@dataclass(frozen=True)
class Item:
    """One thing a source found. `key` is its identity for "seen before?"; None for records that are diffed
    against their last snapshot instead (registries)."""

    key: str | None
    data: Any
    # Feed items: the second identity (normalised title + lede) and the item's date, for "new or not?".
    content_key: str | None = None
    published_at: datetime | None = None
    # What the source's next poll is told it recorded (feed items: a digest of the item as read; see
    # `PollOutcome.item_digests`).
    digest: bytes | None = None
    # The source vouches the item is as its last recorded poll left it (its digest was among the recorded ones):
    # only its key is given, no data to classify (the pipeline checks the store holds that key).
    unchanged: bool = False


class SourceWrites(Protocol):
    """What a source stores beside the events (e.g. trial snapshots), in the poll's unit of work."""

    async def save(self, uow: UnitOfWork, now: datetime) -> None: ...


@dataclass(frozen=True)
class FollowUp:
    """Work a poll leaves for after its transaction: the release pages of its new events, read later so a slow,
    politely paced page never holds the poll. The deliveries of the events whose page will be read wait for its
    facts, at most `hold_seconds` (then they go with the lede's facts)."""

    held_urls: frozenset[str]  # the events (by url) whose page will be read
    hold_seconds: float
    # Called once the poll's transaction committed, with the events stored for the first time (url → event id).
    start: Callable[[Mapping[str, int]], None]


@dataclass
class Classified:
    events: list[NewEvent] = field(default_factory=list)
    # Events meant only for the channel that asked (dedupe_key → channels), e.g. a "now watching" summary.
    audiences: dict[str, list[ChannelRef]] = field(default_factory=dict)
    writes: SourceWrites | None = None
    # Item key → the event classified from it, for items whose classification is remembered (edits).
    by_item: dict[str, NewEvent] = field(default_factory=dict)
    follow_up: FollowUp | None = None


@dataclass
class PollOutcome:
    """What one successful poll of a source hands to the store, applied in one unit of work."""

    source_id: int
    seen_items: list[SeenItem] = field(default_factory=list)
    events: list[NewEvent] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    audiences: dict[str, list[ChannelRef]] = field(default_factory=dict)
    partial_error: str | None = None
    writes: SourceWrites | None = None
    skipped: bool = False
    follow_up: FollowUp | None = None
    # The digests of the items this poll kept, written with the source's validators (`Source.item_digests`).
    item_digests: bytes | None = None


class Watcher(Protocol):
    kind: str
    # False: a new source's first poll records what is there and announces nothing (no backfill flood).
    announces_first_poll: bool

    async def fetch(self, source: Source) -> Fetched: ...

    async def parse(self, source: Source, fetched: Fetched) -> list[Item]: ...

    async def classify(self, source: Source, fetched: Fetched, items: list[Item]) -> Classified:
        """New items → typed events (the caller already dropped the items seen before)."""
        ...


def feed_events(items: list[Item], events: list[NewEvent]) -> Classified:
    """One event per feed item, fingerprinted so another source's copy of the release fuses into it."""
    return fingerprinted_events(items, [fingerprinted(event) for event in events])


def fingerprinted(event: NewEvent) -> NewEvent:
    """The event with its release's fingerprint (what another source's copy of the release shares)."""
    return event.model_copy(update={"fingerprint": fingerprint(event.title, event.summary)})


def fingerprinted_events(items: list[Item], events: list[NewEvent]) -> Classified:
    """`feed_events` for events already `fingerprinted` (the RSS source's, in the parse worker)."""
    out = Classified()
    for item, event in zip(items, events, strict=True):
        out.events.append(event)
        out.by_item[str(item.key)] = event
    return out

"""Pydantic models for everything that crosses a package boundary."""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, Field

EventKind = Literal["readout", "enrollment", "regulatory", "other", "system"]
SourceKind = Literal["rss", "ctgov", "openfda", "edgar"]
Platform = Literal["console", "discord", "slack"]
DeliveryStatus = Literal["pending", "sent", "dead"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Evidence(BaseModel):
    rule: str
    phrase: str


class ChannelRef(BaseModel):
    """A chat channel: who asked for something, or who an event is for."""

    platform: str
    channel_id: str


class Source(BaseModel):
    id: int
    kind: SourceKind
    url: str
    name: str
    etag: str | None = None
    last_modified: str | None = None
    consecutive_failures: int = 0
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    next_poll_at: datetime | None = None
    last_error: str | None = None
    disabled: bool = False
    primed: bool = False
    created_at: datetime
    # The digests of the items its last recorded poll kept (feed sources; watchers/parse/feed_fast.py): an
    # internal record, never shown nor exported.
    item_digests: bytes | None = Field(default=None, exclude=True, repr=False)


class Polled(NamedTuple):
    """A successful poll's health to write (`sources.mark_polled_many`): what `mark_polled` takes. A 304
    (`not_modified`) keeps the source's validators."""

    source_id: int
    at: datetime
    next_poll_at: datetime
    not_modified: bool
    etag: str | None = None
    last_modified: str | None = None
    partial_error: str | None = None
    item_digests: bytes | None = None  # written with the validators (a 304 keeps both)


class CatalystDate(BaseModel):
    """A dated catalyst an event announces; `date` is ISO (a coarse date is its last month)."""

    kind: Literal["pdufa", "guidance", "primary_completion", "adcomm"]
    label: str
    date: str
    precision: Literal["day", "month", "quarter", "half", "year"] = "day"


class NewEvent(BaseModel):
    """An event found by a watcher, not yet stored."""

    dedupe_key: str
    kind: EventKind
    subtype: str = "other"
    title: str
    summary: str = ""
    url: str | None = None
    published_at: datetime | None = None
    programs: list[str] = Field(default_factory=list)
    sponsor: str | None = None
    trial: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)
    catalysts: list[CatalystDate] = Field(default_factory=list)
    # How the source relates to the news: the company itself (press release, 8-K) or the FDA.
    reported_by: Literal["company", "fda", "registry", "other"] = "other"
    # Content fingerprint (normalised title + lede): the same release from another source is fused into this one.
    fingerprint: str | None = None


class Event(NewEvent):
    id: int
    source_id: int | None = None
    source_name: str | None = None
    detected_at: datetime


class SubscriptionFilters(BaseModel):
    """All given filters must match (AND); values inside one filter are alternatives (OR)."""

    programs: list[str] = Field(default_factory=list)
    sponsors: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)
    subtypes: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    source_ids: list[int] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(
            (self.programs, self.sponsors, self.kinds, self.subtypes, self.keywords, self.source_ids)
        )

    def key(self) -> str:
        """The filter set normalised (order, case, edge spaces and repeats ignored): what makes two subscriptions
        the same. Migration 0007 computes the same text in SQL for rows written before it."""
        words = {
            name: sorted({v.strip().casefold() for v in values})
            for name, values in (("programs", self.programs), ("sponsors", self.sponsors), ("kinds", self.kinds),
                                 ("subtypes", self.subtypes), ("keywords", self.keywords))
        }
        return json.dumps({**words, "source_ids": sorted(set(self.source_ids))}, sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False)


class Subscription(BaseModel):
    id: int
    platform: Platform
    channel_id: str
    filters: SubscriptionFilters = Field(default_factory=SubscriptionFilters)
    mention: str | None = None
    mode: Literal["instant", "digest"] = "instant"
    digest_hour: int | None = None
    created_by: str | None = None
    created_at: datetime
    disabled: bool = False
    disabled_reason: str | None = None


class DeliveryTarget(BaseModel):
    """One delivery to queue for an event: a channel (and lane) and every subscription it satisfies there.

    The lane is `instant` (one message per event and channel) or `digest:<subscription id>` (that digest's own
    daily message)."""

    platform: str
    channel_id: str
    lane: str = "instant"
    subscription_ids: list[int]


class Queued(NamedTuple):
    """An event's deliveries to queue (`outbox.enqueue_many`); `not_before`: held until then (facts to come)."""

    event_id: int
    targets: Sequence[DeliveryTarget]
    not_before: datetime | None = None


class Delivery(BaseModel):
    id: int
    event_id: int
    platform: str
    channel_id: str
    lane: str = "instant"
    subscription_ids: list[int]  # the enabled subscriptions it satisfies
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None = None
    platform_message_id: str | None = None
    note: str | None = None  # an update lane: what changed, replied under the posted alert
    progress: str | None = None  # an update's steps done ("edited")
    sending_at: datetime | None = None  # a reply was being posted when this was written: look before posting again

    @property
    def is_update(self) -> bool:
        return self.lane.startswith("update:")


class Conversation(BaseModel):
    """The message that started a channel's conversation about a programme or trial (its thread's root)."""

    platform: str
    channel_id: str
    topic: str
    root_message_id: str
    thread_id: str | None = None


class Mute(BaseModel):
    """A programme muted in one channel."""

    id: int
    platform: str
    channel_id: str
    program: str
    created_by: str | None = None
    created_at: datetime


class PendingDelivery(BaseModel):
    """A due delivery joined with what a sink needs to post it."""

    delivery: Delivery
    event: Event
    # The enabled subscriptions this delivery satisfies in its channel, oldest first (never empty).
    subscriptions: list[Subscription]
    # Filled by the dispatcher just before sending, from the store (not columns of the row):
    conversation: Conversation | None = None  # post in this conversation's thread (a follow-up)
    original_message_id: str | None = None  # an update: the posted alert to edit
    original_thread_id: str | None = None  # … and the thread it is in, when it is a follow-up
    broadcast: bool = False  # a follow-up important enough to show in the channel too (Slack reply_broadcast)

    @property
    def subscription(self) -> Subscription:
        """The oldest of them: the channel and platform are the same for all."""
        return self.subscriptions[0]

    @property
    def mentions(self) -> list[str]:
        """Every matching subscription's mention, each once."""
        return list(dict.fromkeys(s.mention for s in self.subscriptions if s.mention))


class ProgramAlias(BaseModel):
    alias: str
    needs_sponsor: bool = False


class ProgramIn(BaseModel):
    """A programme as a user or the TOML file describes it."""

    name: str
    aliases: list[str] = Field(default_factory=list)
    sponsors: list[str] = Field(default_factory=list)
    nct_ids: list[str] = Field(default_factory=list)
    cik: str | None = None
    ticker: str | None = None
    indication: str | None = None
    notes: str | None = None


class Program(ProgramIn):
    id: int
    alias_flags: list[ProgramAlias] = Field(default_factory=list)
    created_at: datetime
    # registered: a user or the TOML file added it; learned: created from drug names the stream mentions.
    kind: str = "registered"


class LearnedProgram(BaseModel):
    """A programme to create from the stream: its name, the other names the text pairs with it, its sponsor."""

    name: str
    aliases: list[str] = Field(default_factory=list)
    sponsors: list[str] = Field(default_factory=list)


class ProgramMerge(BaseModel):
    """Two learned programmes found to be one: the merged one's names, events and ledger rows moved to the kept."""

    id: int
    kept_id: int
    kept_name: str
    merged_name: str
    reason: str
    merged_at: datetime
    undone_at: datetime | None = None


class LedgerSource(BaseModel):
    event_id: int
    source_name: str | None = None
    reported_by: str
    url: str | None = None
    seen_at: datetime


class Designation(BaseModel):
    id: int
    program: str
    designation: str
    indication: str | None = None
    first_seen_at: datetime
    sources: list[LedgerSource] = Field(default_factory=list)


class Catalyst(BaseModel):
    id: int
    program: str
    kind: str
    label: str
    date: str
    precision: str
    status: Literal["open", "met", "overdue", "superseded"] = "open"
    outcome: str | None = None
    event_id: int | None = None
    history: list[dict[str, str]] = Field(default_factory=list)
    trial: str | None = None  # set for a trial's completion date, read from the registry snapshot


class OpenCatalyst(BaseModel):
    """An open catalyst as the ledger decisions see it: a new date for its kind is a move."""

    id: int
    kind: str
    date: str
    history: list[dict[str, Any]] = Field(default_factory=list)


class SeenItem(BaseModel):
    """What the store knows of one item a source handed over: both identities, its date, its classification."""

    item_key: str
    content_key: str | None = None
    published_at: datetime | None = None
    classified_as: str | None = None  # "kind/subtype"; None when recorded unclassified (priming, silent backfill)


class FeedHistory(BaseModel):
    """A source's recent history: the newest item date it has served and when it was first recorded."""

    newest_published_at: datetime | None = None
    primed_at: datetime | None = None
    # Items recorded before content keys were kept (and none since): their link/content keys may have changed.
    legacy: bool = False


class FusionCandidate(BaseModel):
    """A stored event with the same fingerprint as a new one."""

    event_id: int
    source_id: int | None = None
    detected_at: datetime
    suppressed: bool = False  # stored without alerting (a ledger repeat)


class EventSource(BaseModel):
    """One source (and its link) that told an event."""

    source_id: int
    source_name: str | None = None
    url: str | None = None
    seen_at: datetime

"""The repositories' interfaces: what callers may ask of each (the SQLite classes in storage/repositories/
implement them; a PostgreSQL store implements the same). tests/storage/test_interfaces.py fails when a class and
its interface differ in any public method or signature."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from storage.models import (
    Catalyst,
    CatalystDate,
    ChannelRef,
    DeliveryTarget,
    Designation,
    Event,
    EventSource,
    FeedHistory,
    FusionCandidate,
    NewEvent,
    OpenCatalyst,
    PendingDelivery,
    Program,
    ProgramIn,
    SeenItem,
    Source,
    SourceKind,
    Subscription,
    SubscriptionFilters,
)
from storage.trial_models import ProgramQuery, StoredTrialChange, TrialSnapshot, TrialUpdate, TrialWatch


class Sources(Protocol):
    """Watched sources and their polling health (validators, failures, next poll time)."""

    async def add(self, kind: SourceKind, url: str, name: str) -> Source: ...

    async def get(self, source_id: int) -> Source: ...

    async def find(self, kind: SourceKind, url: str) -> Source | None: ...

    async def list(self, kind: SourceKind | None = None) -> list[Source]: ...

    async def due(self, now: datetime, kind: SourceKind | None = None) -> list[Source]: ...

    async def remove(self, source_id: int) -> Source: ...

    async def set_enabled(self, source_id: int, enabled: bool) -> Source: ...

    async def mark_polled(
        self,
        source_id: int,
        now: datetime,
        next_poll_at: datetime,
        *,
        not_modified: bool,
        etag: str | None = None,
        last_modified: str | None = None,
        partial_error: str | None = None,
    ) -> None: ...

    async def mark_skipped(self, source_id: int, now: datetime, next_poll_at: datetime) -> None: ...

    async def mark_failed(self, source_id: int, error: str, next_poll_at: datetime, disable: bool) -> int: ...


class SeenItems(Protocol):
    """Which items each source has already handed over (by item key)."""

    async def unseen(self, source_id: int, keys: Iterable[str]) -> list[str]: ...

    async def known(self, source_id: int, keys: Iterable[str], content_keys: Iterable[str]) -> list[SeenItem]: ...

    async def add(self, source_id: int, items: Sequence[SeenItem], now: datetime) -> None: ...

    async def history(self, source_id: int) -> FeedHistory: ...


class Publications(Protocol):
    """Each source's publication times as seen (what the adaptive poll schedule learns from)."""

    async def add(self, source_id: int, published: Iterable[datetime | None]) -> None: ...

    async def for_sources(self, source_ids: Sequence[int]) -> dict[int, list[datetime]]: ...

    async def since(self, after: datetime, limit: int = 200_000) -> dict[int, list[datetime]]: ...


class Events(Protocol):
    """Stored events and the programmes each is linked to."""

    async def insert(self, ev: NewEvent, source_id: int | None, now: datetime) -> int | None: ...

    async def with_fingerprint(self, fingerprint: str) -> list[FusionCandidate]: ...

    async def add_source(self, event_id: int, source_id: int, url: str | None, now: datetime) -> None: ...

    async def sources(self, event_id: int) -> list[EventSource]: ...

    async def link_programs(self, event_id: int, program_ids: Sequence[int]) -> None: ...

    async def set_facts(self, event_id: int, facts: dict[str, Any], suppressed: bool) -> None: ...

    async def get(self, event_id: int) -> Event: ...

    async def latest(self, limit: int = 20, kind: str | None = None) -> list[Event]: ...

    async def for_program(
        self, program_id: int, limit: int = 5, kind: str | None = None, subtypes: Sequence[str] = ()
    ) -> list[Event]: ...


class Outbox(Protocol):
    """The delivery outbox: one row per event × channel (× lane), listing its subscriptions; drained by the
    dispatcher."""

    async def enqueue(self, event_id: int, targets: Sequence[DeliveryTarget], now: datetime) -> None: ...

    async def first_sent_at(self, event_id: int) -> datetime | None: ...

    async def due(self, platforms: Sequence[str], now: datetime, limit: int = 100) -> list[PendingDelivery]: ...

    async def claim(
        self, platforms: Sequence[str], owner: str, now: datetime, until: datetime, limit: int = 100
    ) -> list[PendingDelivery]: ...

    async def claimants(self, now: datetime) -> list[str]: ...

    async def release(self, owner: str) -> None: ...

    async def for_digest(self, subscription_id: int, limit: int = 500) -> list[PendingDelivery]: ...

    async def mark_delivered(self, delivery_ids: Sequence[int], platform_message_id: str | None) -> None: ...

    async def mark_attempt_failed(
        self, delivery_id: int, error: str, next_attempt_at: datetime, give_up: bool, count: bool = True
    ) -> None: ...

    async def drop_pending(self, subscription_id: int, reason: str) -> None: ...

    async def counts(self) -> dict[str, int]: ...


class Programs(Protocol):
    """The programme registry: programmes and their aliases (what the matcher and lookups are built from)."""

    async def add(self, program: ProgramIn, needs_sponsor: Sequence[str] = ()) -> Program: ...

    async def update(self, program_id: int, program: ProgramIn, needs_sponsor: Sequence[str] = ()) -> Program: ...

    async def remove(self, program_id: int) -> None: ...

    async def get(self, program_id: int) -> Program: ...

    async def find(self, name: str) -> Program | None: ...

    async def list(self) -> list[Program]: ...

    async def alias_table(self) -> list[tuple[str, str, bool, list[str]]]: ...

    async def version(self) -> str: ...

    async def name_choices(self, prefix: str, limit: int = 25) -> list[str]: ...

    async def resolve(self, norms: Sequence[str]) -> dict[str, tuple[int, str]]: ...


class Trials(Protocol):
    """What the ClinicalTrials.gov source remembers: watched trials, programme queries, snapshots, changes."""

    async def add_watches(
        self,
        nct_ids: Sequence[str],
        program: str | None = None,
        requested_by: ChannelRef | None = None,
        requested_user: str | None = None,
    ) -> tuple[list[str], list[str]]: ...

    async def remove_watches(self, nct_ids: Sequence[str]) -> list[str]: ...

    async def list_watches(self) -> list[TrialWatch]: ...

    async def get_watch(self, nct_id: str) -> TrialWatch | None: ...

    async def add_query(
        self,
        program: str,
        terms: Sequence[str],
        sponsor: str | None = None,
        requested_by: ChannelRef | None = None,
        requested_user: str | None = None,
    ) -> ProgramQuery: ...

    async def get_query(self, query_id: int) -> ProgramQuery: ...

    async def find_query(self, program: str) -> ProgramQuery | None: ...

    async def list_queries(self) -> list[ProgramQuery]: ...

    async def remove_query(self, query_id: int) -> int: ...

    async def snapshots(self, nct_ids: Sequence[str]) -> dict[str, TrialSnapshot]: ...

    async def slip_counts(self, nct_ids: Sequence[str]) -> dict[tuple[str, str], int]: ...

    async def changes(self, nct_id: str, limit: int = 200) -> list[StoredTrialChange]: ...

    async def save_updates(
        self, updates: Sequence[TrialUpdate], primed_query_ids: Sequence[int], now: datetime
    ) -> None: ...


class Ledger(Protocol):
    """The designation ledger and the catalyst calendar, as rows; what to write is decided in watchers/route/."""

    async def designation_id(self, program_key: str, designation: str) -> int | None: ...

    async def open_catalysts(self, program_key: str, kinds: tuple[str, ...]) -> dict[str, OpenCatalyst]: ...

    async def add_designation(
        self, program_key: str, program: str, designation: str, indication: str | None, event_id: int, now: str
    ) -> int: ...

    async def add_designation_source(self, designation_id: int, event_id: int, reported_by: str, now: str) -> None: ...

    async def add_catalyst(
        self, program_key: str, program: str, cat: CatalystDate, event_id: int, history: list[dict[str, Any]], now: str
    ) -> None: ...

    async def move_catalyst(
        self, catalyst_id: int, cat: CatalystDate, event_id: int, history: list[dict[str, Any]], now: str
    ) -> None: ...

    async def close_pdufa(self, program_key: str, outcome: str, now: str) -> None: ...

    async def set_catalyst_status(self, catalyst_id: int, status: str) -> None: ...

    async def designations(self, program: str) -> list[Designation]: ...

    async def catalysts(
        self,
        start: str | None = None,
        end: str | None = None,
        program: str | None = None,
        statuses: tuple[str, ...] = ("open",),
    ) -> list[Catalyst]: ...


class Subscriptions(Protocol):
    """Channel subscriptions and their filters."""

    async def add(
        self,
        platform: str,
        channel_id: str,
        filters: SubscriptionFilters,
        mention: str | None = None,
        mode: str = "instant",
        digest_hour: int | None = None,
        created_by: str | None = None,
    ) -> Subscription: ...

    async def get(self, sub_id: int) -> Subscription: ...

    async def list(self, platform: str | None = None, channel_id: str | None = None) -> list[Subscription]: ...

    async def active(self) -> list[Subscription]: ...

    async def remove(self, sub_id: int) -> None: ...

    async def disable(self, sub_id: int, reason: str) -> None: ...

    async def ensure(self, platform: str, channel_id: str) -> Subscription: ...


class Meta(Protocol):
    """Small key → value facts about the store itself (digest markers, registry version)."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str) -> None: ...

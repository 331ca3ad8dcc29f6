"""The store: every query the bot runs, behind one interface (SQLite via aiosqlite)."""
from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from storage.catalyst_queries import CatalystQueries
from storage.clock import from_db, to_db
from storage.models import (
    Delivery,
    Event,
    NewEvent,
    PendingDelivery,
    PollOutcome,
    Source,
    SourceKind,
    Subscription,
    SubscriptionFilters,
    utcnow,
)
from storage.program_queries import ProgramQueries
from storage.rows import EVENT_COLS, SOURCE_COLS, SUB_COLS, event_row, source_row, subscription_row
from storage.store_base import DuplicateError, NotFoundError, StoreBase, StoreError, sqlite_path
from storage.subscription_match import fold, matches
from storage.trial_models import ChannelRef
from storage.trial_queries import TrialQueries

log = logging.getLogger(__name__)

__all__ = ["DuplicateError", "NotFoundError", "Store", "StoreError", "sqlite_path"]


class Store(TrialQueries, CatalystQueries, ProgramQueries, StoreBase):
    """Every query the bot runs. Query groups for later features live in their own modules as mixins."""

    # -- sources ---------------------------------------------------------------------------------

    async def add_source(self, kind: SourceKind, url: str, name: str) -> Source:
        now = to_db(utcnow())
        async with self.transaction() as db:
            existing = await (await db.execute(
                "SELECT id FROM sources WHERE kind = ? AND url = ?", (kind, url)
            )).fetchone()
            if existing:
                raise DuplicateError(f"{kind} source {url} is already watched (id {existing[0]})")
            cur = await db.execute(
                "INSERT INTO sources (kind, url, name, created_at, next_poll_at) VALUES (?, ?, ?, ?, ?)",
                (kind, url, name, now, now),
            )
            source_id = cur.lastrowid
        return await self.get_source(int(source_id or 0))

    async def get_source(self, source_id: int) -> Source:
        row = await self._one(f"SELECT {SOURCE_COLS} FROM sources WHERE id = ?", (source_id,))
        if row is None:
            raise NotFoundError(f"no source with id {source_id}")
        return source_row(row)

    async def find_source(self, kind: SourceKind, url: str) -> Source | None:
        row = await self._one(f"SELECT {SOURCE_COLS} FROM sources WHERE kind = ? AND url = ?", (kind, url))
        return source_row(row) if row else None

    async def list_sources(self, kind: SourceKind | None = None) -> list[Source]:
        if kind is None:
            rows = await self._all(f"SELECT {SOURCE_COLS} FROM sources ORDER BY id")
        else:
            rows = await self._all(f"SELECT {SOURCE_COLS} FROM sources WHERE kind = ? ORDER BY id", (kind,))
        return [source_row(r) for r in rows]

    async def due_sources(self, now: datetime, kind: SourceKind | None = None) -> list[Source]:
        sql = f"SELECT {SOURCE_COLS} FROM sources WHERE disabled = 0 AND (next_poll_at IS NULL OR next_poll_at <= ?)"
        params: list[Any] = [to_db(now)]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        return [source_row(r) for r in await self._all(sql + " ORDER BY id", params)]

    async def remove_source(self, source_id: int) -> Source:
        source = await self.get_source(source_id)
        async with self.transaction() as db:
            await db.execute("DELETE FROM sources WHERE id = ?", (source_id,))
        return source

    async def set_source_enabled(self, source_id: int, enabled: bool) -> Source:
        await self.get_source(source_id)
        async with self.transaction() as db:
            if enabled:
                await db.execute(
                    "UPDATE sources SET disabled = 0, consecutive_failures = 0, next_poll_at = ? WHERE id = ?",
                    (to_db(utcnow()), source_id),
                )
            else:
                await db.execute("UPDATE sources SET disabled = 1 WHERE id = ?", (source_id,))
        return await self.get_source(source_id)

    async def unseen_keys(self, source_id: int, keys: Iterable[str]) -> list[str]:
        """The keys (in the given order) this source has not recorded as seen."""
        wanted = list(dict.fromkeys(keys))
        seen: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self._all(
                f"SELECT item_key FROM seen_items WHERE source_id = ? AND item_key IN ({marks})",
                [source_id, *chunk],
            )
            seen.update(r[0] for r in rows)
        return [k for k in wanted if k not in seen]

    async def record_poll(self, outcome: PollOutcome, next_poll_at: datetime) -> list[int]:
        """Mark items seen, store new events and queue their deliveries, all in one transaction.

        Returns the ids of events stored for the first time. Running it twice stores nothing twice.
        """
        now = utcnow()
        sets = ["consecutive_failures = 0", "last_error = ?", "primed = 1",
                "last_success_at = ?", "last_attempt_at = ?", "next_poll_at = ?"]
        params: list[Any] = [outcome.partial_error, to_db(now), to_db(now), to_db(next_poll_at)]
        if not outcome.not_modified:
            # Validators are replaced only by a modified response, so a 304 keeps the old ones.
            sets += ["etag = ?", "last_modified = ?"]
            params += [outcome.etag, outcome.last_modified]
        update = f"UPDATE sources SET {', '.join(sets)} WHERE id = ?"
        params.append(outcome.source_id)
        if not (outcome.item_keys or outcome.events or outcome.trial_updates or outcome.primed_query_ids):
            # Nothing but the source's health (a 304, an empty feed): one statement, atomic on its own, so no
            # BEGIN/COMMIT round trips. The lock still keeps it out of another coroutine's open transaction.
            async with self._write_lock:
                await self._db.execute_fetchall(update, params)
            return []
        async with self.transaction() as db:
            await db.execute_fetchall(update, params)
            stamp = to_db(now)
            if outcome.item_keys:
                await db.executemany(
                    "INSERT INTO seen_items (source_id, item_key, first_seen_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (source_id, item_key) DO NOTHING",
                    [(outcome.source_id, k, stamp) for k in outcome.item_keys],
                )
            await self._save_trial_updates(db, outcome.trial_updates, outcome.primed_query_ids, now)
            return await self._insert_events(db, outcome.events, outcome.source_id, now, outcome.audiences)

    async def record_failure(
        self, source_id: int, error: str, next_poll_at: datetime, disable: bool
    ) -> int:
        """Count a failed poll; returns the consecutive failure count."""
        async with self.transaction() as db:
            await db.execute(
                "UPDATE sources SET consecutive_failures = consecutive_failures + 1, last_error = ?, "
                "last_attempt_at = ?, next_poll_at = ?, disabled = CASE WHEN ? THEN 1 ELSE disabled END "
                "WHERE id = ?",
                (error[:1000], to_db(utcnow()), to_db(next_poll_at), 1 if disable else 0, source_id),
            )
            row = await (await db.execute(
                "SELECT consecutive_failures FROM sources WHERE id = ?", (source_id,)
            )).fetchone()
        return int(row[0]) if row else 0

    # -- events ----------------------------------------------------------------------------------

    async def add_events(
        self,
        events: Sequence[NewEvent],
        source_id: int | None = None,
        audiences: Mapping[str, Sequence[ChannelRef]] | None = None,
    ) -> list[int]:
        """Store events not stored before (by dedupe_key) and queue their deliveries.

        An event whose dedupe_key is in `audiences` goes only to those channels (one subscription each).
        """
        async with self.transaction() as db:
            return await self._insert_events(db, events, source_id, utcnow(), audiences)

    async def _insert_events(
        self,
        db: aiosqlite.Connection,
        events: Sequence[NewEvent],
        source_id: int | None,
        now: datetime,
        audiences: Mapping[str, Sequence[ChannelRef]] | None = None,
    ) -> list[int]:
        if not events:
            return []
        subs = [_active_subscription(tuple(r)) for r in await db.execute_fetchall(
            f"SELECT {SUB_COLS} FROM subscriptions WHERE disabled = 0 ORDER BY id"
        )]
        new_ids: list[int] = []
        stamp = to_db(now)
        for ev in events:
            program_ids, ev = await self._resolve_programs(db, ev)
            rows = await db.execute_fetchall(
                "INSERT INTO events (dedupe_key, source_id, kind, subtype, title, summary, url, published_at, "
                "detected_at, programs, sponsor, trial, facts, evidence, reported_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING "
                "RETURNING id",
                (
                    ev.dedupe_key, source_id, ev.kind, ev.subtype, ev.title, ev.summary, ev.url,
                    to_db(ev.published_at), stamp, json.dumps(ev.programs), ev.sponsor, ev.trial,
                    json.dumps(ev.facts, default=str), json.dumps([e.model_dump() for e in ev.evidence]),
                    ev.reported_by,
                ),
            )
            row = next(iter(rows), None)
            if row is None:
                continue
            event_id = int(row[0])
            new_ids.append(event_id)
            ev, suppressed = await self._track_event(db, event_id, ev)
            if program_ids:
                await db.executemany(
                    "INSERT INTO event_programs (event_id, program_id) VALUES (?, ?) "
                    "ON CONFLICT (program_id, event_id) DO NOTHING",
                    [(event_id, pid) for pid in program_ids],
                )
            recipients = [] if suppressed else _recipients(subs, ev, source_id, audiences)
            if recipients:
                await db.executemany(
                    "INSERT INTO deliveries (event_id, subscription_id, next_attempt_at, created_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (event_id, subscription_id) DO NOTHING",
                    [(event_id, s.id, stamp, stamp) for s in recipients],
                )
        return new_ids

    async def _resolve_programs(self, db: aiosqlite.Connection, ev: NewEvent) -> tuple[list[int], NewEvent]:
        """Replace known aliases by their programme's registry name, so filters and lookups key on one name."""
        norms = {fold(n): n for n in ev.programs if fold(n)}
        if not norms:
            return [], ev
        marks = ",".join("?" * len(norms))
        rows = await db.execute_fetchall(
            f"SELECT a.norm, p.id, p.name FROM program_aliases a JOIN programs p ON p.id = a.program_id "
            f"WHERE a.norm IN ({marks})",
            list(norms),
        )
        known = {r[0]: (int(r[1]), str(r[2])) for r in rows}
        names: list[str] = []
        ids: list[int] = []
        for norm, name in norms.items():
            pid, canonical = known.get(norm, (None, name))
            if pid is not None and pid not in ids:
                ids.append(pid)
            if fold(canonical) not in {fold(n) for n in names}:
                names.append(canonical)
        return ids, ev.model_copy(update={"programs": names})

    async def get_event(self, event_id: int) -> Event:
        row = await self._one(
            f"SELECT {EVENT_COLS} FROM events e LEFT JOIN sources s ON s.id = e.source_id WHERE e.id = ?",
            (event_id,),
        )
        if row is None:
            raise NotFoundError(f"no event with id {event_id}")
        return event_row(row)

    async def latest_events(
        self, limit: int = 20, kind: str | None = None
    ) -> list[Event]:
        sql = f"SELECT {EVENT_COLS} FROM events e LEFT JOIN sources s ON s.id = e.source_id"
        params: list[Any] = []
        if kind:
            sql += " WHERE e.kind = ?"
            params.append(kind)
        sql += " ORDER BY e.detected_at DESC, e.id DESC LIMIT ?"
        params.append(limit)
        return [event_row(r) for r in await self._all(sql, params)]

    # -- subscriptions ---------------------------------------------------------------------------

    async def add_subscription(
        self,
        platform: str,
        channel_id: str,
        filters: SubscriptionFilters,
        mention: str | None = None,
        mode: str = "instant",
        digest_hour: int | None = None,
        created_by: str | None = None,
    ) -> Subscription:
        async with self.transaction() as db:
            cur = await db.execute(
                "INSERT INTO subscriptions (platform, channel_id, filters, mention, mode, digest_hour, "
                "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (platform, channel_id, filters.model_dump_json(), mention, mode, digest_hour, created_by,
                 to_db(utcnow())),
            )
            sub_id = int(cur.lastrowid or 0)
        return await self.get_subscription(sub_id)

    async def get_subscription(self, sub_id: int) -> Subscription:
        row = await self._one(f"SELECT {SUB_COLS} FROM subscriptions WHERE id = ?", (sub_id,))
        if row is None:
            raise NotFoundError(f"no subscription with id {sub_id}")
        return subscription_row(row)

    async def list_subscriptions(
        self, platform: str | None = None, channel_id: str | None = None
    ) -> list[Subscription]:
        sql = f"SELECT {SUB_COLS} FROM subscriptions WHERE 1 = 1"
        params: list[Any] = []
        if platform is not None:
            sql += " AND platform = ?"
            params.append(platform)
        if channel_id is not None:
            sql += " AND channel_id = ?"
            params.append(channel_id)
        return [subscription_row(r) for r in await self._all(sql + " ORDER BY id", params)]

    async def remove_subscription(self, sub_id: int) -> None:
        await self.get_subscription(sub_id)
        async with self.transaction() as db:
            await db.execute("DELETE FROM subscriptions WHERE id = ?", (sub_id,))

    async def disable_subscription(self, sub_id: int, reason: str) -> None:
        async with self.transaction() as db:
            await db.execute(
                "UPDATE subscriptions SET disabled = 1, disabled_reason = ? WHERE id = ?", (reason, sub_id)
            )
            # Nothing more can reach that channel: stop its queued deliveries instead of retrying forever.
            await db.execute(
                "UPDATE deliveries SET status = 'dead', last_error = ? WHERE subscription_id = ? "
                "AND status = 'pending'",
                (f"subscription disabled: {reason}", sub_id),
            )

    async def ensure_subscription(self, platform: str, channel_id: str) -> Subscription:
        """An unfiltered subscription for this channel, created if missing (the console's default)."""
        for sub in await self.list_subscriptions(platform, channel_id):
            if sub.filters.is_empty():
                return sub
        return await self.add_subscription(platform, channel_id, SubscriptionFilters())

    # -- outbox ----------------------------------------------------------------------------------

    _DELIVERY_SELECT = (
        "SELECT d.id, d.event_id, d.subscription_id, d.status, d.attempts, d.next_attempt_at, "
        "d.last_error, d.platform_message_id FROM deliveries d JOIN subscriptions sub ON sub.id = d.subscription_id "
    )

    async def due_deliveries(self, platforms: Sequence[str], now: datetime, limit: int = 100) -> list[PendingDelivery]:
        """Pending instant deliveries whose time has come, oldest first."""
        if not platforms:
            return []
        marks = ",".join("?" * len(platforms))
        rows = await self._all(
            self._DELIVERY_SELECT
            + f"WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND sub.platform IN ({marks}) "
            "AND sub.mode = 'instant' ORDER BY d.id LIMIT ?",
            [to_db(now), *platforms, limit],
        )
        return await self._pending(rows)

    async def digest_deliveries(self, subscription_id: int, limit: int = 500) -> list[PendingDelivery]:
        """Everything queued for a digest subscription since its last digest."""
        rows = await self._all(
            self._DELIVERY_SELECT + "WHERE d.status = 'pending' AND d.subscription_id = ? ORDER BY d.id LIMIT ?",
            [subscription_id, limit],
        )
        return await self._pending(rows)

    async def _pending(self, rows: Sequence[aiosqlite.Row]) -> list[PendingDelivery]:
        out: list[PendingDelivery] = []
        subs: dict[int, Subscription] = {}
        for r in rows:
            delivery = Delivery(
                id=r[0], event_id=r[1], subscription_id=r[2], status=r[3], attempts=r[4],
                next_attempt_at=from_db(r[5]), last_error=r[6], platform_message_id=r[7],
            )
            if delivery.subscription_id not in subs:
                subs[delivery.subscription_id] = await self.get_subscription(delivery.subscription_id)
            event = await self.get_event(delivery.event_id)
            out.append(PendingDelivery(delivery=delivery, event=event, subscription=subs[delivery.subscription_id]))
        return out

    async def mark_delivered(self, delivery_id: int, platform_message_id: str | None) -> None:
        await self.mark_all_delivered([delivery_id], platform_message_id)

    async def mark_all_delivered(self, delivery_ids: Sequence[int], platform_message_id: str | None) -> None:
        async with self.transaction() as db:
            await db.executemany(
                "UPDATE deliveries SET status = 'sent', sent_at = ?, platform_message_id = ?, "
                "attempts = attempts + 1 WHERE id = ?",
                [(to_db(utcnow()), platform_message_id, i) for i in delivery_ids],
            )

    async def mark_attempt_failed(
        self, delivery_id: int, error: str, next_attempt_at: datetime, give_up: bool, count: bool = True
    ) -> None:
        """Record a failed send; `count=False` (a rate limit) defers it without using up an attempt."""
        async with self.transaction() as db:
            await db.execute(
                "UPDATE deliveries SET attempts = attempts + ?, last_error = ?, next_attempt_at = ?, "
                "status = CASE WHEN ? THEN 'dead' ELSE status END WHERE id = ?",
                (1 if count else 0, error[:1000], to_db(next_attempt_at), 1 if give_up else 0, delivery_id),
            )

    async def delivery_counts(self) -> dict[str, int]:
        rows = await self._all("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
        return {r[0]: int(r[1]) for r in rows}


@functools.lru_cache(maxsize=4096)
def _active_subscription(row: tuple[Any, ...]) -> Subscription:
    """A subscription row, parsed once per distinct row (the table is re-read in every transaction; only its
    filters' JSON parse is saved). The instances stay inside _insert_events, which only reads them."""
    return subscription_row(row)


def _recipients(
    subs: Sequence[Subscription],
    event: NewEvent,
    source_id: int | None,
    audiences: Mapping[str, Sequence[ChannelRef]] | None,
) -> list[Subscription]:
    audience = (audiences or {}).get(event.dedupe_key)
    if audience is None:
        return [s for s in subs if matches(s, event, source_id)]
    # Addressed to the channels that asked: one subscription per channel, an unfiltered one when it has one.
    chosen: list[Subscription] = []
    for ref in audience:
        here = [s for s in subs if s.platform == ref.platform and s.channel_id == ref.channel_id]
        pick = next((s for s in here if s.filters.is_empty()), here[0] if here else None)
        if pick is not None and pick not in chosen:
            chosen.append(pick)
    return chosen


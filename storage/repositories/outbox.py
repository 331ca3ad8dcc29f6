"""The delivery outbox: one row per event × channel (× lane), listing the subscriptions it satisfies."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.clock import from_db, to_db
from storage.database import Connection, Row
from storage.models import Delivery, PendingDelivery, Queued, Subscription, utcnow
from storage.rows import EVENT_COLS, SUB_COLS, event_row, subscription_row

_SUB_COLS = ", ".join(f"sub.{c.strip()}" for c in SUB_COLS.split(","))
# A delivery is sendable while one of its subscriptions is enabled (a removed or disabled one no longer counts).
_LIVE = (
    "EXISTS (SELECT 1 FROM delivery_subscriptions ds JOIN subscriptions sub ON sub.id = ds.subscription_id "
    "WHERE ds.delivery_id = d.id AND sub.disabled = 0)"
)
_SELECT = (
    "SELECT d.id, d.event_id, d.platform, d.channel_id, d.lane, d.status, d.attempts, d.next_attempt_at, "
    "d.last_error, d.platform_message_id, d.note, d.progress, d.sending_at, "
    f"{EVENT_COLS} FROM deliveries d "
    "JOIN events e ON e.id = d.event_id LEFT JOIN sources s ON s.id = e.source_id "
)
_N_DELIVERY = 13
# What the dispatcher sends itself: instant alerts and the updates of posted ones (digests go at their hour).
_SENT_NOW = "(d.lane = 'instant' OR d.lane LIKE 'update:%')"


class OutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def enqueue(self, queued: Sequence[Queued], now: datetime) -> None:
        """Queue one delivery per target of each event, in order; queuing the same event for a channel again adds
        nothing. `Queued.not_before`: the rows wait until then (facts still to come), unless `release_held` sends
        them sooner. Two statements for all the events' targets (each a round trip to the database), not two per
        event or per target."""
        stamp = to_db(now)
        await self._conn.write_many(
            "INSERT INTO deliveries (event_id, platform, channel_id, lane, next_attempt_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, platform, channel_id, lane) DO NOTHING",
            [(q.event_id, target.platform, target.channel_id, target.lane,
              to_db(q.not_before) if q.not_before is not None else stamp, stamp)
             for q in queued for target in q.targets],
        )
        await self._conn.write_many(
            "INSERT INTO delivery_subscriptions (delivery_id, subscription_id) "
            "SELECT id, ? FROM deliveries WHERE event_id = ? AND platform = ? AND channel_id = ? AND lane = ? "
            "ON CONFLICT (delivery_id, subscription_id) DO NOTHING",
            [(sub_id, q.event_id, target.platform, target.channel_id, target.lane)
             for q in queued for target in q.targets for sub_id in target.subscription_ids],
        )

    async def release_held(self, event_id: int, now: datetime) -> None:
        """The event's waiting first deliveries become due now (the facts they waited for are stored)."""
        stamp = to_db(now)
        await self._conn.write(
            "UPDATE deliveries SET next_attempt_at = ? WHERE event_id = ? AND status = 'pending' AND attempts = 0 "
            "AND next_attempt_at > ?", (stamp, event_id, stamp),
        )

    async def due(self, platforms: Sequence[str], now: datetime, limit: int = 100) -> list[PendingDelivery]:
        """Pending instant deliveries whose time has come, oldest first."""
        if not platforms:
            return []
        marks = ",".join("?" * len(platforms))
        rows = await self._conn.all(
            _SELECT + f"WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND d.platform IN ({marks}) "
            f"AND {_SENT_NOW} AND {_LIVE} ORDER BY d.id LIMIT ?",
            [to_db(now), *platforms, limit],
        )
        return await self._pending(rows)

    async def claim(
        self, platforms: Sequence[str], owner: str, now: datetime, until: datetime, limit: int = 100,
        channel: tuple[str, str] | None = None,
    ) -> list[PendingDelivery]:
        """Claim due instant deliveries for `owner` until `until`, oldest first, and return them.

        One UPDATE … RETURNING, so two processes can never claim the same row. A channel with a pending delivery
        claimed by another owner is skipped whole, so one channel's alerts stay in one process's order. A claim
        ends when the delivery is marked, released, or at `until` (its process died: another one retries it).
        """
        if not platforms:
            return []
        marks = ",".join("?" * len(platforms))
        stamp = to_db(now)
        only, only_params = ("", []) if channel is None else (" AND d.platform = ? AND d.channel_id = ?", list(channel))
        async with self._conn.atomic() as tx:
            claimed = await tx.all(
                # The row's own claim is checked again outside the sub-select: on PostgreSQL a concurrent claimer
                # blocks on the row, then re-reads this condition on the committed row and skips it.
                "UPDATE deliveries SET claimed_by = ?, claimed_until = ? "
                "WHERE (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?) AND id IN ("
                " SELECT d.id FROM deliveries d"
                f" WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND d.platform IN ({marks})"
                # Not what this owner already holds: a dispatcher claims its next batch while sending the last.
                " AND (d.claimed_by IS NULL OR d.claimed_by <> ? OR d.claimed_until <= ?)"
                f" AND {_SENT_NOW}{only} AND {_LIVE} AND NOT EXISTS ("
                "  SELECT 1 FROM deliveries o WHERE o.platform = d.platform AND o.channel_id = d.channel_id"
                "  AND o.status = 'pending' AND o.claimed_until > ? AND o.claimed_by <> ?)"
                " ORDER BY d.id LIMIT ?) RETURNING id",
                [owner, to_db(until), stamp, owner, stamp, *platforms, owner, stamp, *only_params, stamp, owner,
                 limit],
            )
            if not claimed:
                return []
            ids = [r[0] for r in claimed]
            rows = await tx.all(_SELECT + f"WHERE d.id IN ({','.join('?' * len(ids))}) ORDER BY d.id", ids)
        return await self._pending(rows)

    async def due_channels(self, platforms: Sequence[str], now: datetime) -> list[tuple[str, str]]:
        """The channels with an instant delivery waiting to be sent now (what delivery jobs are made for)."""
        if not platforms:
            return []
        rows = await self._conn.all(
            f"SELECT DISTINCT d.platform, d.channel_id FROM deliveries d WHERE d.status = 'pending' "
            f"AND d.next_attempt_at <= ? AND d.platform IN ({','.join('?' * len(platforms))}) "
            f"AND {_SENT_NOW} AND {_LIVE} ORDER BY d.platform, d.channel_id",
            [to_db(now), *platforms],
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    async def claimants(self, now: datetime) -> list[str]:
        """Who holds live claims (a dispatcher may release those of processes it knows are dead)."""
        rows = await self._conn.all(
            "SELECT DISTINCT claimed_by FROM deliveries WHERE status = 'pending' AND claimed_until > ?", [to_db(now)]
        )
        return [str(r[0]) for r in rows]

    async def renew(self, owner: str, until: datetime) -> None:
        """Extend `owner`'s live claims to `until` (a drain still sending them)."""
        await self._conn.write(
            "UPDATE deliveries SET claimed_until = ? WHERE claimed_by = ? AND status = 'pending'",
            (to_db(until), owner),
        )

    async def release(self, owner: str) -> None:
        """Give back what `owner` claimed and did not send (e.g. a channel blocked behind a failed alert)."""
        await self._conn.write(
            "UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ?", (owner,)
        )

    async def claim_digest(
        self, subscription_id: int, owner: str, now: datetime, until: datetime, limit: int = 500
    ) -> list[PendingDelivery]:
        """Claim everything queued for a digest subscription for `owner` until `until`, or nothing while another
        owner holds a live claim on any of it (two processes at the digest hour post one digest, whole)."""
        lane, stamp = f"digest:{subscription_id}", to_db(now)
        async with self._conn.atomic() as tx:
            claimed = await tx.all(
                "UPDATE deliveries SET claimed_by = ?, claimed_until = ? WHERE id IN ("
                f" SELECT d.id FROM deliveries d WHERE d.status = 'pending' AND d.lane = ? AND {_LIVE}"
                "  AND NOT EXISTS (SELECT 1 FROM deliveries o WHERE o.lane = d.lane AND o.status = 'pending'"
                "  AND o.claimed_until > ? AND o.claimed_by <> ?)"
                " ORDER BY d.id LIMIT ?) RETURNING id",
                [owner, to_db(until), lane, stamp, owner, limit],
            )
            if not claimed:
                return []
            ids = [r[0] for r in claimed]
            rows = await tx.all(_SELECT + f"WHERE d.id IN ({','.join('?' * len(ids))}) ORDER BY d.id", ids)
        return await self._pending(rows)

    async def for_digest(self, subscription_id: int, limit: int = 500) -> list[PendingDelivery]:
        """Everything queued for a digest subscription since its last digest."""
        rows = await self._conn.all(
            _SELECT + f"WHERE d.status = 'pending' AND d.lane = ? AND {_LIVE} ORDER BY d.id LIMIT ?",
            [f"digest:{subscription_id}", limit],
        )
        return await self._pending(rows)

    async def first_sent_at(self, event_id: int) -> datetime | None:
        """When the event's first alert went out (None: not sent yet)."""
        row = await self._conn.one(
            "SELECT MIN(sent_at) FROM deliveries WHERE event_id = ? AND status = 'sent'", (event_id,)
        )
        return from_db(row[0]) if row and row[0] else None

    async def mark_delivered(self, delivery_ids: Sequence[int], platform_message_id: str | None,
                             thread_id: str | None = None) -> None:
        """Sent as `platform_message_id`, inside thread `thread_id` when it is a reply."""
        stamp = to_db(utcnow())
        await self._conn.write_many(
            "UPDATE deliveries SET status = 'sent', sent_at = ?, platform_message_id = ?, thread_id = ?, "
            "attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL WHERE id = ?",
            [(stamp, platform_message_id, thread_id, i) for i in delivery_ids],
        )

    async def mark_attempt_failed(
        self, delivery_id: int, error: str, next_attempt_at: datetime, give_up: bool, count: bool = True
    ) -> None:
        """Record a failed send; `count=False` (a rate limit, a paused sink) defers it without using an attempt."""
        await self._conn.write(
            "UPDATE deliveries SET attempts = attempts + ?, last_error = ?, next_attempt_at = ?, "
            "status = CASE WHEN ? = 1 THEN 'dead' ELSE status END, claimed_by = NULL, claimed_until = NULL "
            "WHERE id = ?",
            (1 if count else 0, error[:1000], to_db(next_attempt_at), 1 if give_up else 0, delivery_id),
        )

    async def drop_pending(self, subscription_id: int, reason: str) -> None:
        """A subscription stopped: its queued deliveries that no other enabled subscription wants stop too."""
        await self._conn.write(
            "UPDATE deliveries AS d SET status = 'dead', last_error = ? WHERE d.status = 'pending' "
            "AND d.id IN (SELECT delivery_id FROM delivery_subscriptions WHERE subscription_id = ?) "
            "AND NOT EXISTS (SELECT 1 FROM delivery_subscriptions ds JOIN subscriptions sub "
            "ON sub.id = ds.subscription_id WHERE ds.delivery_id = d.id AND sub.disabled = 0 AND sub.id != ?)",
            (reason, subscription_id, subscription_id),
        )

    async def enqueue_update(self, event_id: int, change: str, note: str, now: datetime,
                             platforms: Sequence[str], sent_only: bool = False) -> int:
        """Queue an update of the event's alert (an edit and a reply saying `note`) in every channel of `platforms`
        it was sent to or is about to be (with `sent_only`, only where it was sent); `change` names the change, so
        recording it again queues nothing. Returns how many."""
        if not platforms:
            return 0
        stamp = to_db(now)
        statuses = "('sent')" if sent_only else "('pending', 'sent')"
        # Set-based, three statements whatever the number of channels (a fused release's confirmation reaches
        # every channel of its alert: one round trip per channel was most of a batch of polls' writes).
        alerts = (f"i.event_id = ? AND i.lane = 'instant' AND i.status IN {statuses} "
                  f"AND i.platform IN ({','.join('?' * len(platforms))})")  # the alert's deliveries `i`
        lane = f"update:{change}"[:200]
        count = await self._conn.one(f"SELECT COUNT(*) FROM deliveries i WHERE {alerts}", [event_id, *platforms])
        if not count or not count[0]:
            return 0
        await self._conn.write(
            "INSERT INTO deliveries (event_id, platform, channel_id, lane, note, next_attempt_at, created_at) "
            f"SELECT i.event_id, i.platform, i.channel_id, ?, ?, ?, ? FROM deliveries i WHERE {alerts} ORDER BY i.id "
            "ON CONFLICT (event_id, platform, channel_id, lane) DO NOTHING",
            [lane, note[:500], stamp, stamp, event_id, *platforms],
        )
        await self._conn.write(
            "INSERT INTO delivery_subscriptions (delivery_id, subscription_id) "
            "SELECT u.id, ds.subscription_id FROM deliveries i "
            "JOIN delivery_subscriptions ds ON ds.delivery_id = i.id "
            "JOIN deliveries u ON u.event_id = i.event_id AND u.platform = i.platform "
            f"AND u.channel_id = i.channel_id AND u.lane = ? WHERE {alerts} ON CONFLICT DO NOTHING",
            [lane, event_id, *platforms],
        )
        return int(count[0])

    async def posted_message(self, event_id: int, platform: str, channel_id: str) -> tuple[str, str | None] | None:
        """The message the event's alert was posted as in the channel and the thread it is in (None while unsent
        or where the platform gives no ids)."""
        row = await self._conn.one(
            "SELECT platform_message_id, thread_id FROM deliveries WHERE event_id = ? AND platform = ? "
            "AND channel_id = ? AND lane = 'instant' AND status = 'sent'", (event_id, platform, channel_id),
        )
        return (str(row[0]), str(row[1]) if row[1] else None) if row and row[0] else None

    async def event_of_message(self, platform: str, channel_id: str | None, message_id: str) -> int | None:
        """The event a posted message (an alert, a follow-up, an update's reply) is about."""
        sql = "SELECT event_id FROM deliveries WHERE platform = ? AND platform_message_id = ?"
        params: list[str] = [platform, message_id]
        if channel_id is not None:
            sql += " AND channel_id = ?"
            params.append(channel_id)
        row = await self._conn.one(sql + " ORDER BY id LIMIT 1", params)
        return int(row[0]) if row else None

    async def mark_progress(self, delivery_id: int, progress: str) -> None:
        await self._conn.write("UPDATE deliveries SET progress = ? WHERE id = ?", (progress, delivery_id))

    async def mark_sending(self, delivery_id: int, now: datetime) -> None:
        await self._conn.write("UPDATE deliveries SET sending_at = ? WHERE id = ?", (to_db(now), delivery_id))

    async def counts(self) -> dict[str, int]:
        rows = await self._conn.all("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
        return {r[0]: int(r[1]) for r in rows}

    async def _pending(self, rows: Sequence[Row]) -> list[PendingDelivery]:
        if not rows:
            return []
        ids = [r[0] for r in rows]
        subs: dict[int, list[Subscription]] = {i: [] for i in ids}
        links = await self._conn.all(
            f"SELECT ds.delivery_id, {_SUB_COLS} FROM delivery_subscriptions ds "
            "JOIN subscriptions sub ON sub.id = ds.subscription_id "
            f"WHERE sub.disabled = 0 AND ds.delivery_id IN ({','.join('?' * len(ids))}) ORDER BY sub.id",
            ids,
        )
        for link in links:
            subs[link[0]].append(subscription_row(link[1:]))
        return [_pending(r, subs[r[0]]) for r in rows if subs[r[0]]]


def _pending(r: Row, subs: list[Subscription]) -> PendingDelivery:
    delivery = Delivery(
        id=r[0], event_id=r[1], platform=r[2], channel_id=r[3], lane=r[4], subscription_ids=[s.id for s in subs],
        status=r[5], attempts=r[6], next_attempt_at=from_db(r[7]), last_error=r[8], platform_message_id=r[9],
        note=r[10], progress=r[11], sending_at=from_db(r[12]) if r[12] else None,
    )
    return PendingDelivery(delivery=delivery, event=event_row(r[_N_DELIVERY:]), subscriptions=subs)

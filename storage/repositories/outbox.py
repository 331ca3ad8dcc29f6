"""The delivery outbox: one row per event × subscription, drained by the dispatcher."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.clock import from_db, to_db
from storage.database import Connection, Row
from storage.models import Delivery, PendingDelivery, utcnow
from storage.rows import EVENT_COLS, SUB_COLS, event_row, subscription_row

_SUB_COLS = ", ".join(f"sub.{c.strip()}" for c in SUB_COLS.split(","))
_SELECT = (
    "SELECT d.id, d.event_id, d.subscription_id, d.status, d.attempts, d.next_attempt_at, d.last_error, "
    f"d.platform_message_id, {_SUB_COLS}, {EVENT_COLS} FROM deliveries d "
    "JOIN subscriptions sub ON sub.id = d.subscription_id JOIN events e ON e.id = d.event_id "
    "LEFT JOIN sources s ON s.id = e.source_id "
)
_N_DELIVERY = 8
_N_SUB = len(SUB_COLS.split(","))


class OutboxRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def enqueue(self, event_id: int, subscription_ids: Sequence[int], now: datetime) -> None:
        stamp = to_db(now)
        await self._conn.write_many(
            "INSERT INTO deliveries (event_id, subscription_id, next_attempt_at, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (event_id, subscription_id) DO NOTHING",
            [(event_id, sub_id, stamp, stamp) for sub_id in subscription_ids],
        )

    async def due(self, platforms: Sequence[str], now: datetime, limit: int = 100) -> list[PendingDelivery]:
        """Pending instant deliveries whose time has come, oldest first."""
        if not platforms:
            return []
        marks = ",".join("?" * len(platforms))
        rows = await self._conn.all(
            _SELECT + f"WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND sub.platform IN ({marks}) "
            "AND sub.mode = 'instant' ORDER BY d.id LIMIT ?",
            [to_db(now), *platforms, limit],
        )
        return [_pending(r) for r in rows]

    async def claim(
        self, platforms: Sequence[str], owner: str, now: datetime, until: datetime, limit: int = 100
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
        async with self._conn.atomic() as tx:
            claimed = await tx.all(
                "UPDATE deliveries SET claimed_by = ?, claimed_until = ? WHERE id IN ("
                " SELECT d.id FROM deliveries d JOIN subscriptions sub ON sub.id = d.subscription_id"
                f" WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND sub.platform IN ({marks})"
                " AND sub.mode = 'instant' AND NOT EXISTS ("
                "  SELECT 1 FROM deliveries o WHERE o.subscription_id = d.subscription_id AND o.status = 'pending'"
                "  AND o.claimed_until > ? AND o.claimed_by <> ?)"
                " ORDER BY d.id LIMIT ?) RETURNING id",
                [owner, to_db(until), stamp, *platforms, stamp, owner, limit],
            )
            if not claimed:
                return []
            ids = [r[0] for r in claimed]
            rows = await tx.all(_SELECT + f"WHERE d.id IN ({','.join('?' * len(ids))}) ORDER BY d.id", ids)
        return [_pending(r) for r in rows]

    async def claimants(self, now: datetime) -> list[str]:
        """Who holds live claims (a dispatcher may release those of processes it knows are dead)."""
        rows = await self._conn.all(
            "SELECT DISTINCT claimed_by FROM deliveries WHERE status = 'pending' AND claimed_until > ?", [to_db(now)]
        )
        return [str(r[0]) for r in rows]

    async def release(self, owner: str) -> None:
        """Give back what `owner` claimed and did not send (e.g. a channel blocked behind a failed alert)."""
        await self._conn.write(
            "UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ?", (owner,)
        )

    async def for_digest(self, subscription_id: int, limit: int = 500) -> list[PendingDelivery]:
        """Everything queued for a digest subscription since its last digest."""
        rows = await self._conn.all(
            _SELECT + "WHERE d.status = 'pending' AND d.subscription_id = ? ORDER BY d.id LIMIT ?",
            [subscription_id, limit],
        )
        return [_pending(r) for r in rows]

    async def mark_delivered(self, delivery_ids: Sequence[int], platform_message_id: str | None) -> None:
        stamp = to_db(utcnow())
        await self._conn.write_many(
            "UPDATE deliveries SET status = 'sent', sent_at = ?, platform_message_id = ?, "
            "attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL WHERE id = ?",
            [(stamp, platform_message_id, i) for i in delivery_ids],
        )

    async def mark_attempt_failed(
        self, delivery_id: int, error: str, next_attempt_at: datetime, give_up: bool, count: bool = True
    ) -> None:
        """Record a failed send; `count=False` (a rate limit) defers it without using up an attempt."""
        await self._conn.write(
            "UPDATE deliveries SET attempts = attempts + ?, last_error = ?, next_attempt_at = ?, "
            "status = CASE WHEN ? THEN 'dead' ELSE status END, claimed_by = NULL, claimed_until = NULL WHERE id = ?",
            (1 if count else 0, error[:1000], to_db(next_attempt_at), 1 if give_up else 0, delivery_id),
        )

    async def drop_pending(self, subscription_id: int, reason: str) -> None:
        """Nothing more can reach that channel: its queued deliveries stop instead of retrying forever."""
        await self._conn.write(
            "UPDATE deliveries SET status = 'dead', last_error = ? WHERE subscription_id = ? AND status = 'pending'",
            (reason, subscription_id),
        )

    async def counts(self) -> dict[str, int]:
        rows = await self._conn.all("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
        return {r[0]: int(r[1]) for r in rows}


def _pending(r: Row) -> PendingDelivery:
    delivery = Delivery(
        id=r[0], event_id=r[1], subscription_id=r[2], status=r[3], attempts=r[4],
        next_attempt_at=from_db(r[5]), last_error=r[6], platform_message_id=r[7],
    )
    sub = subscription_row(r[_N_DELIVERY : _N_DELIVERY + _N_SUB])
    return PendingDelivery(delivery=delivery, event=event_row(r[_N_DELIVERY + _N_SUB :]), subscription=sub)

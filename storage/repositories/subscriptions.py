"""Channel subscriptions and their filters."""
from __future__ import annotations

import functools
from typing import Any

from storage.clock import to_db
from storage.database import Connection, DuplicateError, NotFoundError
from storage.models import Subscription, SubscriptionFilters, utcnow
from storage.rows import SUB_COLS, subscription_row


class AlreadySubscribed(DuplicateError):
    """The channel already has an enabled subscription with that mode and filter set."""

    def __init__(self, subscription: Subscription) -> None:
        super().__init__(f"this channel already has that subscription (#{subscription.id})")
        self.subscription = subscription


class SubscriptionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(
        self,
        platform: str,
        channel_id: str,
        filters: SubscriptionFilters,
        mention: str | None = None,
        mode: str = "instant",
        digest_hour: int | None = None,
        created_by: str | None = None,
    ) -> Subscription:
        """A new subscription. The schema keeps one per channel, mode and filter set (a retried subscribe must not
        make a second): an existing disabled one is enabled again with the new settings (subscribing again
        after fixing the channel), an enabled one raises `AlreadySubscribed` naming it."""
        key = filters.key()
        inserted = await self._conn.one(
            "INSERT INTO subscriptions (platform, channel_id, filters, filters_key, mention, mode, digest_hour, "
            "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            (platform, channel_id, filters.model_dump_json(), key, mention, mode, digest_hour, created_by,
             to_db(utcnow())),
        )
        if inserted is not None:
            return await self.get(int(inserted[0]))
        row = await self._conn.one(
            f"SELECT {SUB_COLS} FROM subscriptions WHERE platform = ? AND channel_id = ? AND mode = ? "
            "AND filters_key = ?", (platform, channel_id, mode, key),
        )
        if row is None:  # pragma: no cover - the conflicting row cannot vanish inside one statement's retry
            raise DuplicateError("that subscription already exists")
        existing = subscription_row(row)
        if not existing.disabled:
            raise AlreadySubscribed(existing)
        await self._conn.write(
            "UPDATE subscriptions SET disabled = 0, disabled_reason = NULL, mention = ?, digest_hour = ?, "
            "created_by = ? WHERE id = ?", (mention, digest_hour, created_by, existing.id),
        )
        return await self.get(existing.id)

    async def get(self, sub_id: int) -> Subscription:
        row = await self._conn.one(f"SELECT {SUB_COLS} FROM subscriptions WHERE id = ?", (sub_id,))
        if row is None:
            raise NotFoundError(f"no subscription with id {sub_id}")
        return subscription_row(row)

    async def list(self, platform: str | None = None, channel_id: str | None = None) -> list[Subscription]:
        sql = f"SELECT {SUB_COLS} FROM subscriptions WHERE 1 = 1"
        params: list[Any] = []
        if platform is not None:
            sql += " AND platform = ?"
            params.append(platform)
        if channel_id is not None:
            sql += " AND channel_id = ?"
            params.append(channel_id)
        return [subscription_row(r) for r in await self._conn.all(sql + " ORDER BY id", params)]

    async def active(self) -> list[Subscription]:
        """Every enabled subscription, oldest first (what routing chooses from)."""
        rows = await self._conn.all(f"SELECT {SUB_COLS} FROM subscriptions WHERE disabled = 0 ORDER BY id")
        return [_parsed(tuple(r)) for r in rows]

    async def remove(self, sub_id: int) -> None:
        await self.get(sub_id)
        # Queued deliveries that only this subscription wanted stop with it (the links go by cascade).
        await self._conn.write(
            "UPDATE deliveries SET status = 'dead', last_error = 'unsubscribed' WHERE status = 'pending' "
            "AND id IN (SELECT delivery_id FROM delivery_subscriptions WHERE subscription_id = ?) "
            "AND NOT EXISTS (SELECT 1 FROM delivery_subscriptions ds JOIN subscriptions sub "
            "ON sub.id = ds.subscription_id WHERE ds.delivery_id = deliveries.id AND sub.disabled = 0 "
            "AND sub.id != ?)", (sub_id, sub_id),
        )
        await self._conn.write("DELETE FROM subscriptions WHERE id = ?", (sub_id,))

    async def disable(self, sub_id: int, reason: str) -> None:
        await self._conn.write(
            "UPDATE subscriptions SET disabled = 1, disabled_reason = ? WHERE id = ?", (reason, sub_id)
        )

    async def ensure(self, platform: str, channel_id: str) -> Subscription:
        """An unfiltered subscription for this channel, created if missing (the console's default)."""
        for sub in await self.list(platform, channel_id):
            if sub.filters.is_empty() and sub.mode == "instant":
                return sub
        try:
            return await self.add(platform, channel_id, SubscriptionFilters())
        except AlreadySubscribed as exc:  # another process made it meanwhile
            return exc.subscription


@functools.lru_cache(maxsize=4096)
def _parsed(row: tuple[Any, ...]) -> Subscription:
    """A subscription row, parsed once per distinct row: the table is re-read for every routed batch and only
    its filters' JSON parse is saved. Callers only read these instances."""
    return subscription_row(row)

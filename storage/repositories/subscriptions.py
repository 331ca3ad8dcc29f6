"""Channel subscriptions and their filters."""
from __future__ import annotations

import functools
from typing import Any

from storage.clock import to_db
from storage.database import Connection, NotFoundError
from storage.models import Subscription, SubscriptionFilters, utcnow
from storage.rows import SUB_COLS, subscription_row


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
        cur = await self._conn.write(
            "INSERT INTO subscriptions (platform, channel_id, filters, mention, mode, digest_hour, "
            "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (platform, channel_id, filters.model_dump_json(), mention, mode, digest_hour, created_by,
             to_db(utcnow())),
        )
        return await self.get(int(cur.lastrowid or 0))

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
        await self._conn.write("DELETE FROM subscriptions WHERE id = ?", (sub_id,))

    async def disable(self, sub_id: int, reason: str) -> None:
        await self._conn.write(
            "UPDATE subscriptions SET disabled = 1, disabled_reason = ? WHERE id = ?", (reason, sub_id)
        )

    async def ensure(self, platform: str, channel_id: str) -> Subscription:
        """An unfiltered subscription for this channel, created if missing (the console's default)."""
        for sub in await self.list(platform, channel_id):
            if sub.filters.is_empty():
                return sub
        return await self.add(platform, channel_id, SubscriptionFilters())


@functools.lru_cache(maxsize=4096)
def _parsed(row: tuple[Any, ...]) -> Subscription:
    """A subscription row, parsed once per distinct row: the table is re-read for every routed batch and only
    its filters' JSON parse is saved. Callers only read these instances."""
    return subscription_row(row)

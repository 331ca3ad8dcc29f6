"""Which items each source has already handed over (by item key)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from storage.clock import to_db
from storage.database import Connection

_CHUNK = 500  # stays under every backend's bound-parameter limit


class SeenItemRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def unseen(self, source_id: int, keys: Iterable[str]) -> list[str]:
        """The keys (in the given order) this source has not recorded as seen."""
        wanted = list(dict.fromkeys(keys))
        seen: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = await self._conn.all(
                f"SELECT item_key FROM seen_items WHERE source_id = ? AND item_key IN ({marks})",
                [source_id, *chunk],
            )
            seen.update(r[0] for r in rows)
        return [k for k in wanted if k not in seen]

    async def add(self, source_id: int, keys: Sequence[str], now: datetime) -> None:
        stamp = to_db(now)
        await self._conn.write_many(
            "INSERT INTO seen_items (source_id, item_key, first_seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT (source_id, item_key) DO NOTHING",
            [(source_id, k, stamp) for k in keys],
        )

"""Which items each source has already handed over: both keys of each, its date and its last classification."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from storage.clock import from_db, to_db
from storage.database import Connection
from storage.models import FeedHistory, SeenItem
from storage.rows import PARAM_CHUNK, chunks

_KNOWN = "SELECT item_key, content_key, published_at, classified_as FROM seen_items WHERE source_id = ?"


class SeenItemRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def unseen(self, source_id: int, keys: Iterable[str]) -> list[str]:
        """The keys (in the given order) this source has not recorded as seen."""
        wanted = list(dict.fromkeys(keys))
        seen: set[str] = set()
        for chunk in chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows = await self._conn.all(
                f"SELECT item_key FROM seen_items WHERE source_id = ? AND item_key IN ({marks})",
                [source_id, *chunk],
            )
            seen.update(r[0] for r in rows)
        return [k for k in wanted if k not in seen]

    async def known(self, source_id: int, keys: Iterable[str], content_keys: Iterable[str]) -> list[SeenItem]:
        """The stored items of this source whose item key or content key is among the given ones."""
        found: dict[str, SeenItem] = {}
        keys, content_keys = list(dict.fromkeys(keys)), list(dict.fromkeys(content_keys))
        if len(keys) + len(content_keys) <= PARAM_CHUNK:
            # A feed's window: both lookups in one statement (one round trip; each half keeps its index).
            rows = await self._conn.all(
                f"{_KNOWN} AND item_key IN ({','.join('?' * len(keys)) or 'NULL'}) UNION ALL "
                f"{_KNOWN} AND content_key IN ({','.join('?' * len(content_keys)) or 'NULL'})",
                [source_id, *keys, source_id, *content_keys],
            )
        else:
            rows = []
            for column, wanted in (("item_key", keys), ("content_key", content_keys)):
                for chunk in chunks(wanted):
                    rows += await self._conn.all(f"{_KNOWN} AND {column} IN ({','.join('?' * len(chunk))})",
                                                 [source_id, *chunk])
        for r in rows:
            found[r[0]] = SeenItem(item_key=r[0], content_key=r[1], published_at=from_db(r[2]), classified_as=r[3])
        return list(found.values())

    async def add(self, source_id: int, items: Sequence[SeenItem], now: datetime) -> None:
        """Record items as seen; a known item takes its latest content key and keeps its classification unless
        a new one is given."""
        await self.add_many([(source_id, items)], now)

    async def add_many(self, seen: Sequence[tuple[int, Sequence[SeenItem]]], now: datetime) -> None:
        """`add` for several sources' items (source id, its items) in one statement."""
        stamp = to_db(now)
        await self._conn.write_many(
            "INSERT INTO seen_items (source_id, item_key, first_seen_at, content_key, published_at, classified_as) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, item_key) DO UPDATE SET "
            "content_key = COALESCE(excluded.content_key, seen_items.content_key), "
            "published_at = COALESCE(excluded.published_at, seen_items.published_at), "
            "classified_as = COALESCE(excluded.classified_as, seen_items.classified_as)",
            [(source_id, i.item_key, stamp, i.content_key, to_db(i.published_at), i.classified_as)
             for source_id, items in seen for i in items],
        )

    async def history(self, source_id: int) -> FeedHistory:
        row = await self._conn.one(
            "SELECT MAX(published_at), MIN(first_seen_at), COUNT(*), COUNT(content_key) FROM seen_items "
            "WHERE source_id = ?", (source_id,)
        )
        if row is None:
            return FeedHistory()
        return FeedHistory(newest_published_at=from_db(row[0]), primed_at=from_db(row[1]),
                           legacy=bool(row[2]) and not row[3])

"""Each source's publication times as seen (the adaptive schedule's history), newest kept."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from storage.clock import from_db, to_db
from storage.database import Connection
from storage.rows import chunks

KEEP = 400  # dates kept per source: a year or more of a busy issuer
PRIOR_SAMPLE = 200_000  # the prior reads at most this many recent dates (a few seconds, tens of MB)


class PublicationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, source_id: int, published: Iterable[datetime | None]) -> None:
        """Record dates (duplicates ignored) and forget all but the newest KEEP of the source."""
        await self.add_many([(source_id, published)])

    async def add_many(self, published: Sequence[tuple[int, Iterable[datetime | None]]]) -> None:
        """`add` for several sources (source id, its dates): two statements for all of them."""
        rows: list[tuple[int, str]] = []
        for source_id, dates in published:
            stamps = sorted({stamp for d in dates if d is not None and (stamp := to_db(d))})
            rows += [(source_id, stamp) for stamp in stamps]
        if not rows:
            return
        await self._conn.write_many(
            "INSERT INTO source_publications (source_id, published_at) VALUES (?, ?) "
            "ON CONFLICT (source_id, published_at) DO NOTHING",
            rows,
        )
        await self._conn.write_many(
            "DELETE FROM source_publications WHERE source_id = ? AND published_at < ("
            "SELECT published_at FROM source_publications WHERE source_id = ? "
            "ORDER BY published_at DESC LIMIT 1 OFFSET ?)",
            [(source_id, source_id, KEEP - 1) for source_id in dict.fromkeys(s for s, _ in rows)],
        )

    async def for_sources(self, source_ids: Sequence[int]) -> dict[int, list[datetime]]:
        """Each given source's dates, oldest first (sources without dates are absent)."""
        found: dict[int, list[datetime]] = {}
        wanted = list(dict.fromkeys(source_ids))
        for chunk in chunks(wanted):
            rows = await self._conn.all(
                "SELECT source_id, published_at FROM source_publications "
                f"WHERE source_id IN ({','.join('?' * len(chunk))}) ORDER BY source_id, published_at",
                chunk,
            )
            for source_id, stamp in rows:
                found.setdefault(int(source_id), []).append(from_db(stamp))  # type: ignore[arg-type]
        return found

    async def since(self, after: datetime, limit: int = PRIOR_SAMPLE) -> dict[int, list[datetime]]:
        """Sources' dates after a moment, the newest `limit` of them (what the global prior is built from)."""
        rows = await self._conn.all(
            "SELECT source_id, published_at FROM source_publications WHERE published_at > ? "
            "ORDER BY published_at DESC LIMIT ?", (to_db(after), limit)
        )
        found: dict[int, list[datetime]] = {}
        for source_id, stamp in rows:
            found.setdefault(int(source_id), []).append(from_db(stamp))  # type: ignore[arg-type]
        return found

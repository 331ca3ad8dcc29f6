"""Each source's publication times as seen (the adaptive schedule's history), newest kept."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from storage.clock import from_db, to_db
from storage.database import Connection

_CHUNK = 500  # stays under every backend's bound-parameter limit
KEEP = 400  # dates kept per source: a year or more of a busy issuer
PRIOR_SAMPLE = 200_000  # the prior reads at most this many recent dates (a few seconds, tens of MB)


class PublicationRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, source_id: int, published: Iterable[datetime | None]) -> None:
        """Record dates (duplicates ignored) and forget all but the newest KEEP of the source."""
        dates = sorted({stamp for d in published if d is not None and (stamp := to_db(d))})
        if not dates:
            return
        await self._conn.write_many(
            "INSERT INTO source_publications (source_id, published_at) VALUES (?, ?) "
            "ON CONFLICT (source_id, published_at) DO NOTHING",
            [(source_id, d) for d in dates],
        )
        await self._conn.write(
            "DELETE FROM source_publications WHERE source_id = ? AND published_at < ("
            "SELECT published_at FROM source_publications WHERE source_id = ? "
            "ORDER BY published_at DESC LIMIT 1 OFFSET ?)",
            (source_id, source_id, KEEP - 1),
        )

    async def for_sources(self, source_ids: Sequence[int]) -> dict[int, list[datetime]]:
        """Each given source's dates, oldest first (sources without dates are absent)."""
        found: dict[int, list[datetime]] = {}
        wanted = list(dict.fromkeys(source_ids))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
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

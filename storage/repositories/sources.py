"""Watched sources and their polling health (validators, failures, next poll time)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.clock import to_db
from storage.database import Connection, DuplicateError, NotFoundError
from storage.models import Polled, Source, SourceKind, utcnow
from storage.rows import SOURCE_COLS, source_row

# What every successful poll writes (failures reset, primed, its time as both the last success and the last
# attempt, the next poll); a modified response also replaces the validators, a 304 keeps the old ones.
_POLLED = ("UPDATE sources SET consecutive_failures = 0, last_error = ?, primed = 1, last_success_at = ?, "
           "last_attempt_at = ?, next_poll_at = ?")
_KEEP_VALIDATORS = f"{_POLLED} WHERE id = ?"
_NEW_VALIDATORS = f"{_POLLED}, etag = ?, last_modified = ?, item_digests = ? WHERE id = ?"


def _polled_row(p: Polled) -> tuple[str | None, str | None, str | None, str | None, int]:
    at = to_db(p.at)  # formatted once for both columns
    return p.partial_error, at, at, to_db(p.next_poll_at), p.source_id


def _polled_write(p: Polled) -> tuple[str, tuple[object, ...]]:
    """The statement and parameters that record one successful poll."""
    row = _polled_row(p)
    if p.not_modified:
        return _KEEP_VALIDATORS, row
    return _NEW_VALIDATORS, (*row[:-1], p.etag, p.last_modified, p.item_digests, p.source_id)


class SourceRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, kind: SourceKind, url: str, name: str) -> Source:
        now = to_db(utcnow())
        async with self._conn.atomic() as tx:
            existing = await tx.one("SELECT id FROM sources WHERE kind = ? AND url = ?", (kind, url))
            if existing:
                raise DuplicateError(f"{kind} source {url} is already watched (id {existing[0]})")
            row = await tx.one(
                "INSERT INTO sources (kind, url, name, created_at, next_poll_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                (kind, url, name, now, now),
            )
            source_id = int(row[0]) if row else 0
        return await self.get(source_id)

    async def get(self, source_id: int) -> Source:
        row = await self._conn.one(f"SELECT {SOURCE_COLS} FROM sources WHERE id = ?", (source_id,))
        if row is None:
            raise NotFoundError(f"no source with id {source_id}")
        return source_row(row)

    async def find(self, kind: SourceKind, url: str) -> Source | None:
        row = await self._conn.one(f"SELECT {SOURCE_COLS} FROM sources WHERE kind = ? AND url = ?", (kind, url))
        return source_row(row) if row else None

    async def list(self, kind: SourceKind | None = None) -> list[Source]:
        if kind is None:
            rows = await self._conn.all(f"SELECT {SOURCE_COLS} FROM sources ORDER BY id")
        else:
            rows = await self._conn.all(f"SELECT {SOURCE_COLS} FROM sources WHERE kind = ? ORDER BY id", (kind,))
        return [source_row(r) for r in rows]

    async def due(self, now: datetime, kind: SourceKind | None = None) -> list[Source]:
        sql = f"SELECT {SOURCE_COLS} FROM sources WHERE disabled = 0 AND (next_poll_at IS NULL OR next_poll_at <= ?)"
        params: list[Any] = [to_db(now)]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        # Sorted here, not by ORDER BY id: SQLite would walk the whole table in id order rather than take the few
        # due ones from the next_poll_at index (migration 0012), 100,000 rows at every tick.
        return sorted((source_row(r) for r in await self._conn.all(sql, params)), key=lambda s: s.id)

    async def remove(self, source_id: int) -> Source:
        source = await self.get(source_id)
        await self._conn.write("DELETE FROM sources WHERE id = ?", (source_id,))
        return source

    async def set_enabled(self, source_id: int, enabled: bool) -> Source:
        await self.get(source_id)
        if enabled:
            await self._conn.write(
                "UPDATE sources SET disabled = 0, consecutive_failures = 0, next_poll_at = ? WHERE id = ?",
                (to_db(utcnow()), source_id),
            )
        else:
            await self._conn.write("UPDATE sources SET disabled = 1 WHERE id = ?", (source_id,))
        return await self.get(source_id)

    async def mark_polled(
        self, source_id: int, now: datetime, next_poll_at: datetime, *, not_modified: bool,
        etag: str | None = None, last_modified: str | None = None, partial_error: str | None = None,
        item_digests: bytes | None = None,
    ) -> None:
        """A successful poll: failures reset, primed, next poll scheduled (one statement)."""
        await self._conn.write(*_polled_write(Polled(source_id, now, next_poll_at, not_modified, etag,
                                                     last_modified, partial_error, item_digests)))

    async def mark_polled_many(self, polls: Sequence[Polled]) -> None:
        """`mark_polled` of several sources: one statement for the 304s, one for the rest (a batch of polls; a
        cycle over 100,000 feeds is mostly 304s, and one statement each was most of its store time)."""
        writes = [_polled_write(p) for p in polls]
        for statement in (_KEEP_VALIDATORS, _NEW_VALIDATORS):
            await self._conn.write_many(statement, [row for sql, row in writes if sql == statement])

    async def mark_skipped(self, source_id: int, now: datetime, next_poll_at: datetime) -> None:
        """A poll the source skipped itself (e.g. to respect a rate limit): neither a success nor a failure, so
        the last success (what pacing and health read) stays where it was."""
        await self._conn.write(
            "UPDATE sources SET last_attempt_at = ?, next_poll_at = ? WHERE id = ?",
            (to_db(now), to_db(next_poll_at), source_id),
        )

    async def mark_failed(self, source_id: int, error: str, next_poll_at: datetime, disable: bool) -> int:
        """Count a failed poll; returns the consecutive failure count."""
        async with self._conn.atomic() as tx:
            await tx.write(
                "UPDATE sources SET consecutive_failures = consecutive_failures + 1, last_error = ?, "
                "last_attempt_at = ?, next_poll_at = ?, disabled = CASE WHEN ? = 1 THEN 1 ELSE disabled END "
                "WHERE id = ?",
                (error[:1000], to_db(utcnow()), to_db(next_poll_at), 1 if disable else 0, source_id),
            )
            row = await tx.one("SELECT consecutive_failures FROM sources WHERE id = ?", (source_id,))
        return int(row[0]) if row else 0

    async def mark_unreachable(self, source_id: int, error: str, now: datetime, next_poll_at: datetime) -> None:
        """A poll that got no answer while no source answered (our network is down): the error is shown and the
        poll retried, but it is not counted toward disabling the source."""
        await self._conn.write(
            "UPDATE sources SET last_error = ?, last_attempt_at = ?, next_poll_at = ? WHERE id = ?",
            (error[:1000], to_db(now), to_db(next_poll_at), source_id),
        )

"""What the ClinicalTrials.gov source remembers: watched trials, programme queries, snapshots, changes."""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.clock import from_db, to_db
from storage.database import Connection, DuplicateError, NotFoundError, Row
from storage.models import utcnow
from storage.rows import chunks
from storage.trial_models import (
    ChannelRef,
    ProgramQuery,
    StoredTrialChange,
    TrialChange,
    TrialSnapshot,
    TrialUpdate,
    TrialWatch,
)

_WATCH_COLS = "nct_id, program, query_id, requested_platform, requested_channel, requested_user, created_at"
_QUERY_COLS = (
    "id, program, terms, sponsor, requested_platform, requested_channel, requested_user, primed, created_at"
)


class TrialRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- watches ---------------------------------------------------------------------------------

    async def add_watches(
        self,
        nct_ids: Sequence[str],
        program: str | None = None,
        requested_by: ChannelRef | None = None,
        requested_user: str | None = None,
    ) -> tuple[list[str], list[str]]:
        """Watch these trials; returns (newly watched, already watched). A given programme relabels both."""
        now = to_db(utcnow())
        added: list[str] = []
        already: list[str] = []
        async with self._conn.atomic() as db:
            for nct in dict.fromkeys(nct_ids):
                row = await db.one("SELECT 1 FROM trial_watches WHERE nct_id = ?", (nct,))
                if row:
                    already.append(nct)
                    if program:
                        await db.write("UPDATE trial_watches SET program = ? WHERE nct_id = ?", (program, nct))
                    continue
                await db.write(
                    f"INSERT INTO trial_watches ({_WATCH_COLS}) VALUES (?, ?, NULL, ?, ?, ?, ?)",
                    (nct, program, *_ref_cols(requested_by), requested_user, now),
                )
                added.append(nct)
        return added, already

    async def remove_watches(self, nct_ids: Sequence[str]) -> list[str]:
        """Stop watching; returns the ids that were watched. Snapshots and history stay for `trials show`."""
        removed: list[str] = []
        async with self._conn.atomic() as db:
            for nct in dict.fromkeys(nct_ids):
                cur = await db.write("DELETE FROM trial_watches WHERE nct_id = ?", (nct,))
                if cur.rowcount:
                    removed.append(nct)
        return removed

    async def list_watches(self) -> list[TrialWatch]:
        return [_watch(r) for r in await self._conn.all(f"SELECT {_WATCH_COLS} FROM trial_watches ORDER BY nct_id")]

    async def get_watch(self, nct_id: str) -> TrialWatch | None:
        row = await self._conn.one(f"SELECT {_WATCH_COLS} FROM trial_watches WHERE nct_id = ?", (nct_id,))
        return _watch(row) if row else None

    # -- programme queries -----------------------------------------------------------------------

    async def add_query(
        self,
        program: str,
        terms: Sequence[str],
        sponsor: str | None = None,
        requested_by: ChannelRef | None = None,
        requested_user: str | None = None,
    ) -> ProgramQuery:
        async with self._conn.atomic() as db:
            row = await db.one("SELECT id FROM trial_queries WHERE program = ?", (program,))
            if row:
                raise DuplicateError(f"programme {program} is already watched")
            inserted = await db.one(
                "INSERT INTO trial_queries (program, terms, sponsor, requested_platform, requested_channel, "
                "requested_user, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (program, json.dumps(list(terms)), sponsor, *_ref_cols(requested_by), requested_user,
                 to_db(utcnow())),
            )
            query_id = int(inserted[0]) if inserted else 0
        return await self.get_query(query_id)

    async def get_query(self, query_id: int) -> ProgramQuery:
        row = await self._conn.one(f"SELECT {_QUERY_COLS} FROM trial_queries WHERE id = ?", (query_id,))
        if row is None:
            raise NotFoundError(f"no programme query with id {query_id}")
        return _query(row)

    async def find_query(self, program: str) -> ProgramQuery | None:
        row = await self._conn.one(
            f"SELECT {_QUERY_COLS} FROM trial_queries WHERE LOWER(program) = LOWER(?)", (program,)
        )
        return _query(row) if row else None

    async def list_queries(self) -> list[ProgramQuery]:
        return [_query(r) for r in await self._conn.all(f"SELECT {_QUERY_COLS} FROM trial_queries ORDER BY id")]

    async def remove_query(self, query_id: int) -> int:
        """Drop the query and the trials it alone brought in; returns how many trials that unwatched."""
        async with self._conn.atomic() as db:
            cur = await db.write("DELETE FROM trial_watches WHERE query_id = ?", (query_id,))
            dropped = cur.rowcount or 0
            await db.write("DELETE FROM trial_queries WHERE id = ?", (query_id,))
        return dropped

    # -- snapshots and changes -------------------------------------------------------------------

    async def snapshots(self, nct_ids: Sequence[str]) -> dict[str, TrialSnapshot]:
        out: dict[str, TrialSnapshot] = {}
        for chunk in chunks(list(dict.fromkeys(nct_ids))):
            marks = ",".join("?" * len(chunk))
            for r in await self._conn.all(
                f"SELECT nct_id, snapshot FROM trial_snapshots WHERE nct_id IN ({marks})", list(chunk)
            ):
                out[r[0]] = TrialSnapshot.model_validate_json(r[1])
        return out

    async def slip_counts(self, nct_ids: Sequence[str]) -> dict[tuple[str, str], int]:
        """How often each (trial, date field) has slipped so far."""
        out: dict[tuple[str, str], int] = {}
        for chunk in chunks(list(dict.fromkeys(nct_ids))):
            marks = ",".join("?" * len(chunk))
            for r in await self._conn.all(
                "SELECT nct_id, field, COUNT(*) FROM trial_changes WHERE change = 'slip' "
                f"AND nct_id IN ({marks}) GROUP BY nct_id, field",
                list(chunk),
            ):
                out[(r[0], r[1])] = int(r[2])
        return out

    async def changes(self, nct_id: str, limit: int = 200) -> list[StoredTrialChange]:
        rows = await self._conn.all(
            "SELECT nct_id, seen_at, last_update_posted, detail FROM trial_changes WHERE nct_id = ? "
            "ORDER BY id LIMIT ?",
            (nct_id, limit),
        )
        return [
            StoredTrialChange(nct_id=r[0], seen_at=from_db(r[1]), last_update_posted=r[2],
                              change=TrialChange.model_validate_json(r[3]))
            for r in rows
        ]

    async def save_updates(
        self,
        updates: Sequence[TrialUpdate],
        primed_query_ids: Sequence[int],
        now: datetime,
    ) -> None:
        """Snapshots, watches and changes of one poll: run inside the poll's unit of work, so they commit with
        the events they produced."""
        db = self._conn
        stamp = to_db(now)
        for up in updates:
            snap = up.snapshot
            stored = await db.one("SELECT snapshot FROM trial_snapshots WHERE nct_id = ?", (snap.nct_id,))
            if stored and stored[0] == snap.model_dump_json():
                continue  # this outcome was recorded already: its changes must not count twice (slip counts)
            await db.write(
                "INSERT INTO trial_snapshots (nct_id, last_update_posted, snapshot, first_seen_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (nct_id) DO UPDATE SET "
                "last_update_posted = excluded.last_update_posted, snapshot = excluded.snapshot, "
                "updated_at = excluded.updated_at",
                (snap.nct_id, snap.last_update_posted, snap.model_dump_json(), stamp, stamp),
            )
            if up.query_id is not None:
                # Found by a programme query: watched on its behalf; an explicit watch is left as it is.
                await db.write(
                    f"INSERT INTO trial_watches ({_WATCH_COLS}) VALUES (?, ?, ?, NULL, NULL, NULL, ?) "
                    "ON CONFLICT (nct_id) DO NOTHING",
                    (snap.nct_id, up.program, up.query_id, stamp),
                )
            if up.changes:
                await db.write_many(
                    "INSERT INTO trial_changes (nct_id, field, change, detail, last_update_posted, seen_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(snap.nct_id, c.field, c.change, c.model_dump_json(), snap.last_update_posted, stamp)
                     for c in up.changes],
                )
        if primed_query_ids:
            marks = ",".join("?" * len(primed_query_ids))
            await db.write(f"UPDATE trial_queries SET primed = 1 WHERE id IN ({marks})", list(primed_query_ids))


    # -- what lookups and onboarding remember ---------------------------------------------------

    async def note_interventions(self, names: Sequence[str], now: datetime) -> None:
        """Intervention names seen on ClinicalTrials.gov: suggestions and autocomplete offer them."""
        rows = {}
        for name in names:
            norm = "".join(ch for ch in name.casefold() if ch.isalnum())
            if norm and len(name) <= 120:
                rows[norm] = (norm, name.strip(), to_db(now))
        await self._conn.write_many(
            "INSERT INTO intervention_names (norm, name, seen_at) VALUES (?, ?, ?) "
            "ON CONFLICT (norm) DO UPDATE SET seen_at = excluded.seen_at",
            list(rows.values()),
        )

    async def intervention_choices(self, norm_pattern: str, limit: int = 25) -> list[str]:
        """Intervention names whose folded form is LIKE the pattern."""
        rows = await self._conn.all(
            "SELECT name FROM intervention_names WHERE norm LIKE ? ORDER BY name LIMIT ?", (norm_pattern, limit))
        return [r[0] for r in rows]

    async def cached_search(self, key: str, since: datetime) -> list[TrialSnapshot] | None:
        """A registry search answered after `since`, or None."""
        row = await self._conn.one("SELECT body, fetched_at FROM registry_searches WHERE query_key = ?", (key,))
        if row is None or (from_db(row[1]) or since) < since:
            return None
        return [TrialSnapshot.model_validate(s) for s in json.loads(row[0])]

    async def save_search(self, key: str, snapshots: Sequence[TrialSnapshot], now: datetime) -> None:
        await self._conn.write(
            "INSERT INTO registry_searches (query_key, body, fetched_at) VALUES (?, ?, ?) ON CONFLICT (query_key) "
            "DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
            (key, json.dumps([s.model_dump() for s in snapshots]), to_db(now)),
        )

    async def save_history(
        self, nct_id: str, versions: Sequence[tuple[int, str, TrialSnapshot]], changes: Sequence[tuple[str,
                                                                                                       TrialChange]],
    ) -> None:
        """A trial's past versions (number, version date, snapshot) and the changes between them, each dated at
        its version date: the card's slip history starts years before the bot did."""
        async with self._conn.atomic() as db:
            await db.write_many(
                "INSERT INTO trial_versions (nct_id, version, version_date, snapshot) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (nct_id, version) DO NOTHING",
                [(nct_id, v, d, snap.model_dump_json()) for v, d, snap in versions],
            )
            await db.write("DELETE FROM trial_changes WHERE nct_id = ? AND last_update_posted = 'history'",
                           (nct_id,))
            await db.write_many(
                "INSERT INTO trial_changes (nct_id, field, change, detail, last_update_posted, seen_at) "
                "VALUES (?, ?, ?, ?, 'history', ?)",
                [(nct_id, c.field, c.change, c.model_dump_json(), day) for day, c in changes],
            )

    async def version_count(self, nct_ids: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in chunks(list(dict.fromkeys(nct_ids))):
            marks = ",".join("?" * len(chunk))
            for r in await self._conn.all(
                f"SELECT nct_id, COUNT(*) FROM trial_versions WHERE nct_id IN ({marks}) GROUP BY nct_id", list(chunk)
            ):
                out[r[0]] = int(r[1])
        return out

    async def save_snapshots(self, snapshots: Sequence[TrialSnapshot], now: datetime) -> None:
        """Today's snapshot of trials found for a programme, without changes (onboarding is quiet)."""
        stamp = to_db(now)
        await self._conn.write_many(
            "INSERT INTO trial_snapshots (nct_id, last_update_posted, snapshot, first_seen_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (nct_id) DO NOTHING",
            [(s.nct_id, s.last_update_posted, s.model_dump_json(), stamp, stamp) for s in snapshots],
        )


def _ref_cols(ref: ChannelRef | None) -> tuple[str | None, str | None]:
    return (ref.platform, ref.channel_id) if ref else (None, None)


def _ref(platform: Any, channel: Any) -> ChannelRef | None:
    return ChannelRef(platform=platform, channel_id=channel) if platform and channel else None


def _watch(r: Row) -> TrialWatch:
    return TrialWatch(
        nct_id=r[0], program=r[1], query_id=r[2], requested_by=_ref(r[3], r[4]), requested_user=r[5],
        created_at=from_db(r[6]),
    )


def _query(r: Row) -> ProgramQuery:
    return ProgramQuery(
        id=r[0], program=r[1], terms=json.loads(r[2]), sponsor=r[3], requested_by=_ref(r[4], r[5]),
        requested_user=r[6], primed=bool(r[7]), created_at=from_db(r[8]),
    )

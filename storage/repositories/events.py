"""Stored events and the programmes each is linked to."""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage.clock import from_db, to_db
from storage.database import Connection, NotFoundError
from storage.models import Event, EventSource, FusionCandidate, NewEvent
from storage.rows import EVENT_COLS, chunks, event_row


class EventRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def insert(self, ev: NewEvent, source_id: int | None, now: datetime) -> int | None:
        """Store an event unless its dedupe_key is stored already; returns its new id, or None."""
        row = await self._conn.one(
            "INSERT INTO events (dedupe_key, source_id, kind, subtype, title, summary, url, published_at, "
            "detected_at, programs, sponsor, trial, facts, evidence, reported_by, fingerprint) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING "
            "RETURNING id",
            (
                ev.dedupe_key, source_id, ev.kind, ev.subtype, ev.title, ev.summary, ev.url,
                to_db(ev.published_at), to_db(now), json.dumps(ev.programs), ev.sponsor, ev.trial,
                json.dumps(ev.facts, default=str), json.dumps([e.model_dump() for e in ev.evidence]),
                ev.reported_by, ev.fingerprint,
            ),
        )
        return int(row[0]) if row is not None else None

    async def with_fingerprint(self, fingerprint: str) -> list[FusionCandidate]:
        """Stored events carrying this content fingerprint, oldest first."""
        rows = await self._conn.all(
            "SELECT id, source_id, detected_at, suppressed FROM events WHERE fingerprint = ? ORDER BY id",
            (fingerprint,),
        )
        return [FusionCandidate(event_id=r[0], source_id=r[1], detected_at=from_db(r[2]), suppressed=bool(r[3]))
                for r in rows]

    async def with_fingerprints(self, fingerprints: Sequence[str]) -> dict[str, list[FusionCandidate]]:
        """`with_fingerprint` for several fingerprints in one read: each asked one's events (maybe none)."""
        found: dict[str, list[FusionCandidate]] = {fp: [] for fp in fingerprints}
        wanted = list(found)
        for chunk in chunks(wanted):
            rows = await self._conn.all(
                "SELECT id, source_id, detected_at, suppressed, fingerprint FROM events "
                f"WHERE fingerprint IN ({','.join('?' * len(chunk))}) ORDER BY id",
                chunk,
            )
            for r in rows:
                found[r[4]].append(FusionCandidate(event_id=r[0], source_id=r[1], detected_at=from_db(r[2]),
                                                   suppressed=bool(r[3])))
        return found

    async def add_source(self, event_id: int, source_id: int, url: str | None, now: datetime) -> None:
        """Record one more source (and its link) that told this event."""
        await self.add_sources([(event_id, source_id, url)], now)

    async def add_sources(self, rows: Sequence[tuple[int, int, str | None]], now: datetime) -> None:
        """`add_source` for several (event id, source id, url) in one statement (a batch of polls' events)."""
        await self._conn.write_many(
            "INSERT INTO event_sources (event_id, source_id, url, seen_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (event_id, source_id) DO NOTHING",
            [(event_id, source_id, url, to_db(now)) for event_id, source_id, url in rows],
        )

    async def sources(self, event_id: int) -> list[EventSource]:
        """Every source that told this event, first first."""
        rows = await self._conn.all(
            "SELECT es.source_id, s.name, es.url, es.seen_at FROM event_sources es "
            "LEFT JOIN sources s ON s.id = es.source_id WHERE es.event_id = ? ORDER BY es.seen_at, es.source_id",
            (event_id,),
        )
        return [EventSource(source_id=r[0], source_name=r[1], url=r[2], seen_at=from_db(r[3])) for r in rows]

    async def link_programs(self, event_id: int, program_ids: Sequence[int]) -> None:
        await self.link_programs_many([(event_id, pid) for pid in program_ids])

    async def link_programs_many(self, pairs: Sequence[tuple[int, int]]) -> None:
        """(event id, programme id) links of several events in one statement."""
        await self._conn.write_many(
            "INSERT INTO event_programs (event_id, program_id) VALUES (?, ?) "
            "ON CONFLICT (program_id, event_id) DO NOTHING",
            pairs,
        )

    async def index_names(self, event_id: int, norms: Sequence[str]) -> None:
        """The folded names an event mentions: `lookup` finds a name's events even when no programme has it."""
        await self.index_names_many([(event_id, norms)])

    async def index_names_many(self, names: Sequence[tuple[int, Sequence[str]]]) -> None:
        """`index_names` of several events (event id, its folded names) in one statement."""
        await self._conn.write_many(
            "INSERT INTO event_names (norm, event_id) VALUES (?, ?) ON CONFLICT (norm, event_id) DO NOTHING",
            [(n, event_id) for event_id, norms in names for n in dict.fromkeys(norms) if n],
        )

    async def for_names(self, norms: Sequence[str], limit: int = 5) -> list[Event]:
        """The latest events mentioning any of these folded names."""
        if not norms:
            return []
        marks = ",".join("?" * len(norms))
        rows = await self._conn.all(
            f"SELECT {EVENT_COLS} FROM events e LEFT JOIN sources s ON s.id = e.source_id WHERE e.id IN "
            f"(SELECT event_id FROM event_names WHERE norm IN ({marks}) ORDER BY event_id DESC LIMIT ?) "
            "ORDER BY e.detected_at DESC, e.id DESC",
            [*norms, limit],
        )
        return [event_row(r) for r in rows]

    async def set_facts(self, event_id: int, facts: dict[str, Any], suppressed: bool) -> None:
        await self._conn.write(
            "UPDATE events SET facts = ?, suppressed = ? WHERE id = ?",
            (json.dumps(facts, default=str), 1 if suppressed else 0, event_id),
        )

    async def set_page_facts(self, event_id: int, facts: dict[str, Any], trial: str | None) -> None:
        """The facts read later from the event's release page; its trial when the lede named none."""
        await self._conn.write(
            "UPDATE events SET facts = ?, trial = COALESCE(trial, ?) WHERE id = ?",
            (json.dumps(facts, default=str), trial, event_id),
        )

    async def get(self, event_id: int) -> Event:
        row = await self._conn.one(
            f"SELECT {EVENT_COLS} FROM events e LEFT JOIN sources s ON s.id = e.source_id WHERE e.id = ?",
            (event_id,),
        )
        if row is None:
            raise NotFoundError(f"no event with id {event_id}")
        return event_row(row)

    async def latest(self, limit: int = 20, kind: str | None = None) -> list[Event]:
        sql = f"SELECT {EVENT_COLS} FROM events e LEFT JOIN sources s ON s.id = e.source_id"
        params: list[Any] = []
        if kind:
            sql += " WHERE e.kind = ?"
            params.append(kind)
        sql += " ORDER BY e.detected_at DESC, e.id DESC LIMIT ?"
        params.append(limit)
        return [event_row(r) for r in await self._conn.all(sql, params)]

    async def for_trial(self, nct_id: str, limit: int = 20) -> list[Event]:
        """The trial's events, newest first."""
        rows = await self._conn.all(
            f"SELECT {EVENT_COLS} FROM events e LEFT JOIN sources s ON s.id = e.source_id WHERE e.trial = ? "
            "ORDER BY e.id DESC LIMIT ?", (nct_id, limit),
        )
        return [event_row(r) for r in rows]

    async def for_program(
        self, program_id: int, limit: int = 5, kind: str | None = None, subtypes: Sequence[str] = ()
    ) -> list[Event]:
        sql = (
            f"SELECT {EVENT_COLS} FROM event_programs ep JOIN events e ON e.id = ep.event_id "
            "LEFT JOIN sources s ON s.id = e.source_id WHERE ep.program_id = ?"
        )
        params: list[Any] = [program_id]
        if kind:
            sql += " AND e.kind = ?"
            params.append(kind)
        if subtypes:
            sql += f" AND e.subtype IN ({','.join('?' * len(subtypes))})"
            params.extend(subtypes)
        sql += " ORDER BY e.detected_at DESC, e.id DESC LIMIT ?"
        params.append(limit)
        return [event_row(r) for r in await self._conn.all(sql, params)]

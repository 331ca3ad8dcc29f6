"""The designation ledger and the catalyst calendar, as rows; what to write is decided in watchers/route/."""
from __future__ import annotations

import json
from typing import Any

from storage.clock import from_db, to_db
from storage.database import Connection
from storage.models import Catalyst, CatalystDate, Designation, LedgerSource, OpenCatalyst, utcnow
from storage.names import fold_name

_CAT_COLS = "id, program, kind, label, date, precision, status, outcome, event_id, history"


class LedgerRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- what the ledger knows about one programme (read inside the unit of work) -----------------

    async def designation_id(self, program_key: str, designation: str) -> int | None:
        row = await self._conn.one(
            "SELECT id FROM designations WHERE program_key = ? AND designation = ?", (program_key, designation)
        )
        return int(row[0]) if row else None

    async def open_catalysts(self, program_key: str, kinds: tuple[str, ...]) -> dict[str, OpenCatalyst]:
        if not kinds:
            return {}
        rows = await self._conn.all(
            f"SELECT id, kind, date, history FROM catalysts WHERE program_key = ? AND status = 'open' "
            f"AND kind IN ({','.join('?' * len(kinds))}) ORDER BY id",
            [program_key, *kinds],
        )
        out: dict[str, OpenCatalyst] = {}
        for r in rows:
            out.setdefault(r[1], OpenCatalyst(id=r[0], kind=r[1], date=r[2], history=json.loads(r[3])))
        return out

    # -- writes ----------------------------------------------------------------------------------

    async def add_designation(
        self, program_key: str, program: str, designation: str, indication: str | None, event_id: int, now: str
    ) -> int:
        row = await self._conn.one(
            "INSERT INTO designations (program_key, program, designation, indication, first_event_id, "
            "first_seen_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (program_key, program, designation, indication, event_id, now),
        )
        return int(row[0])  # type: ignore[index]

    async def add_designation_source(self, designation_id: int, event_id: int, reported_by: str, now: str) -> None:
        await self._conn.write(
            "INSERT INTO designation_sources (designation_id, event_id, reported_by, seen_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (designation_id, event_id) DO NOTHING",
            (designation_id, event_id, reported_by, now),
        )

    async def add_catalyst(
        self, program_key: str, program: str, cat: CatalystDate, event_id: int, history: list[dict[str, Any]], now: str
    ) -> None:
        await self._conn.write(
            "INSERT INTO catalysts (program_key, program, kind, label, date, precision, event_id, history, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (program_key, program, cat.kind, cat.label, cat.date, cat.precision, event_id, json.dumps(history),
             now, now),
        )

    async def move_catalyst(
        self, catalyst_id: int, cat: CatalystDate, event_id: int, history: list[dict[str, Any]], now: str
    ) -> None:
        await self._conn.write(
            "UPDATE catalysts SET date = ?, precision = ?, label = ?, event_id = ?, history = ?, "
            "updated_at = ? WHERE id = ?",
            (cat.date, cat.precision, cat.label, event_id, json.dumps(history), now, catalyst_id),
        )

    async def close_pdufa(self, program_key: str, outcome: str, now: str) -> None:
        await self._conn.write(
            "UPDATE catalysts SET status = 'met', outcome = ?, updated_at = ? "
            "WHERE program_key = ? AND kind = 'pdufa' AND status IN ('open', 'overdue')",
            (outcome, now, program_key),
        )

    async def set_catalyst_status(self, catalyst_id: int, status: str) -> None:
        await self._conn.write(
            "UPDATE catalysts SET status = ?, updated_at = ? WHERE id = ?", (status, to_db(utcnow()), catalyst_id)
        )

    # -- what the card, the calendar and reminders read ------------------------------------------

    async def designations(self, program: str) -> list[Designation]:
        rows = await self._conn.all(
            "SELECT id, program, designation, indication, first_seen_at FROM designations WHERE program_key = ? "
            "ORDER BY first_seen_at", (fold_name(program),),
        )
        out = []
        for r in rows:
            sources = await self._conn.all(
                "SELECT ds.event_id, s.name, ds.reported_by, e.url, ds.seen_at FROM designation_sources ds "
                "JOIN events e ON e.id = ds.event_id LEFT JOIN sources s ON s.id = e.source_id "
                "WHERE ds.designation_id = ? ORDER BY ds.seen_at, ds.event_id", (r[0],),
            )
            out.append(Designation(
                id=r[0], program=r[1], designation=r[2], indication=r[3], first_seen_at=from_db(r[4]),
                sources=[LedgerSource(event_id=s[0], source_name=s[1], reported_by=s[2], url=s[3],
                                      seen_at=from_db(s[4])) for s in sources],
            ))
        return out

    async def catalysts(
        self, start: str | None = None, end: str | None = None, program: str | None = None,
        statuses: tuple[str, ...] = ("open",),
    ) -> list[Catalyst]:
        """Catalysts whose date falls in [start, end] (coarse dates compared at their own precision)."""
        sql = f"SELECT {_CAT_COLS} FROM catalysts WHERE status IN ({','.join('?' * len(statuses))})"
        params: list[Any] = list(statuses)
        if program:
            sql += " AND program_key = ?"
            params.append(fold_name(program))
        rows = await self._conn.all(sql + " ORDER BY date, id", params)
        out = []
        for r in rows:
            d = r[4]
            if start and d < start[: len(d)]:
                continue
            if end and d > end[: len(d)]:
                continue
            out.append(Catalyst(id=r[0], program=r[1], kind=r[2], label=r[3], date=d, precision=r[5], status=r[6],
                                outcome=r[7], event_id=r[8], history=json.loads(r[9])))
        return out

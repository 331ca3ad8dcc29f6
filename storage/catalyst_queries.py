"""The designation ledger and the catalyst calendar, kept in step with every stored event."""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import aiosqlite

from storage.clock import from_db, months_between, to_db
from storage.models import Catalyst, Designation, LedgerSource, NewEvent, utcnow
from storage.names import fold_name
from storage.store_base import StoreBase
from storage.taxonomy import DESIGNATIONS

# One open catalyst of these kinds per programme: a new date for it is a move, not a second catalyst.
_SINGLE = ("pdufa", "primary_completion", "guidance", "adcomm")
_CAT_COLS = "id, program, kind, label, date, precision, status, outcome, event_id, history"


def _first(rows: Iterable[aiosqlite.Row]) -> aiosqlite.Row | None:
    """The first row of an execute_fetchall (one hop to aiosqlite's thread instead of execute + fetch + close)."""
    return next(iter(rows), None)


class CatalystQueries(StoreBase):
    async def _track_event(self, db: aiosqlite.Connection, event_id: int, ev: NewEvent) -> tuple[NewEvent, bool]:
        """Update ledger and calendar for a newly stored event; returns the event (facts may gain a date
        change) and whether its alert is suppressed because it repeats what was already announced."""
        if not ev.programs:
            return ev, False
        program = ev.programs[0]
        key = fold_name(program)
        now = to_db(utcnow())
        suppress = False
        facts = dict(ev.facts)
        if ev.kind == "regulatory" and ev.subtype in DESIGNATIONS:
            row = _first(await db.execute_fetchall(
                "SELECT id FROM designations WHERE program_key = ? AND designation = ?", (key, ev.subtype)
            ))
            if row is None:
                indication = facts.get("indication") if isinstance(facts.get("indication"), str) else None
                inserted = await db.execute_fetchall(
                    "INSERT INTO designations (program_key, program, designation, indication, first_event_id, "
                    "first_seen_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    (key, program, ev.subtype, indication, event_id, now),
                )
                designation_id = int(_first(inserted)[0])  # type: ignore[index]
            else:
                designation_id = int(row[0])
                suppress = True  # the same designation from another source: added to the ledger, not re-alerted
            await db.execute(
                "INSERT INTO designation_sources (designation_id, event_id, reported_by, seen_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (designation_id, event_id) DO NOTHING",
                (designation_id, event_id, ev.reported_by, now),
            )
        for cat in ev.catalysts:
            row = _first(await db.execute_fetchall(
                "SELECT id, date, history FROM catalysts WHERE program_key = ? AND kind = ? AND status = 'open'",
                (key, cat.kind),
            )) if cat.kind in _SINGLE else None
            entry = {"date": cat.date, "precision": cat.precision, "event_id": str(event_id), "seen_at": now}
            if row is None:
                await db.execute(
                    "INSERT INTO catalysts (program_key, program, kind, label, date, precision, event_id, history, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, program, cat.kind, cat.label, cat.date, cat.precision, event_id, json.dumps([entry]),
                     now, now),
                )
            elif row[1] != cat.date:
                history = [*json.loads(row[2]), entry]
                await db.execute(
                    "UPDATE catalysts SET date = ?, precision = ?, label = ?, event_id = ?, history = ?, "
                    "updated_at = ? WHERE id = ?",
                    (cat.date, cat.precision, cat.label, event_id, json.dumps(history), now, row[0]),
                )
                moves = len(history) - 1
                facts["date_change"] = {
                    "what": cat.label, "old": row[1], "new": cat.date,
                    "months": months_between(row[1], cat.date), "times_moved": moves,
                }
            elif ev.subtype == "pdufa_date" and cat.kind == "pdufa":
                suppress = True  # the same PDUFA date reported again
        if ev.kind == "regulatory" and ev.subtype in ("approval", "crl", "accelerated_approval"):
            await db.execute(
                "UPDATE catalysts SET status = 'met', outcome = ?, updated_at = ? "
                "WHERE program_key = ? AND kind = 'pdufa' AND status IN ('open', 'overdue')",
                (ev.subtype, now, key),
            )
        if facts != ev.facts or suppress:
            ev = ev.model_copy(update={"facts": facts})
            await db.execute(
                "UPDATE events SET facts = ?, suppressed = ? WHERE id = ?",
                (json.dumps(facts, default=str), 1 if suppress else 0, event_id),
            )
        return ev, suppress

    async def designations(self, program: str) -> list[Designation]:
        rows = await self._all(
            "SELECT id, program, designation, indication, first_seen_at FROM designations WHERE program_key = ? "
            "ORDER BY first_seen_at", (fold_name(program),),
        )
        out = []
        for r in rows:
            sources = await self._all(
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
        rows = await self._all(sql + " ORDER BY date, id", params)
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

    async def set_catalyst_status(self, catalyst_id: int, status: str) -> None:
        async with self.transaction() as db:
            await db.execute(
                "UPDATE catalysts SET status = ?, updated_at = ? WHERE id = ?", (status, to_db(utcnow()), catalyst_id)
            )

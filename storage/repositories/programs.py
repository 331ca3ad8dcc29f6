"""The programme registry: programmes and their aliases (what the matcher and lookups are built from)."""
from __future__ import annotations

import json
from collections.abc import Sequence

from storage.clock import from_db, to_db
from storage.database import Connection, DuplicateError, NotFoundError, Row
from storage.models import Program, ProgramAlias, ProgramIn, utcnow
from storage.names import fold_name

_PROGRAM_COLS = "id, name, sponsors, nct_ids, cik, ticker, indication, notes, created_at"
PROGRAMS_VERSION = "programs_version"


class ProgramRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def add(self, program: ProgramIn, needs_sponsor: Sequence[str] = ()) -> Program:
        """Create a programme. Every alias (and the name itself) must be free across programmes."""
        async with self._conn.atomic() as db:
            await self._check_names_free(db, program, None)
            row = await db.one(
                "INSERT INTO programs (name, sponsors, nct_ids, cik, ticker, indication, notes, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (program.name, json.dumps(program.sponsors), json.dumps(program.nct_ids), program.cik,
                 program.ticker, program.indication, program.notes, to_db(utcnow())),
            )
            program_id = int(row[0]) if row else 0
            await self._write_aliases(db, program_id, program, needs_sponsor)
            await _bump_version(db)
        return await self.get(program_id)

    async def update(self, program_id: int, program: ProgramIn, needs_sponsor: Sequence[str] = ()) -> Program:
        async with self._conn.atomic() as db:
            await self._check_names_free(db, program, program_id)
            await db.write(
                "UPDATE programs SET name = ?, sponsors = ?, nct_ids = ?, cik = ?, ticker = ?, indication = ?, "
                "notes = ? WHERE id = ?",
                (program.name, json.dumps(program.sponsors), json.dumps(program.nct_ids), program.cik,
                 program.ticker, program.indication, program.notes, program_id),
            )
            await db.write("DELETE FROM program_aliases WHERE program_id = ?", (program_id,))
            await self._write_aliases(db, program_id, program, needs_sponsor)
            await _bump_version(db)
        return await self.get(program_id)

    async def remove(self, program_id: int) -> None:
        async with self._conn.atomic() as db:
            await db.write("DELETE FROM programs WHERE id = ?", (program_id,))
            await _bump_version(db)

    async def _check_names_free(self, db: Connection, program: ProgramIn, own_id: int | None) -> None:
        norms = {fold_name(n) for n in [program.name, *program.aliases] if fold_name(n)}
        if not norms:
            return
        marks = ",".join("?" * len(norms))
        rows = await db.all(
            f"SELECT a.alias, p.name FROM program_aliases a JOIN programs p ON p.id = a.program_id "
            f"WHERE a.norm IN ({marks}) AND a.program_id <> ?",
            [*norms, own_id if own_id is not None else -1],
        )
        if rows:
            raise DuplicateError(f"'{rows[0][0]}' already names the programme {rows[0][1]}")

    async def _write_aliases(
        self, db: Connection, program_id: int, program: ProgramIn, needs_sponsor: Sequence[str]
    ) -> None:
        flagged = {fold_name(a) for a in needs_sponsor}
        rows: dict[str, tuple[int, str, str, int]] = {}
        for alias in [program.name, *program.aliases]:
            norm = fold_name(alias)
            if norm and norm not in rows:
                rows[norm] = (program_id, alias.strip(), norm, 1 if norm in flagged else 0)
        await db.write_many(
            "INSERT INTO program_aliases (program_id, alias, norm, needs_sponsor) VALUES (?, ?, ?, ?)",
            list(rows.values()),
        )

    async def get(self, program_id: int) -> Program:
        row = await self._conn.one(f"SELECT {_PROGRAM_COLS} FROM programs WHERE id = ?", (program_id,))
        if row is None:
            raise NotFoundError(f"no programme with id {program_id}")
        return (await self._programs([row]))[0]

    async def find(self, name: str) -> Program | None:
        """By name or any alias, hyphen-, space- and case-insensitively."""
        row = await self._conn.one(
            f"SELECT {', '.join('p.' + c.strip() for c in _PROGRAM_COLS.split(','))} FROM programs p "
            "JOIN program_aliases a ON a.program_id = p.id WHERE a.norm = ? LIMIT 1",
            (fold_name(name),),
        )
        return (await self._programs([row]))[0] if row else None

    async def list(self) -> list[Program]:
        return await self._programs(await self._conn.all(f"SELECT {_PROGRAM_COLS} FROM programs ORDER BY name"))

    async def alias_table(self) -> list[tuple[str, str, bool, list[str]]]:
        """(programme name, alias, needs sponsor, sponsors) for every alias: what the matcher is built from."""
        rows = await self._conn.all(
            "SELECT p.name, a.alias, a.needs_sponsor, p.sponsors FROM program_aliases a "
            "JOIN programs p ON p.id = a.program_id ORDER BY p.id"
        )
        return [(r[0], r[1], bool(r[2]), json.loads(r[3])) for r in rows]

    async def version(self) -> str:
        row = await self._conn.one("SELECT value FROM meta WHERE key = ?", (PROGRAMS_VERSION,))
        return str(row[0]) if row else "0"

    async def name_choices(self, prefix: str, limit: int = 25) -> list[str]:
        """Names (and aliases) starting with or containing the typed text: for autocomplete."""
        norm = fold_name(prefix)
        rows = await self._conn.all(
            "SELECT DISTINCT p.name, CASE WHEN a.norm LIKE ? THEN 0 ELSE 1 END AS rank FROM program_aliases a "
            "JOIN programs p ON p.id = a.program_id WHERE a.norm LIKE ? ORDER BY rank, p.name LIMIT ?",
            (f"{norm}%", f"%{norm}%", limit * 2),
        )
        return list(dict.fromkeys(r[0] for r in rows))[:limit]

    async def resolve(self, norms: Sequence[str]) -> dict[str, tuple[int, str]]:
        """Folded names → (programme id, registry name), for those that are a programme's name or alias."""
        if not norms:
            return {}
        marks = ",".join("?" * len(norms))
        rows = await self._conn.all(
            f"SELECT a.norm, p.id, p.name FROM program_aliases a JOIN programs p ON p.id = a.program_id "
            f"WHERE a.norm IN ({marks})",
            list(norms),
        )
        return {r[0]: (int(r[1]), str(r[2])) for r in rows}

    async def _programs(self, rows: Sequence[Row]) -> list[Program]:
        if not rows:
            return []
        ids = [r[0] for r in rows]
        alias_rows = await self._conn.all(
            f"SELECT program_id, alias, needs_sponsor, norm FROM program_aliases WHERE program_id IN "
            f"({','.join('?' * len(ids))}) ORDER BY rowid",
            ids,
        )
        aliases: dict[int, list[ProgramAlias]] = {}
        for pid, alias, needs, _norm in alias_rows:
            aliases.setdefault(pid, []).append(ProgramAlias(alias=alias, needs_sponsor=bool(needs)))
        out = []
        for r in rows:
            flags = aliases.get(r[0], [])
            name_norm = fold_name(r[1])
            out.append(Program(
                id=r[0], name=r[1], sponsors=json.loads(r[2]), nct_ids=json.loads(r[3]), cik=r[4], ticker=r[5],
                indication=r[6], notes=r[7], created_at=from_db(r[8]),
                aliases=[a.alias for a in flags if fold_name(a.alias) != name_norm], alias_flags=flags,
            ))
        return out


async def _bump_version(db: Connection) -> None:
    # Bumped in the same transaction as the change, so a running bot rebuilds its matcher on its next cycle.
    await db.write(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (PROGRAMS_VERSION, to_db(utcnow())),
    )

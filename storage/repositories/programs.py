"""The programme registry: programmes and their aliases (what the matcher and lookups are built from)."""
from __future__ import annotations

import json
from collections.abc import Sequence

from storage.clock import from_db, to_db
from storage.database import Connection, DuplicateError, NotFoundError, Row
from storage.models import LearnedProgram, Program, ProgramAlias, ProgramIn, ProgramMerge, utcnow
from storage.names import fold_name
from storage.rows import chunks

_PROGRAM_COLS = "id, name, sponsors, nct_ids, cik, ticker, indication, notes, created_at, kind"
PROGRAMS_VERSION = "programs_version"
# Bumped when the stream teaches a name: the matcher picks learned names up on its own (slower) schedule.
LEARNED_VERSION = "learned_programs_version"
_MERGE_COLS = "id, kept_id, kept_name, merged_name, reason, merged_at, undone_at"


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

    async def list(self, kind: str | None = None) -> list[Program]:
        if kind is None:
            return await self._programs(await self._conn.all(f"SELECT {_PROGRAM_COLS} FROM programs ORDER BY name"))
        return await self._programs(await self._conn.all(
            f"SELECT {_PROGRAM_COLS} FROM programs WHERE kind = ? ORDER BY name", (kind,)))

    async def alias_table(self) -> list[tuple[str, str, bool, list[str]]]:
        """(programme name, alias, needs sponsor, sponsors) for every alias: what the matcher is built from."""
        rows = await self._conn.all(
            "SELECT p.name, a.alias, a.needs_sponsor, p.sponsors FROM program_aliases a "
            "JOIN programs p ON p.id = a.program_id ORDER BY p.id"
        )
        return [(r[0], r[1], bool(r[2]), json.loads(r[3])) for r in rows]

    async def versions(self) -> tuple[str, str]:
        """`version` and `learned_version` in one read (the matcher asks for both before each changed feed)."""
        rows = await self._conn.all("SELECT key, value FROM meta WHERE key IN (?, ?)",
                                    (PROGRAMS_VERSION, LEARNED_VERSION))
        found = {str(k): str(v) for k, v in rows}
        return found.get(PROGRAMS_VERSION, "0"), found.get(LEARNED_VERSION, "0")

    async def name_choices(self, prefix: str, limit: int = 25, mode: str = "both") -> list[str]:
        """Names (and aliases) starting with, then containing, the typed text, registered before learned: for
        autocomplete. Prefix matches use the alias index; the substring pass runs only when they are too few.
        `mode`: "prefix" or "contains" for one pass only."""
        norm = fold_name(prefix)
        out: list[str] = []
        patterns = {"prefix": [f"{norm}%"], "contains": [f"%{norm}%"]}.get(mode, [f"{norm}%", f"%{norm}%"])
        for pattern in patterns:
            rows = await self._conn.all(
                "SELECT p.name, MIN(CASE WHEN p.kind = 'registered' THEN 0 ELSE 1 END) AS k FROM program_aliases a "
                "JOIN programs p ON p.id = a.program_id WHERE a.norm LIKE ? GROUP BY p.name ORDER BY k, p.name "
                "LIMIT ?",
                (pattern, limit),
            )
            out.extend(r[0] for r in rows if r[0] not in out)
            if len(out) >= limit:
                break
        return out[:limit]

    async def similar_names(self, norm_start: str, limit: int = 5000) -> list[tuple[str, str]]:
        """(alias, programme name) for aliases whose folded form starts with these characters: the candidates
        of a "did you mean" (a few thousand at most, never the whole table)."""
        rows = await self._conn.all(
            "SELECT a.alias, p.name FROM program_aliases a JOIN programs p ON p.id = a.program_id "
            "WHERE a.norm LIKE ? LIMIT ?", (f"{norm_start}%", limit),
        )
        return [(r[0], r[1]) for r in rows]

    async def known(self, norms: Sequence[str]) -> dict[str, tuple[int, str, str]]:
        """Folded names → (programme id, name, kind), for those that name a programme."""
        if not norms:
            return {}
        marks = ",".join("?" * len(norms))
        rows = await self._conn.all(
            f"SELECT a.norm, p.id, p.name, p.kind FROM program_aliases a JOIN programs p ON p.id = a.program_id "
            f"WHERE a.norm IN ({marks})",
            list(norms),
        )
        return {r[0]: (int(r[1]), str(r[2]), str(r[3])) for r in rows}

    async def add_learned(self, program: LearnedProgram) -> int:
        """Store a learned programme as decided (watchers/route/learning.py checked its names are free)."""
        # RETURNING, not lastrowid: PostgreSQL has none (the id was 0 there, and its aliases failed their key).
        # ON CONFLICT: another process may have created the same name since the caller read it as free; its
        # names then join that programme, as they would have had the two polls run one after the other.
        row = await self._conn.one(
            "INSERT INTO programs (name, sponsors, nct_ids, created_at, kind) VALUES (?, ?, '[]', ?, 'learned') "
            "ON CONFLICT (name) DO NOTHING RETURNING id",
            (program.name, json.dumps(program.sponsors), to_db(utcnow())),
        )
        if row is None:
            row = await self._conn.one("SELECT id FROM programs WHERE name = ?", (program.name,))
        assert row is not None
        program_id = int(row[0])
        await self.add_aliases(program_id, [program.name, *program.aliases])
        return program_id

    async def add_aliases(self, program_id: int, aliases: Sequence[str]) -> None:
        rows = {fold_name(a): (program_id, a.strip(), fold_name(a)) for a in aliases if fold_name(a)}
        await self._conn.write_many(
            "INSERT INTO program_aliases (program_id, alias, norm, needs_sponsor) VALUES (?, ?, ?, 0) "
            "ON CONFLICT (program_id, norm) DO NOTHING",
            list(rows.values()),
        )
        await _bump_version(self._conn, LEARNED_VERSION)

    async def promote(self, program_id: int) -> None:
        await self._conn.write("UPDATE programs SET kind = 'registered' WHERE id = ?", (program_id,))
        await _bump_version(self._conn)

    async def merge(self, kept_id: int, merged_id: int, reason: str) -> int:
        """Move one programme's names, events, ledger rows and trial labels to another, and remember what moved
        (for `undo_merge`). The decision to merge is the caller's."""
        async with self._conn.atomic() as db:
            kept = await self.get(kept_id)
            gone = await self.get(merged_id)
            kept_key, gone_key = fold_name(kept.name), fold_name(gone.name)
            alias_rows = await db.all(
                "SELECT alias, norm, needs_sponsor FROM program_aliases WHERE program_id = ?", (merged_id,))
            events = [r[0] for r in await db.all(
                "SELECT event_id FROM event_programs WHERE program_id = ? AND event_id NOT IN "
                "(SELECT event_id FROM event_programs WHERE program_id = ?)", (merged_id, kept_id))]
            shared = [r[0] for r in await db.all(
                "SELECT event_id FROM event_programs WHERE program_id = ? AND event_id IN "
                "(SELECT event_id FROM event_programs WHERE program_id = ?)", (merged_id, kept_id))]
            designations = [r[0] for r in await db.all(
                "SELECT id FROM designations WHERE program_key = ? AND designation NOT IN "
                "(SELECT designation FROM designations WHERE program_key = ?)", (gone_key, kept_key))]
            catalysts = [r[0] for r in await db.all("SELECT id FROM catalysts WHERE program_key = ?", (gone_key,))]
            watches = [r[0] for r in await db.all("SELECT nct_id FROM trial_watches WHERE program = ?",
                                                  (gone.name,))]
            moved = {
                "program": {"name": gone.name, "sponsors": gone.sponsors, "nct_ids": gone.nct_ids, "kind": gone.kind,
                            "created_at": to_db(gone.created_at)},
                "aliases": [[r[0], r[1], int(r[2])] for r in alias_rows], "events": events, "shared_events": shared,
                "designations": designations, "catalysts": catalysts, "watches": watches,
            }
            await db.write("UPDATE program_aliases SET program_id = ? WHERE program_id = ?", (kept_id, merged_id))
            await db.write_many("INSERT INTO event_programs (event_id, program_id) VALUES (?, ?) "
                                "ON CONFLICT (program_id, event_id) DO NOTHING", [(e, kept_id) for e in events])
            await _update_ids(db, "designations", "program_key = ?, program = ?", (kept_key, kept.name), designations)
            await _update_ids(db, "catalysts", "program_key = ?, program = ?", (kept_key, kept.name), catalysts)
            await db.write("UPDATE trial_watches SET program = ? WHERE program = ?", (kept.name, gone.name))
            sponsors = list(dict.fromkeys([*kept.sponsors, *gone.sponsors]))
            await db.write("UPDATE programs SET sponsors = ? WHERE id = ?", (json.dumps(sponsors), kept_id))
            await db.write("DELETE FROM programs WHERE id = ?", (merged_id,))
            row = await db.one(
                "INSERT INTO program_merges (kept_id, kept_name, merged_name, reason, moved, merged_at) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (kept_id, kept.name, gone.name, reason, json.dumps(moved), to_db(utcnow())),
            )
            await _bump_version(db)
        assert row is not None
        return int(row[0])

    async def undo_merge(self, merge_id: int) -> ProgramMerge:
        """Put a merged programme back as it was: its names, events, ledger rows and trial labels."""
        async with self._conn.atomic() as db:
            row = await db.one(f"SELECT {_MERGE_COLS}, moved FROM program_merges WHERE id = ?", (merge_id,))
            if row is None:
                raise NotFoundError(f"no merge #{merge_id}")
            merge = _merge(row)
            if merge.undone_at is not None:
                raise DuplicateError(f"merge #{merge_id} was undone already")
            moved = json.loads(row[7])
            kept_id, old = merge.kept_id, moved["program"]
            await self._check_names_free(db, ProgramIn(name=old["name"]), kept_id)  # its names are with the kept
            inserted = await db.one(
                "INSERT INTO programs (name, sponsors, nct_ids, created_at, kind) VALUES (?, ?, ?, ?, ?) RETURNING id",
                (old["name"], json.dumps(old["sponsors"]), json.dumps(old["nct_ids"]), old["created_at"],
                 old["kind"]),
            )
            assert inserted is not None
            back = int(inserted[0])
            norms = [a[1] for a in moved["aliases"]]
            await _update_ids(db, "program_aliases", "program_id = ?", (back,), norms, key="norm",
                              where=("program_id = ?", kept_id))
            await db.write_many("INSERT INTO event_programs (event_id, program_id) VALUES (?, ?) "
                                "ON CONFLICT (program_id, event_id) DO NOTHING",
                                [(e, back) for e in [*moved["events"], *moved["shared_events"]]])
            for event_id in moved["events"]:
                await db.write("DELETE FROM event_programs WHERE event_id = ? AND program_id = ?", (event_id, kept_id))
            values = (fold_name(old["name"]), old["name"])
            await _update_ids(db, "designations", "program_key = ?, program = ?", values, moved["designations"])
            await _update_ids(db, "catalysts", "program_key = ?, program = ?", values, moved["catalysts"])
            await _update_ids(db, "trial_watches", "program = ?", (old["name"],), moved["watches"], key="nct_id")
            await db.write("UPDATE program_merges SET undone_at = ? WHERE id = ?", (to_db(utcnow()), merge_id))
            await _bump_version(db)
        return await self.get_merge(merge_id)

    async def get_merge(self, merge_id: int) -> ProgramMerge:
        row = await self._conn.one(f"SELECT {_MERGE_COLS} FROM program_merges WHERE id = ?", (merge_id,))
        if row is None:
            raise NotFoundError(f"no merge #{merge_id}")
        return _merge(row)

    async def merges(self, limit: int = 50) -> list[ProgramMerge]:
        rows = await self._conn.all(f"SELECT {_MERGE_COLS} FROM program_merges ORDER BY id DESC LIMIT ?", (limit,))
        return [_merge(r) for r in rows]

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
                indication=r[6], notes=r[7], created_at=from_db(r[8]), kind=r[9],
                aliases=[a.alias for a in flags if fold_name(a.alias) != name_norm], alias_flags=flags,
            ))
        return out


async def _bump_version(db: Connection, key: str = PROGRAMS_VERSION) -> None:
    # Bumped in the same transaction as the change, so a running bot rebuilds its matcher on its next cycle.
    await db.write(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, to_db(utcnow())),
    )


async def _update_ids(
    db: Connection, table: str, assignments: str, values: tuple[object, ...], ids: Sequence[object],
    key: str = "id", where: tuple[str, object] | None = None,
) -> None:
    extra = f" AND {where[0]}" if where else ""
    for chunk in chunks(ids):
        await db.write(
            f"UPDATE {table} SET {assignments} WHERE {key} IN ({','.join('?' * len(chunk))}){extra}",
            [*values, *chunk, *([where[1]] if where else [])],
        )


def _merge(r: Row) -> ProgramMerge:
    return ProgramMerge(id=r[0], kept_id=r[1], kept_name=r[2], merged_name=r[3], reason=r[4],
                        merged_at=from_db(r[5]), undone_at=from_db(r[6]) if r[6] else None)

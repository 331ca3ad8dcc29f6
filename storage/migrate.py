"""Numbered SQL migrations, tracked in PRAGMA user_version."""
from __future__ import annotations

import re
from importlib import resources

import aiosqlite

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str]]:
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


async def apply_migrations(db: aiosqlite.Connection) -> int:
    """Apply every migration newer than the database; returns the resulting version."""
    (current,) = await (await db.execute("PRAGMA user_version")).fetchone()  # type: ignore[misc]
    for number, sql in migrations():
        if number <= current:
            continue
        await db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {number:d}")
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
        current = number
    return current


def _statements(sql: str) -> list[str]:
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]

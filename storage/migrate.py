"""Numbered SQL migrations, tracked in PRAGMA user_version."""
from __future__ import annotations

import re
import sqlite3
from importlib import resources

import aiosqlite

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class SchemaError(Exception):
    """The file is an SQLite database this version must not migrate; the message says why."""


class NewerSchemaError(SchemaError):
    """The store was written by a newer milestone-bot: opening it could corrupt what this version cannot read."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"written by a newer milestone-bot (schema {found}; this one knows up to {known}): "
            "upgrade milestone-bot or use another store"
        )


def migrations() -> list[tuple[int, str]]:
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(found)


async def apply_migrations(db: aiosqlite.Connection) -> int:
    """Apply every migration newer than the database; returns the resulting version.

    The version is read again under the write lock (BEGIN IMMEDIATE): two processes opening a new store at once
    would otherwise both see version 0 and the second would create the tables again.
    """
    pending = migrations()
    latest = pending[-1][0] if pending else 0
    current = await _version(db)
    if current > latest:
        raise NewerSchemaError(current, latest)
    if current == latest:
        return current  # the usual open: no write lock taken
    await db.execute("BEGIN IMMEDIATE")
    try:
        # Both read under the lock: read apart, a store another process just migrated looked like tables with
        # version 0, i.e. another program's database.
        current = await _version(db)
        if current > latest:
            raise NewerSchemaError(current, latest)
        if current == 0 and await _has_tables(db):
            raise SchemaError("an SQLite database of another program (tables, but no milestone-bot schema); "
                              "use another file")
        for number, sql in pending:
            if number <= current:
                continue
            for statement in split_statements(sql):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {number:d}")
            current = number
        await db.commit()
    except BaseException:
        await db.rollback()
        raise
    return current


async def _has_tables(db: aiosqlite.Connection) -> bool:
    rows = await db.execute_fetchall("SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' LIMIT 1")
    return bool(list(rows))


async def _version(db: aiosqlite.Connection) -> int:
    (version,) = await (await db.execute("PRAGMA user_version")).fetchone()  # type: ignore[misc]
    return int(version)


def split_statements(sql: str) -> list[str]:
    """The statements of a migration, split where SQLite says a statement ends (a `;` inside a string, a comment
    or a trigger body does not end one)."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if _has_code(buffer):
        statements.append(buffer.strip())  # a last statement without its `;`
    return [s for s in statements if _has_code(s)]


def _has_code(sql: str) -> bool:
    """Whether anything but comments and blanks is left (a trailing comment is not a statement)."""
    return bool(re.sub(r"--[^\n]*|/\*.*?\*/", "", sql, flags=re.DOTALL).strip())

"""The migration chain on PostgreSQL: the version in a table, applied under an advisory lock.

PostgreSQL runs DDL inside transactions, so each open migrates in one transaction holding
`pg_advisory_xact_lock`: processes opening a new database at once wait for the first, then find it migrated.
"""
from __future__ import annotations

from typing import Any

import psycopg

from storage.migrate import NewerSchemaError, SchemaError, migrations, split_statements

VERSION_TABLE = "milestone_schema"
# Any fixed 64-bit number: the advisory lock every milestone-bot process takes to migrate (the bytes of "milestn").
MIGRATION_LOCK = 0x6D696C6573746E


async def apply_pg_migrations(conn: psycopg.AsyncConnection[Any]) -> int:
    """Apply every migration newer than the database; returns the resulting version."""
    pending = migrations("postgres")
    latest = pending[-1][0] if pending else 0
    current = await _version(conn)
    if current is not None and current > latest:
        raise NewerSchemaError(current, latest)
    if current == latest:
        return current  # the usual open: no lock taken
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        current = await _version(conn)  # again under the lock: another process may have migrated meanwhile
        if current is None:
            if await _has_foreign_tables(conn):
                raise SchemaError("a PostgreSQL database of another program (tables, but no milestone-bot "
                                  "schema); use another database")
            await conn.execute(f"CREATE TABLE {VERSION_TABLE} (version INTEGER NOT NULL)")
            await conn.execute(f"INSERT INTO {VERSION_TABLE} (version) VALUES (0)")
            current = 0
        if current > latest:
            raise NewerSchemaError(current, latest)
        for number, sql in pending:
            if number <= current:
                continue
            for statement in split_statements(sql):
                await conn.execute(statement)  # no parameters: psycopg sends the text as it is
            await conn.execute(f"UPDATE {VERSION_TABLE} SET version = %s", (number,))
            current = number
    return current


async def _version(conn: psycopg.AsyncConnection[Any]) -> int | None:
    """The schema version, or None when the database has no milestone-bot schema yet."""
    cur = await conn.execute("SELECT to_regclass(%s)", (VERSION_TABLE,))
    row = await cur.fetchone()
    if row is None or row[0] is None:
        return None
    cur = await conn.execute(f"SELECT version FROM {VERSION_TABLE}")
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def _has_foreign_tables(conn: psycopg.AsyncConnection[Any]) -> bool:
    # procrastinate's tables share the database (its job queue); anything else means another program's data.
    cur = await conn.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_name NOT LIKE 'procrastinate%' LIMIT 1"
    )
    return await cur.fetchone() is not None

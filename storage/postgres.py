"""The PostgreSQL connection: the same `Connection` the repositories use on SQLite, over a psycopg 3 pool.

Repositories write `?` placeholders (SQLite's); `pg_sql` rewrites them to psycopg's `%s` once per statement text.
Rows are plain tuples, as on SQLite (repositories read them by position). Outside a unit of work each statement
runs on a pooled connection in autocommit; `atomic()` holds one connection in one transaction for the whole block.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from storage.database import Connection, Params, Row, StoreError, StoreUnreachableError
from storage.migrate import SchemaError
from storage.migrate_pg import apply_pg_migrations

log = logging.getLogger(__name__)


def is_postgres_url(database_url: str) -> bool:
    return database_url.startswith(("postgresql://", "postgres://"))


def redacted(database_url: str) -> str:
    """The URL without its password, for messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(database_url)
    except psycopg.ProgrammingError:
        return "postgresql://…"
    host, port, name = info.get("host", "localhost"), info.get("port", "5432"), info.get("dbname", "")
    return f"postgresql://{host}:{port}/{name}"


@functools.lru_cache(maxsize=1024)
def pg_sql(sql: str) -> str:
    """`?` → `%s` and a literal `%` → `%%`, outside quoted strings and identifiers (a `?` in a string stays)."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class _Written:
    rowcount: int
    lastrowid: int | None = None  # PostgreSQL has none: repositories use INSERT … RETURNING id


class PgTransaction:
    """Statements on one connection inside one open transaction; `atomic()` nests into it."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn

    async def all(self, sql: str, params: Params = ()) -> list[Row]:
        cur = await self._conn.execute(pg_sql(sql), list(params))
        return list(await cur.fetchall()) if cur.description else []

    async def one(self, sql: str, params: Params = ()) -> Row | None:
        cur = await self._conn.execute(pg_sql(sql), list(params))
        return await cur.fetchone() if cur.description else None

    async def write(self, sql: str, params: Params = ()) -> _Written:
        cur = await self._conn.execute(pg_sql(sql), list(params))
        return _Written(rowcount=max(cur.rowcount, 0))

    async def write_many(self, sql: str, rows: Iterable[Params]) -> None:
        rows = [list(r) for r in rows]
        if rows:
            async with self._conn.cursor() as cur:
                await cur.executemany(pg_sql(sql), rows)

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[Connection]:
        yield self


class PgDatabase:
    """The pool outside any unit of work: each statement on its own (autocommit), `atomic()` for a transaction."""

    dialect = "postgres"

    def __init__(self, pool: AsyncConnectionPool[Any], url: str) -> None:
        self._pool = pool
        self.url = url

    @classmethod
    async def open(cls, database_url: str, max_size: int = 10) -> PgDatabase:
        """Connect and migrate; an unreachable server is one `StoreUnreachableError` naming it (no password)."""
        where = redacted(database_url)
        try:
            # One direct connection first: an unreachable server or a refused login fails the start now, in one
            # line (the pool would retry in the background and log each attempt).
            conn = await psycopg.AsyncConnection.connect(database_url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreUnreachableError(f"store {where}: PostgreSQL is unreachable ({_first_line(exc)})") from None
        try:
            async with conn:
                await apply_pg_migrations(conn)
        except (psycopg.Error, SchemaError) as exc:
            raise StoreError(f"store {where}: {_first_line(exc)}") from None
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            database_url, min_size=1, max_size=max_size, open=False, timeout=30,
            kwargs={"autocommit": True}, name="milestone-bot",
        )
        try:
            await pool.open(wait=True, timeout=10)
        except PoolTimeout as exc:
            await pool.close()
            raise StoreUnreachableError(f"store {where}: PostgreSQL is unreachable ({_first_line(exc)})") from None
        return cls(pool, database_url)

    async def close(self) -> None:
        await self._pool.close()

    async def all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._pool.connection() as conn:
            return await PgTransaction(conn).all(sql, params)

    async def one(self, sql: str, params: Params = ()) -> Row | None:
        async with self._pool.connection() as conn:
            return await PgTransaction(conn).one(sql, params)

    async def write(self, sql: str, params: Params = ()) -> _Written:
        async with self._pool.connection() as conn:
            return await PgTransaction(conn).write(sql, params)

    async def write_many(self, sql: str, rows: Iterable[Params]) -> None:
        rows = list(rows)
        if rows:
            async with self.atomic() as tx:
                await tx.write_many(sql, rows)

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[Connection]:
        async with self._pool.connection() as conn, conn.transaction():
            yield PgTransaction(conn)

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """One process at a time in the block, across every process on this database (a session advisory lock
        on its own connection, released at the end even if the block raises)."""
        async with self._pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (name,))
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))

    async def integrity_check(self) -> str:
        # PostgreSQL checks its own pages; what is left to ask is whether the server answers.
        row = await self.one("SELECT 'ok'")
        return str(row[0]) if row else "no answer"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

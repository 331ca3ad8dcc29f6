"""The one SQLite connection and how repositories talk to it: reads, single writes, and atomic units of work.

Repositories are written against `Connection`. The `Database` runs each write as its own transaction; inside
`Database.atomic()` a `Transaction` runs everything in one `BEGIN IMMEDIATE … COMMIT`, so a unit of work that
spans repositories (mark items seen, store events, queue deliveries) commits or rolls back as a whole.
"""
from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

from storage.migrate import SchemaError, apply_migrations

Row = aiosqlite.Row
Params = Sequence[Any]


class StoreError(Exception):
    """A request the store cannot satisfy; the message is meant for the user."""


class StoreUnreachableError(StoreError):
    """The database server did not answer at start (PostgreSQL): a setting or a server to fix, not a bug."""


class DuplicateError(StoreError):
    pass


class NotFoundError(StoreError):
    pass


def sqlite_path(database_url: str) -> str:
    """`sqlite:///relative.db`, `sqlite:////abs/path.db`, `sqlite://:memory:` or a bare path."""
    if database_url.startswith("sqlite:///"):
        return database_url[len("sqlite:///") :]
    if database_url.startswith("sqlite://"):
        return database_url[len("sqlite://") :] or ":memory:"
    if database_url.startswith(("postgresql://", "postgres://")):
        raise StoreError("a PostgreSQL URL names no SQLite file")
    if "://" in database_url:
        raise StoreError(f"unsupported DATABASE_URL scheme: {database_url.split('://', 1)[0]}")
    return database_url


class Written(Protocol):
    rowcount: int
    lastrowid: int | None


class Connection(Protocol):
    """What a repository needs from the database, in or out of a unit of work."""

    async def all(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def one(self, sql: str, params: Params = ()) -> Row | None: ...

    async def write(self, sql: str, params: Params = ()) -> Written: ...

    async def write_many(self, sql: str, rows: Iterable[Params]) -> None: ...

    def atomic(self) -> AbstractAsyncContextManager[Connection]: ...


class Transaction:
    """Statements inside one open transaction; `atomic()` nests into it."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def all(self, sql: str, params: Params = ()) -> list[Row]:
        # One hop to aiosqlite's thread per query (execute + fetch + close there), not three.
        return list(await self._db.execute_fetchall(sql, params))

    async def one(self, sql: str, params: Params = ()) -> Row | None:
        return next(iter(await self._db.execute_fetchall(sql, params)), None)

    async def write(self, sql: str, params: Params = ()) -> Written:
        return await self._db.execute(sql, params)

    async def write_many(self, sql: str, rows: Iterable[Params]) -> None:
        rows = list(rows)
        if rows:
            await self._db.executemany(sql, rows)

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[Connection]:
        yield self


class Database:
    """The connection outside any unit of work: reads as they come, each write its own transaction."""

    dialect = "sqlite"

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._tx = Transaction(db)
        # One connection: the lock keeps one coroutine's transaction from interleaving with another's writes.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, database_url: str) -> Database:
        """Open (creating it if new) and migrate the store; any problem with the file is one `StoreError` naming
        it, and nothing is left open behind it."""
        path = sqlite_path(database_url)
        if path != ":memory:":
            await asyncio.to_thread(_check_file, path)
        # SQLite answers "locked" at once, without its busy wait, where waiting could deadlock: e.g. several
        # processes turning a new store to WAL together. Each such refusal is retried on a fresh connection
        # until the same 5 s the busy wait allows have passed.
        deadline = asyncio.get_running_loop().time() + _BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                return cls(await _connect_and_migrate(path))
            except _Locked as exc:
                if asyncio.get_running_loop().time() >= deadline:
                    raise StoreError(f"store {path}: {_explain(exc.error)}") from None
                await asyncio.sleep(random.uniform(0.01, 0.05))  # apart, so the racers do not collide again

    async def close(self) -> None:
        async with self._write_lock:
            await self._db.close()

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """One process at a time in the block: on SQLite each of its writes already takes the file's write lock
        (check-then-insert units of work are BEGIN IMMEDIATE), so there is nothing more to hold."""
        yield

    async def integrity_check(self) -> str:
        row = await self.one("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"

    async def all(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._tx.all(sql, params)

    async def one(self, sql: str, params: Params = ()) -> Row | None:
        return await self._tx.one(sql, params)

    async def write(self, sql: str, params: Params = ()) -> Written:
        # One statement is atomic on its own: no BEGIN/COMMIT round trips (a 304's health update is one).
        async with self._write_lock:
            return await self._db.execute(sql, params)

    async def write_many(self, sql: str, rows: Iterable[Params]) -> None:
        rows = list(rows)
        if rows:  # nothing to write: no BEGIN/COMMIT round trip either
            async with self.atomic() as tx:
                await tx.write_many(sql, rows)

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[Connection]:
        async with self._write_lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._tx
            except BaseException:
                await self._db.rollback()
                raise
            else:
                await self._db.commit()


_SQLITE_HEADER = b"SQLite format 3\x00"


def _check_file(path: str) -> None:
    """Refuse what SQLite would misreport or hang on, before a connection (and its thread) exists."""
    file = Path(path)
    if file.is_dir():
        raise StoreError(f"store {path}: is a directory, not a store file")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with file.open("rb") as f:
            header = f.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        header = b""  # a new store
    except OSError as exc:
        raise StoreError(f"store {path}: cannot read it ({exc.strerror or exc})") from None
    if header and header != _SQLITE_HEADER:
        raise StoreError(f"store {path}: not an SQLite database (is --db / DATABASE_URL the right file?)")
    if not header:
        try:  # creating it here gives a clear error; SQLite's own is "unable to open database file"
            sqlite3.connect(path).close()
        except sqlite3.Error:
            raise StoreError(f"store {path}: cannot create it (is {file.parent} writable?)") from None


_BUSY_TIMEOUT_MS = 5000


class _Locked(Exception):
    """The store was locked while opening it; `Database.open` tries again."""

    def __init__(self, error: sqlite3.Error) -> None:
        self.error = error


async def _connect_and_migrate(path: str) -> aiosqlite.Connection:
    try:
        db = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"store {path}: {_explain(exc)}") from None
    try:
        await db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS:d}")
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA synchronous = NORMAL")
        await db.execute("PRAGMA foreign_keys = ON")
        await apply_migrations(db)
    except (sqlite3.Error, SchemaError) as exc:
        await db.close()
        if isinstance(exc, sqlite3.OperationalError) and "database is locked" in str(exc):
            raise _Locked(exc) from None
        raise StoreError(f"store {path}: {_explain(exc)}") from None
    except BaseException:
        await db.close()
        raise
    return db


def _explain(exc: BaseException) -> str:
    """SQLite's message, with what it means for this file."""
    message = str(exc)
    meanings = {
        "attempt to write a readonly database": "read-only: milestone-bot needs to write the file and its directory",
        "unable to open database file": "cannot open it: is it, and its directory, readable and writable? "
        "(SQLite creates -wal and -shm files beside it; a read-only directory prevents that)",
        "file is not a database": "damaged or not an SQLite database (file is not a database)",
        "database disk image is malformed": "damaged (database disk image is malformed)",
        "database is locked": "locked by another process for longer than 5 s (database is locked)",
    }
    for found, meaning in meanings.items():
        if found in message:
            return meaning
    return message

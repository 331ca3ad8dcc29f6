"""Migrations: split where SQLite says a statement ends; applied once even when processes race to create a store."""
from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.database import StoreError
from storage.migrate import migrations, split_statements
from storage.store import Store
from tests.support.paths import ROOT

# Waits for the go-file so every process reaches Store.open at the same moment, then opens the new store.
_OPEN = """
import asyncio, os, sys, time
from storage.store import Store
go = sys.argv[2]
while not os.path.exists(go):
    time.sleep(0.001)
async def main():
    store = await Store.open("sqlite:///" + sys.argv[1])
    await store.close()
asyncio.run(main())
"""


def test_split_statements_keeps_triggers_strings_and_comments() -> None:
    sql = (
        "-- a comment; with a semicolon\n"
        "CREATE TABLE a (x TEXT DEFAULT 'semi;colon', y TEXT DEFAULT '--not a comment');\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n"
        "  UPDATE a SET x = 'a;b' WHERE rowid = new.rowid;\n"
        "END;\n"
        "/* block; comment */ CREATE INDEX a_x ON a (x);\n"
        "-- trailing comment, no statement\n"
    )
    statements = split_statements(sql)
    assert len(statements) == 3
    assert "'--not a comment'" in statements[0]
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
    assert statements[2].endswith("CREATE INDEX a_x ON a (x);")


def test_every_shipped_migration_splits_into_complete_statements() -> None:
    for number, sql in migrations():
        assert split_statements(sql), number


def test_processes_opening_a_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    for round_ in range(3):
        db, go = tmp_path / f"new{round_}.db", tmp_path / f"go{round_}"
        procs = [
            subprocess.Popen([sys.executable, "-c", _OPEN, str(db), str(go)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(6)
        ]
        go.touch()
        errors = []
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            if proc.returncode != 0:
                errors.append(err.strip().splitlines()[-1])
        assert errors == [], f"round {round_}: {errors}"


async def test_a_new_store_locked_where_sqlite_will_not_wait_opens_once_the_lock_goes(tmp_path: Path) -> None:
    # Another connection's write lock on the new file: turning it to WAL is refused at once (SQLite skips its
    # busy wait there, as it could deadlock), as when several processes create the store together.
    path = tmp_path / "new.db"
    path.touch()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    asyncio.get_running_loop().call_later(0.3, holder.execute, "ROLLBACK")
    try:
        store = await Store.open(f"sqlite:///{path}")
    finally:
        holder.close()
    assert await store.integrity_check() == "ok"
    await store.close()


async def test_a_store_locked_past_the_wait_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    path.touch()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match=r"new\.db: locked by another process for longer than 5 s"):
            await Store.open(f"sqlite:///{path}")
    finally:
        holder.close()

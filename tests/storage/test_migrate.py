"""Migrations: split where SQLite says a statement ends; applied once even when processes race to create a store."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from storage.migrate import migrations, split_statements
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

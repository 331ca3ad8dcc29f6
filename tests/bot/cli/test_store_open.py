"""Opening the store through the real CLI: every failure is one line naming the file, and the process exits."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from storage.migrate import migrations
from tests.bot.cli.cli_process import cli, one_line, read_only


def test_failed_seeding_closes_the_store_and_exits(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    # A programme registered before seeding whose alias is a shipped default's (lecanemab's brand name).
    code, _, err = cli("programs", "add", "mine", "--alias", "Leqembi", "--sponsor", "Foo", "--db", db)
    assert code == 0, err
    for _ in range(2):  # the first failure must not leave the store in a state where later commands hang
        code, _, err = cli("programs", "list", "--db", db, env={"SEED_DEFAULTS": "true"})
        assert code == 1, f"hung or wrong exit ({code}): {err}"
        line = one_line(err)
        assert "Leqembi" in line and "SEED_DEFAULTS=false" in line
    code, out, err = cli("programs", "list", "--db", db)
    assert code == 0 and "mine" in out, err


def test_failed_seeding_adds_nothing(tmp_path: Path) -> None:
    """Seeding is one transaction: when a default programme cannot be added, no default feed, trial or
    programme is left behind, and a later start with the conflict resolved seeds everything."""
    db = str(tmp_path / "x.db")
    assert cli("programs", "add", "mine", "--alias", "Leqembi", "--sponsor", "Foo", "--db", db)[0] == 0
    assert cli("feeds", "list", "--db", db, env={"SEED_DEFAULTS": "true"})[0] == 1
    code, out, err = cli("feeds", "list", "--db", db)
    assert code == 0, err
    assert "fda.gov" not in out and "globenewswire" not in out.lower()  # was: the three default feeds
    code, out, err = cli("trials", "list", "--db", db)
    assert code == 0 and out.startswith("no trials watched"), out  # was: the default trials, flagged as seeded
    assert cli("programs", "remove", "mine", "--db", db)[0] == 0
    code, out, err = cli("feeds", "list", "--db", db, env={"SEED_DEFAULTS": "true"})
    assert code == 0 and "fda.gov" in out, err
    code, out, err = cli("trials", "list", "--db", db, env={"SEED_DEFAULTS": "true"})
    assert code == 0 and "NCT05531279" in out, out


def test_new_store_in_a_read_only_directory(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        code, _, err = cli("feeds", "list", "--db", str(folder / "new.db"))
    assert code == 1, f"hung or wrong exit ({code}): {err}"
    assert one_line(err).startswith(f"milestone-bot: store {folder / 'new.db'}: ")


def test_read_only_store_in_a_read_only_directory(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "x.db"
    assert cli("feeds", "list", "--db", str(db))[0] == 0
    with read_only(db, folder):
        code, _, err = cli("feeds", "list", "--db", str(db))
    assert code == 1, f"hung or wrong exit ({code}): {err}"
    line = one_line(err)
    assert line.startswith(f"milestone-bot: store {db}: ") and "read-only" in line


def test_files_that_are_not_stores(tmp_path: Path) -> None:
    junk_header = tmp_path / "header.db"
    junk_header.write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    cases = {
        tmp_path / "random.db": (os.urandom(5000), "not an SQLite database"),
        tmp_path / "notes.db": (b"just some notes\n", "not an SQLite database"),
        junk_header: (None, "damaged"),
    }
    for path, (content, problem) in cases.items():
        if content is not None:
            path.write_bytes(content)
        before = path.read_bytes()
        code, _, err = cli("feeds", "list", "--db", str(path))
        assert code == 1, f"{path.name}: hung or wrong exit ({code}): {err}"
        line = one_line(err)
        assert line.startswith(f"milestone-bot: store {path}: ") and problem in line, line
        assert path.read_bytes() == before  # nothing written into somebody else's file


def test_db_naming_a_directory(tmp_path: Path) -> None:
    code, _, err = cli("feeds", "list", "--db", str(tmp_path))
    assert code == 1, f"hung or wrong exit ({code}): {err}"
    assert one_line(err) == f"milestone-bot: store {tmp_path}: is a directory, not a store file"


def test_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    assert cli("feeds", "list", "--db", str(db))[0] == 0
    newer = migrations()[-1][0] + 1
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {newer}")
    code, _, err = cli("feeds", "list", "--db", str(db))
    assert code == 1, f"hung or wrong exit ({code}): {err}"
    line = one_line(err)
    assert line.startswith(f"milestone-bot: store {db}: ") and f"schema {newer}" in line and "newer" in line
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == newer


def test_another_programs_database_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    code, _, err = cli("feeds", "list", "--db", str(db))
    assert code == 1, f"hung or wrong exit ({code}): {err}"
    assert "another program" in one_line(err)
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]

"""Operator basics of the real `milestone-bot` process: --version, poll-once's exit status and error lines,
the progress line on a terminal only, LOG_FORMAT=json, the USER_AGENT warning, and `status`."""
from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from storage.store import Store
from tests.e2e.test_cli import cli
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer
from tests.support.paths import ROOT

REAL_CONTACT = {"USER_AGENT": "milestone-bot-tests (ops@biotech-tests.invalid)"}


async def _store_with(db: Path, *urls: str) -> None:
    store = await Store.open(f"sqlite:///{db}")
    try:
        for i, url in enumerate(urls):
            await store.sources.add("rss", url, f"feed {i + 1}")
    finally:
        await store.close()


async def test_version_prints_the_package_version() -> None:
    code, out, err = await cli("--version")
    assert code == 0, err
    assert out.strip() == "milestone-bot 0.1.0"


async def test_poll_once_fails_when_every_source_failed_and_says_each_error_once(
        server: LocalServer, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    await _store_with(db, server.url("/gone-1.xml"), server.url("/gone-2.xml"))
    code, _out, err = await cli("poll-once", "--db", str(db), env=REAL_CONTACT)
    assert code == 1, err
    assert "Traceback" not in err
    for path in ("/gone-1.xml", "/gone-2.xml"):
        assert err.count(path) == 1, err  # one line per failing source, not also a log warning
    assert err.count("HTTP 404") == 2, err
    assert f"source #1 feed 1 <{server.url('/gone-1.xml')}> failed: HTTP 404" in err
    assert "every source failed" in err


async def test_poll_once_succeeds_when_one_source_is_fine(server: LocalServer, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    server.static("/feed.xml", rss(items(2)))
    await _store_with(db, server.url("/feed.xml"), server.url("/gone.xml"))
    code, _, err = await cli("poll-once", "--db", str(db), env=REAL_CONTACT)
    assert code == 0, err
    assert err.count("/gone.xml") == 1, err


async def test_example_user_agent_is_warned_about_and_json_logs_are_json(server: LocalServer, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    server.static("/feed.xml", rss(items(1)))
    await _store_with(db, server.url("/feed.xml"))
    env = {"USER_AGENT": "milestone-bot/0.1 (biotech milestone alerts; contact: you@example.org)", "LOG_FORMAT": "json"}
    code, _, err = await cli("poll-once", "--db", str(db), env=env)
    assert code == 0, err
    logged = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    warnings = [r for r in logged if "USER_AGENT still names the example contact" in r["message"]]
    assert len(warnings) == 1 and warnings[0]["level"] == "WARNING" and warnings[0]["logger"] == "bot.app"
    assert {"time", "level", "logger", "message"} <= set(warnings[0])
    code, _, err = await cli("poll-once", "--db", str(db), env=REAL_CONTACT)
    assert "USER_AGENT" not in err


async def _poll_once_on_a_terminal(db: Path) -> str:
    """poll-once with stderr on a pseudo-terminal; what the terminal showed."""
    import pty

    master, slave = pty.openpty()
    env = {**os.environ, "ALLOW_PRIVATE_ADDRESSES": "true", "SEED_DEFAULTS": "false", **REAL_CONTACT}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "poll-once", "--db", str(db), env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=slave)
    os.close(slave)
    await asyncio.wait_for(proc.wait(), 60)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other side is closed and drained
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return shown.decode(errors="replace")


async def test_progress_line_only_on_a_terminal(server: LocalServer, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    server.static("/feed.xml", rss(items(1)))
    await _store_with(db, server.url("/feed.xml"), server.url("/other.xml"))
    shown = await _poll_once_on_a_terminal(db)
    assert "\rpolling: 0/2 sources" in shown or "\rpolling: 1/2 sources" in shown, shown
    _code, _, err = await cli("poll-once", "--db", str(db), env=REAL_CONTACT)
    assert "polling:" not in err and "\r" not in err


async def test_status_after_a_cycle(server: LocalServer, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    server.static("/feed.xml", rss(items(1)))
    await _store_with(db, server.url("/feed.xml"), server.url("/gone.xml"))
    code, out, err = await cli("status", "--db", str(db))
    assert code == 0, err
    assert "last cycle:             none yet" in out
    await cli("poll-once", "--db", str(db), env=REAL_CONTACT)
    code, out, err = await cli("status", "--db", str(db))
    assert code == 0, err
    assert "version:                0.1.0" in out
    assert "(2 polled, 1 failed)" in out
    assert "sources:                1 ok, 1 failing, 0 disabled" in out
    assert "! #2 feed 2 failing (1 in a row): HTTP 404" in out
    code, out, err = await cli("status", "--json", "--db", str(db))
    answer = json.loads(out)
    assert answer["last_cycle"]["polled"] == 2 and answer["sources_failing"] == 1
    assert answer["outbox_depth"] == 0 and answer["dead_deliveries"] == 0 and answer["front_ends"] == []


async def test_lookup_writes_the_timeline_picture(tmp_path: Path) -> None:
    import io

    from PIL import Image

    db = str(tmp_path / "x.db")
    code, _, err = await cli("programs", "add", "zeta-cel", "--alias", "ZC-101", "--db", db)
    assert code == 0, err
    picture = tmp_path / "zeta.png"
    code, out, err = await cli("lookup", "ZC-101", "--picture", str(picture), "--db", db)
    assert code == 0, err
    assert out.startswith("zeta-cel") and f"wrote the timeline picture to {picture}" in out
    image = Image.open(io.BytesIO(picture.read_bytes()))
    assert image.format == "PNG" and image.size == (1000, 240)
    code, _, err = await cli("lookup", "zeta-cel", "--picture", str(tmp_path / "no-dir" / "x.png"), "--db", db)
    assert code == 2 and err.strip().splitlines()[-1].startswith("milestone-bot: cannot write")


async def test_status_names_the_running_bot_and_its_front_ends(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from bot.core.status import FrontEndState, record_front_ends
    from storage.run_lock import RunLock

    db = tmp_path / "x.db"
    store = await Store.open(f"sqlite:///{db}")
    try:
        await record_front_ends(store.meta, [FrontEndState(name="discord", connected_at=datetime(2026, 12, 1, 8, 0,
                                                                                                   tzinfo=UTC))])
    finally:
        await store.close()
    code, out, err = await cli("status", "--db", str(db))
    assert code == 0, err
    assert "not running (no `run` on this store)" in out
    assert "front ends:             none connected" in out  # recorded by a `run` that is gone
    with RunLock(str(db)):  # this process stands for the running bot
        code, out, err = await cli("status", "--db", str(db))
    assert code == 0, err
    assert f"bot:                    running (pid {os.getpid()})" in out
    assert "front ends:             discord (since 2026-12-01 08:00 UTC)" in out

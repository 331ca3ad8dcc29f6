"""The real `milestone-bot` process against local feeds."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer
from tests.support.paths import ROOT


async def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> tuple[int, str, str]:
    # No back-fill on `programs add`: it would ask the real ClinicalTrials.gov (tests that want it turn it on).
    full_env = {**os.environ, "ALLOW_PRIVATE_ADDRESSES": "true", "HTTP_TIMEOUT_SECONDS": "2", "SEED_DEFAULTS": "false",
                "ONBOARDING_BACKFILL": "false", **(env or {})}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, env=full_env, cwd=cwd or ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_done_when_scenario(server: LocalServer, tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    server.static("/feed.xml", rss(items(3)))
    code, out, err = await cli("feeds", "add", server.url("/feed.xml"), "--db", db)
    assert code == 0, err
    assert "watching feed #1: Acme Bio press releases (3 items now" in out
    code, out, err = await cli("poll-once", "--json", "--db", db)
    assert (code, out) == (0, ""), err
    server.static("/feed.xml", rss(items(5)))
    code, out, err = await cli("poll-once", "--json", "--db", db)
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["title"] for line in lines] == [
        "Acme Bio announces update number 4", "Acme Bio announces update number 5"
    ]
    for key in ("id", "kind", "subtype", "title", "url", "source", "published_at", "programs", "trial", "facts"):
        assert key in lines[0]
    assert lines[0]["source"] == "Acme Bio press releases"
    assert lines[0]["published_at"] == "2026-11-01T16:00:00+00:00"
    code, out, err = await cli("poll-once", "--json", "--db", db)
    assert (code, out) == (0, "")
    code, out, _ = await cli("events", "--db", db, "--limit", "1")
    assert "update number 5" in out and out.count("\n") == 1


async def test_feeds_list_remove_enable(server: LocalServer, tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    server.static("/f", rss(items(1)))
    await cli("feeds", "add", server.url("/f"), "--name", "Mine", "--db", db)
    code, out, _ = await cli("feeds", "list", "--db", db)
    assert code == 0 and "#1" in out and "Mine" in out and "last success: never" in out
    server.static("/f", "gone", status=500)
    await cli("poll-once", "--db", db)
    code, out, _ = await cli("feeds", "list", "--db", db)
    assert "failing" in out and "last error: HTTP 500" in out
    code, out, _ = await cli("feeds", "enable", "1", "--db", db)
    assert code == 0 and "enabled feed #1" in out
    code, out, _ = await cli("feeds", "remove", "1", "--db", db)
    assert code == 0 and "removed feed #1: Mine" in out
    code, _, err = await cli("feeds", "remove", "1", "--db", db)
    assert code == 1 and err.strip() == "milestone-bot: No feed with id 1; `feeds list` shows the ids."


async def test_feeds_add_refuses_bad_urls_with_one_line(server: LocalServer, tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    server.static("/page", "<!DOCTYPE html><html><body>hi</body></html>", content_type="text/html")
    cases = [
        ((server.url("/page"),), {}, "not an RSS/Atom feed: the server sent an HTML page"),
        (("http://127.0.0.1:1/feed",), {}, "cannot connect to 127.0.0.1:1"),
        ((server.url("/f"),), {"ALLOW_PRIVATE_ADDRESSES": "false"}, "refused: 127.0.0.1 is a loopback address"),
        (("file:///etc/passwd",), {}, "refused: only http and https"),
    ]
    for args, env, message in cases:
        code, out, err = await cli("feeds", "add", *args, "--db", db, env=env)
        assert code == 1 and out == ""
        assert message in err and err.startswith("milestone-bot: Cannot add"), err
        assert err.count("\n") == 1 and "Traceback" not in err, err
    code, out, _ = await cli("feeds", "list", "--db", db)
    assert "no feeds watched" in out


async def test_invalid_setting_exits_2_naming_the_variable(tmp_path: Path) -> None:
    for env, name in [({"POLL_INTERVAL_SECONDS": "often"}, "POLL_INTERVAL_SECONDS"),
                      ({"MAX_FEED_BYTES": "-1"}, "MAX_FEED_BYTES"),
                      ({"ALLOW_PRIVATE_ADDRESSES": "maybe"}, "ALLOW_PRIVATE_ADDRESSES")]:
        code, _out, err = await cli("feeds", "list", "--db", str(tmp_path / "x.db"), env=env)
        assert code == 2 and "Traceback" not in err
        assert err.startswith(f"milestone-bot: invalid setting {name}:") and err.count("\n") == 1


async def test_run_polls_delivers_and_stops_cleanly_on_sigterm(server: LocalServer, tmp_path: Path) -> None:
    db = tmp_path / "run.db"
    server.static("/f", rss(items(1)))
    await cli("feeds", "add", server.url("/f"), "--db", str(db))
    await cli("poll-once", "--db", str(db), env={"POLL_INTERVAL_SECONDS": "10"})
    server.static("/f", rss(items(2)))
    env = {**os.environ, "ALLOW_PRIVATE_ADDRESSES": "true", "POLL_INTERVAL_SECONDS": "10", "SEED_DEFAULTS": "false",
           "DELIVERY_INTERVAL_SECONDS": "0.2"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--db", str(db), env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    seen = ""
    async with asyncio.timeout(30):
        while "update number 2" not in seen:
            seen += (await proc.stdout.readline()).decode()
    proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert "shutting down" in err.decode()
    assert seen.count("[OTHER") + seen.count("[READOUT") + seen.count("[REGULATORY") == 1

"""Two real `milestone-bot worker` processes on one PostgreSQL database share the work: never two polls of one
source at once, each source polled once per due time, every alert printed once across both."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from storage.clock import to_db
from storage.store import Store
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer
from tests.support.paths import ROOT
from tests.support.pg_server import PgServer, server_binaries

FEEDS = 8


class CountingFeeds:
    """Feeds answering 300 ms late (so overlapping polls would overlap here), counting requests per feed and the
    most in flight at once for any one feed."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.counts: dict[int, int] = {i: 2 for i in range(FEEDS)}
        self.inflight: Counter[str] = Counter()
        self.max_inflight = 0
        for i in range(FEEDS):
            server.route(f"/feed/{i}.xml", self._handler(i))

    def _handler(self, i: int):  # type: ignore[no-untyped-def]
        async def handle(request: web.Request) -> web.StreamResponse:
            self.inflight[request.path] += 1
            self.max_inflight = max(self.max_inflight, self.inflight[request.path])
            try:
                await asyncio.sleep(0.3)
                body = rss(items(self.counts[i], prefix=f"Feed{i} Bio"), title=f"Feed {i}")
                return web.Response(text=body, content_type="application/rss+xml")
            finally:
                self.inflight[request.path] -= 1
        return handle

    def requests(self) -> Counter[str]:
        return Counter(r.path for r in self.server.requests)


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    return {**env, "DATABASE_URL": url, "SEED_DEFAULTS": "false", "ALLOW_PRIVATE_ADDRESSES": "true",
            "POLL_INTERVAL_SECONDS": "3600", "WORKER_RECONCILE_SECONDS": "1", "WORKER_CONCURRENCY": "8",
            "RELEASE_PAGES": "false", "PYTHONUNBUFFERED": "1"}


async def _until(check, limit: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + limit
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.2)


async def test_two_workers_share_sources_and_deliver_each_alert_once(
    pg_url: str, server: LocalServer, tmp_path: Path
) -> None:
    feeds = CountingFeeds(server)
    store = await Store.open(pg_url)
    try:
        for i in range(FEEDS):
            await store.sources.add("rss", server.url(f"/feed/{i}.xml"), f"Feed {i}")
        await store.subscriptions.ensure("console", "stdout")
        procs: list[asyncio.subprocess.Process] = []
        for n in range(2):
            procs.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "worker", cwd=ROOT, env=_env(pg_url),
                stdout=(tmp_path / f"w{n}.out").open("wb"), stderr=(tmp_path / f"w{n}.err").open("wb"),
            ))
        try:
            # First poll of every source (it records what is there, announces nothing): once each.
            async def all_primed() -> bool:
                return all(s.primed for s in await store.sources.list())

            await _until(all_primed)
            await asyncio.sleep(2.5)  # reconciler runs meanwhile: a second poll would show here
            assert set(feeds.requests().values()) == {1}, feeds.requests()
            # New items, and the sources due again (as if their interval had passed): the reconciler finds them
            # overdue (no job is scheduled that early), one poll each, and each alert goes out once.
            for i in range(FEEDS):
                feeds.counts[i] = 4
            await store.db.write("UPDATE sources SET next_poll_at = ?", (to_db(datetime(2000, 1, 1, tzinfo=UTC)),))

            async def all_sent() -> bool:
                counts = await store.outbox.counts()
                return counts.get("sent", 0) == FEEDS * 2 and not counts.get("pending")

            await _until(all_sent)
            await asyncio.sleep(2.5)
            assert set(feeds.requests().values()) == {2}, feeds.requests()
            assert feeds.max_inflight == 1
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            codes = [await asyncio.wait_for(proc.wait(), 30) for proc in procs]
        printed = "".join((tmp_path / f"w{n}.out").read_text() for n in range(2))
        titles = [f"Feed{i} Bio announces update number {k}\n" for i in range(FEEDS) for k in (3, 4)]
        assert {t: printed.count(t) for t in titles} == dict.fromkeys(titles, 1)
        assert codes == [0, 0], [(tmp_path / f"w{n}.err").read_text()[-2000:] for n in range(2)]
        doing = await store.db.one("SELECT COUNT(*) FROM procrastinate_jobs WHERE status = 'doing'")
        assert doing == (0,)
        # Finished polls leave no row, and the next polls (an hour away) wait in the store, not in the queue:
        # only polls due within the horizon (two reconciler periods, 2 s here) are queued.
        polls = await store.db.all("SELECT status, COUNT(*) FROM procrastinate_jobs "
                                   "WHERE task_name = 'milestone.poll_source' GROUP BY status")
        assert dict(polls) == {}
    finally:
        await store.close()


async def test_a_worker_refuses_sqlite_in_one_line(tmp_path: Path) -> None:
    env = {**_env(f"sqlite:///{tmp_path / 'x.db'}")}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "worker", cwd=ROOT, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 1
    assert err.decode().strip().splitlines() == [
        "milestone-bot: workers share their work through PostgreSQL: set DATABASE_URL=postgresql://… "
        "(on SQLite, `milestone-bot run` does everything in one process)"]


@pytest.fixture
def own_pg() -> Iterator[PgServer]:
    """A server of this test's own, to stop and start again (CI's shared one must stay up)."""
    if server_binaries() is None:
        pytest.skip("no PostgreSQL server binaries here (apt-get install postgresql)")
    server = PgServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_a_worker_survives_the_database_going_away(own_pg: PgServer, server: LocalServer,
                                                          tmp_path: Path) -> None:
    feeds = CountingFeeds(server)
    url = own_pg.create_database("milestones")
    store = await Store.open(url)
    for i in range(2):
        await store.sources.add("rss", server.url(f"/feed/{i}.xml"), f"Feed {i}")
    await store.subscriptions.ensure("console", "stdout")
    out, err = tmp_path / "w.out", tmp_path / "w.err"
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "worker", cwd=ROOT, env=_env(url),
                                                stdout=out.open("wb"), stderr=err.open("wb"))
    try:
        async def primed() -> bool:
            return all(s.primed for s in await store.sources.list())

        await _until(primed)
        await store.close()
        await asyncio.to_thread(own_pg.pause)
        await asyncio.sleep(4)  # the worker notices, logs it and retries with back-off
        assert proc.returncode is None, err.read_text()[-2000:]
        await asyncio.to_thread(own_pg.resume)
        store = await Store.open(url)
        for i in range(2):
            feeds.counts[i] = 3
        await store.db.write("UPDATE sources SET next_poll_at = ?", (to_db(datetime(2000, 1, 1, tzinfo=UTC)),))

        async def sent() -> bool:
            return (await store.outbox.counts()).get("sent", 0) == 2

        await _until(sent, 90)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
        await store.close()
    log = err.read_text()
    assert "database unreachable" in log and "Traceback" not in log, log[-3000:]
    assert code == 0
    printed = out.read_text()
    assert [printed.count(f"Feed{i} Bio announces update number 3\n") for i in range(2)] == [1, 1]


async def test_processes_starting_together_seed_a_new_database_once(pg_server: PgServer) -> None:
    url = pg_server.create_database(f"milestone_seed_{os.getpid()}")
    env = {**_env(url), "SEED_DEFAULTS": "true"}
    procs = [await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "feeds", "list", cwd=ROOT,
                                                  env=env, stdout=asyncio.subprocess.DEVNULL,
                                                  stderr=asyncio.subprocess.PIPE) for _ in range(4)]
    results = [await asyncio.wait_for(proc.communicate(), 120) for proc in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err.decode()[-500:] for _, err in results]
    store = await Store.open(url)
    try:
        urls = [s.url for s in await store.sources.list()]
        assert urls and len(urls) == len(set(urls))
    finally:
        await store.close()


async def test_run_on_postgresql_is_a_worker_too(pg_url: str, server: LocalServer, tmp_path: Path) -> None:
    CountingFeeds(server)
    store = await Store.open(pg_url)
    try:
        for i in range(2):
            await store.sources.add("rss", server.url(f"/feed/{i}.xml"), f"Feed {i}")
        err = tmp_path / "run.err"
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", cwd=ROOT,
                                                    env=_env(pg_url), stdout=asyncio.subprocess.DEVNULL,
                                                    stderr=err.open("wb"))
        try:
            async def primed() -> bool:
                return all(s.primed for s in await store.sources.list())

            await _until(primed)
        finally:
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 30)
        assert code == 0, err.read_text()[-2000:]
    finally:
        await store.close()

"""Poll throughput of 1, 2 and 4 `milestone-bot worker` processes on one PostgreSQL, beside SQLite's one process.

    python bench/bench_workers.py [--feeds 4000] [--latency 1.0] [--concurrency 64] [--workers 1,2,4]
                                  [--fraction 0.05] [--json]

Local feeds (`bench/feed_server.py`, its own process) answer `--latency` seconds late, like remote servers: the work
is I/O-bound on purpose (this machine has 2 cores; more processes can only help when they mostly wait).

Priming (untimed, reported): the state of a bot that has polled every feed once.
- SQLite: every feed's real first poll (`PollCycle`, fetch → parse → record its 20–50 items as seen, validators,
  publication dates), with the server answering at once (`POST /_latency`) instead of `--latency` late;
- PostgreSQL: set up the same way (`setup_store`), then given the rows that priming wrote (`sources` health and
  validators, `seen_items`, `source_publications`) with COPY, matched by URL; then, before each PostgreSQL run, the
  queue of a fleet whose sources all come due together: one poll job per source, waiting for that time (also its
  `next_poll_at`).
Then each timed cycle: `--fraction` of the feeds gain items, every source comes due at once, and the clock runs
until every source has been polled once:
- SQLite: one process, `PollCycle.run_once` with POLL_CONCURRENCY=`--concurrency` (what `run` does);
- PostgreSQL: N worker processes (WORKER_CONCURRENCY=`--concurrency` each), already started and idle; every source's
  `next_poll_at` and its waiting job's time are set to now in one transaction, and the workers pick the jobs up
  (fetch polling ≤ 1 s; a job re-defers its source only when its next poll is within the queue's horizon, not here:
  the interval is a day). The time includes the workers' delivery jobs (console sink) for the new events. Not
  modelled: the rolling steady state, where polls fall due one by one (`bench/bench_queue_fetch.py` measures it).
Prints cycle wall time, polls per second, and CPU seconds of the bot's process(es) for each.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import psycopg

from bench.bench_poll_cycle import FeedServer, setup_store
from bench.common import ONE_HOST_STANDS_FOR_MANY, table
from bot.settings import Settings
from storage.clock import to_db
from storage.models import utcnow
from storage.store import Store
from tests.support.pg_server import ENV_URL, PgServer
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.parse.pool import FeedParser
from watchers.schedule.poll_cycle import CycleConfig, PollCycle
from watchers.schedule.queue import POLL_QUEUE, POLL_TASK, build_queue, ensure_queue_schema, poll_lock
from watchers.sources import SourceConfig, build_watchers

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = 64  # POLL_CONCURRENCY and WORKER_CONCURRENCY; --concurrency sets both
PRIME_CONCURRENCY = 64


async def set_latency(server: FeedServer, seconds: float) -> None:
    async with aiohttp.ClientSession() as s, s.post(
        f"http://127.0.0.1:{server.port}/_latency", params={"seconds": str(seconds)}
    ) as r:
        r.raise_for_status()


async def prime_sqlite(path: str, server: FeedServer, n: int) -> float:
    """Every feed's first poll, the real one (fetch, parse, record the baseline), with the server answering at
    once: the store then holds what a bot that has polled every feed before holds."""
    store = await setup_store(path, server, n)
    try:
        await set_latency(server, 0)
        async with Fetcher(FetchConfig(timeout_seconds=60, allow_private_addresses=True)) as fetcher:
            watchers = build_watchers(store, fetcher, SourceConfig(release_pages=False), parser=FeedParser(0))
            t = time.perf_counter()
            report = await PollCycle(store, watchers, CycleConfig(concurrency=PRIME_CONCURRENCY)).run_once(
                due_only=False)
            assert report.failed == 0, f"priming failed: {list(report.errors.values())[:3]}"
            return time.perf_counter() - t
    finally:
        await store.close()


# What a feed's first poll writes (watchers/record.py): the source's health and validators, its items as seen,
# their dates. Copied from the primed SQLite store into PostgreSQL with COPY, matched by URL.
SOURCE_STATE = ("etag", "last_modified", "consecutive_failures", "last_success_at", "last_attempt_at",
                "next_poll_at", "last_error", "disabled", "primed")
INTEGER_STATE = ("consecutive_failures", "disabled", "primed")
PER_SOURCE_TABLES = ("seen_items", "source_publications")


async def clone_primed(path: str, url: str, server: FeedServer, n: int) -> float:
    """PostgreSQL set up as SQLite was (`setup_store`), then given the rows SQLite's priming wrote: the same state
    as polling every feed there once, without doing that work twice."""
    t = time.perf_counter()
    await (await setup_store("", server, n, url=url)).close()
    lite = sqlite3.connect(path)
    try:
        async with await psycopg.AsyncConnection.connect(url) as conn:
            ids = {u: i for i, u in await (await conn.execute("SELECT id, url FROM sources")).fetchall()}
            lite_ids = {i: ids[u] for i, u in lite.execute("SELECT id, url FROM sources")}
            cols = ", ".join(SOURCE_STATE)
            await conn.execute(
                f"CREATE TEMP TABLE primed_state (url TEXT, {', '.join(c + ' TEXT' for c in SOURCE_STATE)})")
            async with conn.cursor() as cur, cur.copy(f"COPY primed_state (url, {cols}) FROM STDIN") as copy:
                for row in lite.execute(f"SELECT url, {cols} FROM sources"):
                    await copy.write_row([None if v is None else str(v) for v in row])
            sets = ", ".join(f"{c} = p.{c}::INTEGER" if c in INTEGER_STATE else f"{c} = p.{c}" for c in SOURCE_STATE)
            await conn.execute(f"UPDATE sources s SET {sets} FROM primed_state p WHERE s.url = p.url")
            for table_name in PER_SOURCE_TABLES:
                rows = lite.execute(f"SELECT * FROM {table_name}")
                names = [d[0] for d in rows.description]
                at = names.index("source_id")
                async with conn.cursor() as cur, cur.copy(
                        f"COPY {table_name} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        values = list(row)
                        values[at] = lite_ids[values[at]]
                        await copy.write_row(values)
            await conn.commit()
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            await conn.execute("VACUUM ANALYZE")  # statistics as a store that grew by polls would have them
    finally:
        lite.close()
    return time.perf_counter() - t


async def sqlite_cycle(path: str, server: FeedServer, fraction: float) -> dict[str, Any]:
    store = await Store.open(f"sqlite:///{path}")
    try:
        async with Fetcher(FetchConfig(timeout_seconds=60, allow_private_addresses=True)) as fetcher:
            watchers = build_watchers(store, fetcher, SourceConfig(release_pages=False), parser=FeedParser(0))
            cycle = PollCycle(store, watchers, CycleConfig(concurrency=CONCURRENCY))
            await server.mutate(fraction)
            cpu0, t = time.process_time(), time.perf_counter()
            report = await cycle.run_once(due_only=False)
            wall, cpu = time.perf_counter() - t, time.process_time() - cpu0
    finally:
        await store.close()
    return {"backend": "sqlite", "processes": 1, "wall": round(wall, 2), "cpu_seconds": round(cpu, 1),
            "polls": report.polled, "polls_per_second": round(report.polled / wall, 1),
            "events": len(report.new_event_ids), "failed": report.failed}


def worker_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    # The reconciler at its default period: in the steady state every source's job is in the queue already.
    return {**env, "DATABASE_URL": url, **ONE_HOST_STANDS_FOR_MANY,
            "SEED_DEFAULTS": "false", "ALLOW_PRIVATE_ADDRESSES": "true",
            "POLL_INTERVAL_SECONDS": "86400", "RELEASE_PAGES": "false",
            "WORKER_CONCURRENCY": str(CONCURRENCY), "HTTP_TIMEOUT_SECONDS": "60"}


async def prime_queue(url: str) -> float:
    """The queue of a fleet whose every source comes due at the same moment, a little ahead: one poll job per
    source, waiting for that time, which is also each source's next poll in the store (the queue holds the polls
    due within its horizon, `watchers/schedule/queue.py`; the timed cycle moves that moment to its start)."""
    t = time.perf_counter()
    await ensure_queue_schema(url)
    queue = build_queue(url)

    @queue.task(name=POLL_TASK, queue=POLL_QUEUE)
    async def poll_source(source_id: int) -> None:  # only deferred here; the workers run it
        raise NotImplementedError

    later = utcnow() + timedelta(days=1)
    store = await Store.open(url)
    try:
        ids = [int(r[0]) for r in await store.db.all("SELECT id FROM sources ORDER BY id")]
        # Anew before each PostgreSQL run: a cycle's polls leave no job (their next polls, a day away, are beyond
        # the queue's horizon), and the next run must not wait for the reconciler to queue the fleet.
        await store.db.write("DELETE FROM procrastinate_jobs WHERE task_name = ? AND status = 'todo'", (POLL_TASK,))
        # Store and queue agree: the cloned next polls (priming + the interval) would leave every source overdue
        # for the reconciler's first run when priming took longer than the interval.
        await store.db.write("UPDATE sources SET next_poll_at = ?", (to_db(later),))
    finally:
        await store.close()
    async with queue.open_async():
        for start in range(0, len(ids), 1000):
            await queue.job_manager.batch_defer_jobs_async([
                poll_source.configure(lock=poll_lock(i), queueing_lock=poll_lock(i), schedule_at=later)
                .make_new_job(source_id=i) for i in ids[start : start + 1000]])
    return time.perf_counter() - t


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


async def pg_cycle(url: str, server: FeedServer, n: int, workers: int, fraction: float) -> dict[str, Any]:
    """N workers started and idle, every source's job queued for later; then every source comes due at once
    (its `next_poll_at` and its job's time set to now, one transaction) and the clock runs until each was polled."""
    store = await Store.open(url)
    procs: list[asyncio.subprocess.Process] = []
    try:
        for _ in range(workers):
            procs.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "worker", cwd=ROOT, env=worker_env(url),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))
        # Started and idle: every worker registered with the queue (a loaded machine takes seconds to import).
        for _ in range(1200):
            row = await store.db.one("SELECT COUNT(*) FROM procrastinate_workers")
            if row is not None and row[0] >= workers:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        await server.mutate(fraction)
        pids = [p.pid for p in procs]
        cpu0 = cpu_seconds(pids)
        now = utcnow()
        start_stamp = to_db(now)
        t = time.perf_counter()
        async with store.db.atomic() as db:
            await db.write("UPDATE sources SET next_poll_at = ?", (start_stamp,))
            await db.write("UPDATE procrastinate_jobs SET scheduled_at = ? WHERE status = 'todo' AND task_name = ?",
                           (now, POLL_TASK))
        # What the reconciler does after queuing a fleet that comes due together (`queue.ANALYZE_AFTER`): with the
        # statistics of priming (every job a day ahead) the planner expects no due job, and procrastinate's fetch
        # then checks the lock of every due job before taking one, until autovacuum's ANALYZE up to a minute later.
        await store.db.write("ANALYZE procrastinate_jobs")
        while True:
            row = await store.db.one("SELECT COUNT(*) FROM sources WHERE last_attempt_at >= ?", (start_stamp,))
            if row is not None and row[0] >= n:
                break
            await asyncio.sleep(0.5)
        wall = time.perf_counter() - t
        cpu = cpu_seconds(pids) - cpu0
        events = await store.db.one("SELECT COUNT(*) FROM events WHERE detected_at >= ?", (start_stamp,))
        queued = await store.db.one("SELECT COUNT(*) FROM procrastinate_jobs WHERE status = 'todo'")
        failed = await store.db.all(
            "SELECT last_error, COUNT(*) FROM sources WHERE last_attempt_at >= ? AND consecutive_failures > 0 "
            "GROUP BY last_error ORDER BY COUNT(*) DESC LIMIT 3", (start_stamp,))
        # When the last polls landed: a long tail (polls far after the rest) shows as the late share.
        ends = sorted(str(r[0]) for r in await store.db.all(
            "SELECT last_attempt_at FROM sources WHERE last_attempt_at >= ?", (start_stamp,)))
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), 60)
            except TimeoutError:
                proc.kill()
        await store.close()
    return {"backend": "postgres", "processes": workers, "wall": round(wall, 2), "polls": n,
            "polls_per_second": round(n / wall, 1), "events": int(events[0]) if events else 0,
            "worker_cpu_seconds": round(cpu, 1), "jobs_queued_after": int(queued[0]) if queued else 0,
            "failed": sum(int(r[1]) for r in failed), "errors": [str(r[0])[:120] for r in failed],
            "p99_poll_at": ends[int(len(ends) * 0.99) - 1][11:19] if ends else None,
            "last_poll_at": ends[-1][11:19] if ends else None, "start_at": start_stamp[11:19]}


async def run(n: int, latency: float, worker_counts: list[int], fraction: float, url: str) -> dict[str, Any]:
    server = FeedServer(n, latency)
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = f"{tmp}/bench.db"
            prime = await prime_sqlite(path, server, n)
            clone = await clone_primed(path, url, server, n)
            await set_latency(server, latency)
            rows.append(await sqlite_cycle(path, server, fraction))
        for workers in worker_counts:
            await prime_queue(url)
            rows.append(await pg_cycle(url, server, n, workers, fraction))
    finally:
        server.stop()
    one = next((r for r in rows if r["backend"] == "postgres" and r["processes"] == 1), None)
    sqlite = rows[0]
    summary: dict[str, Any] = {"feeds": n, "latency": latency, "fraction": fraction, "concurrency": CONCURRENCY,
                               "prime_seconds": round(prime, 1), "clone_seconds": round(clone, 1),
                               "runs": rows, "load_avg": os.getloadavg()}
    if one is not None:
        summary["pg1_vs_sqlite_wall"] = round(one["wall"] / sqlite["wall"], 2)
        for r in rows:
            if r["backend"] == "postgres":
                summary[f"speedup_{r['processes']}_workers"] = round(one["wall"] / r["wall"], 2)
    return summary


def main() -> None:
    global CONCURRENCY
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=4000)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--fraction", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY,
                        help="polls at once in SQLite's process and in each worker")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    CONCURRENCY = args.concurrency
    Settings(_env_file=None)  # type: ignore[call-arg]  # fail early on a broken environment
    pg = PgServer(os.environ.get(ENV_URL))
    pg.start()
    name = f"milestone_bench_{os.getpid()}"
    try:
        url = pg.create_database(name)
        result = asyncio.run(run(args.feeds, args.latency, [int(w) for w in args.workers.split(",")],
                                 args.fraction, url))
    finally:
        if os.environ.get(ENV_URL):
            pg.drop_database(name)
        pg.stop()
    if args.json:
        print("BENCH-RESULT " + json.dumps(result))
        return
    print(table([(f"{r['backend']} × {r['processes']}",
                  f"{r['wall']:.2f} s  {r['polls_per_second']:.0f} polls/s  {r['events']} events") for r in
                 result["runs"]]))
    print(table([(k, str(v)) for k, v in result.items() if k != "runs"]))


if __name__ == "__main__":
    main()

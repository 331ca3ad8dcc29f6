"""Poll throughput of 1, 2 and 4 `milestone-bot worker` processes on one PostgreSQL, beside SQLite's one process.

    python bench/bench_workers.py [--feeds 4000] [--latency 1.0] [--workers 1,2,4] [--fraction 0.05] [--json]

Local feeds (`bench/feed_server.py`, its own process) answer `--latency` seconds late, like remote servers: the work
is I/O-bound on purpose (this machine has 2 cores; more processes can only help when they mostly wait). Every store
is primed first, untimed (a feed's first poll records its 20–50 items). Then each timed cycle: `--fraction` of the
feeds gain items, every source is made due, and the clock runs until every source has been polled once:
- SQLite: one process, `PollCycle.run_once` with POLL_CONCURRENCY=64 (what `run` does);
- PostgreSQL: N worker processes (WORKER_CONCURRENCY=64 each), already started and idle; the sources are made due
  in the store and the reconciler (every second) queues their jobs. The time includes that pickup (≤ 1 s) and the
  workers' delivery jobs (console sink) for the new events.
Prints cycle wall time and polls per second for each.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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
from watchers.sources import SourceConfig, build_watchers

ROOT = Path(__file__).resolve().parents[1]
CONCURRENCY = 64  # POLL_CONCURRENCY and WORKER_CONCURRENCY; --concurrency sets both
PAST = "2000-01-01T00:00:00.000000+00:00"


async def sqlite_cycle(tmp: str, server: FeedServer, n: int, fraction: float) -> dict[str, Any]:
    store = await setup_store(f"{tmp}/bench.db", server, n)
    try:
        async with Fetcher(FetchConfig(timeout_seconds=60, allow_private_addresses=True)) as fetcher:
            watchers = build_watchers(store, fetcher, SourceConfig(release_pages=False), parser=FeedParser(0))
            cycle = PollCycle(store, watchers, CycleConfig(concurrency=CONCURRENCY))
            t = time.perf_counter()
            await cycle.run_once(due_only=False)
            prime = time.perf_counter() - t
            await server.mutate(fraction)
            t = time.perf_counter()
            report = await cycle.run_once(due_only=False)
            wall = time.perf_counter() - t
    finally:
        await store.close()
    return {"backend": "sqlite", "processes": 1, "prime_seconds": round(prime, 1), "wall": round(wall, 2),
            "polls": report.polled, "polls_per_second": round(report.polled / wall, 1),
            "events": len(report.new_event_ids)}


async def prime_pg(url: str, server: FeedServer, n: int) -> float:
    store = await setup_store("", server, n, url=url)
    try:
        async with Fetcher(FetchConfig(timeout_seconds=60, allow_private_addresses=True)) as fetcher:
            watchers = build_watchers(store, fetcher, SourceConfig(release_pages=False), parser=FeedParser(0))
            t = time.perf_counter()
            await PollCycle(store, watchers, CycleConfig(concurrency=CONCURRENCY)).run_once(due_only=False)
            return time.perf_counter() - t
    finally:
        await store.close()


def worker_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    return {**env, "DATABASE_URL": url, **ONE_HOST_STANDS_FOR_MANY,
            "SEED_DEFAULTS": "false", "ALLOW_PRIVATE_ADDRESSES": "true",
            "POLL_INTERVAL_SECONDS": "86400", "WORKER_RECONCILE_SECONDS": "1", "RELEASE_PAGES": "false",
            "WORKER_CONCURRENCY": str(CONCURRENCY), "HTTP_TIMEOUT_SECONDS": "60"}


async def pg_cycle(url: str, server: FeedServer, n: int, workers: int, fraction: float) -> dict[str, Any]:
    store = await Store.open(url)
    procs: list[asyncio.subprocess.Process] = []
    try:
        # Nothing due and no job queued while the workers start.
        await store.db.write("UPDATE sources SET next_poll_at = ?", ("2999-01-01T00:00:00.000000+00:00",))
        if await store.db.one("SELECT to_regclass('procrastinate_jobs')") != (None,):
            await store.db.write("DELETE FROM procrastinate_jobs")
        for _ in range(workers):
            procs.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "worker", cwd=ROOT, env=worker_env(url),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL))
        # Started and idle: every worker registered with the queue (a loaded machine takes seconds to import).
        for _ in range(1200):
            try:
                row = await store.db.one("SELECT COUNT(*) FROM procrastinate_workers")
            except psycopg.Error:  # the first worker has not installed the queue's tables yet
                row = None
            if row is not None and row[0] >= workers:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        await server.mutate(fraction)
        start_stamp = to_db(utcnow())
        t = time.perf_counter()
        await store.db.write("UPDATE sources SET next_poll_at = ?", (PAST,))
        while True:
            row = await store.db.one("SELECT COUNT(*) FROM sources WHERE last_attempt_at >= ?", (start_stamp,))
            if row is not None and row[0] >= n:
                break
            await asyncio.sleep(0.1)
        wall = time.perf_counter() - t
        events = await store.db.one("SELECT COUNT(*) FROM events WHERE detected_at >= ?", (start_stamp,))
        # Where a poll job's time went: waiting in the queue (deferred → started) and running (started → done).
        timing = await store.db.one(
            "SELECT AVG(EXTRACT(EPOCH FROM s.at - d.at)), AVG(EXTRACT(EPOCH FROM f.at - s.at)), "
            "MIN(d.at), MAX(f.at) FROM procrastinate_jobs j "
            "JOIN procrastinate_events d ON d.job_id = j.id AND d.type = 'deferred' "
            "JOIN procrastinate_events s ON s.job_id = j.id AND s.type = 'started' "
            "JOIN procrastinate_events f ON f.job_id = j.id AND f.type = 'succeeded' "
            "WHERE j.task_name = 'milestone.poll_source'")
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
            "job_wait_avg": round(float(timing[0] or 0), 3) if timing else None,
            "job_run_avg": round(float(timing[1] or 0), 3) if timing else None}


async def run(n: int, latency: float, worker_counts: list[int], fraction: float, url: str) -> dict[str, Any]:
    server = FeedServer(n, latency)
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(await sqlite_cycle(tmp, server, n, fraction))
        prime = await prime_pg(url, server, n)
        for workers in worker_counts:
            rows.append({**await pg_cycle(url, server, n, workers, fraction), "prime_seconds": round(prime, 1)})
    finally:
        server.stop()
    one = next((r for r in rows if r["backend"] == "postgres" and r["processes"] == 1), None)
    sqlite = rows[0]
    summary: dict[str, Any] = {"feeds": n, "latency": latency, "fraction": fraction, "concurrency": CONCURRENCY,
                               "runs": rows,
                               "load_avg": os.getloadavg()}
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

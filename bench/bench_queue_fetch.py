"""What the shared queue costs PostgreSQL per poll job in the steady state, by number of sources (issue 16).

    python bench/bench_queue_fetch.py [--sources 1000,10000,40000] [--models main,indexed,horizon,horizon_sched]
                                      [--seconds 60] [--warmup 10] [--workers 2] [--json]

The steady state of a fleet: every source polled every `--interval` seconds (600), their due times spread evenly
over the interval, so ~sources/interval polls fall due each second. Real procrastinate workers (`--workers` apps in
this process, `--concurrency` jobs each, fetch polling every second, finished jobs deleted, as `milestone-bot
worker` runs them) run the real poll job (`watchers/schedule/queue.SourceJobs`) over a real store; only the poll
itself is a stand-in (`--latency` seconds of waiting for the feed, then the store write of the next poll time, as a
304 writes it): this measures the queue, not the feeds.

Models:
- `main`: main's model, one waiting job per source (each job re-defers its source's next poll), procrastinate's own
  indexes only; the jobs were deferred in due order (the most favourable order for its fetch);
- `indexed`: the same, with our index on the job table's lock (`queue.FETCH_INDEXES`) and one on the waiting jobs'
  `scheduled_at` (not kept: see below), the fix that leaves the model as it is;
- `horizon`: this branch: only polls due within the horizon (two reconciler periods) wait in the queue, the
  reconciler (run here every `--reconcile` seconds) queues the sources coming due, and our lock index;
- `horizon_sched`: the horizon and both indexes. The `scheduled_at` index lets the planner take only the due jobs,
  when its statistics say few are due; when they are stale (a backlog: every source due at once after an outage)
  each fetch then sorts every due job, until the next ANALYZE.

Measured over `--seconds` after `--warmup` (PostgreSQL's own counters, `track_functions = 'all'`): procrastinate's
fetch calls and their server time (in total, per call, per job run), how many found nothing (each defer notifies
every worker, which then fetches), the queue's other calls, transactions (each queue call and store write is one),
and the server's CPU seconds (every PostgreSQL process, read from /proc; None on a server not started here). Also:
how late the polls started after their due time (the horizon must not make them late), and the jobs waiting.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import procrastinate
import psycopg

from bench.common import table
from storage.clock import to_db
from storage.models import Source, utcnow
from storage.store import Store
from tests.support.pg_server import ENV_URL, PgServer
from watchers.schedule.poll_cycle import CycleReport
from watchers.schedule.queue import (
    FETCH_INDEXES,
    POLL_TASK,
    SourceJobs,
    build_queue,
    ensure_queue_schema,
)

FUNCTIONS = ("procrastinate_fetch_job_v2", "procrastinate_defer_jobs_v1", "procrastinate_finish_job_v1",
             "procrastinate_notify_queue_job_inserted_v1")
FOREVER = timedelta(days=3650)  # main's model: every next poll is re-deferred, however far
SCHEDULED_INDEX = "CREATE INDEX bench_jobs_scheduled_idx ON procrastinate_jobs (scheduled_at) WHERE status = 'todo'"


@dataclass
class StandInPolls:
    """The poll cycle as the job sees it, with the feed replaced by a wait: each poll writes the next poll time
    (the write a 304 makes) and reports it, as `PollCycle.poll_one` does."""

    store: Store
    interval: float
    latency: float
    lateness: list[float] = field(default_factory=list)
    measuring: bool = False

    def polls(self, source: Source) -> bool:
        return True

    async def poll_one(self, source: Source) -> CycleReport:
        now = utcnow()
        if self.measuring and source.next_poll_at is not None:
            self.lateness.append((now - source.next_poll_at).total_seconds())
        await asyncio.sleep(self.latency)
        next_poll = now + timedelta(seconds=self.interval)
        await self.store.sources.mark_skipped(source.id, now, next_poll)
        report = CycleReport(next_polls={source.id: next_poll})
        report.polled = 1
        return report


async def nothing(report: CycleReport) -> None:
    return None


async def seed(url: str, n: int, interval: float, model: str) -> None:
    """`n` sources due at times spread evenly over the next interval; main's model also gets one waiting job per
    source at that time (deferred in due order)."""
    rng = random.Random(n)
    now = utcnow()
    due = sorted(now + timedelta(seconds=5 + rng.random() * interval) for _ in range(n))
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        async with conn.cursor() as cur, cur.copy(
                "COPY sources (kind, url, name, created_at, next_poll_at, primed) FROM STDIN") as copy:
            for i, at in enumerate(due):
                await copy.write_row(("rss", f"http://feeds.invalid/{i}.xml", f"Feed {i}", to_db(now), to_db(at), 1))
        if not model.startswith("horizon"):
            await conn.execute(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, queueing_lock, args, scheduled_at) "
                "SELECT 'poll', %s, 'poll:' || id, 'poll:' || id, jsonb_build_object('source_id', id), "
                "next_poll_at::timestamptz FROM sources ORDER BY next_poll_at", (POLL_TASK,))
        if model == "main":
            for name in FETCH_INDEXES:
                await conn.execute(f"DROP INDEX IF EXISTS {name}")  # type: ignore[arg-type]
        if model in ("indexed", "horizon_sched"):
            await conn.execute(SCHEDULED_INDEX)


def server_cpu(admin_url: str) -> float | None:
    """CPU seconds of every process of the server (its postmaster's children alive, and those that ended)."""
    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            row = conn.execute("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'").fetchone()
        if row is None:
            return None
        postmaster = int(Path(f"/proc/{row[0]}/stat").read_text().rsplit(")", 1)[1].split()[1])
        tick = os.sysconf("SC_CLK_TCK")
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
        total = sum(int(f) for f in fields[11:15]) / tick  # its own time and that of its reaped children
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == postmaster:
                total += (int(stat[11]) + int(stat[12])) / tick
        return total
    except (OSError, psycopg.Error, ValueError, IndexError):
        return None


async def counters(url: str) -> dict[str, float]:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        out: dict[str, float] = {}
        for name, calls, total in await (await conn.execute(
                "SELECT funcname, calls, total_time FROM pg_stat_user_functions WHERE funcname = ANY(%s)",
                (list(FUNCTIONS),))).fetchall():
            out[f"{name}.calls"] = float(calls)
            out[f"{name}.ms"] = float(total)
        row = await (await conn.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")).fetchone()
        out["transactions"] = float(row[0]) if row else 0.0
        return out


async def run_model(pg: PgServer, n: int, model: str, args: argparse.Namespace) -> dict[str, Any]:
    name = f"milestone_queue_fetch_{os.getpid()}"
    url = pg.create_database(name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            try:
                conn.execute(f"ALTER DATABASE {name} SET track_functions = 'all'")  # type: ignore[arg-type]
            except psycopg.Error:
                pass  # not a superuser: function figures stay empty
        await (await Store.open(url)).close()
        await ensure_queue_schema(url)
        await seed(url, n, args.interval, model)
        store = await Store.open(url)
        stand_in = StandInPolls(store, args.interval, args.latency)
        horizon = timedelta(seconds=2 * args.reconcile) if model.startswith("horizon") else FOREVER
        apps: list[procrastinate.App] = []
        jobs: list[SourceJobs] = []
        for _ in range(args.workers):
            app = build_queue(url, max_connections=min(50, args.concurrency + 4))
            apps.append(app)
            jobs.append(SourceJobs(app, store, stand_in, nothing, horizon=horizon))  # type: ignore[arg-type]
        try:
            for app in apps:
                await app.open_async()
            if model.startswith("horizon"):
                await jobs[0].reconcile()
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await conn.execute("VACUUM ANALYZE")
            stop = asyncio.Event()

            async def reconciler() -> None:  # main's reconciler finds nothing overdue in the steady state
                while model.startswith("horizon") and not stop.is_set():
                    try:
                        await asyncio.wait_for(stop.wait(), args.reconcile)
                    except TimeoutError:
                        await jobs[0].reconcile()

            runners = [asyncio.create_task(app.run_worker_async(
                concurrency=args.concurrency, name=f"bench-{i}", install_signal_handlers=False,
                fetch_job_polling_interval=1.0, delete_jobs="successful")) for i, app in enumerate(apps)]
            side = asyncio.create_task(reconciler())
            await asyncio.sleep(args.warmup)
            before, cpu0, polls0 = await counters(url), server_cpu(pg.admin_url), sum(j.polls for j in jobs)
            stand_in.measuring = True
            t = time.perf_counter()
            await asyncio.sleep(args.seconds)
            after, cpu1, polls1 = await counters(url), server_cpu(pg.admin_url), sum(j.polls for j in jobs)
            wall = time.perf_counter() - t
            stand_in.measuring = False
            waiting = await store.db.one("SELECT COUNT(*) FROM procrastinate_jobs WHERE status = 'todo'")
            doubles = await store.db.one(
                "SELECT COUNT(*) FROM (SELECT lock FROM procrastinate_jobs WHERE status IN ('todo', 'doing') "
                "AND task_name = ? GROUP BY lock, status HAVING COUNT(*) > 1) d", (POLL_TASK,))
            stop.set()
            for runner in runners:
                runner.cancel()
            await asyncio.gather(side, *runners, return_exceptions=True)
        finally:
            for app in apps:
                await app.close_async()
            await store.close()
    finally:
        pg.drop_database(name)
    polls = polls1 - polls0
    delta = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    fetches = delta.get("procrastinate_fetch_job_v2.calls", 0.0)
    fetch_ms = delta.get("procrastinate_fetch_job_v2.ms", 0.0)
    late = sorted(stand_in.lateness)
    return {
        "model": model, "sources": n, "seconds": round(wall, 1), "polls": polls,
        "polls_per_second": round(polls / wall, 1),
        "fetch_calls": int(fetches), "empty_fetches": int(max(0.0, fetches - polls)),
        "fetch_ms_per_call": round(fetch_ms / fetches, 3) if fetches else None,
        "fetch_ms_per_poll": round(fetch_ms / polls, 3) if polls else None,
        "defer_calls_per_poll": round(delta.get("procrastinate_defer_jobs_v1.calls", 0.0) / polls, 2) if polls
        else None,
        "notifies_per_poll": round(delta.get("procrastinate_notify_queue_job_inserted_v1.calls", 0.0) / polls, 2)
        if polls else None,
        "transactions_per_poll": round(delta.get("transactions", 0.0) / polls, 1) if polls else None,
        "server_cpu_seconds": round(cpu1 - cpu0, 2) if cpu0 is not None and cpu1 is not None else None,
        "server_cpu_ms_per_poll": round((cpu1 - cpu0) * 1000 / polls, 2)
        if cpu0 is not None and cpu1 is not None and polls else None,
        "jobs_waiting": int(waiting[0]) if waiting else 0,
        "sources_with_two_jobs": int(doubles[0]) if doubles else 0,
        "late_p50_s": round(late[len(late) // 2], 2) if late else None,
        "late_max_s": round(late[-1], 2) if late else None,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    pg = PgServer(os.environ.get(ENV_URL))
    pg.start()
    rows: list[dict[str, Any]] = []
    try:
        for n in [int(x) for x in args.sources.split(",")]:
            for model in args.models.split(","):
                rows.append(await run_model(pg, n, model, args))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    finally:
        pg.stop()
    return {"interval": args.interval, "latency": args.latency, "workers": args.workers,
            "concurrency": args.concurrency, "reconcile_seconds": args.reconcile, "runs": rows,
            "load_avg": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", default="1000,10000,40000")
    parser.add_argument("--models", default="main,indexed,horizon,horizon_sched")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=600.0, help="every source polled this often")
    parser.add_argument("--latency", type=float, default=0.2, help="a poll's wait for its feed (stand-in)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32, help="jobs at once per worker")
    parser.add_argument("--reconcile", type=float, default=30.0, help="the horizon model's reconciler period")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print("BENCH-RESULT " + json.dumps(result))
        return
    keys = ("polls_per_second", "fetch_calls", "empty_fetches", "fetch_ms_per_call", "fetch_ms_per_poll",
            "defer_calls_per_poll", "notifies_per_poll",
            "transactions_per_poll", "server_cpu_ms_per_poll", "jobs_waiting", "late_max_s")
    for r in result["runs"]:
        print(f"{r['model']} × {r['sources']} sources")
        print(table([(k, str(r[k])) for k in keys]))


if __name__ == "__main__":
    main()

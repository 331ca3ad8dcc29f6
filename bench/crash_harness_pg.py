"""Crash safety of `milestone-bot worker` on PostgreSQL: 3 workers, SIGKILLed at random moments, restarted.

    python bench/crash_harness_pg.py [--cycles 30] [--workers 3] [--seed 7] [--json]

Everything runs on 127.0.0.1: a throwaway PostgreSQL server (tests/support/pg_server.py, or TEST_DATABASE_URL), one
aiohttp server serving the feeds (sometimes slowly, so kills land mid-fetch), `tests/support/discord_mock.py`
playing Discord's REST API (sometimes answering slowly after creating the message, so kills land mid-delivery).
A cycle: the feeds may gain items, the sources are made due (the reconciler re-queues them, as it does for a
source whose job was lost), and a random worker is SIGKILLed at a random moment, then started again. After the
cycles the killing stops; the harness waits until every expected alert is posted and nothing is pending, waits
for the reconciler to recover the jobs the killed workers left in `doing`, stops the workers with SIGTERM, then:

- the (channel, embed title) pairs the mock holds == one per channel for every item added after the baseline poll;
- no (channel, title) was posted twice (counted on the messages, not on the nonces);
- no delivery pending or dead, and no procrastinate job left in `doing`.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import ONE_HOST_STANDS_FOR_MANY  # noqa: E402
from bot.app import App  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.clock import to_db  # noqa: E402
from storage.models import SubscriptionFilters  # noqa: E402
from storage.store import Store  # noqa: E402
from tests.support.discord_mock import MockDiscord  # noqa: E402
from tests.support.feeds import items, rss  # noqa: E402
from tests.support.local_server import serve_app  # noqa: E402
from tests.support.pg_server import ENV_URL, PgServer  # noqa: E402

FEEDS = 6
CHANNELS = [1400000000000000201, 1400000000000000202, 1400000000000000203]
BASELINE_ITEMS = 2
TOKEN = "crash-pg"
STALLED_SECONDS = 5
RECONCILE_SECONDS = 1
FINAL_TIMEOUT = 120.0


@dataclass
class Feed:
    path: str
    prefix: str
    count: int = BASELINE_ITEMS

    def titles(self, start: int, stop: int) -> list[str]:
        return [it.title for it in items(stop - start, prefix=self.prefix, start=start + 1)]


class FeedServer:
    """Serves the feeds, sometimes slowly; counts requests and the most in flight at once per feed."""

    def __init__(self, rng: random.Random, feeds: list[Feed]) -> None:
        self.rng = rng
        self.by_path = {f.path: f for f in feeds}
        self.port = 0
        self.inflight: Counter[str] = Counter()
        self.max_inflight = 0
        self.requests = 0
        self.served: dict[str, int] = {f.path: f.count for f in feeds}  # item count last served per feed
        self._runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        feed = self.by_path.get(request.path)
        if feed is None:
            return web.Response(status=404)
        self.requests += 1
        self.inflight[request.path] += 1
        self.max_inflight = max(self.max_inflight, self.inflight[request.path])
        try:
            count = feed.count
            if self.rng.random() < 0.4:
                await asyncio.sleep(self.rng.uniform(0.05, 0.4))
            self.served[feed.path] = count
            return web.Response(text=rss(items(count, prefix=feed.prefix), title=f"{feed.prefix} releases"),
                                content_type="application/rss+xml")
        finally:
            self.inflight[request.path] -= 1

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner, self.port = await serve_app(app)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def worker_env(url: str, mock: MockDiscord) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    return {
        **env, "DATABASE_URL": url, "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": mock.api_base,
        **ONE_HOST_STANDS_FOR_MANY,
        "SEED_DEFAULTS": "false", "ALLOW_PRIVATE_ADDRESSES": "true", "POLL_INTERVAL_SECONDS": "3600",
        "HTTP_TIMEOUT_SECONDS": "5", "RELEASE_PAGES": "false", "PYTHONUNBUFFERED": "1",
        "WORKER_RECONCILE_SECONDS": str(RECONCILE_SECONDS), "WORKER_STALLED_SECONDS": str(STALLED_SECONDS),
        "WORKER_CONCURRENCY": "8",
    }


async def start_worker(url: str, mock: MockDiscord, log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "worker", env=worker_env(url, mock), cwd=ROOT, stdout=out, stderr=out)


def posted(mock: MockDiscord) -> list[tuple[int, str]]:
    out = []
    for ch in CHANNELS:
        for m in mock.messages.get(ch, []):
            embeds = m.get("embeds") or [{}]
            out.append((ch, str(embeds[0].get("title"))))
    return out


async def set_up(url: str, server: FeedServer, feeds: list[Feed]) -> None:
    """Feeds, subscriptions and the baseline poll (a feed's first poll records its items, posts nothing)."""
    settings = Settings(_env_file=None, database_url=url, allow_private_addresses=True,  # type: ignore[call-arg]
                        seed_defaults=False, http_timeout_seconds=5, release_pages=False)
    app = await App.open(settings)
    try:
        for feed in feeds:
            await app.store.sources.add("rss", server.url(feed.path), f"{feed.prefix} releases")
        for channel in CHANNELS:
            await app.store.subscriptions.add("discord", str(channel), SubscriptionFilters())
        report = await app.cycle.run_once(due_only=False)
        assert report.polled == len(feeds) and not report.new_event_ids, report
    finally:
        await app.close()


async def run_harness(url: str, workdir: Path, cycles: int, n_workers: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    started = time.monotonic()
    feeds = [Feed(f"/feed{f}.xml", f"PgF{f}") for f in range(FEEDS)]
    mock = MockDiscord()
    server = FeedServer(rng, feeds)
    await mock.start()
    await server.start()
    mock.create_delay = lambda: rng.uniform(0.1, 0.5) if rng.random() < 0.35 else 0.0
    for ch in CHANNELS:
        mock.add_channel(ch)
    store = await Store.open(url)
    procs: list[asyncio.subprocess.Process] = []
    kills: Counter[str] = Counter()
    try:
        await set_up(url, server, feeds)
        logs = [workdir / f"worker{i}.log" for i in range(n_workers)]
        procs = [await start_worker(url, mock, log) for log in logs]
        for _ in range(cycles):
            if rng.random() < 0.7:
                for feed in rng.sample(feeds, rng.randint(1, len(feeds))):
                    # Fewer than FLOOD_LIMIT (20) unread items per feed: more at once is a flood, which the bot
                    # records silently with one notice by design (a feed that lagged behind the kills).
                    if feed.count - server.served[feed.path] < 12:
                        feed.count += rng.randint(1, 3)
            fetched, created = server.requests, mock.message_creates
            await store.db.write("UPDATE sources SET next_poll_at = ?", (to_db(datetime(2000, 1, 1, tzinfo=UTC)),))
            mode = rng.choices(["fetch", "deliver", "any"], weights=[4, 4, 2])[0]
            for _ in range(500):  # up to 5 s for the moment chosen to come
                if (mode == "fetch" and server.requests > fetched) or (
                        mode == "deliver" and mock.message_creates > created) or mode == "any":
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(rng.uniform(0.0, 0.3) if mode != "any" else rng.uniform(0.0, 2.0))
            victim = rng.randrange(n_workers)
            kills["mid-fetch" if server.inflight.total() else
                  "mid-delivery" if mock.inflight else "elsewhere"] += 1
            procs[victim].send_signal(signal.SIGKILL)
            await procs[victim].wait()
            procs[victim] = await start_worker(url, mock, logs[victim])
        expected = {(ch, t) for ch in CHANNELS for f in feeds for t in f.titles(BASELINE_ITEMS, f.count)}
        # The last items are polled once more (made due), then everything drains.
        await store.db.write("UPDATE sources SET next_poll_at = ?", (to_db(datetime(2000, 1, 1, tzinfo=UTC)),))
        deadline = time.monotonic() + FINAL_TIMEOUT
        while time.monotonic() < deadline:
            counts = await store.outbox.counts()
            if expected <= set(posted(mock)) and not counts.get("pending"):
                break
            await asyncio.sleep(0.3)
        # Long enough for the reconciler to find every job a killed worker left in `doing`.
        await asyncio.sleep(STALLED_SECONDS * 2 + RECONCILE_SECONDS * 3)
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        exit_codes = [await asyncio.wait_for(proc.wait(), 60) for proc in procs]
        got = posted(mock)
        repeats = Counter(got)
        doing = await store.db.one("SELECT COUNT(*) FROM procrastinate_jobs WHERE status = 'doing'")
        deliveries = await store.outbox.counts()
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await store.close()
        await server.stop()
        await mock.stop()
    return {
        "workers": n_workers, "cycles_killed": cycles, "kills": dict(kills),
        "alerts_expected": len(expected), "alerts_delivered": len(set(got) & expected),
        "alerts_lost": len(expected - set(got)), "alerts_duplicated": sum(n - 1 for n in repeats.values() if n > 1),
        "unexpected": sorted(set(got) - expected)[:5], "deliveries": deliveries,
        "jobs_left_doing": int(doing[0]) if doing else None, "final_exit_codes": exit_codes,
        "feed_requests": server.requests, "max_concurrent_polls_of_one_feed": server.max_inflight,
        "nonce_repeats_answered_by_mock": mock.nonce_repeats, "seconds": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    server = PgServer(os.environ.get(ENV_URL))
    server.start()
    name = f"milestone_crash_{os.getpid()}"
    try:
        url = server.create_database(name)
        with tempfile.TemporaryDirectory() as tmp:
            result = asyncio.run(run_harness(url, Path(tmp), args.cycles, args.workers, args.seed))
    finally:
        if os.environ.get(ENV_URL):
            server.drop_database(name)
        server.stop()
    ok = result["alerts_lost"] == 0 and result["alerts_duplicated"] == 0 and result["jobs_left_doing"] == 0
    if args.json:
        print("BENCH-RESULT " + json.dumps({**result, "ok": ok}))
    else:
        print(json.dumps({**result, "ok": ok}, indent=2))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

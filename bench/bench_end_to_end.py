"""End-to-end latency on the real process: publication → alert posted, and the part inside the bot.

    python bench/bench_end_to_end.py [--feeds 2000] [--publications 200] [--duration 120] [--interval 60]
                                     [--sink console|discord] [--json]

An aiohttp server in this process serves `--feeds` small RSS feeds on 127.0.0.1 (ETag, 304 when unchanged). The
real `milestone-bot run` runs as a child process against it, with its console sink (no chat token) or, with
`--sink discord`, with a token and the local Discord mock (tests/support/discord_mock.py: REST and a minimal
gateway) as its Discord, one channel subscribed to everything. Once every feed is primed (its baseline recorded),
`--publications` new items appear at random moments over `--duration` seconds, each in a random feed, dated the
second it appears. An alert's arrival is the moment its line reaches the child's stdout (console) or its message
create reaches the mock (Discord). After the run the store gives each event's detection time.

Reported: publication → alert p50/p95/max (what a user waits: mostly the poll schedule) and detected → alert
p50/p95/max (inside the bot: classify, store, queue, dispatcher wake-up, render). The scale: every feed lives on
one local host, so HOST_REQUESTS_PER_SECOND and HOST_CONCURRENCY are raised for it (the defaults, 2 and 4, are
for a real host), and POLL_INTERVAL_SECONDS is `--interval` so a run takes minutes, not hours. New feeds have no
history, so this measures the fixed-interval fallback's wait plus the bot's own time; bench_time_to_alert.py
measures the adaptive schedule. Release pages are off (the items link nowhere).
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import table  # noqa: E402
from storage.models import SubscriptionFilters  # noqa: E402
from storage.store import Store  # noqa: E402
from tests.support.discord_mock import MockDiscord  # noqa: E402

CHANNEL = 424242
TOKEN = re.compile(r"announces (e2e-\d+)")


class TimedDiscord(MockDiscord):
    """The local Discord mock, noting when each alert's message create arrives."""

    def __init__(self, seen: dict[str, float]) -> None:
        super().__init__()
        self.seen = seen

    def _channel(self, method: str, channel_id: int, rest: list[str], body: Any, author: str = "") -> web.Response:
        if (method, rest) == ("POST", ["messages"]) and (found := TOKEN.search(json.dumps(body))):
            self.seen.setdefault(found.group(1), time.time())
        return super()._channel(method, channel_id, rest, body, author)


class Feeds:
    def __init__(self, n: int) -> None:
        base = datetime(2026, 1, 5, 9, tzinfo=UTC)
        self.items: list[list[tuple[str, str, datetime]]] = [
            [(f"Feed {i} company announces routine update {k}", f"f{i}-{k}", base) for k in range(3)]
            for i in range(n)
        ]
        self.bodies: dict[int, tuple[str, bytes]] = {}

    def body(self, i: int) -> tuple[str, bytes]:
        if i not in self.bodies:
            parts = [f"<item><title>{t}</title><guid isPermaLink=\"false\">{g}</guid>"
                     f"<link>https://news.test/{g}</link><pubDate>{format_datetime(d)}</pubDate></item>"
                     for t, g, d in self.items[i]]
            text = ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed " + str(i) +
                    "</title>" + "".join(parts) + "</channel></rss>").encode()
            self.bodies[i] = ('"' + hashlib.sha1(text).hexdigest()[:16] + '"', text)
        return self.bodies[i]

    def publish(self, i: int, token: str, when: datetime) -> None:
        self.items[i].insert(0, (f"Feed {i} company announces {token}", token, when))
        self.bodies.pop(i, None)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            i = int(request.match_info["n"])
            etag, body = self.body(i)
        except (KeyError, ValueError, IndexError):
            return web.Response(status=404)
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml", headers={"ETag": etag})


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3) if ordered else float("nan")


async def run(n_feeds: int, n_pub: int, duration: float, interval: float, sink: str = "console") -> dict[str, Any]:
    feeds = Feeds(n_feeds)
    seen: dict[str, float] = {}
    mock: TimedDiscord | None = None
    if sink == "discord":
        mock = TimedDiscord(seen)
        await mock.start()
        mock.add_channel(CHANNEL)
    app = web.Application()
    app.router.add_get("/feed/{n}.xml", feeds.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "e2e.db"
        store = await Store.open(f"sqlite:///{db}")
        for i in range(n_feeds):
            await store.sources.add("rss", f"http://127.0.0.1:{port}/feed/{i}.xml", f"Feed {i}")
        env = {**os.environ, "ALLOW_PRIVATE_ADDRESSES": "true", "SEED_DEFAULTS": "false",
               "POLL_INTERVAL_SECONDS": str(interval), "HOST_REQUESTS_PER_SECOND": "100",
               "HOST_CONCURRENCY": "64", "RELEASE_PAGES": "false", "HTTP_TIMEOUT_SECONDS": "60",
               "PYTHONUNBUFFERED": "1"}
        env.pop("DISCORD_TOKEN", None)
        env.pop("SLACK_BOT_TOKEN", None)
        if mock is not None:
            env.update({"DISCORD_TOKEN": "bench-token", "DISCORD_API_BASE": mock.api_base})
            await store.subscriptions.add("discord", str(CHANNEL), SubscriptionFilters())
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--db", str(db), env=env, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=open(Path(tmp) / "bot.log", "wb"))  # noqa: ASYNC230

        async def read() -> None:
            assert proc.stdout is not None
            while line := await proc.stdout.readline():
                if mock is None and (found := TOKEN.search(line.decode(errors="replace"))):
                    seen.setdefault(found.group(1), time.time())

        reader = asyncio.create_task(read())
        primed_after = time.perf_counter()
        while True:
            row = await store.db.one("SELECT COUNT(*) FROM sources WHERE primed = 1")
            if row and row[0] >= n_feeds:
                break
            if proc.returncode is not None or time.perf_counter() - primed_after > 600:
                raise SystemExit("the bot stopped or never primed: " + (Path(tmp) / "bot.log").read_text()[-2000:])
            await asyncio.sleep(0.5)
        primed_after = time.perf_counter() - primed_after
        rng = random.Random(5)
        moments = sorted(rng.uniform(0, duration) for _ in range(n_pub))
        published: dict[str, float] = {}
        start = time.time()
        for k, at in enumerate(moments):
            await asyncio.sleep(max(0.0, start + at - time.time()))
            now = time.time()
            whole = datetime.fromtimestamp(int(now), UTC)
            token = f"e2e-{k}"
            feeds.publish(rng.randrange(n_feeds), token, whole)
            published[token] = now
        deadline = time.time() + interval * 1.5 + 30
        while len(seen) < n_pub and time.time() < deadline:  # noqa: ASYNC110 (a deadline as well as a count)
            await asyncio.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 60)
        except TimeoutError:
            proc.kill()
        reader.cancel()
        rows = await store.db.all("SELECT title, detected_at FROM events WHERE title LIKE '%announces e2e-%'")
        await store.close()
    await runner.cleanup()
    if mock is not None:
        await mock.stop()
    detected = {str(t).split("announces ", 1)[1]: datetime.fromisoformat(d).timestamp() for t, d in rows}
    wait = [seen[t] - published[t] for t in published if t in seen]
    inside = [seen[t] - detected[t] for t in published if t in seen and t in detected]
    return {
        "feeds": n_feeds, "publications": n_pub, "alerted": len(wait), "interval_s": interval, "sink": sink,
        "priming_s": round(primed_after, 1),
        "publication_to_alert": {"p50_s": pct(wait, 0.5), "p95_s": pct(wait, 0.95),
                                 "max_s": round(max(wait), 2) if wait else None,
                                 "mean_s": round(statistics.fmean(wait), 2) if wait else None},
        "detected_to_alert": {"p50_s": pct(inside, 0.5), "p95_s": pct(inside, 0.95),
                              "max_s": round(max(inside), 3) if inside else None},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=2000)
    ap.add_argument("--publications", type=int, default=200)
    ap.add_argument("--duration", type=float, default=120.0)
    ap.add_argument("--interval", type=float, default=60.0)
    ap.add_argument("--sink", choices=("console", "discord"), default="console",
                    help="where alerts go: the console, or the local Discord mock over discord.py")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    r = asyncio.run(run(a.feeds, a.publications, a.duration, a.interval, a.sink))
    p, d = r["publication_to_alert"], r["detected_to_alert"]
    print(table([
        ("feeds", f"{r['feeds']:,} on one local host (primed in {r['priming_s']} s), "
                  f"polled every {r['interval_s']:g} s"),
        ("publications", f"{r['publications']} over the run; {r['alerted']} alerted on {r['sink']}"),
        ("publication → alert", f"p50 {p['p50_s']} s, p95 {p['p95_s']} s, max {p['max_s']} s, mean {p['mean_s']} s"),
        ("detected → alert (bot)", f"p50 {d['p50_s']} s, p95 {d['p95_s']} s, max {d['max_s']} s"),
    ]))
    if a.json:
        print("BENCH-RESULT " + json.dumps(r))
    return 0 if r["alerted"] == r["publications"] else 1


if __name__ == "__main__":
    raise SystemExit(main())

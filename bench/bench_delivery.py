"""Benchmark: outbox delivery throughput to the local Discord REST mock, which enforces per-channel rate limits.

Run from the repository root: `python bench/bench_delivery.py [--events 200] [--channels 4] [--limit 5] [--window
0.25] [--programmes 0]`. With `--programmes N` the alerts are about N programmes in turn, so after each programme's
first alert per channel the rest are follow-ups in its thread (a thread created on the first alert, then replies):
the conversation path's cost. The mock (tests/support/discord_mock.py, extended here) answers every message create
with Discord's rate-limit headers (`X-RateLimit-Limit/Remaining/Reset-After/Bucket`) for a bucket of `--limit`
messages per `--window` seconds per channel, and answers 429 to a request over the limit. The real bot (discord.py
client, DiscordSink, Dispatcher, store) drains the outbox; the table shows deliveries/s against the ceiling the
limits allow and how many 429s the bot provoked (0 means it waited out the headers instead of hitting the limit).
The mock also answers a global 429 beyond `--global-rate` messages a second over all channels (Discord's 50 a
second, scaled like the window); the dispatcher paces itself to it. Channels are sent to concurrently.
The mock runs in this process (its cost is small next to the waits the limits impose).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web
from discord.http import Route

from bench.common import table
from bot.app import App
from bot.delivery.dispatcher import Dispatcher
from bot.discord.frontend import DiscordFrontEnd
from storage.models import NewEvent, SubscriptionFilters
from tests.support.discord_mock import MockDiscord, json_response, rate_limited
from tests.support.discord_support import settings_for
from watchers.record import add_events


class RateLimitedMock(MockDiscord):
    """Message creates carry Discord's bucket headers; a request over the limit gets a 429."""

    def __init__(self, limit: int, window: float, global_rate: float) -> None:
        super().__init__()
        self.limit = limit
        self.window = window
        self.global_rate = global_rate  # messages per second over every channel (Discord's global limit)
        self._recent: list[float] = []  # message creates in the last second
        self._buckets: dict[int, tuple[float, int]] = {}  # channel → (window start, used)
        self.over_limit = 0
        self.over_global = 0

    def _channel(
        self, method: str, channel_id: int, rest: list[str], body: Any, author: str = ""
    ) -> web.Response:
        if not (method == "POST" and rest == ["messages"]):
            return super()._channel(method, channel_id, rest, body, author)
        now = time.monotonic()
        self._recent = [t for t in self._recent if now - t < 1.0]
        if len(self._recent) >= self.global_rate:
            self.over_global += 1
            body = {"message": "You are being rate limited.", "retry_after": 1.0 - (now - self._recent[0]),
                    "global": True}
            return json_response(body, 429, {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global",
                                             "Retry-After": "1"})
        self._recent.append(now)
        start, used = self._buckets.get(channel_id, (now, 0))
        if now - start >= self.window:
            start, used = now, 0
        reset_after = max(0.0, self.window - (now - start))
        if used >= self.limit:
            self.over_limit += 1
            answer = rate_limited(reset_after)
            return json_response(answer.body, answer.status, answer.headers)
        used += 1
        self._buckets[channel_id] = (start, used)
        response = super()._channel(method, channel_id, rest, body, author)
        response.headers.update({
            "X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.limit - used),
            "X-RateLimit-Reset-After": f"{reset_after:.3f}", "X-RateLimit-Bucket": f"chan{channel_id}",
        })
        return response


async def run(n_events: int, n_channels: int, limit: int, window: float, n_programmes: int = 0,
              global_rate: float = 1000.0) -> dict[str, Any]:
    base = Route.BASE
    mock = RateLimitedMock(limit, window, global_rate)
    await mock.start()
    channels = [mock.add_channel(1400000000000000001 + i) for i in range(n_channels)]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = await App.open(settings_for(mock, Path(tmp), seed_defaults=False))
            front = DiscordFrontEnd(app.settings, connect_gateway=False)
            await front.start(app.core)
            try:
                for ch in channels:
                    await app.store.subscriptions.add("discord", str(ch), SubscriptionFilters())
                await add_events(app.store, [
                    NewEvent(dedupe_key=f"e{i}", kind="readout", subtype="topline",
                             title=f"Acme Bio reports topline data {i} for ACM-101", url=f"https://news.test/{i}",
                             sponsor="Acme Bio", facts={"endpoint_met": True, "patients": 412},
                             programs=[f"ACM-{i % n_programmes}"] if n_programmes else [])
                    for i in range(n_events)
                ])
                dispatcher = Dispatcher(app.store, [front.sink], base_delay_seconds=0,
                                        global_rates={"discord": global_rate})
                t0, c0 = time.perf_counter(), time.process_time()
                report = await dispatcher.drain()
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                counts = await app.store.outbox.counts()
            finally:
                await front.stop()
                await app.close()
    finally:
        await mock.stop()
        Route.BASE = base
    posted = sum(len(mock.messages[ch]) for ch in channels)
    threaded = sum(len(mock.messages.get(thread, [])) for _ch, thread, _name in mock.threads_created)
    return {"events": n_events, "channels": n_channels, "limit": limit, "window": window, "sent": report.sent,
            "programmes": n_programmes, "top_level": posted, "threaded": threaded,
            "failed": report.failed, "posted": posted + threaded, "wall": wall, "cpu": cpu,
            "rate": report.sent / wall,
            "ceiling": min(n_channels * limit / window, global_rate), "global_rate": global_rate,
            "over_limit": mock.over_limit + mock.over_global, "over_global": mock.over_global, "counts": counts}


def print_results(r: dict[str, Any]) -> None:
    print(table([
        ("outbox", f"{r['events']:,} alerts × {r['channels']} channels = {r['events'] * r['channels']:,} deliveries"),
        ("mock rate limit", f"{r['limit']} messages per {r['window']:g} s per channel, {r['global_rate']:g}/s in "
                            f"all (ceiling {r['ceiling']:.0f}/s over all channels)"),
        ("delivered", f"{r['sent']:,} in {r['wall']:.2f} s = {r['rate']:.1f}/s ({r['cpu']:.2f} s CPU, "
                      f"{r['cpu'] / max(1, r['sent']) * 1000:.1f} ms CPU per delivery)"),
        ("share of the ceiling", f"{r['rate'] / r['ceiling']:.0%}"),
        ("conversations", f"{r['programmes']} programmes: {r['top_level']:,} top-level, {r['threaded']:,} in threads"),
        ("429s provoked", f"{r['over_limit']}, {r['over_global']} of them global (0 = the limits were respected)"),
        ("outbox after", json.dumps(r["counts"])),
    ]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--channels", type=int, default=4)
    ap.add_argument("--limit", type=int, default=5)
    ap.add_argument("--window", type=float, default=0.25)
    ap.add_argument("--programmes", type=int, default=0)
    # Discord's 50 a second, scaled like the window (Discord's 5 per 5 s per channel → 5 per 0.25 s: 20×).
    ap.add_argument("--global-rate", type=float, default=1000.0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    r = asyncio.run(run(a.events, a.channels, a.limit, a.window, a.programmes, a.global_rate))
    print_results(r)
    if a.json:
        print("BENCH-RESULT " + json.dumps(r))
    return 0 if r["sent"] == r["events"] * r["channels"] else 1


if __name__ == "__main__":
    sys.exit(main())

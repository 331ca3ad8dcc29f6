"""Load: one poll cycle over 2,000 local feeds, and a burst of 1,000 alerts to a Discord that rate-limits.

    python bench/load_harness.py poll [--feeds 2000]     # JSON: seconds, peak RSS, events
    python bench/load_harness.py burst [--alerts 1000]   # JSON: seconds, requests, 429s, order per channel

`poll` runs in a process of its own (so its peak RSS is the cycle's, not a test runner's): one aiohttp server on
127.0.0.1 serves every feed (a small RSS of five items, a sixth on the second cycle); the real `App` with its
`PollCycle` polls them all. The first cycle is the baseline (items recorded, nothing posted), the second finds one
new item per feed, so 2,000 events and 2,000 deliveries are stored. Peak RSS is the process's high-water mark
(VmHWM), server and feed texts included.

`burst` queues 1,000 alerts for four Discord channels and drains them through the real `Dispatcher` and
`DiscordSink` (discord.py's REST client) to `tests/support/discord_mock.py`, which answers every tenth message create
(retries included) with a 429 carrying Discord's headers (`Via`, `X-RateLimit-*`) and a short `retry_after`.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import App  # noqa: E402
from bot.delivery.dispatcher import Dispatcher  # noqa: E402
from bot.settings import Settings  # noqa: E402
from storage.models import NewEvent, SubscriptionFilters  # noqa: E402
from tests.support.feeds import items, rss  # noqa: E402
from watchers.record import add_events  # noqa: E402

BURST_CHANNELS = [1400000000000000201, 1400000000000000202, 1400000000000000203, 1400000000000000204]


def peak_rss_mb() -> float:
    """This process's peak RSS. On Linux VmHWM: ru_maxrss carries over an exec, so a process started by a big
    parent (a test runner) would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def settings(db: Path, **kw: Any) -> Settings:
    values: dict[str, Any] = {"database_url": f"sqlite:///{db}", "allow_private_addresses": True,
                              "seed_defaults": False, "http_timeout_seconds": 30,
                              # One local server stands for 2,000 feeds on as many hosts: per-host politeness (2/s
                              # by default) would measure the pacing of a single host, not the cycle.
                              "host_requests_per_second": 10_000, "host_concurrency": 10_000,
                              "adaptive_polling": False, **kw}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def poll_load(workdir: Path, feeds: int = 2000) -> dict[str, Any]:
    generation = {"items": 5}
    hits = {"n": 0}

    async def handler(request: web.Request) -> web.Response:
        hits["n"] += 1
        name = request.path.strip("/").removesuffix(".xml")
        body = rss(items(generation["items"], prefix=f"Feed {name}"), title=f"Feed {name}")
        return web.Response(text=body, content_type="application/rss+xml")

    app_ = web.Application()
    app_.router.add_get("/{name}", handler)
    runner = web.AppRunner(app_, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    app = await App.open(settings(workdir / "load.db"))
    try:
        async with app.store.db.atomic() as db:  # 2,000 sources in one go (the CLI adds one at a time)
            await db.write_many(
                "INSERT INTO sources (kind, url, name, created_at, next_poll_at) "
                "VALUES ('rss', ?, ?, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
                [(f"http://127.0.0.1:{port}/f{i}.xml", f"Feed f{i}") for i in range(feeds)],
            )
        await app.store.subscriptions.add("discord", str(BURST_CHANNELS[0]), SubscriptionFilters())
        rss_before = peak_rss_mb()
        t0 = time.perf_counter()
        baseline = await app.cycle.run_once(due_only=False)
        t1 = time.perf_counter()
        generation["items"] = 6
        second = await app.cycle.run_once(due_only=False)
        t2 = time.perf_counter()
        counts = await app.store.outbox.counts()
        integrity = await app.store.integrity_check()
    finally:
        await app.close()
        await runner.cleanup()
    return {
        "feeds": feeds, "requests": hits["n"],
        "baseline_cycle": {"polled": baseline.polled, "failed": baseline.failed,
                           "new_events": len(baseline.new_event_ids), "seconds": round(t1 - t0, 2)},
        "second_cycle": {"polled": second.polled, "failed": second.failed,
                         "new_events": len(second.new_event_ids), "seconds": round(t2 - t1, 2)},
        "deliveries": counts, "integrity": integrity,
        "rss_before_cycles_mb": round(rss_before, 1), "peak_rss_mb": round(peak_rss_mb(), 1),
    }


async def burst_load(workdir: Path, alerts: int = 1000, every: int = 10) -> dict[str, Any]:
    # Imported here: `poll` needs neither discord.py's client nor the mock.
    from discord.http import Route

    from bot.discord.frontend import DiscordFrontEnd
    from tests.support.discord_mock import MockDiscord

    base = Route.BASE
    mock = MockDiscord()
    await mock.start()
    for ch in BURST_CHANNELS:
        mock.add_channel(ch)
    mock.rate_limit_every = every
    mock.rate_limit_retry_after = 0.01
    app = await App.open(settings(workdir / "burst.db", discord_token="burst-token", discord_api_base=mock.api_base))
    front = DiscordFrontEnd(app.settings, connect_gateway=False)
    try:
        await front.start(app.core)
        subs = [await app.store.subscriptions.add("discord", str(ch), SubscriptionFilters(keywords=[f"[c{n}]"]))
                for n, ch in enumerate(BURST_CHANNELS)]
        # Each alert goes to one channel (by keyword), in a known order per channel.
        events = [NewEvent(dedupe_key=f"burst-{i}", kind="other", subtype="other",
                           title=f"[c{i % len(subs)}] Burst alert {i:04d}", url=f"https://news.test/burst/{i}")
                  for i in range(alerts)]
        await add_events(app.store, events)
        pending = await app.store.outbox.counts()
        dispatcher = Dispatcher(app.store, [front.sink], max_attempts=app.settings.max_delivery_attempts,
                                base_delay_seconds=0.05)
        t0 = time.perf_counter()
        rounds = 0
        sent = 0
        for _ in range(50):  # bounded: a correct dispatcher needs one round
            rounds += 1
            report = await dispatcher.drain()
            sent += report.sent
            counts = await app.store.outbox.counts()
            if set(counts) == {"sent"}:
                break
            await asyncio.sleep(0.1)
        seconds = time.perf_counter() - t0
        counts = await app.store.outbox.counts()
        max_attempts = (await app.store.db.one("SELECT MAX(attempts) FROM deliveries"))[0]  # type: ignore[index]
    finally:
        await front.stop()
        await app.close()
        await mock.stop()
        Route.BASE = base
    order_ok = True
    per_channel: dict[int, list[int]] = defaultdict(list)
    for ch in BURST_CHANNELS:
        numbers = [int(m["embeds"][0]["title"].split()[-1]) for m in mock.messages[ch]]
        per_channel[ch] = numbers
        order_ok &= numbers == sorted(numbers)
    titles = [m["embeds"][0]["title"] for ch in BURST_CHANNELS for m in mock.messages[ch]]
    message_posts = len(mock.calls_to("POST", "/messages"))
    return {
        "alerts": alerts, "queued": pending, "delivered": len(set(titles)),
        "duplicates": len(titles) - len(set(titles)),
        "order_per_channel_ok": order_ok, "per_channel": {str(k): len(v) for k, v in per_channel.items()},
        "message_requests": message_posts, "rate_limited_answers": mock.rate_limited_count,
        "nonce_repeats": mock.nonce_repeats, "drain_rounds": rounds, "dispatcher_sent": sent,
        "max_attempts_recorded": max_attempts, "deliveries": counts, "seconds": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["poll", "burst"])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--alerts", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.what == "poll":
            result = asyncio.run(poll_load(Path(tmp), args.feeds))
        else:
            result = asyncio.run(burst_load(Path(tmp), args.alerts))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

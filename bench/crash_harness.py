"""Crash safety of the real `milestone-bot run`: SIGKILL at random moments, restart, check nothing lost or doubled.

    python bench/crash_harness.py [--cycles 52] [--lanes 2] [--seed 7]

Everything runs on 127.0.0.1: one aiohttp server serves the feeds, `tests/support/discord_mock.py` plays Discord
(REST and a minimal gateway). Each lane is one bot process with its own store, feeds, token and two channels, so
two lanes use both cores. A cycle: the feeds may gain items, the lane's sources are made due (as if the poll
interval had passed: the harness sets `next_poll_at` while the bot is dead), the bot starts, and it is killed with
SIGKILL at a random moment: a random delay after its first feed request (between fetch and store), after its first
message create (mid-delivery: the mock sometimes answers slowly, having created the message first, as Discord
does), or after start. After the cycles one last run without a kill drains everything and stops with SIGTERM; then:

- the (channel, embed title) pairs the mock holds == one per channel for every item added after the baseline poll;
- no (channel, title) was posted twice (counted on the messages, not on the nonces);
- `PRAGMA integrity_check` is `ok` and no delivery is left pending or dead.

Where each kill landed is read from the state it left: a feed fetched in the run with items the store has not
marked seen (fetch → store), deliveries queued that the mock never got (store → delivery), a message create being
answered at the kill or a message the mock holds whose delivery is still pending (mid-delivery).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
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
from tests.support.discord_mock import MockDiscord  # noqa: E402
from tests.support.feeds import items, rss  # noqa: E402
from tests.support.local_server import serve_app  # noqa: E402

FEEDS_PER_LANE = 3
CHANNELS_PER_LANE = 2
BASELINE_ITEMS = 2
WINDOWS = ("fetch→store", "store→delivery", "mid-delivery")
READY_TIMEOUT = 20.0  # seconds for one bot start to reach its first feed request
FINAL_DRAIN_TIMEOUT = 60.0


@dataclass
class Feed:
    path: str
    prefix: str
    count: int = BASELINE_ITEMS

    def titles(self, start: int, stop: int) -> list[str]:
        return [it.title for it in items(stop - start, prefix=self.prefix, start=start + 1)]


@dataclass
class Lane:
    index: int
    workdir: Path
    feeds: list[Feed]
    channels: list[int]
    token: str
    run_id: int = 0
    fetched: dict[str, int] = field(default_factory=dict)  # path → item count served in the current run
    feed_inflight: int = 0
    first_fetch: asyncio.Event = field(default_factory=asyncio.Event)
    kills: Counter[str] = field(default_factory=Counter)
    cycles: int = 0

    @property
    def db(self) -> Path:
        return self.workdir / f"lane{self.index}.db"

    def expected(self) -> set[tuple[int, str]]:
        return {(ch, title) for ch in self.channels for f in self.feeds for title in f.titles(BASELINE_ITEMS, f.count)}


class FeedServer:
    """Serves every lane's feeds; sometimes slowly, so a kill can land while a fetch is in flight."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.by_path: dict[str, tuple[Lane, Feed]] = {}
        self.port = 0
        self._runner: web.AppRunner | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        found = self.by_path.get(request.path)
        if found is None:
            return web.Response(status=404)
        lane, feed = found
        count = feed.count
        lane.feed_inflight += 1
        lane.first_fetch.set()
        try:
            if self.rng.random() < 0.4:
                await asyncio.sleep(self.rng.uniform(0.05, 0.4))
            lane.fetched[feed.path] = count
            body = rss(items(count, prefix=feed.prefix), title=f"{feed.prefix} releases")
            return web.Response(text=body, content_type="application/rss+xml")
        finally:
            lane.feed_inflight -= 1

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner, self.port = await serve_app(app)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def settings(db: Path) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite:///{db}", allow_private_addresses=True,  # type: ignore[call-arg]
                    seed_defaults=False, http_timeout_seconds=5)


async def set_up_lane(lane: Lane, server: FeedServer) -> None:
    """Feeds, subscriptions and the baseline poll (the first poll of a feed records its items, posts nothing)."""
    app = await App.open(settings(lane.db))
    try:
        for feed in lane.feeds:
            server.by_path[feed.path] = (lane, feed)
            await app.store.sources.add("rss", server.url(feed.path), f"{feed.prefix} releases")
        for channel in lane.channels:
            await app.store.subscriptions.add("discord", str(channel), SubscriptionFilters())
        report = await app.cycle.run_once(due_only=False)
        assert report.polled == len(lane.feeds) and not report.new_event_ids, report
    finally:
        await app.close()


def make_due(db: Path) -> None:
    """As if the poll interval had passed while the bot was down."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE sources SET next_poll_at = ?", (to_db(datetime(2000, 1, 1, tzinfo=UTC)),))
    conn.close()


def pending_deliveries(db: Path) -> set[int]:
    """Ids of the deliveries a (dead or running) bot's store still has to send."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {int(r[0]) for r in conn.execute("SELECT id FROM deliveries WHERE status = 'pending'")}
    finally:
        conn.close()


def events(db: Path) -> dict[int, str]:
    """{event id: title} from the store."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {int(r[0]): str(r[1]) for r in conn.execute("SELECT id, title FROM events")}
    finally:
        conn.close()


def pending_by_event(db: Path) -> dict[int, int]:
    """{pending delivery id: its event id}."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {int(r[0]): int(r[1]) for r in conn.execute(
            "SELECT id, event_id FROM deliveries WHERE status = 'pending'")}
    finally:
        conn.close()


def bot_env(lane: Lane, mock: MockDiscord) -> dict[str, str]:
    return {
        **os.environ, "DISCORD_TOKEN": lane.token, "DISCORD_API_BASE": mock.api_base, "SEED_DEFAULTS": "false",
        **ONE_HOST_STANDS_FOR_MANY,
        "ALLOW_PRIVATE_ADDRESSES": "true", "POLL_INTERVAL_SECONDS": "10", "DELIVERY_INTERVAL_SECONDS": "0.3",
        "HTTP_TIMEOUT_SECONDS": "5", "DISCORD_READY_TIMEOUT_SECONDS": "20", "PYTHONUNBUFFERED": "1",
    }


async def start_bot(lane: Lane, mock: MockDiscord) -> asyncio.subprocess.Process:
    log = (lane.workdir / f"lane{lane.index}.log").open("ab")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--db", str(lane.db), env=bot_env(lane, mock), cwd=ROOT,
            stdout=log, stderr=log,
        )
    finally:
        log.close()


def lane_messages(mock: MockDiscord, lane: Lane) -> list[tuple[int, str, str | None]]:
    """(channel, embed title, nonce) of every message the mock holds for this lane."""
    out = []
    for ch in lane.channels:
        for m in mock.messages.get(ch, []):
            embeds = m.get("embeds") or [{}]
            out.append((ch, str(embeds[0].get("title")), m.get("nonce")))
    return out


def classify(lane: Lane, mock: MockDiscord, before: RunStart, mock_inflight: bool, feed_inflight: bool) -> set[str]:
    """Which windows a kill landed in, read from what this run left behind."""
    stored = events(lane.db)
    windows: set[str] = set()
    # Fetched in this run, but the new items never made it into the store.
    for feed in lane.feeds:
        served = lane.fetched.get(feed.path)
        if served is not None and not set(feed.titles(BASELINE_ITEMS, served)) <= set(stored.values()):
            windows.add("fetch→store")
    if feed_inflight:
        windows.add("fetch→store")
    pending = pending_by_event(lane.db)
    new_nonces = {n for _, _, n in lane_messages(mock, lane)} - before.nonces
    if mock_inflight or {f"d{d}" for d in pending} & new_nonces:
        windows.add("mid-delivery")  # Discord accepted (or was answering) a message the store has not marked sent
    if any(ev > before.max_event_id and f"d{d}" not in new_nonces for d, ev in pending.items()):
        windows.add("store→delivery")  # stored and queued in this run, never sent
    return windows


@dataclass
class RunStart:
    max_event_id: int
    nonces: set[str | None]


async def one_cycle(lane: Lane, mock: MockDiscord, rng: random.Random) -> None:
    lane.cycles += 1
    if rng.random() < 0.7:  # the feeds gain items while the bot is down
        for feed in rng.sample(lane.feeds, rng.randint(1, len(lane.feeds))):
            feed.count += rng.randint(1, 3)
    make_due(lane.db)
    lane.fetched.clear()
    lane.first_fetch = asyncio.Event()
    author = f"Bot {lane.token}"
    creates_before = mock.creates_by_author[author]
    before = RunStart(max(events(lane.db), default=0), {n for _, _, n in lane_messages(mock, lane)})
    proc = await start_bot(lane, mock)
    try:
        mode = rng.choices(["fetch", "deliver", "any"], weights=[4, 4, 2])[0]
        try:
            await asyncio.wait_for(lane.first_fetch.wait(), READY_TIMEOUT)
        except TimeoutError:
            mode = "any"
        if mode == "fetch":
            await asyncio.sleep(rng.uniform(0.0, 0.25))
        elif mode == "deliver":
            for _ in range(300):  # up to 3 s for this bot's first message create
                if mock.creates_by_author[author] != creates_before:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(rng.uniform(0.0, 0.6))
        else:
            await asyncio.sleep(rng.uniform(0.0, 2.0))
        mock_inflight = any(a == author for a, _ in mock.inflight)
        feed_inflight = lane.feed_inflight > 0
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.returncode is None:
            proc.kill()
        await asyncio.wait_for(proc.wait(), 10)
    windows = classify(lane, mock, before, mock_inflight, feed_inflight)
    for w in windows or {"elsewhere"}:
        lane.kills[w] += 1


async def final_run(lane: Lane, mock: MockDiscord) -> int:
    """One run without a kill: poll, drain the outbox, stop with SIGTERM; returns the exit code."""
    make_due(lane.db)
    proc = await start_bot(lane, mock)
    try:
        deadline = time.monotonic() + FINAL_DRAIN_TIMEOUT
        expected = lane.expected()
        while time.monotonic() < deadline:
            got = {(ch, title) for ch, title, _ in lane_messages(mock, lane)}
            pending = pending_deliveries(lane.db)
            if expected <= got and not pending:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)  # anything still on its way would show up as a duplicate
        proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(proc.wait(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def verdict(lane: Lane, mock: MockDiscord) -> dict[str, Any]:
    posted = [(ch, title) for ch, title, _ in lane_messages(mock, lane)]
    counts = Counter(posted)
    conn = sqlite3.connect(lane.db)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        statuses = dict(conn.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall())
    finally:
        conn.close()
    expected = lane.expected()
    return {
        "expected": len(expected), "delivered": len(set(posted) & expected),
        "missing": sorted(expected - set(posted))[:5], "unexpected": sorted(set(posted) - expected)[:5],
        "duplicated": sum(n - 1 for n in counts.values() if n > 1), "integrity": integrity,
        "deliveries": statuses,
    }


async def run_harness(workdir: Path, cycles: int = 52, lanes: int = 2, seed: int = 7,
                      delay_fraction: float = 0.35, honour_nonce: bool = True) -> dict[str, Any]:
    """`honour_nonce=False` makes the mock ignore nonces: the check that this harness does catch duplicates."""
    rng = random.Random(seed)
    started = time.monotonic()
    mock = MockDiscord()
    if not honour_nonce:
        mock.nonce_window_seconds = -1.0
    server = FeedServer(rng)
    await mock.start()
    await server.start()
    # Some answers are slow (message created first), so kills land mid-delivery.
    mock.create_delay = lambda: rng.uniform(0.1, 0.5) if rng.random() < delay_fraction else 0.0
    all_lanes: list[Lane] = []
    try:
        for i in range(lanes):
            channels = [1400000000000000100 + 10 * i + c for c in range(CHANNELS_PER_LANE)]
            for ch in channels:
                mock.add_channel(ch)
            feeds = [Feed(f"/lane{i}/feed{f}.xml", f"L{i}F{f}") for f in range(FEEDS_PER_LANE)]
            lane = Lane(i, workdir, feeds, channels, token=f"crash-lane-{i}")
            await set_up_lane(lane, server)
            all_lanes.append(lane)
        per_lane = [cycles // lanes + (1 if i < cycles % lanes else 0) for i in range(lanes)]

        async def drive(lane: Lane, n: int) -> None:
            lane_rng = random.Random(rng.random())
            for _ in range(n):
                await one_cycle(lane, mock, lane_rng)

        await asyncio.gather(*(drive(lane, n) for lane, n in zip(all_lanes, per_lane, strict=True)))
        exit_codes = await asyncio.gather(*(final_run(lane, mock) for lane in all_lanes))
        results = [verdict(lane, mock) for lane in all_lanes]
    finally:
        await server.stop()
        await mock.stop()
    kills: Counter[str] = Counter()
    for lane in all_lanes:
        kills.update(lane.kills)
    return {
        "cycles_killed": sum(lane.cycles for lane in all_lanes),
        "kills_per_window": {w: kills.get(w, 0) for w in (*WINDOWS, "elsewhere")},
        "alerts_expected": sum(r["expected"] for r in results),
        "alerts_delivered": sum(r["delivered"] for r in results),
        "alerts_duplicated": sum(r["duplicated"] for r in results),
        "nonce_repeats_answered_by_mock": mock.nonce_repeats,
        "integrity": sorted({r["integrity"] for r in results}),
        "deliveries": [r["deliveries"] for r in results],
        "missing": [r["missing"] for r in results],
        "unexpected": [r["unexpected"] for r in results],
        "final_exit_codes": list(exit_codes),
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=52)
    parser.add_argument("--lanes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--ignore-nonce", action="store_true", help="mock ignores nonces (duplicates must show)")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(run_harness(args.workdir or Path(tmp), args.cycles, args.lanes, args.seed,
                                             honour_nonce=not args.ignore_nonce))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""A local RSS server for the poll-cycle benchmark, run in its own process so its CPU is not the bot's.

`python bench/feed_server.py --feeds 10000` serves /feed/<i>.xml on 127.0.0.1 (a free port, printed as the first
line of stdout: `PORT <n>`). Each feed holds 20–50 real GlobeNewswire items (grouped by ticker; generated items
when ../shared/corpus is absent) in one of the real feed shapes of bench/feed_shapes.py (the FDA's, read from
../shared/reference/feeds, EDGAR's Atom, wire RSS with CDATA, dc:date, content:encoded, relative links; the shape
is named in the `X-Bench-Shape` header), answers 304 to a matching If-None-Match / If-Modified-Since, and changes only
when told: `POST /_mutate?fraction=0.1&new=2` gives that share of the feeds `new` new items each (the
oldest ones roll off) and returns the changed feed numbers as JSON. Changed bodies are rendered at mutation time,
so the measured cycle pays the server almost nothing. `--latency 0.1` makes every feed answer 100 ms late, like a
remote server (the wait costs no CPU), which is what makes POLL_CONCURRENCY matter; `POST /_latency?seconds=0`
changes it while serving (a benchmark primes its stores at full speed, then measures with the latency).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import corpus_rows, fake_code, fake_drug
from bench.feed_shapes import Row, assign, shapes


def load_items() -> list[tuple[str, str, str, str, datetime]]:
    """(ticker, title, summary, link, published) sorted by ticker, so consecutive items share a company."""
    rows = corpus_rows()
    if rows:
        out = []
        for r in rows:
            try:
                when = datetime.strptime(r["published_eastern"], "%Y-%m-%d %H:%M:%S%z")
            except (KeyError, ValueError):
                when = datetime(2024, 1, 1, tzinfo=UTC)
            out.append((r["ticker"], r["title"], r["summary"], r["link"], when.astimezone(UTC)))
        out.sort(key=lambda x: x[0])
        return out
    rng = random.Random(3)
    verbs = ["announces topline results from Phase 2 trial of", "doses first patient in Phase 1 study of",
             "receives FDA Fast Track designation for", "reports third quarter financial results and",
             "completes enrollment in pivotal trial of", "to present at the annual healthcare conference;"]
    out = []
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(4000):
        sponsor = f"{fake_drug(rng).title()} Therapeutics"
        title = f"{sponsor} {rng.choice(verbs)} {fake_code(rng)} ({fake_drug(rng)})"
        summary = f"BOSTON (GLOBE NEWSWIRE) -- {title}. " + " ".join(fake_drug(rng) for _ in range(30))
        out.append((f"T{i // 30}", title, summary, f"https://news.test/release/{i}",
                    start + timedelta(hours=i)))
    return out


class Feeds:
    def __init__(self, n_feeds: int, seed: int = 5) -> None:
        self.items = load_items()
        starts: dict[str, int] = {}
        for idx, row in enumerate(self.items):
            starts.setdefault(row[0], idx)
        self.ticker_starts = list(starts.values())
        rng = random.Random(seed)
        self.sizes = [rng.randint(20, 50) for _ in range(n_feeds)]
        self.gen = [0] * n_feeds
        self.rng = rng
        self.shapes = shapes()
        self.shape_of = assign(self.shapes, n_feeds)
        self.rendered: dict[int, bytes] = {}
        self.new_per_round = 2
        self.epoch = datetime(2026, 1, 1, tzinfo=UTC)
        # Links point back at this server, which serves each release's page (the bot reads it for every event).
        self.base = ""

    def feed_items(self, i: int) -> list[Row]:
        """The feed's current window: `gen` new items on top, then the base items, newest first."""
        n = len(self.items)
        start = self.ticker_starts[i % len(self.ticker_starts)] + (i // len(self.ticker_starts)) * 3
        out: list[Row] = []
        for g in range(self.gen[i], 0, -1):
            for k in range(self.new_per_round):
                index = (start + 997 * g + 31 * k) % n
                _, title, summary, _link, _date = self.items[index]
                when = self.epoch + timedelta(hours=g, minutes=k)
                out.append((title, summary, f"{self.base}/page/{index}?feed={i}&new={g}.{k}", when))
        for k in range(self.sizes[i]):
            index = (start + k) % n
            _, title, summary, _link, when = self.items[index]
            out.append((title, summary, f"{self.base}/page/{index}?feed={i}", when))
        return out[: self.sizes[i]]

    def etag(self, i: int) -> str:
        return f'"f{i}g{self.gen[i]}"'

    def last_modified(self, i: int) -> str:
        return format_datetime(self.epoch + timedelta(hours=self.gen[i]), usegmt=True)

    def render(self, i: int) -> bytes:
        cached = self.rendered.get(i)
        if cached is not None:
            return cached
        return self.shapes[self.shape_of[i]].render(i, self.feed_items(i), self.base).encode("utf-8")

    def mutate(self, fraction: float, new: int) -> list[int]:
        # Only the changed bodies stay cached, so the server's memory stays small between rounds.
        self.rendered.clear()
        self.new_per_round = max(1, min(new, 10))
        count = round(len(self.gen) * fraction)
        changed = sorted(self.rng.sample(range(len(self.gen)), count))
        for i in changed:
            self.gen[i] += 1
            self.rendered[i] = self.render(i)
        return changed


def make_app(feeds: Feeds, latency: float = 0.0) -> web.Application:
    delay = [latency]  # changed by POST /_latency (a benchmark primes its stores without waiting)

    async def feed(request: web.Request) -> web.StreamResponse:
        if delay[0]:
            await asyncio.sleep(delay[0])  # a remote server's round trip, without using any CPU
        try:
            i = int(request.match_info["n"])
            feeds.gen[i]
        except (ValueError, IndexError):
            return web.Response(status=404)
        etag = feeds.etag(i)
        last_modified = feeds.last_modified(i)
        validators = {"ETag": etag, "Last-Modified": last_modified}
        inm = request.headers.get("If-None-Match")
        ims = request.headers.get("If-Modified-Since")
        if (inm and inm == etag) or (not inm and ims == last_modified):
            return web.Response(status=304, headers=validators)
        headers = {**validators, "Content-Type": "application/rss+xml",
                   "X-Bench-Shape": feeds.shapes[feeds.shape_of[i]].name}
        return web.Response(body=feeds.render(i), headers=headers)

    async def page(request: web.Request) -> web.Response:
        """A release page shaped like a wire's: navigation, the release (its headline, lede and ~25 KB of body
        paragraphs with figures), boilerplate."""
        try:
            _, title, summary, _link, _when = feeds.items[int(request.match_info["n"])]
        except (ValueError, IndexError):
            return web.Response(status=404)
        body = "".join(
            f"<p>In {10 + k} patients with cohort {k} disease, the objective response rate was {40 + k}% and median "
            f"progression-free survival was {3 + k / 10:.1f} months; no grade 3 or higher cytokine release "
            f"syndrome was observed. {escape(summary[:200])}</p>" for k in range(60))
        html = (f"<html><head><title>{escape(title)}</title></head><body><nav>Home | News | Investors</nav>"
                f"<article><h1>{escape(title)}</h1><p>{escape(summary)}</p>{body}</article>"
                "<footer>About the company. Forward-looking statements ...</footer></body></html>")
        return web.Response(text=html, content_type="text/html")

    async def mutate(request: web.Request) -> web.Response:
        fraction = float(request.query.get("fraction", "0.1"))
        changed = feeds.mutate(fraction, int(request.query.get("new", "2")))
        return web.Response(text=json.dumps(changed), content_type="application/json")

    async def set_latency(request: web.Request) -> web.Response:
        delay[0] = float(request.query.get("seconds", str(latency)))
        return web.Response(text=json.dumps(delay[0]), content_type="application/json")

    app = web.Application()
    app.router.add_get("/feed/{n:\\d+}.xml", feed)
    app.router.add_get("/page/{n:\\d+}", page)
    app.router.add_post("/_mutate", mutate)
    app.router.add_post("/_latency", set_latency)
    return app


async def serve(n_feeds: int, latency: float, port: int = 0) -> None:
    feeds = Feeds(n_feeds)
    runner = web.AppRunner(make_app(feeds, latency), access_log=None)
    await runner.setup()
    # A fixed port keeps a primed store reusable: item links (and so the items' keys) name the server's address.
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=4096)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    feeds.base = f"http://127.0.0.1:{port}"
    print(f"PORT {port}", flush=True)
    # Serve until stdin closes (the benchmark exits or closes the pipe).
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=10_000)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds each feed request waits before answering")
    ap.add_argument("--port", type=int, default=0, help="0: a free port")
    a = ap.parse_args()
    asyncio.run(serve(a.feeds, a.latency, a.port))

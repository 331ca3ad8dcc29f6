"""Issue 9: hostile and broken feeds, each served by a real local server and polled by the real PollCycle beside
a good feed. The good feed must still deliver; the bad one must end with a clear `last_error` (or, where the
input is merely messy, sensible text) and never crash the bot."""
from __future__ import annotations

import asyncio
import gzip
import json
import time
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery.dispatcher import Dispatcher
from bot.slack.sink import SlackSink
from storage.models import Source, SubscriptionFilters
from storage.store import Store
from tests.support.discord_support import CHANNEL_ID, discord_harness
from tests.support.feeds import Item, items, rss
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from tests.support.slack_mock import SlackMock
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.parse.feed import parse_feed

ENTITIES = "declares XML entities"


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    config = FetchConfig(timeout_seconds=1.5, max_bytes=2_000_000, allow_private_addresses=True)
    async with Fetcher(config) as f:
        yield f


async def beside_good(server: LocalServer, store: Store, fetcher: Fetcher, paths: list[str]) -> dict[str, Source]:
    """Poll `paths` twice beside a good feed that gains an item in between; the good item must be delivered."""
    server.static("/good", rss(items(1, "Good")))
    rig = Pipeline(store, fetcher)
    good = await store.sources.add("rss", server.url("/good"), "good")
    ids = {p: (await store.sources.add("rss", server.url(p), p)).id for p in paths}
    await rig.cycle_and_deliver()
    server.static("/good", rss(items(2, "Good")))
    out = await rig.cycle_and_deliver()
    assert "Good announces update number 2" in out, out
    assert (await store.sources.get(good.id)).consecutive_failures == 0
    assert await store.integrity_check() == "ok"
    return {p: await store.sources.get(i) for p, i in ids.items()}


def doc(prolog: str, title: str = "hello", encoding: str = "utf-8") -> bytes:
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n{prolog}\n<rss version="2.0"><channel><title>t</title>'
            f"<item><title>{title}</title><guid>x1</guid></item></channel></rss>").encode(
                "utf-16" if encoding == "utf-16" else "utf-8")


def billion_laughs(levels: int = 9) -> bytes:
    decls = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, levels + 1)]
    return doc("<!DOCTYPE lolz [\n" + "\n".join(decls) + "\n]>", f"&lol{levels};")


def quadratic(encoding: str = "utf-8") -> bytes:
    # One plain entity (feedparser calls it "safe" and re-inserts it) used 1,000 times: 100 KB → 100 MB.
    return doc('<!DOCTYPE r [\n<!ENTITY a "' + "A" * 100_000 + '">\n]>', "&a;" * 1000, encoding)


def hidden(before: str, inside: str = "", encoding: str = "utf-8") -> bytes:
    """The quadratic bomb behind a `<x` that only looks like the first element (in a comment, a processing
    instruction or a quoted literal): a scan that stopped there never saw the declaration."""
    bomb = '<!ENTITY a "' + "A" * 100_000 + '">'
    return doc(f"{before}<!DOCTYPE r [ {inside} {bomb} ]>", "&a;" * 1000, encoding)


def peak_mb(fn: object) -> tuple[float, float]:
    tracemalloc.start()
    started = time.monotonic()
    try:
        fn()  # type: ignore[operator]
    except Exception:
        pass
    took = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return took, peak


async def test_broken_and_bomb_xml_each_fail_alone(server: LocalServer, store: Store, fetcher: Fetcher) -> None:
    secret_hits: list[str] = []

    async def secret(request: web.Request) -> web.Response:
        secret_hits.append(request.path)
        return web.Response(text="TOP-SECRET-INTERNAL")

    server.route("/secret.dtd", secret)
    server.route("/secret", secret)
    full = rss(items(3)).encode()
    cases: dict[str, tuple[bytes, str]] = {
        "/malformed": (b"<?xml version='1.0'?><rss><channel><item><title>x</ti", "malformed"),
        "/truncated": (full[:60], "malformed"),
        "/not-xml": (b"\x00\x01\x02 binary junk \xff\xfe", "not an RSS/Atom feed"),
        "/laughs": (billion_laughs(), ENTITIES),
        "/quadratic": (quadratic(), ENTITIES),
        "/quadratic-utf16": (quadratic("utf-16"), ENTITIES),
        "/xxe-file": (doc('<!DOCTYPE r [\n<!ENTITY x SYSTEM "file:///etc/passwd">\n]>', "a &x; b"), ENTITIES),
        "/xxe-http": (doc(f'<!DOCTYPE r [\n<!ENTITY x SYSTEM "{server.url("/secret")}">\n]>', "a &x; b"), ENTITIES),
        "/xxe-param": (doc(f'<!DOCTYPE r [\n<!ENTITY % p SYSTEM "{server.url("/secret.dtd")}">\n%p;\n]>'), ENTITIES),
        "/comment-in-subset": (hidden("", "<!-- <x -->"), ENTITIES),
        "/comment-in-subset-utf16": (hidden("", "<!-- <x -->", "utf-16"), ENTITIES),
        "/comment-before": (hidden("<!-- <x -->"), ENTITIES),
        "/pi-before": (hidden("<?x <y ?>"), ENTITIES),
        "/pi-in-subset": (hidden("", "<?x <y ?>"), ENTITIES),
        "/literal-in-subset": (hidden("", '<!ATTLIST r a CDATA "<x">'), ENTITIES),
    }
    for path, (body, _) in cases.items():
        server.static(path, body, content_type="application/rss+xml")
    got = await beside_good(server, store, fetcher, list(cases))
    for path, (_, needle) in cases.items():
        assert needle in (got[path].last_error or ""), (path, got[path].last_error)
        assert got[path].consecutive_failures == 2
    assert secret_hits == []  # no external entity or DTD was ever fetched
    dumped = json.dumps([e.model_dump(mode="json") for e in await store.events.latest(limit=50)])
    assert "root:" not in dumped and "TOP-SECRET" not in dumped and "lollol" not in dumped


def test_entity_bombs_are_refused_in_bounded_time_and_memory() -> None:
    """What parse_feed costs on the bombs; before the guard, /quadratic took ~1.2 s and ~310 MB (a 100 MB title)."""
    for name, body in [("billion laughs", billion_laughs()), ("quadratic", quadratic()),
                       ("quadratic utf-16", quadratic("utf-16"))]:
        took, peak = peak_mb(lambda b=body: parse_feed(b))
        print(f"{name}: {len(body):,} bytes refused in {took * 1000:.1f} ms, peak {peak:.1f} MB")
        assert took < 1.0 and peak < 20
    # A lone character-reference entity (old RSS 0.91 feeds) is harmless and still parses.
    ok = parse_feed(doc('<!DOCTYPE rss [\n<!ENTITY nbsp "&#160;">\n]>', "A&nbsp;B"))
    assert ok.items[0].title == "A B"


async def test_gzip_bomb_and_endless_redirects_through_the_cycle(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    server.static("/gzip-bomb", gzip.compress(b"<rss>" + b" " * 30_000_000), headers={"Content-Encoding": "gzip"})

    async def chain(request: web.Request) -> web.Response:
        n = int(request.query.get("n", "0"))
        return web.Response(status=302, headers={"Location": f"/chain?n={n + 1}"})

    server.route("/chain", chain)
    server.static("/to-file", "", status=302, headers={"Location": "file:///etc/passwd"})
    server.static("/to-gopher", "", status=301, headers={"Location": "gopher://127.0.0.1:70/"})
    server.static("/no-location", "", status=302)
    got = await beside_good(server, store, fetcher, ["/gzip-bomb", "/chain", "/to-file", "/to-gopher", "/no-location"])
    assert "too large: over 2,000,000 bytes" in (got["/gzip-bomb"].last_error or "")
    assert "too many redirects" in (got["/chain"].last_error or "")
    assert len(server.hits("/chain")) == 2 * 6  # 1 + 5 redirects per poll, then it stops
    assert "only http and https" in (got["/to-file"].last_error or "")
    assert "only http and https" in (got["/to-gopher"].last_error or "")
    assert "redirect without a Location" in (got["/no-location"].last_error or "")


async def test_100_mb_body_stops_at_the_cap(server: LocalServer, store: Store) -> None:
    """Streamed in 64 KB chunks (never allocated whole), with and without a Content-Length."""
    sent = {"chunked": 0, "declared": 0}
    chunk = b"<rss>" + b"x" * (65536 - 5)

    def streamer(name: str, declare: bool):
        async def handler(request: web.Request) -> web.StreamResponse:
            resp = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
            if declare:
                resp.content_length = 100 * 1024 * 1024
            await resp.prepare(request)
            try:
                for _ in range(1600):  # 1,600 × 64 KB = 100 MB at most
                    await resp.write(chunk)
                    sent[name] += len(chunk)
            except (ConnectionResetError, ConnectionError, RuntimeError):
                pass  # the client hung up: exactly what should happen
            return resp
        return handler

    server.route("/huge", streamer("chunked", False))
    server.route("/huge-declared", streamer("declared", True))
    cap = 10_000_000  # the MAX_FEED_BYTES default
    async with Fetcher(FetchConfig(timeout_seconds=10, max_bytes=cap, allow_private_addresses=True)) as fetcher:
        started = time.monotonic()
        tracemalloc.start()
        got = await beside_good(server, store, fetcher, ["/huge", "/huge-declared"])
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        took = time.monotonic() - started
    await asyncio.sleep(0.2)  # let the handlers see the hang-up
    print(f"100 MB body: server wrote {sent['chunked']:,} bytes before the fetch stopped (cap {cap:,}); "
          f"declared 100 MB: {sent['declared']:,} bytes; two cycles in {took:.2f} s, peak {peak:.1f} MB")
    assert "too large: over 10,000,000 bytes" in (got["/huge"].last_error or "")
    assert "too large: 104,857,600 bytes" in (got["/huge-declared"].last_error or "")
    # Per poll at most the cap plus what sits in socket buffers; far from 2 × 100 MB.
    assert sent["chunked"] < 2 * (cap + 8_000_000)
    assert sent["declared"] < 2 * 8_000_000
    assert peak < 60


async def test_server_trickling_one_byte_a_second_times_out(server: LocalServer, store: Store,
                                                            fetcher: Fetcher) -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        try:
            for byte in rss(items(1)).encode()[:10]:  # bounded: 10 s at most
                await resp.write(bytes([byte]))
                await asyncio.sleep(1)
        except (ConnectionResetError, ConnectionError, RuntimeError):
            pass
        return resp

    server.route("/trickle", trickle)
    started = time.monotonic()
    got = await beside_good(server, store, fetcher, ["/trickle"])
    assert "timed out after 1.5 s" in (got["/trickle"].last_error or "")
    assert time.monotonic() - started < 8  # two polls, each cut at the timeout


async def test_bad_encodings_give_sensible_text(server: LocalServer, store: Store, fetcher: Fetcher) -> None:
    def feed(titles: list[str], encoding: str, declared: str | None = None, raw: bytes | None = None) -> bytes:
        head = f'<?xml version="1.0" encoding="{declared or encoding}"?>'
        body = head + rss([Item(t, guid=f"g{i}") for i, t in enumerate(titles)]).split("?>", 1)[1]
        data = body.encode(encoding, errors="strict")
        return data if raw is None else data.replace(b"RAW", raw)

    cases = {
        # Declared ISO-8859-1, really UTF-8: relabelled, not mojibake.
        "/mislabelled": (["Acme Café results — “positive”"], "utf-8", "iso-8859-1", None, "Café results — “positive”"),
        # Declared UTF-8 with invalid bytes: no crash, the rest of the title intact.
        "/invalid-utf8": (["Acme RAW topline"], "utf-8", None, b"\xff\xfe\xc3(", "topline"),
        # Mixed: UTF-8 text with one stray Latin-1 byte.
        "/mixed": (["Acme Zürich RAW Phase 3"], "utf-8", None, b"caf\xe9", "Phase 3"),
        "/utf16": (["Acme Ωmega readout"], "utf-16", None, None, "Ωmega readout"),
        "/latin1": (["Acme Müller readout"], "iso-8859-1", None, None, "Müller readout"),
    }
    for path, (_titles, enc, declared, _raw, _) in cases.items():
        server.static(path, feed(["first"], enc, declared, None))
    got = await beside_good(server, store, fetcher, list(cases))
    assert all(s.last_error is None and s.primed for s in got.values()), [s.last_error for s in got.values()]
    rig = Pipeline(store, fetcher)
    for path, (titles, enc, declared, raw, _) in cases.items():
        server.static(path, feed(["first", *titles], enc, declared, raw))
    await rig.cycle_and_deliver()
    titles = [e.title for e in await store.events.latest(limit=20)]
    for path, (*_, expected) in cases.items():
        assert any(expected in t for t in titles), (path, titles)
        assert (await store.sources.get(got[path].id)).last_error is None
    assert all("\x00" not in t for t in titles)


async def test_future_missing_and_nonsense_dates(server: LocalServer, store: Store, fetcher: Fetcher) -> None:
    first = [Item("Acme baseline", guid="b")]
    server.static("/dates", rss(first))
    got = await beside_good(server, store, fetcher, ["/dates"])
    later = [*first, Item("Acme far future", guid="f", published=datetime(2999, 1, 1, tzinfo=UTC)),
             Item("Acme no date", guid="n"), Item("Acme nonsense date", guid="x",
                                                 published=datetime(2026, 1, 1, tzinfo=UTC))]
    body = rss(later).replace("Thu, 01 Jan 2026 00:00:00 +0000", "the 32nd of Smarch, year zero")
    body = body.replace("Tue, 01 Jan 2999 00:00:00 +0000", "Tue, 01 Jan 2999 00:00:00 +0000")
    server.static("/dates", body)
    await Pipeline(store, fetcher).cycle_and_deliver()
    events = {e.title: e for e in await store.events.latest(limit=10)}
    for title in ("Acme far future", "Acme no date", "Acme nonsense date"):
        assert events[title].published_at is None, title
    assert (await store.sources.get(got["/dates"].id)).last_error is None


async def test_ten_thousand_items_first_silent_then_exactly_one(server: LocalServer, store: Store) -> None:
    big = rss(items(10_000))
    server.static("/big", big)
    async with Fetcher(FetchConfig(timeout_seconds=20, max_bytes=10_000_000, allow_private_addresses=True)) as f:
        rig = Pipeline(store, f)
        source = await store.sources.add("rss", server.url("/big"), "Big")
        started = time.monotonic()
        assert await rig.cycle_and_deliver() == ""
        first = time.monotonic() - started
        server.static("/big", rss(items(10_001)))
        started = time.monotonic()
        out = await rig.cycle_and_deliver()
        second = time.monotonic() - started
    print(f"10,000-item feed ({len(big):,} bytes): first poll {first:.2f} s (silent), next poll {second:.2f} s "
          f"(1 new item)")
    assert out.count("Acme Bio announces update number") == 1 and "update number 10001" in out
    assert (await store.sources.get(source.id)).last_error is None
    assert first < 30 and second < 30


async def test_duplicate_guids_are_one_alert(server: LocalServer, store: Store, fetcher: Fetcher) -> None:
    server.static("/dups", rss([Item("Acme one", guid="same"), Item("Acme two", guid="same")]))
    await beside_good(server, store, fetcher, ["/dups"])
    server.static("/dups", rss([Item("Acme new A", guid="new"), Item("Acme new B", guid="new"),
                                Item("Acme one", guid="same"), Item("Acme new C", guid="new")]))
    out = await Pipeline(store, fetcher).cycle_and_deliver()
    assert out.count("Acme new") == 1 and "Acme new A" in out


MARKUP = ('@everyone <@123> <@&456> <!channel> <!here> **bold** __u__ `code` [click](https://evil.test) '
          '<script>alert(1)</script> <b>Acme</b> &lt;i&gt;escaped&lt;/i&gt; topline')


async def test_markup_in_titles_is_stored_plain_and_rendered_inert(server: LocalServer, tmp_path: Path) -> None:
    """Feed → store → the real discord.py and slack_sdk, asserting on what they sent to the local mocks."""
    async with discord_harness(tmp_path, seed_defaults=False) as h:
        store = h.app.store
        await store.subscriptions.add("discord", str(CHANNEL_ID), SubscriptionFilters(keywords=["topline"]))
        await store.subscriptions.add("slack", "C100", SubscriptionFilters(keywords=["topline"]))
        async with Fetcher(FetchConfig(timeout_seconds=2, allow_private_addresses=True)) as fetcher:
            server.static("/markup", rss([Item("Acme baseline", guid="0")]))
            await beside_good(server, store, fetcher, ["/markup"])
            server.static("/markup", rss([Item("Acme baseline", guid="0"), Item(MARKUP, guid="1", summary=MARKUP,
                                                                                 link="https://news.test/m")]))
            await Pipeline(store, fetcher).cycle_and_deliver()
        [stored] = [e for e in await store.events.latest(limit=5) if "topline" in e.title]
        assert "<script>" not in stored.title and "<b>" not in stored.title
        assert "Acme" in stored.title and "<i>escaped</i>" in stored.title  # entities decoded once: plain text
        await Dispatcher(store, [h.front.sink], base_delay_seconds=0).drain()
        [body] = [c.body for c in h.mock.calls_to("POST", f"/channels/{CHANNEL_ID}/messages")]
        assert body["allowed_mentions"] == {"parse": []} and body.get("content") is None
        embed = json.dumps(body["embeds"], ensure_ascii=False)
        for raw in ("@everyone", "<@123>", "<@&456>", "**bold**", " `code`", " [click](https://evil.test)"):
            assert raw not in embed, raw
        assert "\\\\[click]" in embed  # the markdown link arrives escaped (JSON doubles the backslash)

        slack = SlackMock(server)
        slack.install()
        client = AsyncWebClient(token="xoxb-x", base_url=slack.api_base)
        await Dispatcher(store, [SlackSink(client)], base_delay_seconds=0).drain()
        [posted] = slack.posted
        blocks = posted["blocks"] if isinstance(posted["blocks"], list) else json.loads(posted["blocks"])
        sent = posted["text"] + json.dumps(blocks, ensure_ascii=False)
        for raw in ("<!channel>", "<!here>", "<@123>", "<script>", "<https://evil.test"):
            assert raw not in sent, raw
        assert "&lt;i&gt;escaped" in sent  # what survives as text is escaped for Slack


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


async def test_bidi_overrides_in_feed_text_never_reach_discord_or_slack(server: LocalServer, tmp_path: Path) -> None:
    """U+202E makes `evil.test/moc.elgoog` read as a google.com link; feed → store → discord.py and slack_sdk."""
    lying = "Acme topline at https://evil.test/\u202emoc.elgoog\u202c \u2067see\u2069 &#x202E;here"
    async with discord_harness(tmp_path, seed_defaults=False) as h:
        store = h.app.store
        await store.subscriptions.add("discord", str(CHANNEL_ID), SubscriptionFilters(keywords=["topline"]))
        await store.subscriptions.add("slack", "C100", SubscriptionFilters(keywords=["topline"]))
        async with Fetcher(FetchConfig(timeout_seconds=2, allow_private_addresses=True)) as fetcher:
            server.static("/bidi", rss([Item("Acme baseline", guid="0")]))
            await beside_good(server, store, fetcher, ["/bidi"])
            server.static("/bidi", rss([Item("Acme baseline", guid="0"),
                                        Item(lying, guid="1", summary=lying, link="https://news.test/\u202eb")]))
            await Pipeline(store, fetcher).cycle_and_deliver()
        [stored] = [e for e in await store.events.latest(limit=5) if "topline" in e.title]
        assert "https://evil.test/moc.elgoog see here" in stored.title
        await Dispatcher(store, [h.front.sink], base_delay_seconds=0).drain()
        [body] = [c.body for c in h.mock.calls_to("POST", f"/channels/{CHANNEL_ID}/messages")]
        sent_discord = json.dumps(body, ensure_ascii=False)
        slack = SlackMock(server)
        slack.install()
        client = AsyncWebClient(token="xoxb-x", base_url=slack.api_base)
        await Dispatcher(store, [SlackSink(client)], base_delay_seconds=0).drain()
        [posted] = slack.posted
        sent_slack = json.dumps(posted, ensure_ascii=False)
        for sent in (sent_discord, sent_slack):
            assert "evil.test/moc.elgoog" in sent
            assert not set(sent) & set(BIDI), ascii(sent)
            assert "\\u202" not in sent and "\\u206" not in sent  # nor JSON-escaped

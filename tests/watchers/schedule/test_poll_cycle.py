"""The spine end to end in-process: local feeds → poll cycle → store → outbox → console sink."""
from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from aiohttp import web

from storage.store import Store
from tests.support.feeds import Item, atom, items, rss
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from watchers.fetch.http import FetchConfig, Fetcher


async def test_first_poll_posts_nothing_then_exactly_the_new_item(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    rig = Pipeline(store, fetcher)
    server.static("/feed.xml", rss(items(5)))
    await store.sources.add("rss", server.url("/feed.xml"), "Acme")
    assert await rig.cycle_and_deliver() == ""
    server.static("/feed.xml", rss(items(6)))
    out = await rig.cycle_and_deliver()
    assert out.count("Acme Bio announces update number") == 1
    assert "update number 6" in out
    assert await rig.cycle_and_deliver() == ""
    assert [e.title for e in await store.events.latest()] == ["Acme Bio announces update number 6"]


async def test_atom_feed_new_entry_alerts(server: LocalServer, store: Store, fetcher: Fetcher) -> None:
    rig = Pipeline(store, fetcher)
    server.static("/atom", atom(items(2)), content_type="application/atom+xml")
    await store.sources.add("rss", server.url("/atom"), "Acme filings")
    await rig.cycle_and_deliver()
    server.static("/atom", atom(items(3)), content_type="application/atom+xml")
    out = await rig.cycle_and_deliver()
    assert "update number 3" in out and "source: Acme filings" in out


async def test_restart_does_not_repeat_an_alert(server: LocalServer, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    server.static("/f", rss(items(1)))
    config = FetchConfig(allow_private_addresses=True)
    outputs = []
    for round_ in range(3):
        if round_ == 1:
            server.static("/f", rss(items(2)))
        store = await Store.open(url)
        async with Fetcher(config) as fetcher:
            if round_ == 0:
                await store.sources.add("rss", server.url("/f"), "Acme")
            outputs.append(await Pipeline(store, fetcher).cycle_and_deliver())
        await store.close()
    assert outputs[0] == "" and "update number 2" in outputs[1] and outputs[2] == ""


async def test_validators_come_back_and_304_produces_nothing(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    body = rss(items(2))

    async def handler(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"abc"':
            return web.Response(status=304)
        return web.Response(text=body, content_type="application/rss+xml",
                            headers={"ETag": '"abc"', "Last-Modified": "Sun, 01 Nov 2026 00:00:00 GMT"})

    server.route("/f", handler)
    rig = Pipeline(store, fetcher)
    source = await store.sources.add("rss", server.url("/f"), "Acme")
    await rig.cycle_and_deliver()
    body = rss(items(3))  # the server would have new items, but answers 304 to our validators
    assert await rig.cycle_and_deliver() == ""
    second = server.hits("/f")[1].headers
    assert second["If-None-Match"] == '"abc"'
    assert second["If-Modified-Since"] == "Sun, 01 Nov 2026 00:00:00 GMT"
    kept = await store.sources.get(source.id)
    assert kept.etag == '"abc"' and kept.consecutive_failures == 0


async def test_each_broken_source_fails_alone_and_good_ones_deliver(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return web.Response(text=rss(items(1)))

    server.static("/good", rss(items(1, "Good")))
    server.static("/malformed", "<?xml version='1.0'?><rss><channel><item><title>x</ti", content_type="text/xml")
    server.static("/html", "<!DOCTYPE html><html><body>Access denied</body></html>", content_type="text/html")
    server.static("/e500", "boom", status=500)
    server.route("/slow", slow)
    server.static("/big", "<rss>" + "x" * 60_000 + "</rss>")
    server.static("/loop", "", status=302, headers={"Location": "/loop"})
    rig = Pipeline(store, fetcher)
    expected = {
        "/malformed": "malformed",
        "/html": "HTML page",
        "/missing": "HTTP 404",
        "/e500": "HTTP 500",
        "/slow": "timed out",
        "/big": "too large",
        "/loop": "too many redirects",
    }
    ids = {}
    for path in ["/good", *expected]:
        ids[path] = (await store.sources.add("rss", server.url(path), path)).id
    private = await store.sources.add("rss", "file:///etc/passwd", "file")
    await rig.cycle_and_deliver()
    server.static("/good", rss(items(2, "Good")))
    out = await rig.cycle_and_deliver()
    assert "Good announces update number 2" in out
    for path, needle in expected.items():
        source = await store.sources.get(ids[path])
        assert needle in (source.last_error or ""), (path, source.last_error)
        assert source.consecutive_failures == 2
    assert "only http and https" in ((await store.sources.get(private.id)).last_error or "")
    assert (await store.sources.get(ids["/good"])).consecutive_failures == 0


async def test_redirect_to_private_address_fails_that_source_only(server: LocalServer, store: Store) -> None:
    server.static("/good", rss(items(1)))
    server.static("/redir", "", status=302, headers={"Location": f"http://localhost:{server.port}/good"})
    config = FetchConfig(timeout_seconds=1, private_allowlist=frozenset({f"127.0.0.1:{server.port}"}))
    async with Fetcher(config) as fetcher:
        rig = Pipeline(store, fetcher)
        good = await store.sources.add("rss", server.url("/good"), "good")
        bad = await store.sources.add("rss", server.url("/redir"), "bad")
        await rig.cycle_and_deliver()
    assert "refused" in ((await store.sources.get(bad.id)).last_error or "")
    assert (await store.sources.get(good.id)).primed


async def test_failing_feed_warns_at_half_then_is_disabled(server: LocalServer, store: Store, fetcher: Fetcher) -> None:
    server.static("/down", "no", status=503)
    rig = Pipeline(store, fetcher, max_failures=4)
    source = await store.sources.add("rss", server.url("/down"), "Flaky feed")
    outputs = [await rig.cycle_and_deliver() for _ in range(5)]
    assert "BOT NOTICE" not in outputs[0]
    assert "Source failing (2 times in a row): Flaky feed" in outputs[1]
    assert outputs[2] == ""
    assert "Source disabled after 4 failures in a row: Flaky feed" in outputs[3]
    assert outputs[4] == ""  # disabled: no longer polled
    assert len(server.hits("/down")) == 4
    assert (await store.sources.get(source.id)).disabled


async def test_backoff_grows_with_failures(server: LocalServer, store: Store, fetcher: Fetcher) -> None:
    server.static("/down", "no", status=500)
    rig = Pipeline(store, fetcher)
    source = await store.sources.add("rss", server.url("/down"), "down")
    delays = []
    for _ in range(3):
        await rig.cycle_and_deliver()
        s = await store.sources.get(source.id)
        assert s.next_poll_at and s.last_attempt_at
        delays.append((s.next_poll_at - s.last_attempt_at).total_seconds())
    assert delays[0] < delays[1] < delays[2]
    assert 540 <= delays[0] <= 660 and 1080 <= delays[1] <= 1320


async def test_retry_after_pushes_next_poll(server: LocalServer, store: Store, fetcher: Fetcher) -> None:
    server.static("/busy", "later", status=429, headers={"Retry-After": "7200"})
    rig = Pipeline(store, fetcher)
    source = await store.sources.add("rss", server.url("/busy"), "busy")
    await rig.cycle_and_deliver()
    s = await store.sources.get(source.id)
    assert s.next_poll_at and s.last_attempt_at
    assert (s.next_poll_at - s.last_attempt_at).total_seconds() >= 7199


def _closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once, like a network that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_every_source_unreachable_at_once_is_our_outage_and_spends_no_attempts(
    store: Store, fetcher: Fetcher
) -> None:
    port = _closed_port()
    rig = Pipeline(store, fetcher, max_failures=4)
    sources = [await store.sources.add("rss", f"http://{host}:{port}/feed.xml", f"feed on {host}")
               for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3")]
    outputs = [await rig.cycle_and_deliver() for _ in range(6)]  # more cycles than the failure limit
    assert outputs == [""] * 6  # no "failing" or "disabled" notice
    for source in sources:
        after = await store.sources.get(source.id)
        assert not after.disabled and after.consecutive_failures == 0
        assert after.last_error is not None and "cannot connect" in after.last_error  # health still says why


async def test_one_unreachable_source_among_reachable_ones_still_counts(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    server.static("/ok.xml", rss(items(2)), content_type="application/rss+xml")
    rig = Pipeline(store, fetcher, max_failures=4)
    await store.sources.add("rss", server.url("/ok.xml"), "good")
    down = await store.sources.add("rss", f"http://127.0.0.2:{_closed_port()}/feed.xml", "unreachable")
    outputs = [await rig.cycle_and_deliver() for _ in range(4)]
    assert "Source disabled after 4 failures in a row: unreachable" in outputs[3]
    assert (await store.sources.get(down.id)).disabled


async def test_unreachable_sources_on_one_host_are_that_host_down_and_count(store: Store, fetcher: Fetcher) -> None:
    port = _closed_port()
    rig = Pipeline(store, fetcher, max_failures=4)
    first = await store.sources.add("rss", f"http://127.0.0.2:{port}/a.xml", "a")
    await store.sources.add("rss", f"http://127.0.0.2:{port}/b.xml", "b")
    for _ in range(4):
        await rig.cycle_and_deliver()
    assert (await store.sources.get(first.id)).disabled


async def test_relative_links_resolve_against_the_feed_url(server: LocalServer, store: Store, fetcher: Fetcher) -> None:
    """A CMS feed without xml:base whose links are relative ("/news/2"): the alert links to the page on the feed's
    host, as a browser would resolve it (was: "/news/2", a link nowhere and no release page to read)."""
    rig = Pipeline(store, fetcher)
    server.static("/ir/feed.xml", rss([Item("Acme Bio announces update number 1", guid="g1", link="/news/1")]))
    await store.sources.add("rss", server.url("/ir/feed.xml"), "Acme IR")
    assert await rig.cycle_and_deliver() == ""
    server.static("/ir/feed.xml", rss([
        Item("Acme Bio announces update number 1", guid="g1", link="/news/1"),
        Item("Acme Bio Receives FDA Fast Track Designation for AB-101", guid="g2", link="/news/2"),
        Item("Acme Bio doses first patient in Phase 1 trial of AB-202", guid="g3", link="news/3"),
    ]))
    await rig.cycle_and_deliver()
    links = sorted(e.url for e in await store.events.latest())
    assert links == [server.url("/ir/news/3"), server.url("/news/2")]


async def test_poll_one_reports_the_next_poll_it_wrote(server: LocalServer, store: Store, fetcher: Fetcher) -> None:
    """A queue job re-defers its source from the report, without reading the source back: the report must hold
    what the store holds, after a success, a failure, and the failure that disables the source."""
    server.static("/ok", rss(items(2)), content_type="application/rss+xml")
    server.static("/down", "no", status=503)
    rig = Pipeline(store, fetcher, max_failures=2)
    good = await store.sources.add("rss", server.url("/ok"), "good")
    bad = await store.sources.add("rss", server.url("/down"), "bad")
    for source, disabled in ((good, False), (bad, False), (bad, True)):
        report = await rig.cycle.poll_one(await store.sources.get(source.id))
        stored = await store.sources.get(source.id)
        assert stored.disabled is disabled
        assert report.next_polls == {source.id: None if disabled else stored.next_poll_at}


async def test_a_cycle_keeps_no_next_polls(server: LocalServer, store: Store, fetcher: Fetcher) -> None:
    server.static("/ok", rss(items(2)), content_type="application/rss+xml")
    await store.sources.add("rss", server.url("/ok"), "good")
    report = await Pipeline(store, fetcher).cycle.run_once(due_only=False)
    assert report.polled == 1 and report.next_polls is None  # 100,000 sources a cycle: nothing kept per source

"""Feed identity and flood guards through the real pipeline: local feeds → poll cycle → store → console alerts."""
from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from storage.models import ProgramIn, SubscriptionFilters
from storage.store import Store
from tests.support.feeds import Item, items, rss
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from watchers.fetch.http import FetchConfig, Fetcher


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchConfig(timeout_seconds=2, max_bytes=5_000_000, allow_private_addresses=True)) as f:
        yield f


def etag_feed(server: LocalServer, path: str) -> dict[str, str]:
    """A feed that answers 304 to its current ETag; set state["body"] and state["etag"] to change it."""
    state = {"body": "", "etag": '"v1"'}

    async def handler(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == state["etag"]:
            return web.Response(status=304)
        return web.Response(text=state["body"], content_type="application/rss+xml", headers={"ETag": state["etag"]})

    server.route(path, handler)
    return state


def archive(n: int) -> list[Item]:
    """Releases from years back, as an archive page re-served by a feed."""
    base = datetime(2019, 3, 1, 9, tzinfo=UTC)
    return [Item(f"Acme Bio archived release {i} on its pipeline", guid=f"old-{i}", link=f"https://news.test/old/{i}",
                 summary=f"Archived summary {i}.", published=base + timedelta(days=i)) for i in range(n)]


async def test_reserved_archive_is_recorded_silently_with_one_notice(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    state = etag_feed(server, "/feed.xml")
    state["body"] = rss(items(5))
    await store.sources.add("rss", server.url("/feed.xml"), "Acme IR")
    pipe = Pipeline(store, fetcher, as_json=True)
    assert await pipe.alerts() == []  # priming
    assert await pipe.alerts() == [] and await pipe.alerts() == []  # 304s
    fresh = items(1, start=6)
    state["body"], state["etag"] = rss(archive(200) + fresh + items(5)), '"v2"'
    alerts = await pipe.alerts()
    titles = [a["title"] for a in alerts]
    # Before: 201 alerts (every archived item). After: the one new release and one notice.
    assert titles == ["Acme Bio announces update number 6", "Feed Acme IR served 200 unseen items; not announced"]
    assert alerts[1]["kind"] == "system"
    assert await pipe.alerts() == []
    state["body"], state["etag"] = rss(archive(200) + fresh + items(5)) + " ", '"v3"'
    assert await pipe.alerts() == []  # all recorded: nothing twice


async def test_too_many_recent_items_at_once_become_one_notice(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    server.static("/feed.xml", rss(items(5)))
    await store.sources.add("rss", server.url("/feed.xml"), "Acme IR")
    pipe = Pipeline(store, fetcher, as_json=True)
    assert await pipe.alerts() == []
    server.static("/feed.xml", rss(items(40)))  # 35 unseen items dated like the feed's recent ones
    assert [a["title"] for a in await pipe.alerts()] == ["Feed Acme IR served 35 unseen items; not announced"]
    server.static("/feed.xml", rss(items(41)))
    assert [a["title"] for a in await pipe.alerts()] == ["Acme Bio announces update number 41"]


async def test_unstable_links_dates_and_rotated_guids_announce_nothing_again(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    fetches = itertools.count(1)
    state = {"extra": []}

    async def tracking(request: web.Request) -> web.Response:
        n = next(fetches)
        stamp = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=n)  # re-stamped on every fetch
        entries = [
            Item(f"Acme Bio release {i} with tracked link", link=f"https://News.Test/pr/{i}?id={i}&utm_source=rss"
                 f"&utm_campaign=c{n}&fbclid=F{n}#top", summary=f"Lede {i}.", published=stamp) for i in range(3)
        ] + [Item(f"Acme Bio bare release {i}", summary=f"No guid, no link {i}.", published=stamp) for i in range(3)]
        return web.Response(text=rss(entries + state["extra"]), content_type="application/rss+xml")

    server.route("/tracking.xml", tracking)
    rotating = itertools.count(1)

    async def rotated(request: web.Request) -> web.Response:
        n = next(rotating)  # the CMS hands out new GUIDs on every render
        entries = [Item(f"Beta Bio release {i}", guid=f"urn:render-{n}:{i}", summary=f"Beta lede {i}.")
                   for i in range(3)]
        return web.Response(text=rss(entries), content_type="application/rss+xml")

    server.route("/rotated.xml", rotated)
    await store.sources.add("rss", server.url("/tracking.xml"), "Acme IR")
    await store.sources.add("rss", server.url("/rotated.xml"), "Beta IR")
    pipe = Pipeline(store, fetcher, as_json=True)
    assert await pipe.alerts() == []  # priming
    # Before: 9 alerts per poll (3 tracked links, 3 re-dated keyless items, 3 rotated GUIDs). After: none.
    assert [a["title"] for a in await pipe.alerts()] == []
    assert [a["title"] for a in await pipe.alerts()] == []
    state["extra"] = [Item("Acme Bio genuinely new release", link="https://news.test/pr/new?utm_source=x")]
    assert [a["title"] for a in await pipe.alerts()] == ["Acme Bio genuinely new release"]
    assert await pipe.alerts() == []


WIRE_TITLE = "Northwind Bio Announces Positive Topline Results from Phase 2 Trial of NWB-220 in DMD"
WIRE_LEDE = ("CAMBRIDGE, Mass., Nov. 20, 2026 -- Northwind Bio today announced positive topline results from its "
             "Phase 2 trial of NWB-220, meeting the primary endpoint.")


async def test_same_release_in_ir_feed_and_wire_is_one_alert_with_both_sources(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    await store.programs.add(ProgramIn(name="NWB-220", aliases=["velinocel"], sponsors=["Northwind Bio"]))
    old_ir, old_wire = Item("Northwind Bio corporate update", guid="ir-0"), Item("Other Co news", guid="w-0")
    server.static("/ir.xml", rss([old_ir]))
    server.static("/wire.xml", rss([old_wire]))
    ir = await store.sources.add("rss", server.url("/ir.xml"), "Northwind IR")
    wire = await store.sources.add("rss", server.url("/wire.xml"), "GlobeNewswire")
    wire_only = await store.subscriptions.add("console", "wire-desk", SubscriptionFilters(source_ids=[wire.id]))
    pipe = Pipeline(store, fetcher, as_json=True)
    assert await pipe.alerts() == []
    server.static("/ir.xml", rss([Item(WIRE_TITLE, guid="ir-77", link="https://ir.northwind.test/news/77",
                                       summary=WIRE_LEDE), old_ir]))
    server.static("/wire.xml", rss([Item(WIRE_TITLE.upper() + ".", guid="gnw-2026-11-20-123",
                                         link="https://www.globenewswire.test/news/123", summary=WIRE_LEDE), old_wire]))
    alerts = await pipe.alerts()
    # Before: 2 events, each alerted (3 posts here: the wire desk hears the wire). After: one event telling both
    # sources and links, posted once to each of the two channels.
    assert len({a["id"] for a in alerts}) == 1 and len(alerts) == 2
    assert {(a["kind"], a["subtype"]) for a in alerts} == {("readout", "topline")}
    [event] = [e for e in await store.events.latest() if e.kind == "readout"]
    told = await store.events.sources(event.id)
    assert {(s.source_id, s.url) for s in told} == {(ir.id, "https://ir.northwind.test/news/77"),
                                                     (wire.id, "https://www.globenewswire.test/news/123")}
    # Whichever source is recorded first, a channel following only the wire has the release exactly once.
    async with store.db.atomic() as db:
        rows = await db.all(
            "SELECT ds.subscription_id FROM deliveries d JOIN delivery_subscriptions ds ON ds.delivery_id = d.id "
            "WHERE d.event_id = ?", (event.id,))
    assert sorted(r[0] for r in rows).count(wire_only.id) == 1 and len(rows) == 2
    assert await pipe.alerts() == []


async def test_edited_title_reclassifies_alerts_once_and_typo_fix_does_not(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    await store.programs.add(ProgramIn(name="NWB-220", aliases=["velinocel"], sponsors=["Northwind Bio"]))
    primed = Item("Northwind Bio to present data from Phase 2 trial of NWB-220 in Duchenne muscular dystrophy",
                  guid="nw-primed", link="https://news.test/nw/1")
    server.static("/nw.xml", rss([primed]))
    await store.sources.add("rss", server.url("/nw.xml"), "Northwind IR")
    pipe = Pipeline(store, fetcher, as_json=True)
    assert await pipe.alerts() == []
    edited = Item("Northwind Bio presents positive topline data from Phase 2 trial of NWB-220 in Duchenne muscular "
                  "dystrophy", guid="nw-primed", link="https://news.test/nw/1")
    server.static("/nw.xml", rss([edited]))
    # Before: the same GUID was never looked at again (0 alerts). After: re-classified, one readout alert.
    assert [(a["kind"], a["subtype"]) for a in await pipe.alerts()] == [("readout", "topline")]
    typo = Item(edited.title.replace("muscular dystrophy", "Muscular Dystrophy"), guid="nw-primed", link="https://news.test/nw/1",
                summary="Northwind Bio presented positve topline data.")
    server.static("/nw.xml", rss([typo]))
    assert await pipe.alerts() == []
    fixed = Item(typo.title, guid="nw-primed", link="https://news.test/nw/1",
                 summary="Northwind Bio presented positive topline data.")
    server.static("/nw.xml", rss([fixed]))
    assert await pipe.alerts() == []


async def test_edit_of_an_item_announced_after_priming_alerts_once_more(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    server.static("/nw.xml", rss([Item("Northwind Bio corporate update", guid="nw-0")]))
    await store.sources.add("rss", server.url("/nw.xml"), "Northwind IR")
    pipe = Pipeline(store, fetcher, as_json=True)
    assert await pipe.alerts() == []
    first = Item("Northwind Bio to present data from its Phase 2 DMD trial in December", guid="nw-1")
    server.static("/nw.xml", rss([first]))
    assert [a["kind"] for a in await pipe.alerts()] == ["other"]
    server.static("/nw.xml", rss([Item("Northwind Bio presents positive topline data from its Phase 2 DMD trial",
                                       guid="nw-1")]))
    assert [(a["kind"], a["subtype"]) for a in await pipe.alerts()] == [("readout", "topline")]
    server.static("/nw.xml", rss([Item("Northwind Bio presents positive topline data from its Phase 2 DMD trial.",
                                       guid="nw-1", summary="Corrected date.")]))
    assert await pipe.alerts() == []


async def test_first_poll_after_upgrade_from_single_keys_reannounces_nothing(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    old = [Item("Acme Bio tracked release", link="https://news.test/pr/1?utm_source=rss", summary="Lede one."),
           Item("Acme Bio bare release", summary="No guid, no link."), Item("Acme Bio guid release", guid="g-1")]
    server.static("/feed.xml", rss(old))
    await store.sources.add("rss", server.url("/feed.xml"), "Acme IR")
    pipe = Pipeline(store, fetcher, as_json=True)
    assert await pipe.alerts() == []
    async with store.db.atomic() as db:  # as recorded before 0006: one key per item, link/date-based otherwise
        await db.write("UPDATE seen_items SET content_key = NULL, "
                       "item_key = CASE WHEN item_key LIKE 'guid:%' THEN item_key ELSE 'old:' || item_key END")
    server.static("/feed.xml", rss([*old, Item("Acme Bio new release", guid="g-2")]))
    assert [a["title"] for a in await pipe.alerts()] == ["Acme Bio new release"]
    server.static("/feed.xml", rss([*old, Item("Acme Bio new release", guid="g-2"),
                                    Item("Acme Bio later release", link="https://news.test/pr/9")]))
    assert [a["title"] for a in await pipe.alerts()] == ["Acme Bio later release"]


async def test_a_whole_feed_rewritten_at_once_is_one_notice_not_an_alert_per_edit(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    server.static("/feed.xml", rss(items(30)))
    await store.sources.add("rss", server.url("/feed.xml"), "Acme IR")
    pipe = Pipeline(store, fetcher, as_json=True)
    assert await pipe.alerts() == []
    rewritten = [Item(f"Acme Bio reports positive topline data from Phase 2 study {it.guid}", guid=it.guid,
                      link=it.link, summary=it.summary, published=it.published) for it in items(30)]
    server.static("/feed.xml", rss(rewritten))
    assert [a["title"] for a in await pipe.alerts()] == ["Feed Acme IR served 30 unseen items; not announced"]
    assert await pipe.alerts() == []

"""A changed feed's recorded items are not read again (issue 19), end to end: local feed → the real RSS watcher and
poll cycle → store → console. What a channel hears and what the store holds are what reading every item gives."""
from __future__ import annotations

from storage.store import Store
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from watchers.fetch.http import Fetcher
from watchers.sources import build_watchers


async def test_a_changed_feed_reads_only_its_new_item_and_alerts_once(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    rig = Pipeline(store, fetcher)
    server.static("/feed.xml", rss(items(5)))
    source = await store.sources.add("rss", server.url("/feed.xml"), "Acme")
    assert await rig.cycle_and_deliver() == ""
    assert len((await store.sources.get(source.id)).item_digests or b"") == 5 * 8  # recorded with the baseline

    server.static("/feed.xml", rss(items(6)))
    watcher = build_watchers(store, fetcher)["rss"]
    polled = await store.sources.get(source.id)
    found = await watcher.parse(polled, await watcher.fetch(polled))
    assert sorted((i.key, i.unchanged) for i in found) == sorted(
        [(f"guid:Acme Bio-{n}", True) for n in range(1, 6)] + [("guid:Acme Bio-6", False)])

    out = await rig.cycle_and_deliver()
    assert out.count("Acme Bio announces update number") == 1 and "update number 6" in out
    assert len((await store.sources.get(source.id)).item_digests or b"") == 6 * 8
    assert await store.seen.unseen(source.id, [f"guid:Acme Bio-{n}" for n in range(1, 7)]) == []
    assert (await store.sources.get(source.id)).last_error is None


async def test_an_item_said_unchanged_without_its_row_is_read_and_announced_as_without_digests(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    """The store lost an item's row (or was restored apart from its sources): the item the feed still serves is
    new to it, as it would be had no digest been kept; the poll reads every item instead of failing."""
    rig = Pipeline(store, fetcher)
    server.static("/feed.xml", rss(items(5)))
    source = await store.sources.add("rss", server.url("/feed.xml"), "Acme")
    await rig.cycle_and_deliver()
    await store.db.write("DELETE FROM seen_items WHERE source_id = ? AND item_key = ?", (source.id, "guid:Acme Bio-5"))
    server.static("/feed.xml", rss(items(6)))
    out = await rig.cycle_and_deliver()
    assert "update number 5" in out and "update number 6" in out
    assert out.count("Acme Bio announces update number") == 2
    got = await store.sources.get(source.id)
    assert got.last_error is None and got.consecutive_failures == 0 and len(got.item_digests or b"") == 6 * 8
    assert await rig.cycle_and_deliver() == ""  # and each once


async def test_an_edited_item_is_still_an_edit(server: LocalServer, store: Store, fetcher: Fetcher) -> None:
    """Same GUID, new title: read again (its digest changed) and re-classified; the others are not read."""
    rig = Pipeline(store, fetcher)
    base = items(3)
    base[1].title = "Acme Bio announces dosing of first patient in Phase 1 trial of AB-101"
    server.static("/feed.xml", rss(base))
    source = await store.sources.add("rss", server.url("/feed.xml"), "Acme")
    await rig.cycle_and_deliver()
    base[1].title = "Acme Bio announces positive topline results from Phase 1 trial of AB-101"
    server.static("/feed.xml", rss(base))
    out = await rig.cycle_and_deliver()
    assert "positive topline results" in out and out.count("Acme Bio announces") == 1
    assert len((await store.sources.get(source.id)).item_digests or b"") == 3 * 8

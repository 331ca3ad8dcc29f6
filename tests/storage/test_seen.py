"""Seen items keep both identities, the item's date and its last classification; events keep every teller."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import NewEvent, SeenItem, utcnow
from storage.store import Store

T0 = datetime(2026, 11, 1, tzinfo=UTC)


async def test_known_by_either_key_and_upsert_keeps_classification(store: Store) -> None:
    src = await store.sources.add("rss", "https://a.test/feed", "A")
    await store.seen.add(src.id, [SeenItem(item_key="guid:1", content_key="c:1", published_at=T0,
                                           classified_as="other/other"),
                                  SeenItem(item_key="guid:2", content_key="c:2")], T0)
    found = await store.seen.known(src.id, ["guid:9"], ["c:2"])
    assert [s.item_key for s in found] == ["guid:2"]
    await store.seen.add(src.id, [SeenItem(item_key="guid:1", content_key="c:1b")], T0 + timedelta(days=1))
    [row] = await store.seen.known(src.id, ["guid:1"], [])
    assert (row.content_key, row.published_at, row.classified_as) == ("c:1b", T0, "other/other")
    history = await store.seen.history(src.id)
    assert (history.newest_published_at, history.primed_at, history.legacy) == (T0, T0, False)
    empty = await store.seen.history(999)
    assert empty.newest_published_at is None and not empty.legacy


async def test_events_with_a_fingerprint_list_every_source(store: Store) -> None:
    a = await store.sources.add("rss", "https://a.test/feed", "IR")
    b = await store.sources.add("rss", "https://b.test/feed", "Wire")
    ev = NewEvent(dedupe_key="link:a", kind="readout", title="t", fingerprint="content:x")
    event_id = await store.events.insert(ev, a.id, utcnow())
    assert event_id is not None
    await store.events.add_source(event_id, a.id, "https://a.test/1", utcnow())
    await store.events.add_source(event_id, b.id, "https://b.test/1", utcnow())
    await store.events.add_source(event_id, b.id, "https://b.test/1", utcnow())
    [cand] = await store.events.with_fingerprint("content:x")
    assert (cand.event_id, cand.source_id, cand.suppressed) == (event_id, a.id, False)
    assert [(s.source_name, s.url) for s in await store.events.sources(event_id)] == [
        ("IR", "https://a.test/1"), ("Wire", "https://b.test/1")]


async def test_known_finds_the_same_in_one_statement_or_in_chunks(store: Store) -> None:
    """A feed's window is looked up in one statement; a window past the parameter chunk in several: same answer."""
    src = await store.sources.add("rss", "https://a.test/feed", "A")
    other = await store.sources.add("rss", "https://b.test/feed", "B")
    await store.seen.add(src.id, [SeenItem(item_key=f"guid:{n}", content_key=f"c:{n}") for n in range(700)], T0)
    await store.seen.add(other.id, [SeenItem(item_key="guid:1", content_key="c:1")], T0)
    for keys, contents, expected in [
        (["guid:1", "guid:5000"], ["c:2", "c:1"], {"guid:1", "guid:2"}),
        ([], ["c:3"], {"guid:3"}),
        (["guid:4"], [], {"guid:4"}),
        ([], [], set()),
        ([f"guid:{n}" for n in range(0, 700, 2)], [f"c:{n}" for n in range(1, 700, 2)],
         {f"guid:{n}" for n in range(700)}),
    ]:
        found = await store.seen.known(src.id, keys, contents)
        assert {s.item_key for s in found} == expected
        assert len(found) == len(expected)

"""Several polls' writes in few statements (issue 19: a cycle's changed feeds written together), on SQLite and
PostgreSQL: each many-form writes what its one-at-a-time form writes for each."""
from __future__ import annotations

from datetime import timedelta

from storage.models import DeliveryTarget, NewEvent, Polled, ProgramIn, Queued, SeenItem, utcnow
from storage.repositories.programs import LEARNED_VERSION, PROGRAMS_VERSION
from storage.repositories.publications import KEEP
from storage.store import Store


async def test_mark_polled_many_keeps_a_304s_validators_and_replaces_a_changed_polls(store: Store) -> None:
    now = utcnow()
    a = await store.sources.add("rss", "https://a.example/feed", "A")
    b = await store.sources.add("rss", "https://b.example/feed", "B")
    for source in (a, b):
        await store.sources.mark_polled(source.id, now, now, not_modified=False, etag='"old"', last_modified="x")
        await store.sources.mark_failed(source.id, "HTTP 500", now, disable=False)
    later = now + timedelta(seconds=600)
    await store.sources.mark_polled_many([
        Polled(a.id, now, later, not_modified=True, partial_error="one item unreadable"),
        Polled(b.id, now, later, not_modified=False, etag='"new"', last_modified="y"),
    ])
    got_a, got_b = await store.sources.get(a.id), await store.sources.get(b.id)
    assert (got_a.etag, got_a.last_modified, got_a.last_error) == ('"old"', "x", "one item unreadable")
    assert (got_b.etag, got_b.last_modified, got_b.last_error) == ('"new"', "y", None)
    for got in (got_a, got_b):
        assert got.consecutive_failures == 0 and got.primed
        assert got.next_poll_at is not None and abs((got.next_poll_at - later).total_seconds()) < 1


async def test_item_digests_go_with_the_validators(store: Store) -> None:
    """A changed poll replaces the source's item digests (bytes as written, NUL bytes included); a 304 keeps them;
    a changed poll without digests (a feed read by feedparser) clears them, so no item is taken as unchanged."""
    now = utcnow()
    a = await store.sources.add("rss", "https://a.example/feed", "A")
    assert a.item_digests is None
    digests = bytes(range(256)) * 2 + b"\x00" * 8
    await store.sources.mark_polled(a.id, now, now, not_modified=False, etag='"1"', item_digests=digests)
    assert (await store.sources.get(a.id)).item_digests == digests
    await store.sources.mark_polled_many([Polled(a.id, now, now, not_modified=True)])
    got = (await store.sources.due(now + timedelta(seconds=1)))[0]
    assert got.id == a.id and got.item_digests == digests
    await store.sources.mark_polled_many([Polled(a.id, now, now, not_modified=False, etag='"2"',
                                                 item_digests=b"12345678")])
    assert (await store.sources.get(a.id)).item_digests == b"12345678"
    await store.sources.mark_polled(a.id, now, now, not_modified=False, etag='"3"')
    assert (await store.sources.get(a.id)).item_digests is None
    assert "item_digests" not in (await store.sources.get(a.id)).model_dump()  # never shown nor exported


async def test_seen_and_dates_of_several_sources_at_once(store: Store) -> None:
    now = utcnow()
    a = await store.sources.add("rss", "https://a.example/feed", "A")
    b = await store.sources.add("rss", "https://b.example/feed", "B")
    await store.seen.add_many([(a.id, [SeenItem(item_key="k1"), SeenItem(item_key="k2")]),
                               (b.id, [SeenItem(item_key="k1", content_key="c")])], now)
    assert await store.seen.unseen(a.id, ["k1", "k2", "k3"]) == ["k3"]
    assert await store.seen.unseen(b.id, ["k1", "k2"]) == ["k2"]

    dates = [now - timedelta(hours=h) for h in range(KEEP + 5)]
    await store.publications.add_many([(a.id, dates), (b.id, [now, None, now])])
    found = await store.publications.for_sources([a.id, b.id])
    assert len(found[a.id]) == KEEP  # the newest KEEP of each source, as add keeps
    assert min(found[a.id]) > dates[KEEP]
    assert len(found[b.id]) == 1


async def test_events_links_names_and_deliveries_of_several_events_at_once(store: Store) -> None:
    now = utcnow()
    source = await store.sources.add("rss", "https://a.example/feed", "A")
    other = await store.sources.add("rss", "https://b.example/feed", "B")
    sub = await store.subscriptions.ensure("console", "stdout")
    program = await store.programs.add(ProgramIn(name="ACM-1"))
    ids = []
    for n in range(2):
        event_id = await store.events.insert(NewEvent(dedupe_key=f"k{n}", kind="readout", title=f"Event {n}"),
                                             source.id, now)
        assert event_id is not None
        ids.append(event_id)
    async with store.unit_of_work() as uow:
        await uow.events.add_sources([(ids[0], source.id, "https://a.example/1"),
                                      (ids[0], other.id, "https://b.example/1"),
                                      (ids[1], source.id, None)], now)
        await uow.events.link_programs_many([(ids[0], program.id), (ids[1], program.id), (ids[0], program.id)])
        await uow.events.index_names_many([(ids[0], ["acm-1", "acm-1", ""]), (ids[1], ["acm-2"])])
        target = DeliveryTarget(platform="console", channel_id="stdout", subscription_ids=[sub.id])
        # The second is held (its page's facts to come); queuing the first again adds nothing.
        await uow.outbox.enqueue([Queued(ids[0], [target]), Queued(ids[1], [target], now + timedelta(seconds=600)),
                                  Queued(ids[0], [target])], now)
    assert [s.source_id for s in await store.events.sources(ids[0])] == sorted([source.id, other.id])
    assert sorted(e.id for e in await store.events.for_program(program.id)) == ids
    assert [e.id for e in await store.events.for_names(["acm-1"])] == [ids[0]]
    assert [e.id for e in await store.events.for_names(["acm-2"])] == [ids[1]]
    due = await store.outbox.due(["console"], now + timedelta(seconds=1))
    assert [d.event.id for d in due] == [ids[0]]  # the held one waits
    assert [d.event.id for d in await store.outbox.due(["console"], now + timedelta(seconds=601))] == ids


async def test_both_registry_versions_in_one_read(store: Store) -> None:
    assert await store.programs.versions() == ("0", "0")
    await store.meta.set(PROGRAMS_VERSION, "3")
    await store.meta.set(LEARNED_VERSION, "7")
    assert await store.programs.versions() == ("3", "7")


async def test_the_events_of_several_fingerprints_in_one_read(store: Store) -> None:
    now = utcnow()
    source = await store.sources.add("rss", "https://a.example/feed", "A")
    ids = [await store.events.insert(NewEvent(dedupe_key=f"k{n}", kind="readout", title=f"Event {n}",
                                              fingerprint="fp-a" if n < 2 else "fp-b"), source.id, now)
           for n in range(3)]
    found = await store.events.with_fingerprints(["fp-a", "fp-b", "fp-none"])
    assert found == {fp: await store.events.with_fingerprint(fp) for fp in ("fp-a", "fp-b", "fp-none")}
    assert [c.event_id for c in found["fp-a"]] == ids[:2] and found["fp-none"] == []

"""The sources due (issue 19: asked every tick, 100,000 sources at scale) and a cycle's 304s written together."""
from __future__ import annotations

from datetime import timedelta

from storage.clock import to_db
from storage.models import Polled, utcnow
from storage.store import Store


async def test_due_are_the_past_and_unscheduled_enabled_sources_in_id_order(store: Store) -> None:
    now = utcnow()
    ids = [(await store.sources.add("rss", f"https://a.test/{n}", f"Feed {n}")).id for n in range(6)]
    plan = {ids[0]: now + timedelta(minutes=5), ids[1]: now - timedelta(minutes=1), ids[2]: None,
            ids[3]: now - timedelta(hours=2), ids[4]: now + timedelta(seconds=1), ids[5]: now - timedelta(days=1)}
    async with store.db.atomic() as db:
        for source_id, when in plan.items():
            await db.write("UPDATE sources SET next_poll_at = ? WHERE id = ?", (to_db(when), source_id))
    await store.sources.set_enabled(ids[5], False)
    assert [s.id for s in await store.sources.due(now)] == [ids[1], ids[2], ids[3]]
    assert [s.id for s in await store.sources.due(now, "ctgov")] == []


async def test_the_due_query_reads_the_next_poll_index(store: Store) -> None:
    if store.dialect == "sqlite":
        plan = await store.db.all(
            "EXPLAIN QUERY PLAN SELECT id FROM sources WHERE disabled = 0 AND "
            "(next_poll_at IS NULL OR next_poll_at <= ?)", (to_db(utcnow()),))
        assert any("sources_next_poll" in str(row[-1]) for row in plan), plan
    else:
        row = await store.db.one("SELECT indexdef FROM pg_indexes WHERE indexname = 'sources_next_poll'")
        assert row is not None and "next_poll_at" in str(row[0])


async def test_many_304s_are_written_as_one_each_would_be(store: Store) -> None:
    now = utcnow()
    a = await store.sources.add("rss", "https://a.test/a", "A")
    b = await store.sources.add("rss", "https://a.test/b", "B")
    untouched = await store.sources.add("rss", "https://a.test/c", "C")
    for source in (a, b):
        await store.sources.mark_polled(source.id, now - timedelta(hours=1), now, not_modified=False,
                                        etag='"v1"', last_modified="Sun, 01 Nov 2026 00:00:00 GMT")
        await store.sources.mark_failed(source.id, "HTTP 500", now, disable=False)
    later = now + timedelta(minutes=10)
    await store.sources.mark_polled_many([
        Polled(a.id, now, later, not_modified=True),
        Polled(b.id, now, later, not_modified=True, partial_error="one page of three failed"),
    ])
    got_a, got_b, got_c = [await store.sources.get(s.id) for s in (a, b, untouched)]
    for got in (got_a, got_b):
        assert (got.consecutive_failures, got.primed, got.etag) == (0, True, '"v1"')
        assert got.last_modified == "Sun, 01 Nov 2026 00:00:00 GMT"
        assert to_db(got.last_success_at) == to_db(got.last_attempt_at) == to_db(now)
        assert to_db(got.next_poll_at) == to_db(later)
    assert (got_a.last_error, got_b.last_error) == (None, "one page of three failed")
    assert got_c.last_success_at is None and not got_c.primed

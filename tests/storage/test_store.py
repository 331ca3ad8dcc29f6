from __future__ import annotations

from datetime import timedelta

import pytest

from storage.migrate import migrations
from storage.models import NewEvent, SeenItem, SubscriptionFilters, utcnow
from storage.store import DuplicateError, NotFoundError, Store, sqlite_path
from watchers.record import add_events, record_outcome
from watchers.sources.base import PollOutcome


def ev(key: str, title: str = "Acme gets Fast Track", kind: str = "regulatory", **kw: object) -> NewEvent:
    return NewEvent(dedupe_key=key, kind=kind, title=title, **kw)  # type: ignore[arg-type]


async def test_migrations_set_the_version_and_settings(store: Store, store_url: str) -> None:
    latest = migrations(store.dialect)[-1][0]
    if store.dialect == "sqlite":
        assert (await store.db.one("PRAGMA user_version"))[0] == latest  # type: ignore[index]
        assert (await store.db.one("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
        assert (await store.db.one("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
    else:
        assert (await store.db.one("SELECT version FROM milestone_schema"))[0] == latest  # type: ignore[index]
    assert await store.integrity_check() == "ok"
    again = await Store.open(store_url)  # reopening applies nothing twice
    await again.close()


def test_database_urls() -> None:
    assert sqlite_path("sqlite:///milestones.db") == "milestones.db"
    assert sqlite_path("sqlite:////var/lib/x.db") == "/var/lib/x.db"
    assert sqlite_path("plain.db") == "plain.db"


async def test_duplicate_and_missing_sources_are_clear(store: Store) -> None:
    await store.sources.add("rss", "https://a.test/feed", "A")
    with pytest.raises(DuplicateError, match="already watched"):
        await store.sources.add("rss", "https://a.test/feed", "A again")
    with pytest.raises(NotFoundError, match="no source with id 99"):
        await store.sources.remove(99)


async def test_record_poll_is_idempotent_and_queues_deliveries_once(store: Store) -> None:
    src = await store.sources.add("rss", "https://a.test/feed", "A")
    sub = await store.subscriptions.ensure("console", "stdout")
    seen = [SeenItem(item_key="k1"), SeenItem(item_key="k2")]
    outcome = PollOutcome(source_id=src.id, seen_items=seen, events=[ev("e1"), ev("e2")], etag='"x"')
    first = await record_outcome(store, outcome, utcnow())
    second = await record_outcome(store, outcome, utcnow())
    assert len(first) == 2 and second == []
    assert await store.seen.unseen(src.id, ["k1", "k2", "k3"]) == ["k3"]
    due = await store.outbox.due(["console"], utcnow() + timedelta(seconds=1))
    assert [(d.event.title, d.subscription.id) for d in due] == [("Acme gets Fast Track", sub.id)] * 2
    assert (await store.sources.get(src.id)).etag == '"x"'


async def test_not_modified_keeps_validators(store: Store) -> None:
    src = await store.sources.add("rss", "https://a.test/feed", "A")
    await record_outcome(store, PollOutcome(source_id=src.id, etag='"v1"', last_modified="Mon"), utcnow())
    await record_outcome(store, PollOutcome(source_id=src.id, not_modified=True), utcnow())
    kept = await store.sources.get(src.id)
    assert (kept.etag, kept.last_modified) == ('"v1"', "Mon")


async def test_outbox_holds_only_matching_subscriptions(store: Store) -> None:
    reg = await store.subscriptions.add("console", "reg", SubscriptionFilters(kinds=["regulatory"]))
    kw = await store.subscriptions.add("console", "kw", SubscriptionFilters(keywords=["topline"]))
    prog = await store.subscriptions.add("console", "prog", SubscriptionFilters(programs=["azer-cel"]))
    await add_events(store, [
        ev("1", "Acme gets Fast Track"),
        ev("2", "Acme reports topline data", kind="readout"),
        ev("3", "Imugene update", kind="other", programs=["Azer Cel"]),
    ])
    due = await store.outbox.due(["console"], utcnow() + timedelta(seconds=1))
    got = {(d.subscription.id, d.event.dedupe_key) for d in due}
    assert got == {(reg.id, "1"), (kw.id, "2"), (prog.id, "3")}


async def test_system_events_reach_subscribers_of_their_source(store: Store) -> None:
    src = await store.sources.add("rss", "https://a.test/feed", "A")
    other = await store.sources.add("rss", "https://b.test/feed", "B")
    mine = await store.subscriptions.add("console", "mine", SubscriptionFilters(kinds=["readout"], source_ids=[src.id]))
    await store.subscriptions.add("console", "theirs", SubscriptionFilters(source_ids=[other.id]))
    await add_events(store, [ev("h", "Source failing", kind="system")], src.id)
    due = await store.outbox.due(["console"], utcnow() + timedelta(seconds=1))
    assert [d.subscription.id for d in due] == [mine.id]


async def test_disabling_a_subscription_stops_its_queue(store: Store) -> None:
    sub = await store.subscriptions.ensure("console", "stdout")
    await add_events(store, [ev("1")])
    await store.disable_subscription(sub.id, "channel deleted")
    assert await store.outbox.due(["console"], utcnow() + timedelta(seconds=1)) == []
    assert await store.outbox.counts() == {"dead": 1}
    assert (await store.subscriptions.get(sub.id)).disabled_reason == "channel deleted"

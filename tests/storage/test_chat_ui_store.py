"""Conversations, mutes and update lanes in the store (migration 0010)."""
from __future__ import annotations

from storage.models import NewEvent, SubscriptionFilters, utcnow
from storage.store import Store
from watchers.record import add_events


async def test_conversation_found_under_any_topic_and_restarted(store: Store) -> None:
    now = utcnow()
    await store.conversations.start("slack", "C1", ["program:azercel", "trial:NCT1"], "1.1", None, now)
    found = await store.conversations.find("slack", "C1", ["program:other", "trial:NCT1"])
    assert found is not None and (found.root_message_id, found.thread_id) == ("1.1", None)
    assert await store.conversations.find("slack", "C2", ["trial:NCT1"]) is None
    await store.conversations.set_thread("slack", "C1", "1.1", "1.1")
    assert (await store.conversations.find("slack", "C1", ["program:azercel"])).thread_id == "1.1"  # type: ignore[union-attr]
    await store.conversations.start("slack", "C1", ["program:azercel"], "2.2", None, now)
    again = await store.conversations.find("slack", "C1", ["program:azercel"])
    assert again is not None and (again.root_message_id, again.thread_id) == ("2.2", None)


async def test_mute_is_kept_once_per_channel_and_programme(store: Store) -> None:
    first = await store.mutes.add("discord", "9", "Azer-cel", "u1")
    assert (await store.mutes.add("discord", "9", "AZER CEL", "u2")).id == first.id
    assert await store.mutes.keys() == {("discord", "9", "azercel")}
    await store.mutes.remove(first.id)
    assert await store.mutes.list() == []


async def test_update_lane_is_queued_once_per_change_and_linked_like_the_alert(store: Store) -> None:
    sub = await store.subscriptions.add("slack", "C1", SubscriptionFilters())
    await store.subscriptions.add("console", "stdout", SubscriptionFilters())
    [event_id] = await add_events(store, [NewEvent(dedupe_key="a", kind="readout", title="A")])
    assert await store.outbox.enqueue_update(event_id, "x", "changed", utcnow(), ["slack"]) == 1
    assert await store.outbox.enqueue_update(event_id, "x", "changed", utcnow(), ["slack"]) == 1
    rows = await store.db.all("SELECT platform, lane, note FROM deliveries WHERE lane LIKE 'update:%'")
    assert [tuple(r) for r in rows] == [("slack", "update:x", "changed")]
    [update] = [p for p in await store.outbox.due(["slack"], utcnow()) if p.delivery.is_update]
    assert update.subscriptions[0].id == sub.id and update.delivery.note == "changed"
    assert await store.outbox.posted_message(event_id, "slack", "C1") is None  # not sent yet
    [alert] = [p for p in await store.outbox.due(["slack"], utcnow()) if not p.delivery.is_update]
    await store.outbox.mark_delivered([alert.delivery.id], "5.5", None)
    assert await store.outbox.posted_message(event_id, "slack", "C1") == ("5.5", None)
    assert await store.outbox.event_of_message("slack", "C1", "5.5") == event_id
    assert await store.outbox.event_of_message("slack", "C2", "5.5") is None


async def test_update_reaches_each_channel_of_the_alert_with_every_subscription_behind_it(store: Store) -> None:
    # Two subscriptions behind one Slack channel, a second Slack channel, a Discord one; console is not editable.
    slack_a = await store.subscriptions.add("slack", "C1", SubscriptionFilters())
    slack_b = await store.subscriptions.add("slack", "C1", SubscriptionFilters(kinds=["readout"]))
    other = await store.subscriptions.add("slack", "C2", SubscriptionFilters())
    discord = await store.subscriptions.add("discord", "9", SubscriptionFilters())
    await store.subscriptions.add("console", "stdout", SubscriptionFilters())
    [event_id] = await add_events(store, [NewEvent(dedupe_key="a", kind="readout", title="A")])
    [sent] = [p for p in await store.outbox.due(["slack"], utcnow())
              if p.delivery.channel_id == "C2"]
    await store.outbox.mark_delivered([sent.delivery.id], "7.7", None)

    assert await store.outbox.enqueue_update(event_id, "y", "only where sent", utcnow(), ["slack"],
                                             sent_only=True) == 1
    assert await store.outbox.enqueue_update(event_id, "x", "changed", utcnow(), ["slack", "discord"]) == 3
    rows = await store.db.all("SELECT platform, channel_id, lane, note FROM deliveries "
                              "WHERE lane LIKE 'update:%' ORDER BY lane, platform, channel_id")
    assert [tuple(r) for r in rows] == [
        ("discord", "9", "update:x", "changed"), ("slack", "C1", "update:x", "changed"),
        ("slack", "C2", "update:x", "changed"), ("slack", "C2", "update:y", "only where sent"),
    ]
    links = await store.db.all(
        "SELECT d.channel_id, d.lane, ds.subscription_id FROM delivery_subscriptions ds "
        "JOIN deliveries d ON d.id = ds.delivery_id WHERE d.lane LIKE 'update:%' "
        "ORDER BY d.lane, d.channel_id, ds.subscription_id")
    assert [tuple(r) for r in links] == [
        ("9", "update:x", discord.id), ("C1", "update:x", slack_a.id), ("C1", "update:x", slack_b.id),
        ("C2", "update:x", other.id), ("C2", "update:y", other.id),
    ]
    assert await store.outbox.enqueue_update(event_id, "z", "none", utcnow(), ["teams"]) == 0

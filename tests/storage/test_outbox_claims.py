"""Claiming due deliveries with a lease: one owner per delivery (and per channel) until it is sent or the lease ends."""
from __future__ import annotations

from datetime import timedelta

from storage.models import NewEvent, utcnow
from storage.store import Store
from watchers.record import add_events


async def _queue(store: Store, channels: list[str], n: int) -> None:
    for channel in channels:
        await store.subscriptions.ensure("console", channel)
    await add_events(store, [NewEvent(dedupe_key=f"e{i}", kind="other", title=f"event {i}") for i in range(n)])


async def test_a_claim_is_exclusive_until_it_expires(store_url: str) -> None:
    url = store_url
    mine, theirs = await Store.open(url), await Store.open(url)
    try:
        await _queue(mine, ["a"], 3)
        now = utcnow() + timedelta(seconds=1)
        claimed = await mine.outbox.claim(["console"], "p1", now, now + timedelta(minutes=5))
        assert [p.event.title for p in claimed] == ["event 0", "event 1", "event 2"]
        assert await theirs.outbox.claim(["console"], "p2", now, now + timedelta(minutes=5)) == []
        # p1 died: once its lease is over, another process takes the work over, in the same order.
        later = now + timedelta(minutes=6)
        retried = await theirs.outbox.claim(["console"], "p2", later, later + timedelta(minutes=5))
        assert [p.event.title for p in retried] == ["event 0", "event 1", "event 2"]
    finally:
        await mine.close()
        await theirs.close()


async def test_sent_and_released_deliveries_leave_the_claim(store: Store) -> None:
    await _queue(store, ["a", "b"], 2)
    now = utcnow() + timedelta(seconds=1)
    until = now + timedelta(minutes=5)
    claimed = await store.outbox.claim(["console"], "p1", now, until, limit=2)
    assert [p.subscription.channel_id for p in claimed] == ["a", "b"]  # oldest first: event 0 to both channels
    await store.outbox.mark_delivered([claimed[0].delivery.id], None)
    # A channel with a pending delivery another process holds is left alone (its order stays one process's);
    # channel a has none left, so its next alert is free.
    taken = await store.outbox.claim(["console"], "p2", now, until)
    assert [(p.subscription.channel_id, p.event.title) for p in taken] == [("a", "event 1")]
    await store.outbox.release("p1")
    rest = await store.outbox.claim(["console"], "p2", now, until)
    # p2 already holds ("a", "event 1"): a claim never hands an owner what it holds (it is being sent).
    assert [(p.subscription.channel_id, p.event.title) for p in rest] == [("b", "event 0"), ("b", "event 1")]
    assert await store.outbox.claim(["console"], "p1", now, until) == []
    assert await store.outbox.claim([], "p1", now, until) == []

"""Deliveries held for facts still to come (an event's release page, read after its poll): not due until their
hold ends or they are released; a release never touches a retry's back-off. Both backends."""
from __future__ import annotations

from datetime import timedelta

from storage.models import DeliveryTarget, NewEvent, Queued, utcnow
from storage.store import Store


async def test_held_deliveries_wait_until_released_and_page_facts_are_stored(store: Store) -> None:
    now = utcnow()
    sub = await store.subscriptions.ensure("console", "stdout")
    event = NewEvent(dedupe_key="link:https://a.test/1", kind="readout", title="Acme reads out", facts={"a": 1})
    async with store.unit_of_work() as uow:
        event_id = await uow.events.insert(event, None, now)
        assert event_id is not None
        await uow.outbox.enqueue([Queued(event_id, [DeliveryTarget(platform="console", channel_id="stdout",
                                                                    subscription_ids=[sub.id])],
                                         now + timedelta(seconds=600))], now)
    assert await store.outbox.due(["console"], now + timedelta(seconds=1)) == []
    assert len(await store.outbox.due(["console"], now + timedelta(seconds=601))) == 1  # the hold ends by itself

    await store.events.set_page_facts(event_id, {"a": 1, "results": [{"measure": "ORR"}]}, "NCT01234567")
    await store.outbox.release_held(event_id, now + timedelta(seconds=2))
    [due] = await store.outbox.due(["console"], now + timedelta(seconds=2))
    assert due.event.id == event_id
    stored = await store.events.get(event_id)
    assert (stored.facts["results"], stored.trial) == ([{"measure": "ORR"}], "NCT01234567")
    await store.events.set_page_facts(event_id, stored.facts, "NCT07654321")
    assert (await store.events.get(event_id)).trial == "NCT01234567"  # a trial once named stays


async def test_a_release_leaves_a_retry_to_its_back_off(store: Store) -> None:
    now = utcnow()
    sub = await store.subscriptions.ensure("console", "stdout")
    event = NewEvent(dedupe_key="link:https://a.test/2", kind="readout", title="Acme reads out again")
    event_id = await store.events.insert(event, None, now)
    assert event_id is not None
    await store.outbox.enqueue([Queued(event_id, [DeliveryTarget(platform="console", channel_id="stdout",
                                                                  subscription_ids=[sub.id])])], now)
    [due] = await store.outbox.due(["console"], now)
    await store.outbox.mark_attempt_failed(due.delivery.id, "HTTP 500", now + timedelta(seconds=300), give_up=False)
    await store.outbox.release_held(event_id, now + timedelta(seconds=1))
    assert await store.outbox.due(["console"], now + timedelta(seconds=1)) == []

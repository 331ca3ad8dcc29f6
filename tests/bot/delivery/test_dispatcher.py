"""The outbox drain: order per channel, retries with back-off, giving up, permanent failures."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.delivery.digest import Digest
from bot.delivery.dispatcher import SHORT_LIMIT_WAITS, Dispatcher
from bot.delivery.sink import SinkError
from storage.models import NewEvent, PendingDelivery, SubscriptionFilters, utcnow
from storage.store import Store
from watchers.record import add_events


class ScriptedSink:
    """A sink that fails the first `fail_first` sends per channel with the given error, then records."""

    platform = "console"

    def __init__(self, errors: dict[str, list[SinkError]] | None = None) -> None:
        self.errors = errors or {}
        self.posted: list[tuple[str, str]] = []

    async def send(self, pending: PendingDelivery) -> str | None:
        queue = self.errors.get(pending.subscription.channel_id, [])
        if queue:
            raise queue.pop(0)
        self.posted.append((pending.subscription.channel_id, pending.event.title))
        return f"msg-{len(self.posted)}"


def events(n: int) -> list[NewEvent]:
    return [NewEvent(dedupe_key=f"e{i}", kind="other", title=f"event {i}") for i in range(n)]


async def test_delivers_in_order_and_marks_sent(store: Store) -> None:
    await store.subscriptions.ensure("console", "a")
    await add_events(store, events(3))
    sink = ScriptedSink()
    report = await Dispatcher(store, [sink]).drain()
    assert report.sent == 3 and sink.posted == [("a", "event 0"), ("a", "event 1"), ("a", "event 2")]
    assert await store.outbox.counts() == {"sent": 3}
    assert (await Dispatcher(store, [sink]).drain()).sent == 0


async def test_failed_channel_keeps_order_and_others_continue(store: Store) -> None:
    await store.subscriptions.ensure("console", "a")
    await store.subscriptions.ensure("console", "b")
    await add_events(store, events(2))
    sink = ScriptedSink({"a": [SinkError("HTTP 502")]})
    dispatcher = Dispatcher(store, [sink], base_delay_seconds=0)
    report = await dispatcher.drain()
    # "a" failed on event 0 so event 1 must not overtake it; "b" got both.
    assert sink.posted == [("b", "event 0"), ("b", "event 1")]
    assert report.failed == 1
    await dispatcher.drain()
    assert [t for c, t in sink.posted if c == "a"] == ["event 0", "event 1"]


async def test_backoff_grows_and_gives_up(store: Store) -> None:
    sub = await store.subscriptions.ensure("console", "a")
    await add_events(store, events(1))
    sink = ScriptedSink({"a": [SinkError("down")] * 10})
    dispatcher = Dispatcher(store, [sink], max_attempts=3, base_delay_seconds=60)
    await dispatcher.drain()
    pending = await store.outbox.due(["console"], utcnow() + timedelta(seconds=61))
    assert pending[0].delivery.attempts == 1
    assert pending[0].delivery.next_attempt_at > utcnow() + timedelta(seconds=50)
    assert await store.outbox.due(["console"], utcnow()) == []
    for _ in range(2):
        # Make it due now and retry.
        async with store.db.atomic() as db:
            await db.write("UPDATE deliveries SET next_attempt_at = '2000-01-01T00:00:00.000000+00:00'")
        await dispatcher.drain()
    assert await store.outbox.counts() == {"dead": 1}
    assert not (await store.subscriptions.get(sub.id)).disabled


async def test_rate_limits_wait_but_never_use_up_attempts(store: Store) -> None:
    await store.subscriptions.ensure("console", "a")
    await store.subscriptions.ensure("console", "b")
    await add_events(store, events(2))
    limit = SinkError("rate limit of 120s", retry_after=120, rate_limited=True)
    sink = ScriptedSink({"a": [limit] * 10})
    dispatcher = Dispatcher(store, [sink], max_attempts=3, base_delay_seconds=0)
    report = await dispatcher.drain()
    assert (report.rate_limited, report.failed, report.dead) == (1, 0, 0)
    assert sink.posted == [("b", "event 0"), ("b", "event 1")]  # other channels go on; "a" keeps its order
    [first] = await store.outbox.due(["console"], utcnow() + timedelta(seconds=121), 1)
    assert first.delivery.attempts == 0 and first.delivery.next_attempt_at > utcnow() + timedelta(seconds=110)
    for _ in range(9):  # far more rate limits than max_attempts: still not dead
        async with store.db.atomic() as db:
            await db.write("UPDATE deliveries SET next_attempt_at = '2000-01-01T00:00:00.000000+00:00'")
        await dispatcher.drain()
    assert await store.outbox.counts() == {"pending": 2, "sent": 2}
    async with store.db.atomic() as db:
        await db.write("UPDATE deliveries SET next_attempt_at = '2000-01-01T00:00:00.000000+00:00'")
    await dispatcher.drain()  # the script is used up: the limit is over
    assert await store.outbox.counts() == {"sent": 4}
    assert [t for c, t in sink.posted if c == "a"] == ["event 0", "event 1"]



async def test_a_short_rate_limit_is_waited_out_within_the_drain(store: Store) -> None:
    # A platform library retries short 429s itself only so often (discord.py: 5 tries); a burst over concurrent
    # channels can refuse one request more times than that, and the short limit then reaches the dispatcher.
    await store.subscriptions.ensure("console", "a")
    await store.subscriptions.ensure("console", "b")
    await add_events(store, events(3))
    short = SinkError("rate limit of 0.01s", retry_after=0.01, rate_limited=True)
    sink = ScriptedSink({"a": [short] * 2})
    report = await Dispatcher(store, [sink], base_delay_seconds=60).drain()
    # One drain sends everything, "a" in order behind its refused alert; no attempt burnt, nothing deferred.
    assert (report.sent, report.rate_limited, report.failed) == (6, 0, 0)
    assert [t for c, t in sink.posted if c == "a"] == ["event 0", "event 1", "event 2"]
    assert await store.outbox.counts() == {"sent": 6}
    rows = await store.db.all("SELECT attempts, last_error FROM deliveries")
    assert {tuple(r) for r in rows} == {(1, None)}


async def test_a_short_rate_limit_that_keeps_coming_is_deferred_after_a_few_waits(store: Store) -> None:
    await store.subscriptions.ensure("console", "a")
    await add_events(store, events(1))
    short = SinkError("rate limit of 0.01s", retry_after=0.01, rate_limited=True)
    sink = ScriptedSink({"a": [short] * 50})
    report = await asyncio.wait_for(Dispatcher(store, [sink]).drain(), timeout=10)
    assert (report.sent, report.rate_limited, report.failed) == (0, 1, 0)
    # The first try and SHORT_LIMIT_WAITS waited retries in the drain, then it is the next drain's turn.
    assert len(sink.errors["a"]) == 50 - 1 - SHORT_LIMIT_WAITS
    [row] = await store.db.all("SELECT status, attempts FROM deliveries")
    assert tuple(row) == ("pending", 0)

async def test_permanent_failure_disables_subscription(store: Store) -> None:
    sub = await store.subscriptions.add("console", "gone", SubscriptionFilters())
    await add_events(store, events(2))
    sink = ScriptedSink({"gone": [SinkError("Unknown Channel (404)", permanent=True)]})
    report = await Dispatcher(store, [sink]).drain()
    assert report.dead == 1 and sink.posted == []
    after = await store.subscriptions.get(sub.id)
    assert after.disabled and after.disabled_reason == "Unknown Channel (404)"
    assert await store.outbox.counts() == {"dead": 2}


async def test_disabling_one_subscription_keeps_what_another_still_wants(store: Store) -> None:
    kept = await store.subscriptions.add("console", "a", SubscriptionFilters(kinds=["other"]))
    gone = await store.subscriptions.add("console", "a", SubscriptionFilters(keywords=["event 1"]))
    await add_events(store, events(2))  # event 0 wants `kept`; event 1 wants both
    await store.disable_subscription(kept.id, "test")
    [left] = await store.outbox.due(["console"], utcnow() + timedelta(seconds=1))
    assert (left.event.title, [s.id for s in left.subscriptions]) == ("event 1", [gone.id])
    assert await store.outbox.counts() == {"dead": 1, "pending": 1}
    await store.disable_subscription(gone.id, "test")
    assert await store.outbox.counts() == {"dead": 2}


async def test_unsubscribing_stops_only_what_nobody_else_wants(store: Store) -> None:
    kept = await store.subscriptions.add("console", "a", SubscriptionFilters(kinds=["other"]))
    gone = await store.subscriptions.add("console", "a", SubscriptionFilters(keywords=["event 1"]))
    await add_events(store, events(2))
    await store.subscriptions.remove(gone.id)
    sink = ScriptedSink()
    await Dispatcher(store, [sink]).drain()
    assert sink.posted == [("a", "event 0"), ("a", "event 1")]
    await store.subscriptions.remove(kept.id)
    assert await store.outbox.counts() == {"sent": 2}


class SlowSink(ScriptedSink):
    """Each send takes `seconds` (a platform answering slowly, or rate limits waited out inside the sink)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    async def send(self, pending: PendingDelivery) -> str | None:
        await asyncio.sleep(self.seconds)
        return await super().send(pending)


async def test_claims_are_renewed_while_a_long_drain_sends(store: Store) -> None:
    """A drain that outlasts the lease keeps its claims: a second process draining meanwhile sends nothing twice."""
    await store.subscriptions.ensure("console", "a")
    await add_events(store, events(5))
    slow, quick = SlowSink(1.0), ScriptedSink()
    lease = 2.0  # the drain below takes ~5 s: well past the lease without renewal
    first = asyncio.create_task(Dispatcher(store, [slow], claim_lease_seconds=lease).drain())
    await asyncio.sleep(lease + 0.5)
    second = await Dispatcher(store, [quick], claim_lease_seconds=lease).drain()
    await first
    assert second.sent == 0 and quick.posted == []
    assert [t for _, t in slow.posted] == [f"event {i}" for i in range(5)]
    assert await store.outbox.counts() == {"sent": 5}


class SlowDigestSink(ScriptedSink):
    """Posts digests slowly into a list shared by several processes' sinks."""

    def __init__(self, seconds: float, digests: list[str]) -> None:
        super().__init__()
        self.seconds, self.digests = seconds, digests

    async def send_digest(self, digest: Digest) -> str | None:
        await asyncio.sleep(self.seconds)
        self.digests.append(digest.subscription.channel_id)
        return f"digest-{len(self.digests)}"


async def test_two_processes_at_the_digest_hour_post_it_once(store: Store) -> None:
    await store.subscriptions.add("console", "a", SubscriptionFilters(), mode="digest", digest_hour=7)
    await add_events(store, events(3))
    posted: list[str] = []
    at_seven = datetime(2026, 3, 2, 7, 5, tzinfo=UTC)
    first, second = (Dispatcher(store, [SlowDigestSink(0.5, posted)]) for _ in range(2))
    reports = await asyncio.gather(first.send_digests(at_seven), second.send_digests(at_seven))
    assert posted == ["a"]  # was: ["a", "a"]
    assert sorted(r.sent for r in reports) == [0, 3]
    assert await store.outbox.counts() == {"sent": 3}
    assert (await second.send_digests(at_seven)).sent == 0  # done for the day


async def test_a_failed_digest_is_retried_within_the_hour(store: Store) -> None:
    await store.subscriptions.add("console", "a", SubscriptionFilters(), mode="digest", digest_hour=7)
    await add_events(store, events(2))
    posted: list[str] = []
    sink = SlowDigestSink(0, posted)
    failing = ScriptedSink()
    failing.send_digest = _raise_once  # type: ignore[method-assign]
    at_seven = datetime(2026, 3, 2, 7, 5, tzinfo=UTC)
    assert (await Dispatcher(store, [failing]).send_digests(at_seven)).failed == 1
    assert (await Dispatcher(store, [sink]).send_digests(at_seven)).sent == 2  # its claim was given back
    assert posted == ["a"]


async def _raise_once(digest: Digest) -> str | None:
    raise SinkError("HTTP 502")


class GatedSink(ScriptedSink):
    """Channel "a"'s first alert is sent only once channel "b" has had one: a dispatcher sending one delivery at a
    time (a first, oldest first) would wait forever; one sending channels concurrently gets through."""

    def __init__(self) -> None:
        super().__init__()
        self.b_sent = asyncio.Event()
        self.in_flight = 0
        self.most = 0

    async def send(self, pending: PendingDelivery) -> str | None:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            channel = pending.subscription.channel_id
            if channel == "a" and not self.b_sent.is_set():
                await self.b_sent.wait()
            await asyncio.sleep(0)
            result = await super().send(pending)
            if channel == "b":
                self.b_sent.set()
            return result
        finally:
            self.in_flight -= 1


async def test_channels_are_sent_to_concurrently_each_in_order(store: Store) -> None:
    for channel in ("a", "b", "c"):
        await store.subscriptions.ensure("console", channel)
    await add_events(store, events(4))
    sink = GatedSink()
    report = await asyncio.wait_for(Dispatcher(store, [sink]).drain(), timeout=10)
    assert report.sent == 12
    for channel in ("a", "b", "c"):
        assert [t for c, t in sink.posted if c == channel] == [f"event {i}" for i in range(4)]
    assert sink.most > 1


async def test_a_global_cap_bounds_sends_in_flight(store: Store) -> None:
    for i in range(8):
        await store.subscriptions.ensure("console", f"ch{i}")
    await add_events(store, events(3))

    class Slow(ScriptedSink):
        in_flight = 0
        most = 0

        async def send(self, pending: PendingDelivery) -> str | None:
            Slow.in_flight += 1
            Slow.most = max(Slow.most, Slow.in_flight)
            await asyncio.sleep(0.01)
            Slow.in_flight -= 1
            return await super().send(pending)

    sink = Slow()
    assert (await Dispatcher(store, [sink], max_concurrent=3).drain()).sent == 24
    assert Slow.most == 3


async def test_wake_drains_at_once(store: Store) -> None:
    await store.subscriptions.ensure("console", "a")
    sink = ScriptedSink()
    dispatcher = Dispatcher(store, [sink])
    loop = asyncio.create_task(dispatcher.run_when_woken())
    try:
        await add_events(store, events(2))
        dispatcher.wake()
        for _ in range(500):
            if len(sink.posted) == 2:
                break
            await asyncio.sleep(0.01)
        assert sink.posted == [("a", "event 0"), ("a", "event 1")]
    finally:
        loop.cancel()

"""Delivery to Discord through discord.py against the local REST mock: the JSON discord.py actually sent."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.delivery.dispatcher import Dispatcher
from bot.delivery.sink import SinkError
from storage.models import NewEvent, Subscription, SubscriptionFilters, utcnow
from tests.support.discord_mock import (
    FORUM,
    MISSING_ACCESS,
    MISSING_PERMISSIONS,
    PUBLIC_THREAD,
    UNKNOWN_CHANNEL,
    Scripted,
    rate_limited,
)
from tests.support.discord_support import CHANNEL_ID, DiscordHarness, discord_harness
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer
from watchers.record import add_events

ROLE = 1600000000000000001
HOSTILE = "@everyone @here <@&1600000000000000009> <@1500000000000000001> **Acme** wins _big_"


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[DiscordHarness]:
    async with discord_harness(tmp_path, seed_defaults=False) as harness:
        yield harness


def event(key: str = "e1", **kw: object) -> NewEvent:
    base: dict[str, object] = dict(
        dedupe_key=key, kind="readout", subtype="topline", title="Acme Bio reports topline data for ACM-101",
        url="https://news.test/acme/1", published_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        programs=[], sponsor="Acme Bio", facts={"endpoint_met": True, "p_value": "0.003", "patients": 412},
    )
    base.update(kw)
    return NewEvent.model_validate(base)


async def subscribe(h: DiscordHarness, channel_id: int = CHANNEL_ID, mention: str | None = None) -> Subscription:
    return await h.app.store.subscriptions.add("discord", str(channel_id), SubscriptionFilters(), mention=mention)


async def drain(h: DiscordHarness) -> None:
    await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0).drain()


def posts(h: DiscordHarness, channel_id: int = CHANNEL_ID) -> list[dict[str, object]]:
    return [c.body for c in h.mock.calls_to("POST", f"/channels/{channel_id}/messages")]


async def test_alert_embed_nonce_and_only_the_subscriptions_role(h: DiscordHarness) -> None:
    await subscribe(h, mention=f"<@&{ROLE}>")
    [event_id] = await add_events(h.app.store, [event(title=HOSTILE, summary=HOSTILE, sponsor=HOSTILE)])
    await drain(h)
    [body] = posts(h)
    [delivery] = await h.app.store.db.all("SELECT id, status, platform_message_id FROM deliveries")
    assert body["nonce"] == f"d{delivery[0]}" and body["enforce_nonce"] is True
    assert body["content"] == f"<@&{ROLE}>"
    # Only the subscription's role may ping; never @everyone/@here, users or another role.
    assert body["allowed_mentions"] == {"parse": [], "roles": [ROLE]}
    [embed] = body["embeds"]  # type: ignore[misc]
    assert embed["url"] == "https://news.test/acme/1"
    assert embed["color"] == 0x2ECC71
    assert embed["timestamp"].startswith("2026-11-02T09:30:00")
    assert embed["footer"]["text"] == f"#{event_id} · why: /why event:{event_id}"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Kind"] == "Readout · topline"
    assert fields["Endpoint met"] == "yes" and fields["P value"] == "0.003" and fields["Patients"] == "412"
    assert "Source" in fields
    # Feed text is inert even before allowed_mentions: no raw mention survives anywhere in the embed.
    text = json.dumps(embed, ensure_ascii=False)
    for raw in ("@everyone", "@here", "<@&1600000000000000009>", "<@1500000000000000001>", "**Acme**"):
        assert raw not in text
    assert delivery[1] == "sent" and delivery[2] == h.mock.messages[CHANNEL_ID][0]["id"]


async def test_without_a_role_nothing_can_ping(h: DiscordHarness) -> None:
    await subscribe(h, mention="@here")  # not a role mention: never posted as content
    await add_events(h.app.store, [event(title=HOSTILE)])
    await drain(h)
    [body] = posts(h)
    assert body.get("content") is None
    assert body["allowed_mentions"] == {"parse": []}


async def test_embed_respects_discord_limits(h: DiscordHarness) -> None:
    await subscribe(h)
    facts = {f"fact_{i}_" + "k" * 300: "v" * 2000 for i in range(40)}
    await add_events(h.app.store, [event(title="T" * 1000, summary="S" * 9000, facts=facts, url="javascript:x")])
    await drain(h)
    [body] = posts(h)
    [embed] = body["embeds"]  # type: ignore[misc]
    assert len(embed["title"]) <= 256 and len(embed.get("description", "")) <= 4096
    assert len(embed["fields"]) <= 25
    assert all(len(f["name"]) <= 256 and len(f["value"]) <= 1024 for f in embed["fields"])
    total = len(embed["title"]) + len(embed.get("description", "")) + len(embed["footer"]["text"]) + sum(
        len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6000
    assert "url" not in embed  # Discord rejects a non-http(s) URL: it is dropped, not sent


async def test_429_is_waited_out_by_discord_py_then_posted_once(h: DiscordHarness) -> None:
    await subscribe(h)
    h.mock.script[CHANNEL_ID] = [rate_limited(0.05)]
    await add_events(h.app.store, [event()])
    await drain(h)
    sent = posts(h)
    assert len(sent) == 2 and sent[0]["nonce"] == sent[1]["nonce"]
    assert len(h.mock.messages[CHANNEL_ID]) == 1
    assert await h.app.store.outbox.counts() == {"sent": 1}



async def test_a_short_429_that_outlasts_discord_py_tries_is_a_rate_limit_not_a_failure(h: DiscordHarness) -> None:
    # discord.py retries a short 429 only 5 times, then raises HTTPException(429): still a rate limit, waited out
    # by the dispatcher in the same drain, the same nonce, no attempt burnt.
    await subscribe(h)
    h.mock.script[CHANNEL_ID] = [rate_limited(0.01)] * 5
    await add_events(h.app.store, [event()])
    report = await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=60).drain()
    assert (report.sent, report.failed, report.rate_limited) == (1, 0, 0)
    sent = posts(h)
    assert len(sent) == 6 and len({p["nonce"] for p in sent}) == 1
    assert len(h.mock.messages[CHANNEL_ID]) == 1
    [row] = await h.app.store.db.all("SELECT status, attempts, last_error FROM deliveries")
    assert tuple(row) == ("sent", 1, None)

async def test_a_long_rate_limit_defers_without_using_an_attempt(h: DiscordHarness) -> None:
    await subscribe(h)
    h.mock.script[CHANNEL_ID] = [rate_limited(120.0)]  # longer than discord.py may wait: it reaches the dispatcher
    await add_events(h.app.store, [event()])
    report = await Dispatcher(h.app.store, [h.front.sink], max_attempts=1, base_delay_seconds=0).drain()
    assert (report.rate_limited, report.dead, report.sent) == (1, 0, 0)
    [row] = await h.app.store.db.all("SELECT status, attempts, last_error FROM deliveries")
    assert (row[0], row[1]) == ("pending", 0) and "rate limit" in row[2]
    [pending] = await h.app.store.outbox.due(["discord"], utcnow() + timedelta(seconds=121))
    assert pending.delivery.next_attempt_at > utcnow() + timedelta(seconds=110)


@pytest.mark.parametrize("answer, code", [(UNKNOWN_CHANNEL, "10003"), (MISSING_ACCESS, "50001"),
                                          (MISSING_PERMISSIONS, "50013")])
async def test_gone_or_forbidden_channel_disables_the_subscription(
    h: DiscordHarness, answer: object, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    sub = await subscribe(h)
    h.mock.script[CHANNEL_ID] = [answer]  # type: ignore[list-item]
    await add_events(h.app.store, [event("a"), event("b")])
    await drain(h)
    disabled = await h.app.store.subscriptions.get(sub.id)
    assert disabled.disabled and code in (disabled.disabled_reason or "")
    assert await h.app.store.outbox.counts() == {"dead": 2}
    assert len(posts(h)) == 1  # tried once, not retried
    assert any("disabled" in r.getMessage() and code in r.getMessage() for r in caplog.records)
    await drain(h)
    assert len(posts(h)) == 1


async def test_deleted_channel_found_on_lookup_disables_too(h: DiscordHarness) -> None:
    sub = await subscribe(h, channel_id=1400000000000000099)  # the mock does not know it: 404 Unknown Channel
    await add_events(h.app.store, [event()])
    await drain(h)
    assert (await h.app.store.subscriptions.get(sub.id)).disabled
    assert h.mock.calls_to("GET", "/channels/1400000000000000099")


async def test_other_errors_are_retryable(h: DiscordHarness) -> None:
    await subscribe(h)
    h.mock.script[CHANNEL_ID] = [rate_limited(0.05)]
    h.mock.script[CHANNEL_ID][0].status = 400  # e.g. a rejected body: retry later, do not disable
    await add_events(h.app.store, [event()])
    [pending] = await h.app.store.outbox.due(["discord"], utcnow())
    with pytest.raises(SinkError) as info:
        await h.front.sink.send(pending)
    assert not info.value.permanent


async def test_retry_after_a_crash_carries_the_same_nonce_and_posts_once(h: DiscordHarness) -> None:
    await subscribe(h)
    await add_events(h.app.store, [event()])
    [pending] = await h.app.store.outbox.due(["discord"], utcnow())
    # Discord accepted the message but the bot died before the outbox recorded it: the delivery is still due.
    first = await h.front.sink.send(pending)
    await drain(h)
    sent = posts(h)
    assert len(sent) == 2 and sent[0]["nonce"] == sent[1]["nonce"] == f"d{pending.delivery.id}"
    assert all(s["enforce_nonce"] is True for s in sent)
    assert len(h.mock.messages[CHANNEL_ID]) == 1
    [row] = await h.app.store.db.all("SELECT status, platform_message_id FROM deliveries")
    assert tuple(row) == ("sent", first)


async def test_matching_subscriptions_in_one_channel_make_one_post_with_their_roles_once(h: DiscordHarness) -> None:
    other_role = 1600000000000000002
    store = h.app.store
    await store.subscriptions.add("discord", str(CHANNEL_ID), SubscriptionFilters(kinds=["readout"]),
                                  mention=f"<@&{ROLE}>")
    await store.subscriptions.add("discord", str(CHANNEL_ID), SubscriptionFilters(sponsors=["Acme"]),
                                  mention=f"<@&{other_role}>")
    await store.subscriptions.add("discord", str(CHANNEL_ID), SubscriptionFilters(keywords=["topline"]),
                                  mention=f"<@&{ROLE}>")
    await add_events(store, [event()])
    await drain(h)
    [body] = posts(h)
    [delivery_id] = [r[0] for r in await store.db.all("SELECT id FROM deliveries")]
    assert body["nonce"] == f"d{delivery_id}"
    assert body["content"] == f"<@&{ROLE}> <@&{other_role}>"
    assert body["allowed_mentions"] == {"parse": [], "roles": [ROLE, other_role]}


async def test_a_refused_token_pauses_discord_delivery_without_using_attempts(
    h: DiscordHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await subscribe(h)
    await add_events(h.app.store, [event("a"), event("b")])
    h.mock.script[CHANNEL_ID] = [Scripted(401, {"message": "401: Unauthorized", "code": 0}) for _ in range(9)]
    dispatcher = Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0, auth_retry_seconds=0)
    for _ in range(9):
        async with h.app.store.db.atomic() as db:
            await db.write("UPDATE deliveries SET next_attempt_at = '2000-01-01T00:00:00.000000+00:00'")
        await dispatcher.drain()
    assert [tuple(r) for r in await h.app.store.db.all("SELECT status, attempts FROM deliveries")] == [
        ("pending", 0), ("pending", 0)]
    assert sum("refused the bot's token" in r.getMessage() for r in caplog.records) == 1
    await dispatcher.drain()  # the token works again
    assert await h.app.store.outbox.counts() == {"sent": 2}


async def test_thread_channel_gets_a_message(h: DiscordHarness) -> None:
    thread = h.mock.add_channel(1400000000000000011, PUBLIC_THREAD, "acme-thread", parent_id=CHANNEL_ID)
    await subscribe(h, channel_id=thread)
    await add_events(h.app.store, [event()])
    await drain(h)
    assert len(posts(h, thread)) == 1 and len(h.mock.messages[thread]) == 1


async def test_forum_channel_gets_a_post_per_alert(h: DiscordHarness) -> None:
    forum = h.mock.add_channel(1400000000000000021, FORUM, "alerts-forum")
    await subscribe(h, channel_id=forum, mention=f"<@&{ROLE}>")
    await add_events(h.app.store, [event("a"), event("b", title="Second alert")])
    await drain(h)
    created = [c.body for c in h.mock.calls_to("POST", f"/channels/{forum}/threads")]
    assert [c["name"] for c in created] == ["Acme Bio reports topline data for ACM-101", "Second alert"]
    assert created[0]["message"]["embeds"][0]["title"] == "Acme Bio reports topline data for ACM-101"
    assert created[0]["message"]["allowed_mentions"] == {"parse": [], "roles": [ROLE]}
    assert created[0]["message"]["content"] == f"<@&{ROLE}>"
    assert len(h.mock.calls_to("GET", f"/channels/{forum}")) == 1  # the channel type is looked up once
    assert await h.app.store.outbox.counts() == {"sent": 2}


async def test_digest_is_one_embed_grouped_per_programme(h: DiscordHarness) -> None:
    sub = await h.app.store.subscriptions.add("discord", str(CHANNEL_ID), SubscriptionFilters(), mode="digest",
                                             digest_hour=8)
    await add_events(h.app.store, [event("a"), event("b", title="Other news item", kind="other")])
    now = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    report = await Dispatcher(h.app.store, [h.front.sink]).send_digests(now)
    assert report.sent == 2
    [body] = posts(h)
    [embed] = body["embeds"]  # type: ignore[misc]
    assert embed["title"] == "Daily digest: 2 alerts"
    assert "Other news item" in json.dumps(embed) and body["nonce"].startswith(f"g{sub.id}e")


async def test_app_end_to_end_feed_to_discord(h: DiscordHarness, server: LocalServer) -> None:
    """The real App: a feed poll stores an event, the outbox queues it, the dispatcher posts it to the mock."""
    await subscribe(h)
    server.static("/feed.xml", rss(items(2)))
    await h.app.store.sources.add("rss", server.url("/feed.xml"), "Acme feed")
    h.app.sinks.append(h.front.sink)
    await h.app.poll_once()  # the first poll records what is there and posts nothing
    assert posts(h) == []
    server.static("/feed.xml", rss(items(3)))
    _, delivered = await h.app.poll_once()
    assert delivered.sent == 1
    [body] = posts(h)
    [embed] = body["embeds"]  # type: ignore[misc]
    assert embed["title"] == "Acme Bio announces update number 3"
    assert embed["description"] == "Summary of update 3."
    [delivery] = await h.app.store.db.all("SELECT id FROM deliveries")
    assert body["nonce"] == f"d{delivery[0]}"


async def test_channels_in_parallel_keep_their_order_under_429s(h: DiscordHarness) -> None:
    channels = [CHANNEL_ID, *(h.mock.add_channel(CHANNEL_ID + i) for i in range(1, 4))]
    for channel in channels:
        await subscribe(h, channel)
    h.mock.rate_limit_every = 3  # every third create, whichever channel, is refused for a moment
    await add_events(h.app.store, [event(f"e{i}", title=f"Acme Bio reports topline data {i} for ACM-101",
                                         url=f"https://news.test/acme/{i}") for i in range(6)])
    await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0, max_concurrent=4).drain()
    assert h.mock.rate_limited_count > 0
    for channel in channels:
        titles = [m["embeds"][0]["title"] for m in h.mock.messages[channel]]
        assert titles == [f"Acme Bio reports topline data {i} for ACM-101" for i in range(6)]
    assert await h.app.store.outbox.counts() == {"sent": 24}

"""SlackSink against the local Slack mock: blocks actually sent, 429 honoured, dead channels disabled."""
from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery.dispatcher import Dispatcher
from bot.delivery.sink import SinkError
from bot.slack.sink import SlackSink
from storage.models import NewEvent, SubscriptionFilters, utcnow
from storage.store import Store
from tests.bot.slack.conftest import BOT_TOKEN
from tests.support.slack_mock import SlackMock
from watchers.record import add_events


async def make_due(store: Store) -> None:
    async with store.db.atomic() as db:
        await db.write("UPDATE deliveries SET next_attempt_at = '2000-01-01T00:00:00.000000+00:00'")


async def queue_alert(store: Store, channel: str = "C100", mention: str | None = None) -> int:
    sub = await store.subscriptions.add("slack", channel, SubscriptionFilters(), mention=mention)
    await add_events(store, [NewEvent(dedupe_key="a", kind="readout", subtype="topline",
                                     title="Topline <!channel> results", url="https://example.org/a",
                                     programs=[], sponsor="Acme")])
    return sub.id


async def test_alert_is_posted_with_blocks_and_ts_stored(
    store: Store, slack: SlackMock, slack_client: AsyncWebClient,
) -> None:
    await queue_alert(store, mention="<!subteam^S42>")
    report = await Dispatcher(store, [SlackSink(slack_client)]).drain()
    assert report.sent == 1
    [posted] = slack.posted
    assert posted["channel"] == "C100"
    assert posted["unfurl_links"] is False
    assert posted["text"] == "<!subteam^S42> Readout · topline: Topline &lt;!channel&gt; results"
    blocks = posted["blocks"] if isinstance(posted["blocks"], list) else json.loads(posted["blocks"])
    assert [b["type"] for b in blocks] == ["header", "section", "context", "actions"]
    assert blocks[1]["text"]["text"] == "<!subteam^S42>"
    assert blocks[3]["elements"][0]["url"] == "https://example.org/a"
    call = slack.called("chat.postMessage")[0]
    assert call.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    row = await store.db.one("SELECT platform_message_id FROM deliveries")
    assert row is not None and row[0].endswith(".000001")


async def test_429_then_success_posts_exactly_once(
    store: Store, slack: SlackMock, slack_client: AsyncWebClient,
) -> None:
    await queue_alert(store)
    slack.fail_next("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "7"})
    sink = SlackSink(slack_client)
    with pytest.raises(SinkError) as err:
        await sink.send((await store.outbox.due(["slack"], _far_future()))[0])
    assert err.value.retry_after == 7 and not err.value.permanent
    slack.fail_next("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "7"})
    dispatcher = Dispatcher(store, [sink], base_delay_seconds=0)
    report = await dispatcher.drain()
    # A rate limit is not a failure: waited out, no attempt used up.
    assert (report.rate_limited, report.failed) == (1, 0) and slack.posted == []
    assert err.value.rate_limited
    [pending] = await store.outbox.due(["slack"], _now_plus(8))
    assert pending.delivery.attempts == 0
    # The dispatcher honours Retry-After: the delivery is not due again straight away.
    assert await store.outbox.due(["slack"], _now_plus(5)) == []
    assert len(await store.outbox.due(["slack"], _now_plus(8))) == 1
    await make_due(store)
    assert (await dispatcher.drain()).sent == 1
    await make_due(store)
    assert (await dispatcher.drain()).sent == 0
    assert len(slack.posted) == 1
    assert len(slack.called("chat.postMessage")) == 3  # two refused by the rate limit, one posted
    assert await store.outbox.counts() == {"sent": 1}


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived"])
async def test_dead_channel_disables_the_subscription_with_reason(
    store: Store, slack: SlackMock, slack_client: AsyncWebClient, error: str, caplog: pytest.LogCaptureFixture,
) -> None:
    sub_id = await queue_alert(store)
    slack.fail_next("chat.postMessage", error)
    with caplog.at_level(logging.WARNING):
        report = await Dispatcher(store, [SlackSink(slack_client)]).drain()
    assert report.dead == 1 and slack.posted == []
    sub = await store.subscriptions.get(sub_id)
    assert sub.disabled and error in (sub.disabled_reason or "") and "C100" in (sub.disabled_reason or "")
    assert f"subscription {sub_id} disabled" in caplog.text and error in caplog.text
    assert await store.outbox.counts() == {"dead": 1}


async def test_bad_token_is_not_blamed_on_the_channel(
    store: Store, slack: SlackMock, slack_client: AsyncWebClient, caplog: pytest.LogCaptureFixture,
) -> None:
    sub_id = await queue_alert(store)
    slack.fail_next("chat.postMessage", "invalid_auth")
    with caplog.at_level(logging.DEBUG):
        await Dispatcher(store, [SlackSink(slack_client)], base_delay_seconds=0).drain()
    assert not (await store.subscriptions.get(sub_id)).disabled
    assert await store.outbox.due(["slack"], _now_plus(60)) == []  # retried later, not at once
    assert "invalid_auth" in caplog.text and BOT_TOKEN not in caplog.text


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive", "not_authed"])
async def test_a_refused_token_pauses_slack_without_burning_attempts(
    store: Store, slack: SlackMock, slack_client: AsyncWebClient, caplog: pytest.LogCaptureFixture, error: str,
) -> None:
    # Issue scenario: a bad token made every alert fail 8 times (one attempt an hour) until all were dead.
    await store.subscriptions.add("slack", "C100", SubscriptionFilters())
    await add_events(store, [NewEvent(dedupe_key=f"k{i}", kind="readout", title=f"Alert {i}") for i in range(3)])
    for _ in range(30):
        slack.fail_next("chat.postMessage", error)
    # auth_retry_seconds=0: each round below is "later"; the pause itself is the dispatcher's clock.
    dispatcher = Dispatcher(store, [SlackSink(slack_client)], base_delay_seconds=0, auth_retry_seconds=0)
    with caplog.at_level(logging.WARNING):
        for _ in range(10):  # ten retry rounds: more than the 8 attempts an alert has
            await make_due(store)
            await dispatcher.drain()
    assert await store.outbox.counts() == {"pending": 3}
    assert [r[0] for r in await store.db.all("SELECT attempts FROM deliveries")] == [0, 0, 0]
    assert len(slack.called("chat.postMessage")) == 10  # one probe per round, not one per alert
    refused = [r for r in caplog.records if error in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelno == logging.ERROR  # one notice per outage, not one per alert
    slack.scripted.clear()  # the token works again
    await make_due(store)
    await dispatcher.drain()
    assert [p["text"].split(": ", 1)[1] for p in slack.posted] == ["Alert 0", "Alert 1", "Alert 2"]
    assert await store.outbox.counts() == {"sent": 3}


async def test_refused_blocks_fall_back_to_text(
    store: Store, slack: SlackMock, slack_client: AsyncWebClient,
) -> None:
    await queue_alert(store)
    slack.fail_next("chat.postMessage", "invalid_blocks")
    assert (await Dispatcher(store, [SlackSink(slack_client)]).drain()).sent == 1
    [posted] = slack.posted
    assert "blocks" not in posted and posted["text"].startswith("Readout")


async def test_unreachable_slack_is_a_transient_error(store: Store) -> None:
    await queue_alert(store)
    client = AsyncWebClient(token=BOT_TOKEN, base_url="http://127.0.0.1:9/api/", timeout=2)
    with pytest.raises(SinkError) as err:
        await SlackSink(client).send((await store.outbox.due(["slack"], _far_future()))[0])
    assert not err.value.permanent and BOT_TOKEN not in str(err.value)


def _now_plus(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


def _far_future() -> datetime:
    return _now_plus(10**6)


async def test_digest_is_one_message_and_a_dead_channel_disables_it(
    store: Store, slack: SlackMock, slack_client: AsyncWebClient,
) -> None:
    live = await store.subscriptions.add("slack", "CLIVE", SubscriptionFilters(), mode="digest", digest_hour=7,
                                        mention="<!here>")
    gone = await store.subscriptions.add("slack", "CGONE", SubscriptionFilters(), mode="digest", digest_hour=7)
    await add_events(store, [NewEvent(dedupe_key=f"d{i}", kind="other", title=f"News {i}", programs=["azer-cel"])
                            for i in range(3)])
    slack.dead_channels["CGONE"] = "is_archived"
    dispatcher = Dispatcher(store, [SlackSink(slack_client)])
    report = await dispatcher.send_digests(datetime(2026, 3, 2, 7, 5, tzinfo=UTC))
    assert report.sent == 3 and report.failed == 1
    [posted] = slack.posted
    assert posted["channel"] == "CLIVE" and posted["text"] == "<!here> Daily digest: 3 alerts"
    assert "News 2" in posted["blocks"][2]["text"]["text"]
    assert not (await store.subscriptions.get(live.id)).disabled
    disabled = await store.subscriptions.get(gone.id)
    assert disabled.disabled and "is_archived" in (disabled.disabled_reason or "")

"""Follow-ups in Slack threads and edits when facts change, through slack_sdk against the local Slack mock."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery.dispatcher import Dispatcher
from bot.slack.sink import SlackSink
from storage.models import CatalystDate, NewEvent, ProgramIn, SubscriptionFilters
from storage.store import Store
from tests.support.slack_mock import SlackMock
from watchers.record import add_events

CHANNEL = "C100"


@pytest.fixture
async def prepared(store: Store) -> Store:
    await store.programs.add(ProgramIn(name="Azer-cel", aliases=["azercabtagene"]))
    await store.programs.add(ProgramIn(name="Zetolimab"))
    await store.subscriptions.add("slack", CHANNEL, SubscriptionFilters())
    return store


def ev(key: str, program: str | None = "Azer-cel", **kw: Any) -> NewEvent:
    return NewEvent.model_validate({
        "dedupe_key": key, "kind": "readout", "subtype": "interim", "title": f"News {key}",
        "url": f"https://news.test/{key}", "programs": [program] if program else [], **kw})


def pdufa(key: str, date: str) -> NewEvent:
    return ev(key, kind="regulatory", subtype="pdufa_date", title=f"PDUFA date {date} ({key})",
              catalysts=[CatalystDate(kind="pdufa", label="PDUFA date", date=date)])


async def deliver(store: Store, client: AsyncWebClient, *events: NewEvent) -> None:
    if events:
        await add_events(store, list(events))
    await Dispatcher(store, [SlackSink(client)], base_delay_seconds=0).drain()


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m["text"]) for m in messages]


async def test_follow_ups_reply_in_the_thread_and_important_ones_broadcast(
    prepared: Store, slack: SlackMock, slack_client: AsyncWebClient,
) -> None:
    await deliver(prepared, slack_client, ev("a1"), ev("z1", "Zetolimab"), ev("a2"),
                  ev("a3", kind="regulatory", subtype="approval", title="Approved"))
    assert texts(slack.top_level(CHANNEL)) == ["Readout · interim: News a1", "Readout · interim: News z1"]
    root = slack.top_level(CHANNEL)[0]["ts"]
    replies = slack.thread(root)
    assert texts(replies) == ["Readout · interim: News a2", "Regulatory · approval: Approved"]
    assert [r["reply_broadcast"] for r in replies] == [False, True]  # an approval is shown in the channel too
    rows = await prepared.db.all("SELECT thread_id FROM deliveries ORDER BY id")
    assert [r[0] for r in rows] == [None, None, root, root]


async def test_a_deleted_root_makes_the_next_follow_up_a_new_conversation(
    prepared: Store, slack: SlackMock, slack_client: AsyncWebClient,
) -> None:
    await deliver(prepared, slack_client, ev("a1"))
    slack.delete(slack.top_level(CHANNEL)[0]["ts"])
    await deliver(prepared, slack_client, ev("a2"))
    await deliver(prepared, slack_client, ev("a3"))
    [root] = slack.top_level(CHANNEL)
    assert root["text"].endswith("News a2")
    assert texts(slack.thread(root["ts"])) == ["Readout · interim: News a3"]


async def test_a_moved_date_edits_the_alert_and_replies(
    prepared: Store, slack: SlackMock, slack_client: AsyncWebClient,
) -> None:
    await deliver(prepared, slack_client, pdufa("p1", "2027-03-01"))
    await deliver(prepared, slack_client, pdufa("p2", "2027-06-30"))
    [root] = slack.top_level(CHANNEL)
    [update] = slack.called("chat.update")
    assert update.params["ts"] == root["ts"] and root["edited"]
    assert "2027-03-01 → 2027-06-30" in root["blocks"][1]["text"]["text"]
    assert texts(slack.thread(root["ts"]))[0] == "Update: PDUFA date: date moved 2027-03-01 → 2027-06-30 (alert #2)."


async def crash_during_reply(store: Store, slack: SlackMock, client: AsyncWebClient) -> None:
    """Kill the drain after Slack created the reply but before the bot learnt its ts."""
    slack.post_delay = 30.0
    drain = asyncio.create_task(Dispatcher(store, [SlackSink(client)], base_delay_seconds=0).drain())
    for _ in range(500):
        if slack.posting:
            break
        await asyncio.sleep(0.01)
    assert slack.posting
    drain.cancel()
    with pytest.raises(asyncio.CancelledError):
        await drain
    slack.post_delay = 0.0


async def test_a_retried_thread_reply_is_posted_once(
    prepared: Store, slack: SlackMock, slack_client: AsyncWebClient,
) -> None:
    await deliver(prepared, slack_client, ev("a1"))
    await add_events(prepared, [ev("a2")])
    await crash_during_reply(prepared, slack, slack_client)
    await deliver(prepared, slack_client)
    [root] = slack.top_level(CHANNEL)
    [reply] = slack.thread(root["ts"])
    row = await prepared.db.one("SELECT status, platform_message_id FROM deliveries WHERE id = 2")
    assert row is not None and tuple(row) == ("sent", reply["ts"])
    assert len(slack.called("conversations.replies")) == 1  # looked once, found it, posted nothing


async def test_a_retried_update_edits_once_and_replies_once(
    prepared: Store, slack: SlackMock, slack_client: AsyncWebClient,
) -> None:
    await deliver(prepared, slack_client, pdufa("p1", "2027-03-01"))
    await add_events(prepared, [pdufa("p2", "2027-06-30")])
    await crash_during_reply(prepared, slack, slack_client)  # the update: edited, then killed while replying
    await deliver(prepared, slack_client)
    assert len(slack.called("chat.update")) == 1
    [root] = slack.top_level(CHANNEL)
    updates = [m for m in slack.thread(root["ts"]) if m["text"].startswith("Update:")]
    assert len(updates) == 1


async def test_without_the_history_scope_a_retried_reply_is_posted_not_paused(
    prepared: Store, slack: SlackMock, slack_client: AsyncWebClient,
) -> None:
    """An app installed from the older manifest cannot read threads: the retry posts (maybe twice) instead of
    pausing every Slack delivery as if the token were refused."""
    await deliver(prepared, slack_client, ev("a1"))
    await add_events(prepared, [ev("a2")])
    await prepared.db.write("UPDATE deliveries SET sending_at = '2026-01-01T00:00:00.000000+00:00' WHERE id = 2")
    slack.fail_next("conversations.replies", "missing_scope")
    await deliver(prepared, slack_client)
    [root] = slack.top_level(CHANNEL)
    assert texts(slack.thread(root["ts"])) == ["Readout · interim: News a2"]
    assert (await prepared.outbox.counts()) == {"sent": 2}


async def test_a_retried_top_level_alert_is_posted_once(
    prepared: Store, slack: SlackMock, slack_client: AsyncWebClient,
) -> None:
    await add_events(prepared, [ev("a1")])
    await crash_during_reply(prepared, slack, slack_client)  # killed while Slack answered the first post
    await deliver(prepared, slack_client)
    [alert] = slack.top_level(CHANNEL)
    assert alert["metadata"] == {"event_type": "milestone_delivery", "event_payload": {"delivery": 1}}
    assert len(slack.called("chat.postMessage")) == 1 and len(slack.called("conversations.history")) == 1
    row = await prepared.db.one("SELECT status, platform_message_id FROM deliveries")
    assert row is not None and tuple(row) == ("sent", alert["ts"])
    await deliver(prepared, slack_client, ev("a2"))  # and it is the conversation's root
    assert texts(slack.thread(alert["ts"])) == ["Readout · interim: News a2"]

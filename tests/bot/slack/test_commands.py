"""/milestones through slack-bolt itself: bolt's aiohttp app on 127.0.0.1, requests signed the way Slack signs
them, answers captured at the mock's response_url, Web API calls answered by the mock."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.app import App
from bot.settings import Settings
from bot.slack.frontend import SlackFrontEnd
from storage.models import CatalystDate, Evidence, NewEvent
from tests.bot.slack.conftest import BOT_TOKEN
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer
from tests.support.slack_mock import SlackMock
from watchers.record import add_events

SECRET = "signing-secret-never-logged"
ADMIN, MEMBER, HELPER = "UADMIN", "UMEMBER", "UHELPER"
PDUFA = (date.today() + timedelta(days=200)).isoformat()


@dataclass
class Bot:
    app: App
    front: SlackFrontEnd
    slack: SlackMock
    url: str

    async def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, str, float]:
        started = time.monotonic()
        async with aiohttp.ClientSession() as http, http.post(self.url, data=body, headers=headers) as resp:
            return resp.status, await resp.text(), time.monotonic() - started

    async def slash(self, text: str, user: str = ADMIN, *, secret: str = SECRET, age: float = 0,
                    channel: str = "C100") -> tuple[int, float]:
        body = urlencode({
            "token": "legacy", "team_id": "T1", "team_domain": "test", "channel_id": channel,
            "channel_name": "biotech", "user_id": user, "user_name": user.lower(), "command": "/milestones",
            "text": text, "api_app_id": "A1", "response_url": self.slack.response_url(),
            "trigger_id": "1.2.3",
        }).encode()
        stamp = str(int(time.time() - age))
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body.decode())
        status, _, took = await self.post(body, {
            "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        })
        return status, took

    async def ask(self, text: str, user: str = ADMIN, channel: str = "C100") -> dict[str, Any]:
        """Send a command and return the answer posted to response_url."""
        before = len(self.slack.responses)
        status, took = await self.slash(text, user, channel=channel)
        assert status == 200 and took < 3
        return await self.answer(before)

    async def answer(self, before: int) -> dict[str, Any]:
        return await self.slack.wait_response(before)


def body_text(answer: dict[str, Any]) -> str:
    parts = [answer.get("text", "")]
    for block in answer.get("blocks", []):
        if "text" in block:
            parts.append(block["text"]["text"])
        parts.extend(f["text"] for f in block.get("fields", []))
        parts.extend(e.get("text", "") for e in block.get("elements", []) if isinstance(e.get("text"), str))
    return "\n".join(parts)


def settings_for(slack: SlackMock, tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'bot.db'}", "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SECRET, "slack_api_base": slack.api_base, "slack_http_host": "127.0.0.1",
        "slack_http_port": 0, "slack_admin_user_group": "S0ADMINS", "allow_private_addresses": True,
        "http_timeout_seconds": 10,
        # A lookup of an unknown name also asks ClinicalTrials.gov: nothing listens here, so it fails at once.
        "ctgov_base_url": "http://127.0.0.1:9/api/v2",
    }
    return Settings(_env_file=None, **{**values, **extra})


@pytest.fixture
async def bot(slack: SlackMock, tmp_path: Path) -> AsyncIterator[Bot]:
    slack.users = {ADMIN: {"is_admin": True}, MEMBER: {"is_admin": False}, HELPER: {"is_admin": False}}
    slack.usergroups = {"S0ADMINS": [HELPER]}
    app = await App.open(settings_for(slack, tmp_path))
    front = SlackFrontEnd(app.settings)
    await front.start(app.core)
    try:
        yield Bot(app, front, slack, f"http://127.0.0.1:{front.port}/slack/events")
    finally:
        await front.stop()
        await app.close()


async def test_help_lists_every_sub_command(bot: Bot) -> None:
    answer = await bot.ask("help")
    assert answer["response_type"] == "ephemeral"
    text = body_text(answer)
    for sub in ("subscribe", "unsubscribe", "subscriptions", "lookup", "upcoming", "feeds", "why", "trials", "help"):
        assert f"`/milestones {sub}" in text
    assert (await bot.ask(""))["blocks"] == answer["blocks"]


async def test_bad_signature_and_stale_request_are_refused(bot: Bot) -> None:
    status, _ = await bot.slash("subscribe everything", secret="wrong-secret")
    assert status == 401
    status, _ = await bot.slash("subscribe everything", age=6 * 60)  # Slack's replay window is 5 minutes
    assert status == 401
    unsigned = urlencode({"command": "/milestones", "text": "help", "user_id": ADMIN, "channel_id": "C1"}).encode()
    status, _, _ = await bot.post(unsigned, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401
    await asyncio.sleep(0.2)
    assert bot.slack.responses == []
    assert await bot.app.store.subscriptions.list("slack") == []


async def test_admin_subscribes_with_filters_and_group_mention(bot: Bot) -> None:
    answer = await bot.ask('subscribe program:azer-cel kind:readout,regulatory keyword:“topline data” '
                           'mention:<!subteam^S0ONC|@oncology> digest:7')
    assert answer["response_type"] == "in_channel"
    [sub] = await bot.app.store.subscriptions.list("slack", "C100")
    assert sub.filters.programs == ["azer-cel"] and sub.filters.kinds == ["readout", "regulatory"]
    assert sub.filters.keywords == ["topline data"]
    assert sub.mention == "<!subteam^S0ONC>" and sub.mode == "digest" and sub.digest_hour == 7
    assert sub.created_by == ADMIN
    text = body_text(answer)
    assert f"<@{ADMIN}> subscribed this channel: *#{sub.id}*" in text
    assert "`&lt;!subteam^S0ONC&gt;`" in text  # the confirmation shows the mention without pinging the group
    listed = await bot.ask("subscriptions")
    assert listed["response_type"] == "ephemeral" and f"*#{sub.id}* programmes: azer-cel" in body_text(listed)
    removed = await bot.ask(f"unsubscribe #{sub.id}")
    assert removed["response_type"] == "in_channel"
    assert await bot.app.store.subscriptions.list("slack", "C100") == []


async def test_a_subscribe_delivered_three_times_at_once_makes_one_subscription(bot: Bot) -> None:
    # Issue scenario: Slack resent the same signed command (X-Slack-Retry-Num) and three subscriptions appeared.
    body = urlencode({
        "token": "legacy", "team_id": "T1", "team_domain": "test", "channel_id": "C100", "channel_name": "biotech",
        "user_id": ADMIN, "user_name": "uadmin", "command": "/milestones",
        "text": "subscribe kind:readout sponsor:Acme", "api_app_id": "A1",
        "response_url": bot.slack.response_url(), "trigger_id": "1.2.3",
    }).encode()
    stamp = str(int(time.time()))
    signed = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
              "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body.decode())}
    retries = [signed, {**signed, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
               {**signed, "X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}]
    answers = await asyncio.gather(*(bot.post(body, headers) for headers in retries))
    assert [status for status, _, _ in answers] == [200, 200, 200]
    texts = [body_text(await bot.answer(i)) for i in range(3)]
    [sub] = await bot.app.store.subscriptions.list("slack", "C100")
    assert sum(f"subscribed this channel: *#{sub.id}*" in t for t in texts) == 1
    assert sum(f"Already subscribed: this channel already has that subscription (#{sub.id})" in t
               for t in texts) == 2
    # The same filters in another order and case are the same subscription, asked again later.
    again = body_text(await bot.ask("subscribe sponsor:acme kind:readout"))
    assert f"Already subscribed: this channel already has that subscription (#{sub.id})" in again
    assert len(await bot.app.store.subscriptions.list("slack", "C100")) == 1


async def test_configuration_needs_admin_or_the_user_group(bot: Bot) -> None:
    denied = await bot.ask("subscribe everything", user=MEMBER)
    assert denied["response_type"] == "ephemeral"
    assert "needs a workspace admin or a member of the bot's admin user group" in body_text(denied)
    assert await bot.app.store.subscriptions.list("slack") == []
    allowed = await bot.ask("subscribe everything", user=HELPER)
    assert allowed["response_type"] == "in_channel"
    assert len(await bot.app.store.subscriptions.list("slack")) == 1
    # Reading needs no permission and spends no permission lookups.
    calls = len(bot.slack.called("users.info"))
    assert "Subscriptions in this channel" in body_text(await bot.ask("subscriptions", user=MEMBER))
    assert len(bot.slack.called("users.info")) == calls
    assert {c.params["user"] for c in bot.slack.called("users.info")} == {MEMBER, HELPER}
    assert [c.params["usergroup"] for c in bot.slack.called("usergroups.users.list")] == ["S0ADMINS"]


async def test_bad_syntax_is_a_one_line_ephemeral_error(bot: Bot) -> None:
    for text, expected in [
        ('subscribe keyword:"unclosed', "Cannot read that"),
        ("subscribe colour:red", "Unknown option 'colour:'"),
        ("subscribe kind:rumour", "Unknown kind 'rumour'"),
        ("subscribe everything mention:somebody", "mention: takes a user group"),
        ("subscribe everything digest:noon", "digest: takes an hour"),
        ("unsubscribe twelve", "'twelve' is not a subscription number"),
        ("frobnicate", "Unknown sub-command 'frobnicate'"),
        ("why abc", "'abc' is not an event number"),
        ("why 999", "No event #999"),
        ("lookup azer-cell", "Did you mean azer-cel"),
        ("upcoming 0", "Days must be between 1 and 730"),
    ]:
        answer = await bot.ask(text)
        assert answer["response_type"] == "ephemeral", text
        assert answer["text"].startswith(":warning: ") and "\n" not in answer["text"], text
        assert expected in answer["text"], (text, answer["text"])
    assert await bot.app.store.subscriptions.list("slack") == []


async def test_lookup_why_and_upcoming_render_the_core_answers(bot: Bot) -> None:
    [event_id] = await add_events(bot.app.store, [NewEvent(
        dedupe_key="x", kind="regulatory", subtype="pdufa_date", title="PDUFA date set for azer-cel <!channel>",
        url="https://example.org/pdufa", programs=["azer-cel"],
        catalysts=[CatalystDate(kind="pdufa", label="PDUFA date", date=PDUFA)],
        evidence=[Evidence(rule="pdufa", phrase="PDUFA target action date")],
    )])
    card = await bot.ask("lookup Azercabtagene Zapreleucel")
    assert card["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "azer-cel", "emoji": False}}
    card_text = body_text(card)
    assert "TG Therapeutics" in card_text and "PDUFA date set for azer-cel &lt;!channel&gt;" in card_text
    assert "<!channel>" not in card_text
    answer = await bot.ask(f"why {event_id}")
    assert answer["blocks"][0]["text"]["text"].startswith(f"Why #{event_id}: PDUFA date set")
    assert "rule `pdufa`: “PDUFA target action date”" in body_text(answer)
    assert answer["blocks"][-1]["elements"][0]["url"] == "https://example.org/pdufa"
    assert "Nothing dated in the next 30 days" in body_text(await bot.ask("upcoming 30"))
    far = await bot.ask("upcoming days:400 program:azer-cel")
    assert far["blocks"][0]["text"]["text"] == "Next 400 days for azer-cel"
    assert f"*{PDUFA}* (day) azer-cel: PDUFA date · #{event_id}" in body_text(far)


async def test_feeds_add_acks_at_once_and_answers_after_a_slow_fetch(bot: Bot, server: LocalServer) -> None:
    async def slow_feed(request: aiohttp.web.Request) -> aiohttp.web.StreamResponse:
        await asyncio.sleep(3.5)  # longer than Slack's 3 s acknowledgement window
        return aiohttp.web.Response(body=rss(items(2), title="Slow Bio").encode(),
                                    content_type="application/rss+xml")

    server.route("/slow.xml", slow_feed)
    before = len(bot.slack.responses)
    # Slack sends URLs wrapped as <url>; the command unwraps them.
    status, took = await bot.slash(f"feeds add <{server.url('/slow.xml')}>")
    assert status == 200 and took < 1.0
    answer = await bot.answer(before)
    assert answer["response_type"] == "in_channel"
    assert f"<@{ADMIN}> added feed *#" in body_text(answer)
    assert "|Slow Bio>" in body_text(answer) and "2 items in it now" in body_text(answer)
    listed = body_text(await bot.ask("feeds", user=MEMBER))
    assert server.url("/slow.xml") in listed
    source = await bot.app.store.sources.find("rss", server.url("/slow.xml"))
    assert source is not None
    assert (await bot.ask(f"feeds remove {source.id}"))["response_type"] == "in_channel"
    assert await bot.app.store.sources.find("rss", server.url("/slow.xml")) is None


async def test_link_button_clicks_are_acknowledged(bot: Bot) -> None:
    import json
    payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": MEMBER}, "api_app_id": "A1",
               "token": "legacy", "trigger_id": "1", "channel": {"id": "C100"},
               "actions": [{"type": "button", "action_id": "open_source", "block_id": "b", "action_ts": "1"}]}
    body = urlencode({"payload": json.dumps(payload)})
    stamp = str(int(time.time()))
    status, _, _ = await bot.post(body.encode(), {
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body),
    })
    assert status == 200


async def test_tokens_and_secret_are_never_logged(slack: SlackMock, tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    slack.users = {ADMIN: {"is_admin": True}}
    with caplog.at_level(logging.DEBUG):
        app = await App.open(settings_for(slack, tmp_path))
        front = SlackFrontEnd(app.settings)
        await front.start(app.core)
        bot = Bot(app, front, slack, f"http://127.0.0.1:{front.port}/slack/events")
        try:
            await bot.ask("subscribe everything")
            await bot.slash("help", secret="wrong")
        finally:
            await front.stop()
            await app.close()
    assert "signed in to Test as milestone-bot" in caplog.text
    assert BOT_TOKEN not in caplog.text and SECRET not in caplog.text
    assert len(caplog.records) > 10  # debug logging really was on

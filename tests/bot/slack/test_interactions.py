"""Slack interactivity through slack-bolt itself (signed requests to bolt's aiohttp app, answers captured by the
mock): every alert button, the message shortcut, the App Home tab and the subscribe modal."""
from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bot.delivery.dispatcher import Dispatcher
from bot.slack.interactions import WHY_SHORTCUT
from storage.models import CatalystDate, NewEvent, SubscriptionFilters
from tests.bot.slack import test_commands
from tests.bot.slack.test_commands import ADMIN, MEMBER, SECRET, Bot, body_text
from tests.support.paths import ROOT
from tests.support.slack_mock import eventually
from watchers.record import add_events

CHANNEL = "C100"
bot = test_commands.bot  # the same fixture: the real front end, bolt's HTTP app on 127.0.0.1, the seeded registry


async def signed(bot: Bot, body: str, content_type: str) -> tuple[int, str]:
    stamp = str(int(time.time()))
    status, text, _ = await bot.post(body.encode(), {
        "Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body),
    })
    return status, text


async def interact(bot: Bot, payload: dict[str, Any]) -> tuple[int, str]:
    base = {"team": {"id": "T1"}, "api_app_id": "A1", "token": "legacy", "trigger_id": "9.9.9"}
    return await signed(bot, urlencode({"payload": json.dumps({**base, **payload})}),
                        "application/x-www-form-urlencoded")


async def posted_alert(bot: Bot, event: NewEvent | None = None) -> tuple[int, dict[str, Any]]:
    """A programme's alert delivered to C100; its event id and the message Slack keeps."""
    store = bot.app.store  # the seeded registry names azer-cel (alias azercabtagene zapreleucel)
    if not await store.subscriptions.list("slack", CHANNEL):
        await store.subscriptions.add("slack", CHANNEL, SubscriptionFilters(programs=["azer-cel"]))
    [event_id] = await add_events(store, [event or NewEvent(
        dedupe_key="e1", kind="readout", subtype="topline", title="Topline for azercabtagene",
        url="https://news.test/e1", programs=["azercabtagene zapreleucel"])])
    await Dispatcher(store, [bot.front.sink], base_delay_seconds=0).drain()
    return event_id, bot.slack.top_level(CHANNEL)[-1]


async def click(bot: Bot, action_id: str, value: int | str, message: dict[str, Any],
                user: str = ADMIN) -> dict[str, Any]:
    before = len(bot.slack.responses)
    status, _ = await interact(bot, {
        "type": "block_actions", "user": {"id": user}, "channel": {"id": CHANNEL},
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": CHANNEL},
        "message": {"ts": message["ts"], "type": "message"}, "response_url": bot.slack.response_url(),
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": str(value),
                     "action_ts": "1"}]})
    assert status == 200
    answer = await bot.answer(before)
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    return answer


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def test_alert_buttons_why_and_card_answer_the_clicker(bot: Bot) -> None:
    event_id, message = await posted_alert(bot)
    assert [(b.get("action_id"), b.get("value")) for b in buttons(message)] == [
        ("open_source", None), ("mb_why", str(event_id)), ("mb_card", str(event_id)), ("mb_mute", str(event_id))]
    why = await click(bot, "mb_why", event_id, message, user=MEMBER)
    assert why["blocks"][0]["text"]["text"].startswith(f"Why #{event_id}: Topline")
    card = await click(bot, "mb_card", event_id, message, user=MEMBER)
    assert card["blocks"][0]["text"]["text"] == "azer-cel"


async def test_mute_needs_an_admin_and_unmute_undoes_it(bot: Bot) -> None:
    event_id, message = await posted_alert(bot)
    refused = await click(bot, "mb_mute", event_id, message, user=MEMBER)
    assert "needs a workspace admin" in body_text(refused)
    assert await bot.app.store.mutes.list() == []
    muted = await click(bot, "mb_mute", event_id, message)
    [mute] = await bot.app.store.mutes.list("slack", CHANNEL)
    assert "Muted *azer-cel* here" in body_text(muted)
    [unmute] = buttons(muted)
    assert (unmute["action_id"], unmute["value"]) == ("mb_unmute", str(mute.id))
    await add_events(bot.app.store, [NewEvent(dedupe_key="e2", kind="readout", subtype="interim",
                                              title="Interim", programs=["azer-cel"])])
    assert (await bot.app.store.outbox.counts()).get("pending", 0) == 0  # muted: nothing queued for C100
    assert "needs a workspace admin" in body_text(await click(bot, "mb_unmute", mute.id, message, user=MEMBER))
    assert "Unmuted *azer-cel* here" in body_text(await click(bot, "mb_unmute", mute.id, message))
    assert await bot.app.store.mutes.list() == []
    assert "no longer exists" in body_text(await click(bot, "mb_unmute", mute.id, message))


async def test_buttons_of_a_deleted_event_say_it_no_longer_exists(bot: Bot) -> None:
    event_id, message = await posted_alert(bot)
    await bot.app.store.db.write("DELETE FROM events WHERE id = ?", (event_id,))
    for action in ("mb_why", "mb_card", "mb_mute"):
        assert "no longer exists" in body_text(await click(bot, action, event_id, message)), action
    assert len(bot.slack.messages) == 1  # nothing posted in the channel


async def test_why_this_alert_message_shortcut(bot: Bot) -> None:
    event_id, message = await posted_alert(bot)

    async def shortcut(ts: str) -> dict[str, Any]:
        before = len(bot.slack.responses)
        status, _ = await interact(bot, {
            "type": "message_action", "callback_id": WHY_SHORTCUT, "user": {"id": MEMBER},
            "channel": {"id": CHANNEL}, "message": {"ts": ts, "type": "message"}, "message_ts": ts,
            "response_url": bot.slack.response_url(), "action_ts": "1"})
        assert status == 200
        return await bot.answer(before)

    assert (await shortcut(message["ts"]))["blocks"][0]["text"]["text"].startswith(f"Why #{event_id}")
    assert "not one of this bot's alerts" in body_text(await shortcut("1.000001"))


async def test_home_tab_published_when_opened(bot: Bot) -> None:
    store = bot.app.store
    await posted_alert(bot)
    await add_events(store, [NewEvent(
        dedupe_key="p1", kind="regulatory", subtype="pdufa_date", title="PDUFA set", programs=["azer-cel"],
        catalysts=[CatalystDate(kind="pdufa", label="PDUFA date", date=f"{time.gmtime().tm_year + 1}-01-15")])])
    body = json.dumps({"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": "Ev1", "event_time": int(time.time()),
                       "event": {"type": "app_home_opened", "user": MEMBER, "channel": "D1", "tab": "home",
                                 "event_ts": "1.1"}})
    status, _ = await signed(bot, body, "application/json")
    assert status == 200
    await eventually(lambda: bool(bot.slack.called("views.publish")))
    [call] = bot.slack.called("views.publish")
    assert call.params["user_id"] == MEMBER
    view = call.params["view"] if isinstance(call.params["view"], dict) else json.loads(call.params["view"])
    assert view["type"] == "home"
    text = "\n".join(b.get("text", {}).get("text", "") for b in view["blocks"])
    assert "*Subscriptions*" in text and "<#C100>" in text and "azer-cel" in text
    assert "*Next catalysts*" in text and "PDUFA date" in text
    assert "*Recent alerts*" in text and "Topline for azercabtagene" in text
    assert "*Feed health*" in text
    actions = [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["mb_home_subscribe", "mb_home_refresh"]


async def test_subscribe_without_arguments_opens_the_modal(bot: Bot) -> None:
    status, _ = await bot.slash("subscribe", MEMBER)
    assert status == 200
    await eventually(lambda: bool(bot.slack.called("views.open")))
    [call] = bot.slack.called("views.open")
    assert call.params["trigger_id"] == "1.2.3"
    view = call.params["view"] if isinstance(call.params["view"], dict) else json.loads(call.params["view"])
    assert view["callback_id"] == "mb_subscribe"
    blocks = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert blocks["channel"]["initial_conversation"] == CHANNEL
    assert blocks["programs"]["type"] == "multi_external_select"
    assert {"readout", "regulatory"} <= {o["value"] for o in blocks["kinds"]["options"]}


async def test_programme_picker_searches_every_known_programme(bot: Bot) -> None:
    status, text = await interact(bot, {"type": "block_suggestion", "user": {"id": MEMBER},
                                        "action_id": "mb_program", "block_id": "programs", "value": "azerc",
                                        "view": {"id": "V1", "callback_id": "mb_subscribe"}})
    assert status == 200
    assert [o["value"] for o in json.loads(text)["options"]] == ["azer-cel"]


def submission(user: str, **values: Any) -> dict[str, Any]:
    def multi(*chosen: str) -> dict[str, Any]:
        return {"type": "multi_static_select", "selected_options": [{"value": c} for c in chosen]}
    state = {
        "channel": {"value": {"type": "conversations_select", "selected_conversation": values.get("channel", "C200")}},
        "programs": {"mb_program": multi(*values.get("programs", []))},
        "kinds": {"value": multi(*values.get("kinds", []))},
        "subtypes": {"value": multi(*values.get("subtypes", []))},
        "mention": {"value": {"type": "plain_text_input", "value": values.get("mention")}},
        "everything": {"value": {"type": "checkboxes", "selected_options": []}},
        "delivery": {"value": {"type": "static_select", "selected_option": {"value": values.get("delivery",
                                                                                                  "instant")}}},
    }
    return {"type": "view_submission", "user": {"id": user},
            "view": {"id": "V1", "type": "modal", "callback_id": "mb_subscribe", "private_metadata": CHANNEL,
                     "state": {"values": state}}}


async def test_modal_submission_creates_the_subscription(bot: Bot) -> None:
    status, text = await interact(bot, submission(ADMIN, programs=["azer-cel"], kinds=["readout", "regulatory"],
                                                  subtypes=["topline", "approval"], mention="S0ONCOLOGY",
                                                  delivery="7"))
    assert status == 200 and text == ""
    [sub] = await bot.app.store.subscriptions.list("slack", "C200")
    assert sub.filters.programs == ["azer-cel"]
    assert sub.filters.kinds == ["readout", "regulatory"] and sub.filters.subtypes == ["topline", "approval"]
    assert (sub.mention, sub.mode, sub.digest_hour, sub.created_by) == ("<!subteam^S0ONCOLOGY>", "digest", 7, ADMIN)
    await eventually(lambda: any(p["channel"] == "C200" for p in bot.slack.posted))
    assert "subscribed this channel" in next(p["text"] for p in bot.slack.posted if p["channel"] == "C200")


async def test_modal_submission_refusals_show_in_the_modal(bot: Bot) -> None:
    status, text = await interact(bot, submission(MEMBER, kinds=["readout"]))
    assert status == 200
    assert json.loads(text) == {"response_action": "errors",
                                "errors": {"channel": "Subscribing needs a workspace admin or a member of the "
                                                      "bot's admin user group."}}
    status, text = await interact(bot, submission(ADMIN))  # no filter at all
    assert json.loads(text)["response_action"] == "errors"
    status, text = await interact(bot, submission(ADMIN, programs=["No such thing"]))
    assert "programs" in json.loads(text)["errors"]
    assert await bot.app.store.subscriptions.list("slack", "C200") == []


def test_manifest_enables_what_these_need() -> None:
    """One-step app creation still gives the Home tab, the shortcut, interactivity and the event they need."""
    manifest = (ROOT / "slack-app-manifest.yml").read_text(encoding="utf-8")
    assert "  app_home:\n    # " in manifest and "    home_tab_enabled: true" in manifest
    assert f"      callback_id: {WHY_SHORTCUT}\n" in manifest and "      type: message\n" in manifest
    assert "      - app_home_opened " in manifest
    assert "  interactivity:\n" in manifest and "    is_enabled: true" in manifest
    for scope in ("files:write", "channels:history", "groups:history"):
        assert f"      - {scope} " in manifest, scope

"""The buttons on every Discord alert and "Why this alert?", through discord.py against the local mock: the
components discord.py sent with the alert, then real component and message-command interactions."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.dispatcher import Dispatcher
from bot.discord.alert_actions import WHY_THIS_ALERT
from bot.discord.frontend import DiscordFrontEnd
from storage.models import NewEvent, ProgramIn, SubscriptionFilters
from tests.support.discord_mock import PUBLIC_THREAD, MockDiscord
from tests.support.discord_support import CHANNEL_ID, GUILD_ID, DiscordHarness, discord_harness
from watchers.record import add_events

EPHEMERAL = 64


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[DiscordHarness]:
    async with discord_harness(tmp_path, seed_defaults=False) as harness:
        await harness.app.store.programs.add(ProgramIn(name="Azer-cel", aliases=["azercabtagene"]))
        await harness.app.store.subscriptions.add("discord", str(CHANNEL_ID), SubscriptionFilters())
        yield harness


def readout(key: str = "e1", program: str = "azercabtagene") -> NewEvent:
    return NewEvent(dedupe_key=key, kind="readout", subtype="interim", title=f"Interim data for {program} ({key})",
                    url=f"https://news.test/{key}", programs=[program], sponsor="Acme Bio")


async def post_alert(h: DiscordHarness, event: NewEvent | None = None) -> dict[str, Any]:
    """Record an event, deliver it, and return the message the mock stored."""
    await add_events(h.app.store, [event or readout()])
    before = len(h.mock.messages[CHANNEL_ID])
    await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0).drain()
    assert len(h.mock.messages[CHANNEL_ID]) == before + 1
    return h.mock.messages[CHANNEL_ID][-1]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message["components"] for c in row["components"]]


def answer(h: DiscordHarness, token: str) -> dict[str, Any]:
    """The one ephemeral answer to an interaction: its callback's data."""
    body = h.reply(token)
    assert body["type"] == 4 and body["data"]["flags"] & EPHEMERAL, body
    return body["data"]  # type: ignore[no-any-return]


def text(data: dict[str, Any]) -> str:
    parts = [data.get("content") or ""]
    for embed in data.get("embeds", []):
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


async def event_id(h: DiscordHarness) -> int:
    row = await h.app.store.db.one("SELECT id FROM events ORDER BY id DESC LIMIT 1")
    assert row is not None
    return int(row[0])


async def test_every_alert_carries_open_source_why_card_and_mute(h: DiscordHarness) -> None:
    message = await post_alert(h)
    ident = await event_id(h)
    found = buttons(message)
    assert found[0]["style"] == 5 and found[0]["url"] == "https://news.test/e1"  # a link button
    assert [b.get("custom_id") for b in found[1:]] == [f"mb:why:{ident}", f"mb:card:{ident}", f"mb:mute:{ident}"]
    assert [b["label"] for b in found] == ["Open source", "Why?", "Programme card", "Mute programme here"]


async def test_an_alert_about_no_programme_has_no_card_or_mute(h: DiscordHarness) -> None:
    message = await post_alert(h, NewEvent(dedupe_key="x", kind="readout", subtype="topline", title="Topline",
                                           programs=[]))
    assert [b.get("custom_id", "").split(":")[1] for b in buttons(message)] == ["why"]


async def test_why_and_card_answer_the_clicker_only(h: DiscordHarness) -> None:
    message = await post_alert(h)
    ident = await event_id(h)
    why = answer(h, await h.click(f"mb:why:{ident}", message, manage=False))
    assert f"Why #{ident}" in text(why)
    card = answer(h, await h.click(f"mb:card:{ident}", message, manage=False))
    assert card["embeds"][0]["title"] == "Azer-cel"
    assert len(h.mock.messages[CHANNEL_ID]) == 1  # nothing posted in the channel


async def test_mute_needs_manage_server(h: DiscordHarness) -> None:
    message = await post_alert(h)
    refused = answer(h, await h.click(f"mb:mute:{await event_id(h)}", message, manage=False))
    assert "Manage Server" in refused["content"]
    assert await h.app.store.mutes.list() == []


async def test_mute_stops_the_programme_here_and_unmute_brings_it_back(h: DiscordHarness) -> None:
    message = await post_alert(h)
    data = answer(h, await h.click(f"mb:mute:{await event_id(h)}", message))
    assert "Muted Azer-cel here" in text(data)
    [mute] = await h.app.store.mutes.list("discord", str(CHANNEL_ID))
    [unmute_button] = buttons(data)
    assert unmute_button["custom_id"] == f"mb:unmute:{mute.id}"

    await add_events(h.app.store, [readout("e2")])
    rows = await h.app.store.db.all("SELECT e.dedupe_key FROM deliveries d JOIN events e ON e.id = d.event_id")
    assert [r[0] for r in rows] == ["e1"]  # the muted programme's next alert is not queued for this channel

    # The ephemeral message's button, pressed: the mute goes and alerts come again.
    ephemeral = {**message, "id": str(h.mock.next_id()), "flags": EPHEMERAL, "components": data["components"]}
    assert "Unmuted Azer-cel" in text(answer(h, await h.click(unmute_button["custom_id"], ephemeral)))
    assert await h.app.store.mutes.list() == []
    await add_events(h.app.store, [readout("e3")])
    rows = await h.app.store.db.all("SELECT e.dedupe_key FROM deliveries d JOIN events e ON e.id = d.event_id")
    assert [r[0] for r in rows] == ["e1", "e3"]
    # Pressed again: the mute no longer exists.
    assert "no longer exists" in answer(h, await h.click(unmute_button["custom_id"], ephemeral))["content"]


async def test_mute_pressed_in_a_follow_up_thread_mutes_the_parent_channel(h: DiscordHarness) -> None:
    message = await post_alert(h)
    thread = {"id": message["id"], "type": PUBLIC_THREAD, "guild_id": str(GUILD_ID), "name": "Azer-cel",
              **MockDiscord._thread_fields(CHANNEL_ID)}
    in_thread = {**message, "channel_id": message["id"]}
    answer(h, await h.click(f"mb:mute:{await event_id(h)}", in_thread, channel=thread))
    [mute] = await h.app.store.mutes.list()
    assert mute.channel_id == str(CHANNEL_ID)


async def test_buttons_pressed_after_the_event_was_deleted_say_so(h: DiscordHarness) -> None:
    message = await post_alert(h)
    ident = await event_id(h)
    await h.app.store.db.write("DELETE FROM events WHERE id = ?", (ident,))
    for action in ("why", "card", "mute"):
        data = answer(h, await h.click(f"mb:{action}:{ident}", message))
        assert "no longer exists" in data["content"], action
    assert len(h.mock.messages[CHANNEL_ID]) == 1


async def test_buttons_work_after_a_restart(h: DiscordHarness) -> None:
    """Nothing about a posted alert is kept in memory: a new client (a restarted bot) answers its buttons."""
    message = await post_alert(h)
    ident = await event_id(h)
    await h.front.stop()
    h.front = DiscordFrontEnd(h.app.settings, connect_gateway=False, defer_after=5.0)
    await h.front.start(h.app.core)
    assert f"Why #{ident}" in text(answer(h, await h.click(f"mb:why:{ident}", message)))


async def test_why_this_alert_message_command(h: DiscordHarness) -> None:
    synced = {c["name"]: c for c in h.mock.synced["global"]}
    assert synced[WHY_THIS_ALERT]["type"] == 3  # a message context-menu command
    message = await post_alert(h)
    data = answer(h, await h.message_command(WHY_THIS_ALERT, message, manage=False))
    assert f"Why #{await event_id(h)}" in text(data)
    stranger = {**message, "id": str(h.mock.next_id())}
    refused = answer(h, await h.message_command(WHY_THIS_ALERT, stranger))
    assert "not one of this bot's alerts" in refused["content"]


async def test_mute_after_the_channels_subscription_was_deleted_says_so(h: DiscordHarness) -> None:
    message = await post_alert(h)
    for sub in await h.app.store.subscriptions.list():
        await h.app.store.subscriptions.remove(sub.id)
    data = answer(h, await h.click(f"mb:mute:{await event_id(h)}", message))
    assert "no longer exist" in data["content"]
    assert await h.app.store.mutes.list() == []

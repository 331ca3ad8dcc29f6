"""Slash commands through discord.py's CommandTree with real interaction payloads; the assertions are on the JSON
discord.py sent to the local REST mock (interaction callbacks, follow-ups, command sync)."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from discord.http import Route

from bot.app import App, build_front_ends
from bot.discord.frontend import DiscordFrontEnd
from bot.frontends import FrontEndError
from bot.settings import Settings
from storage.models import CatalystDate, Evidence, NewEvent, SubscriptionFilters
from tests.support.discord_mock import APP_ID, GUILD_ID, MockDiscord
from tests.support.discord_support import CHANNEL_ID, DiscordHarness, discord_harness, opt, settings_for, sub
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer
from watchers.record import add_events

EPHEMERAL = 64
ROLE = 1600000000000000001


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[DiscordHarness]:
    async with discord_harness(tmp_path, discord_guild_id=GUILD_ID) as harness:
        for source in await harness.app.store.sources.list():  # the seeded programmes stay, the feeds go
            await harness.app.store.sources.remove(source.id)
        yield harness


def role_payload(role_id: int, name: str = "biotech-alerts") -> dict[str, Any]:
    return {"id": str(role_id), "name": name, "color": 0, "hoist": False, "position": 1, "permissions": "0",
            "managed": False, "mentionable": True, "flags": 0, "icon": None, "unicode_emoji": None}


def refusal(h: DiscordHarness, token: str) -> str:
    """The interaction was answered with one ephemeral sentence and nothing else."""
    body = h.reply(token)
    assert body["type"] == 4 and body["data"]["flags"] & EPHEMERAL
    assert body["data"]["allowed_mentions"] == {"parse": []}
    assert "embeds" not in body["data"] or not body["data"]["embeds"]
    return str(body["data"]["content"])


def embed_of(body: dict[str, Any]) -> dict[str, Any]:
    [embed] = body["data"]["embeds"]
    return embed  # type: ignore[no-any-return]


async def test_commands_synced_to_the_guild_with_manage_server_defaults(h: DiscordHarness) -> None:
    [put] = h.mock.calls_to("PUT", f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    commands = {c["name"]: c for c in put.body}
    assert {"subscribe", "unsubscribe", "subscriptions", "lookup", "upcoming", "why", "feeds"} <= set(commands)
    manage = "32"  # Permissions(manage_guild=True)
    for name in ("subscribe", "unsubscribe", "feeds"):
        assert str(commands[name]["default_member_permissions"]) == manage
    for name in ("subscriptions", "lookup", "upcoming", "why"):
        assert commands[name]["default_member_permissions"] is None
    assert {o["name"] for o in commands["feeds"]["options"]} == {"add", "remove", "enable", "list"}
    programme = next(o for o in commands["subscribe"]["options"] if o["name"] == "programme")
    assert programme["autocomplete"] is True


async def test_global_sync_without_a_guild_id(tmp_path: Path) -> None:
    async with discord_harness(tmp_path) as harness:
        assert harness.mock.calls_to("PUT", f"/applications/{APP_ID}/commands")
        assert not [c for c in harness.mock.calls if "/guilds/" in c.path]


async def test_subscribe_replies_with_the_subscription_and_stores_the_role(h: DiscordHarness) -> None:
    token = await h.run("subscribe", [
        opt("programme", "Azercabtagene Zapreleucel"), opt("kinds", "readout, regulatory"),
        opt("keywords", "@everyone topline, <@&999> data"), opt("role", str(ROLE), kind=8),
    ], resolved={"roles": {str(ROLE): role_payload(ROLE)}})
    body = h.reply(token)
    assert body["type"] == 4 and not body["data"].get("flags", 0) & EPHEMERAL
    assert body["data"]["allowed_mentions"] == {"parse": []}  # the reply shows the role but pings nobody
    embed = embed_of(body)
    assert embed["title"] == "Subscribed"
    assert "programmes: azer-cel" in embed["description"] and "kinds: readout, regulatory" in embed["description"]
    assert f"mentions <@&{ROLE}>" in embed["description"]
    assert "@everyone" not in embed["description"] and "<@&999>" not in embed["description"]
    [stored] = await h.app.store.subscriptions.list("discord", str(CHANNEL_ID))
    assert stored.mention == f"<@&{ROLE}>" and stored.filters.programs == ["azer-cel"]
    assert stored.filters.keywords == ["@everyone topline", "<@&999> data"]
    assert stored.created_by == "1500000000000000001"


async def test_configuration_commands_refuse_members_without_manage_server(h: DiscordHarness) -> None:
    token = await h.run("subscribe", [opt("everything", True, kind=5)], manage=False)
    assert refusal(h, token) == "You need the Manage Server permission to use this command."
    token = await h.run("feeds", [sub("add", opt("url", "http://127.0.0.1:9/x"))], manage=False)
    assert refusal(h, token) == "You need the Manage Server permission to use this command."
    token = await h.run("unsubscribe", [opt("subscription", 1, kind=4)], manage=False)
    assert "Manage Server" in refusal(h, token)
    assert await h.app.store.subscriptions.list() == []
    # Reading is open to everyone.
    token = await h.run("subscriptions", manage=False)
    assert embed_of(h.reply(token))["description"] == "This channel has no subscriptions."


async def test_core_errors_are_one_ephemeral_sentence(h: DiscordHarness) -> None:
    token = await h.run("subscribe", [opt("programme", "azer-cell")])
    assert refusal(h, token) == "No programme named 'azer-cell'. Did you mean azer-cel?"
    token = await h.run("subscribe", [])
    assert refusal(h, token).startswith("Give at least one filter")
    token = await h.run("subscribe", [opt("role", str(GUILD_ID), kind=8)],
                        resolved={"roles": {str(GUILD_ID): role_payload(GUILD_ID, "@everyone")}})
    assert refusal(h, token) == "Pick a role to mention other than @everyone."
    token = await h.run("why", [opt("event", "abc")])
    assert refusal(h, token) == "'abc' is not an event number (alerts show it as #123)."


async def test_programme_autocomplete_choices(h: DiscordHarness) -> None:
    token = await h.run("lookup", [opt("programme", "azer", focused=True)], kind=4)
    body = h.reply(token)
    assert body["type"] == 8
    assert {"name": "azer-cel", "value": "azer-cel"} in body["data"]["choices"]
    token = await h.run("subscribe", [opt("programme", "PBCAR", focused=True)], kind=4)
    assert [c["value"] for c in h.reply(token)["data"]["choices"]] == ["azer-cel"]  # found by its alias


async def test_subscriptions_and_unsubscribe(h: DiscordHarness) -> None:
    kept = await h.app.store.subscriptions.add("discord", str(CHANNEL_ID), SubscriptionFilters(kinds=["readout"]))
    gone = await h.app.store.subscriptions.add("discord", str(CHANNEL_ID), SubscriptionFilters(sponsors=["Acme"]))
    await h.app.store.subscriptions.add("discord", "1400000000000000077", SubscriptionFilters(kinds=["other"]))
    token = await h.run("unsubscribe", [opt("subscription", "acm", kind=4, focused=True)], kind=4)
    assert h.reply(token)["data"]["choices"] == [{"name": f"#{gone.id} Acme", "value": gone.id}]
    token = await h.run("unsubscribe", [opt("subscription", gone.id, kind=4)])
    assert embed_of(h.reply(token))["title"] == "Unsubscribed"
    token = await h.run("subscriptions")
    description = embed_of(h.reply(token))["description"]
    assert f"#{kept.id}" in description and f"#{gone.id}" not in description and "other" not in description
    token = await h.run("unsubscribe", [opt("subscription", 999, kind=4)])
    assert refusal(h, token).startswith("This channel has no subscription #999")


async def test_lookup_upcoming_and_why_render_core_answers(h: DiscordHarness) -> None:
    [event_id] = await add_events(h.app.store, [NewEvent(
        dedupe_key="x1", kind="regulatory", subtype="fast_track", title="FDA grants Fast Track to azer-cel",
        url="https://news.test/x1", programs=["azer-cel"],
        catalysts=[CatalystDate(kind="pdufa", label="PDUFA date",
                                date=(date.today() + timedelta(days=30)).isoformat())],
        evidence=[Evidence(rule="fast_track", phrase="Fast Track designation")],
    )])
    token = await h.run("lookup", [opt("programme", "PBCAR0191")])
    card = embed_of(h.reply(token))
    assert card["title"] == "azer-cel"
    assert any(f["name"] == "Recent events" and f"#{event_id}" in f["value"] for f in card["fields"])
    token = await h.run("upcoming", [opt("days", 730, kind=4)])
    upcoming = embed_of(h.reply(token))
    assert upcoming["title"] == "Next 730 days"
    assert "azer-cel: PDUFA date" in upcoming["description"] and f"#{event_id}" in upcoming["description"]
    token = await h.run("why", [opt("event", f"#{event_id}")])
    why = embed_of(h.reply(token))
    assert why["title"].startswith(f"Why #{event_id}")
    assert any(f["name"] == "Decided by" and "fast\\_track" in f["value"] for f in why["fields"])
    token = await h.run("upcoming", [opt("days", 0, kind=4)])
    assert refusal(h, token) == "Days must be between 1 and 730."  # Discord enforces the range too


async def test_feeds_list_add_remove(h: DiscordHarness, server: LocalServer) -> None:
    server.static("/feed.xml", rss(items(2)))
    token = await h.run("feeds", [sub("add", opt("url", server.url("/feed.xml")), opt("name", "Acme"))])
    added = embed_of(h.reply(token))
    assert added["title"] == "Feed added" and "2 items now" in added["description"]
    [source] = await h.app.store.sources.list("rss")
    token = await h.run("feeds", [sub("list")])
    assert f"#{source.id}" in embed_of(h.reply(token))["description"]
    token = await h.run("feeds", [sub("remove", opt("feed", source.id, kind=4))])
    assert embed_of(h.reply(token))["title"] == "Feed removed"
    token = await h.run("feeds", [sub("remove", opt("feed", source.id, kind=4))])
    assert refusal(h, token).startswith(f"No feed with id {source.id}")


async def test_slow_commands_defer_then_follow_up(tmp_path: Path, server: LocalServer) -> None:
    server.static("/feed.xml", rss(items(1)))
    async with discord_harness(tmp_path, defer_after=0) as h:
        token = await h.run("feeds", [sub("add", opt("url", server.url("/feed.xml")))])
        callback, follow_up = h.replies(token)
        assert callback.path.endswith("/callback") and callback.body["type"] == 5  # "thinking…" first
        assert follow_up.method == "POST" and follow_up.path == f"/api/v10/webhooks/{APP_ID}/{token}"
        assert follow_up.body["embeds"][0]["title"] == "Feed added"
        # An error after a public defer: the placeholder is removed and the sentence goes to the caller only.
        token = await h.run("feeds", [sub("add", opt("url", server.url("/feed.xml")))])
        callback, delete, follow_up = h.replies(token)
        assert callback.body["type"] == 5
        assert delete.method == "DELETE" and delete.path.endswith(f"/{token}/messages/@original")
        assert follow_up.body["flags"] & EPHEMERAL and "already watched" in follow_up.body["content"]


async def test_bad_token_is_one_clear_error(tmp_path: Path) -> None:
    base = Route.BASE
    mock = MockDiscord()
    await mock.start()
    app = await App.open(settings_for(mock, tmp_path, discord_token="bad-token"))
    try:
        front = DiscordFrontEnd(app.settings, connect_gateway=False)
        with pytest.raises(FrontEndError, match="Discord refused DISCORD_TOKEN") as info:
            await front.start(app.core)
        assert "bad-token" not in str(info.value)
        assert Route.BASE == base  # a failed start leaves discord.py as it found it
    finally:
        await app.close()
        await mock.stop()
        Route.BASE = base


async def test_front_end_built_only_with_a_token(tmp_path: Path) -> None:
    base = Route.BASE
    app = await App.open(Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'a.db'}"))  # type: ignore[call-arg]
    try:
        assert build_front_ends(app.settings) == []
        app.settings = Settings(_env_file=None, discord_token="t", discord_api_base="http://127.0.0.1:1/api/v10")  # type: ignore[call-arg]
        [front] = build_front_ends(app.settings)
        assert front.name == "discord" and front.sink.platform == "discord"
        assert Route.BASE == base  # building a front end changes no global state; `start` does, until `stop`
    finally:
        await app.close()
        Route.BASE = base


def test_settings_validate_discord_values() -> None:
    assert Settings(_env_file=None, discord_guild_id="").discord_guild_id is None  # type: ignore[call-arg]
    assert Settings(_env_file=None).discord_api_base == "https://discord.com/api/v10"  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        Settings(_env_file=None, discord_api_base="ftp://x")  # type: ignore[call-arg]
    json.dumps(Settings(_env_file=None).model_dump(mode="json"))  # type: ignore[call-arg]


async def test_gateway_that_never_gets_ready_is_one_clear_error(tmp_path: Path) -> None:
    base = Route.BASE
    mock = MockDiscord()
    mock.gateway_sends_ready = False  # answers REST and takes IDENTIFY, but READY never comes
    await mock.start()
    app = await App.open(settings_for(mock, tmp_path, discord_ready_timeout_seconds=1))
    try:
        front = DiscordFrontEnd(app.settings)
        with pytest.raises(FrontEndError, match="Discord gateway not ready after 1s"):
            await front.start(app.core)
        assert front.client.is_closed()
        assert len(mock.identified) == 1
        assert Route.BASE == base
    finally:
        await app.close()
        await mock.stop()
        Route.BASE = base

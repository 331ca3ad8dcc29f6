"""Issue 9: configuration is refused without the right permission, in the core and on both front ends, and a
refusal changes nothing and sends no request."""
from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from bot.core import config_io, feeds, filings, programs, subscriptions, trials
from bot.core.context import Actor, CoreContext, PermissionDenied
from bot.settings import Settings
from bot.slack.commands import SlashCommands
from bot.slack.permissions import SlackPermissions
from storage.models import ProgramIn, SubscriptionFilters
from tests.support.discord_support import CHANNEL_ID, DiscordHarness, discord_harness, opt, sub
from tests.support.local_server import LocalServer
from tests.support.slack_mock import SlackMock

MEMBER = Actor(platform="discord", user_id="2", can_manage=False)
CHANNEL = subscriptions.ChannelRef(platform="discord", channel_id=str(CHANNEL_ID))


async def snapshot(app: App) -> tuple[Any, ...]:
    s = app.store
    return (await s.sources.list(), await s.programs.list(), await s.subscriptions.list(),
            await s.trials.list_watches(), await s.trials.list_queries())


def core_calls(ctx: CoreContext, feed_id: int, sub_id: int) -> dict[str, Callable[[], Awaitable[Any]]]:
    return {
        "subscribe": lambda: subscriptions.subscribe(ctx, MEMBER, CHANNEL, subscriptions.SubscribeRequest(
            everything=True)),
        "unsubscribe": lambda: subscriptions.unsubscribe(ctx, MEMBER, CHANNEL, sub_id),
        "feeds add": lambda: feeds.add_feed(ctx, MEMBER, "http://127.0.0.1:9/feed.xml"),
        "feeds remove": lambda: feeds.remove_feed(ctx, MEMBER, feed_id),
        "feeds enable": lambda: feeds.enable_feed(ctx, MEMBER, feed_id),
        "filings watch": lambda: filings.watch_filings(ctx, MEMBER, "1234"),
        "programs add": lambda: programs.add_program(ctx, MEMBER, ProgramIn(name="newprog", sponsors=["X"])),
        "programs remove": lambda: programs.remove_program(ctx, MEMBER, "azer-cel"),
        "programs import": lambda: programs.import_programs(ctx, MEMBER, '[[program]]\nname = "newprog"\n'),
        "import": lambda: config_io.import_config(ctx, MEMBER, b'{"format": "milestone-bot-config"}'),
        "trials watch": lambda: trials.watch_trials(ctx, MEMBER, ["NCT05531279"]),
        "trials watch --program": lambda: trials.watch_program(ctx, MEMBER, "azer-cel"),
        "trials unwatch": lambda: trials.unwatch_trials(ctx, MEMBER, ["NCT05531279"]),
        "trials unwatch --program": lambda: trials.unwatch_program(ctx, MEMBER, "azer-cel"),
        "trials enable": lambda: trials.enable_registry(ctx, MEMBER),
    }


@pytest.fixture
async def app(tmp_path: Path, server: LocalServer) -> AsyncIterator[App]:
    opened = await App.open(Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'p.db'}",
                                     allow_private_addresses=True, ctgov_base_url=server.url("/ctgov")))
    try:
        yield opened
    finally:
        await opened.close()


async def test_core_refuses_every_configuration_command_without_manage(app: App, server: LocalServer) -> None:
    feed = await app.store.sources.add("rss", "https://news.test/f.xml", "f")
    await app.store.sources.set_enabled(feed.id, False)
    existing = await app.store.subscriptions.add("discord", str(CHANNEL_ID), SubscriptionFilters(kinds=["readout"]))
    before = await snapshot(app)
    calls = core_calls(app.core, feed.id, existing.id)
    for call in calls.values():
        with pytest.raises(PermissionDenied, match="Manage Server"):
            await call()
    assert await snapshot(app) == before
    assert server.requests == []  # refused before any fetch
    print(f"core: {len(calls)} configuration commands refused without the permission")


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[DiscordHarness]:
    async with discord_harness(tmp_path) as harness:
        yield harness


async def test_discord_refuses_every_configuration_command_to_members(h: DiscordHarness) -> None:
    feed = await h.app.store.sources.add("rss", "https://news.test/f.xml", "f")
    existing = await h.app.store.subscriptions.add("discord", str(CHANNEL_ID), SubscriptionFilters(kinds=["readout"]))
    before = await snapshot(h.app)
    runs: list[tuple[str, list[dict[str, Any]]]] = [
        ("subscribe", [opt("everything", True, kind=5)]),
        ("unsubscribe", [opt("subscription", existing.id, kind=4)]),
        ("feeds", [sub("add", opt("url", "http://127.0.0.1:9/x"))]),
        ("feeds", [sub("remove", opt("feed", feed.id, kind=4))]),
        ("feeds", [sub("enable", opt("feed", feed.id, kind=4))]),
    ]
    runs += [("trials", [sub("watch", opt("nct_ids", "NCT05531279"))]),
             ("trials", [sub("unwatch", opt("nct_ids", "NCT05531279"))])]
    for name, options in runs:
        token = await h.run(name, options, manage=False)
        [call] = h.replies(token)
        data = call.body["data"]
        assert data["flags"] & 64, name  # only the member sees it
        assert data["content"] == "You need the Manage Server permission to use this command.", (name, data)
    assert await snapshot(h.app) == before
    # The same commands work for someone with Manage Server (the refusal is about permission, not syntax).
    token = await h.run("feeds", [sub("remove", opt("feed", feed.id, kind=4))])
    assert h.reply(token)["data"]["embeds"][0]["title"] == "Feed removed"


async def test_slack_refuses_every_configuration_command_to_members_and_fails_closed(
    app: App, server: LocalServer
) -> None:
    slack = SlackMock(server)
    slack.install()
    slack.users = {"UMEMBER": {"is_admin": False}, "UADMIN": {"is_admin": True}}
    feed = await app.store.sources.add("rss", "https://news.test/f.xml", "f")
    existing = await app.store.subscriptions.add("slack", "C1", SubscriptionFilters(kinds=["readout"]))
    client = AsyncWebClient(token="xoxb-test", base_url=slack.api_base)
    commands = SlashCommands(lambda: app.core, SlackPermissions(client))
    texts = ["subscribe everything", f"unsubscribe {existing.id}", "feeds add http://127.0.0.1:9/x",
             f"feeds remove {feed.id}", f"feeds enable {feed.id}"]
    texts += ["trials watch NCT05531279", "trials unwatch NCT05531279"]
    before = await snapshot(app)
    for text in texts:
        reply = await commands.run(text, "UMEMBER", "C1")
        assert not reply.public and "needs a workspace admin" in reply.message.text, (text, reply.message.text)
    # Fail closed: when Slack cannot say who the user is, even an admin is refused.
    slack.fail_next("users.info", "ratelimited", status=429, headers={"Retry-After": "1"})
    fresh = SlashCommands(lambda: app.core, SlackPermissions(client))
    reply = await fresh.run("subscribe everything", "UADMIN", "C1")
    assert "needs a workspace admin" in reply.message.text
    assert await snapshot(app) == before
    assert not [r for r in server.requests if r.path in ("/x", "/ctgov/studies")]

"""The front end in the running bot: wiring, Socket Mode, settings, start-up checks, and the whole path from the
store through the outbox to chat.postMessage in the same event loop as the scheduler."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from bot.app import App, build_front_ends
from bot.core.context import CommandError, CoreContext
from bot.settings import Settings, SettingsError, load_settings
from bot.slack.commands import SlashCommands
from bot.slack.frontend import SlackFrontEnd
from bot.slack.permissions import SlackPermissions
from storage.models import ChannelRef, NewEvent
from storage.store import Store
from tests.bot.slack.conftest import BOT_TOKEN
from tests.bot.slack.test_commands import ADMIN, MEMBER, Bot, body_text, settings_for
from tests.support.ctgov_fake import FakeCtgov, study
from tests.support.local_server import LocalServer
from tests.support.paths import ROOT
from tests.support.slack_mock import SlackMock, eventually
from watchers.fetch.http import Fetcher
from watchers.record import add_events

APP_TOKEN = "xapp-test-app-token"


def test_http_mode_needs_a_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SettingsError, match=r"SLACK_SIGNING_SECRET: .*required for Slack HTTP mode") as err:
        load_settings(_env_file=None, slack_bot_token=BOT_TOKEN)
    assert BOT_TOKEN not in str(err.value)
    socket = load_settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN)
    assert socket.slack_signing_secret is None
    http = load_settings(_env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret="s",
                         slack_api_base="http://127.0.0.1:1/api")
    assert http.slack_api_base == "http://127.0.0.1:1/api/"
    with pytest.raises(SettingsError, match="SLACK_ADMIN_USER_GROUP"):
        load_settings(_env_file=None, slack_admin_user_group="@admins")
    assert load_settings(_env_file=None).slack_signing_secret is None  # nothing Slack configured: fine


async def test_no_token_no_slack_front_end(tmp_path: Path) -> None:
    app = await App.open(Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'x.db'}",
                                  seed_defaults=False))
    try:
        assert build_front_ends(app.settings) == []
    finally:
        await app.close()


async def test_wrong_bot_token_stops_start_up_with_one_line(slack: SlackMock, tmp_path: Path) -> None:
    slack.fail_next("auth.test", "invalid_auth")
    app = await App.open(settings_for(slack, tmp_path, seed_defaults=False))
    front = SlackFrontEnd(app.settings)
    try:
        with pytest.raises(CommandError, match=r"Slack refused SLACK_BOT_TOKEN \(invalid_auth\)"):
            await front.start(app.core)
    finally:
        await front.stop()
        await app.close()


async def test_run_forever_delivers_from_the_outbox_to_slack(
    slack: SlackMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real App: build_front_ends starts Slack beside APScheduler; a subscribe over HTTP, an event in the
    store, and the scheduler's delivery job posts it through SlackSink to the mock."""
    slack.users = {ADMIN: {"is_admin": True}}
    built: list[Any] = []

    def capture(settings: Settings) -> list[Any]:
        built.extend(build_front_ends(settings))
        return built

    monkeypatch.setattr("bot.app.build_front_ends", capture)
    app = await App.open(settings_for(slack, tmp_path, seed_defaults=False, delivery_interval_seconds=0.1))
    running = asyncio.create_task(app.run_forever())
    try:
        await eventually(lambda: bool(app.sinks))
        [sink] = app.sinks
        assert sink.platform == "slack"  # with a chat front end there is no console sink
        [front] = built
        assert isinstance(front, SlackFrontEnd) and front.mode == "http"
        bot = Bot(app, front, slack, f"http://127.0.0.1:{front.port}/slack/events")
        answer = await bot.ask("subscribe kind:readout mention:<!subteam^S0ONC|@onc>", channel="C777")
        assert answer["response_type"] == "in_channel"
        await add_events(app.store, [NewEvent(
            dedupe_key="e1", kind="readout", subtype="topline", title="Azer-cel topline <@U999>",
            url="https://example.org/r", programs=["azer-cel"])])
        await eventually(lambda: bool(slack.posted))
        [posted] = slack.posted
        assert posted["channel"] == "C777"
        assert posted["text"] == "<!subteam^S0ONC> Readout · topline: Azer-cel topline &lt;@U999&gt;"
        assert [b["type"] for b in posted["blocks"]] == ["header", "section", "context", "actions"]
        # The mock records the post before answering it: the outbox says "sent" once the bot has the answer.
        async def sent() -> bool:
            return await app.store.outbox.counts() == {"sent": 1}
        await eventually(sent)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        await app.close()


class FakeSocketMode:
    """Slack's Socket Mode endpoint: apps.connections.open hands out a ws:// URL; envelopes go down, acks up."""

    def __init__(self, slack: SlackMock) -> None:
        self.slack = slack
        self.acks: list[dict[str, Any]] = []
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.acked = asyncio.Event()
        slack.server.route("/link", self._socket)
        slack.server.route("/api/apps.connections.open", self._open)

    async def _open(self, request: web.Request) -> web.StreamResponse:
        assert request.headers["Authorization"] == f"Bearer {APP_TOKEN}"
        return web.json_response({"ok": True, "url": self.slack.server.url("/link").replace("http", "ws")})

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1})

        async def pump() -> None:
            while True:
                await ws.send_json(await self.outbox.get())

        sender = asyncio.create_task(pump())
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.acks.append(json.loads(msg.data))
                    self.acked.set()
        finally:
            sender.cancel()
        return ws


async def test_socket_mode_receives_a_command_and_acks_over_the_socket(slack: SlackMock, tmp_path: Path) -> None:
    fake = FakeSocketMode(slack)
    app = await App.open(settings_for(slack, tmp_path, seed_defaults=False, slack_app_token=APP_TOKEN,
                                      slack_signing_secret=None))
    front = SlackFrontEnd(app.settings)
    assert front.mode == "socket"
    await front.start(app.core)
    try:
        await eventually(front.connected)
        assert front.port is None  # no HTTP listener in Socket Mode
        await fake.outbox.put({"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                               "payload": {"command": "/milestones", "text": "help", "user_id": MEMBER,
                                           "channel_id": "C1", "team_id": "T1", "api_app_id": "A1",
                                           "response_url": slack.response_url(), "trigger_id": "1"}})
        answer = await slack.wait_response(0)
        assert "`/milestones subscribe" in body_text(answer)
        async with asyncio.timeout(5):
            await fake.acked.wait()
        assert fake.acks[0]["envelope_id"] == "env-1"
    finally:
        await front.stop()
        await app.close()


async def test_trials_command_runs_the_real_core(
    slack: SlackMock, slack_client: Any, store: Store, fake: FakeCtgov, tmp_path: Path
) -> None:
    """`trials` lists, watches (checked against the ClinicalTrials.gov fake) and refuses members' changes."""
    fake.put(study("NCT07654321"))
    settings = Settings(_env_file=None, ctgov_base_url=fake.base_url, ctgov_request_interval_seconds=0,
                        allow_private_addresses=True)
    fetcher = Fetcher(settings.fetch_config())
    try:
        core = CoreContext(store, fetcher, settings)
        slack.users = {ADMIN: {"is_admin": True}}
        commands = SlashCommands(lambda: core, SlackPermissions(slack_client))
        assert "`/milestones trials" in body_text({"blocks": commands.help().message.blocks})
        listed = await commands.run("trials", MEMBER, "C1")
        assert listed.message.blocks[0]["text"]["text"].startswith("No trials are watched.")
        watched = await commands.run("trials watch NCT07654321 program:azer-cel", ADMIN, "C1")
        assert watched.public and "NCT07654321" in watched.message.text
        [watch] = await store.trials.list_watches()
        assert (watch.nct_id, watch.program, watch.requested_by) == (
            "NCT07654321", "azer-cel", ChannelRef(platform="slack", channel_id="C1"))
        listed = await commands.run("trials", MEMBER, "C1")
        assert "NCT07654321" in listed.message.blocks[0]["text"]["text"]
        denied = await commands.run("trials unwatch NCT07654321", MEMBER, "C1")
        assert denied.message.text == ":warning: That changes configuration, which needs a workspace admin."
        assert not denied.public
        assert [w.nct_id for w in await store.trials.list_watches()] == ["NCT07654321"]
    finally:
        await fetcher.close()




def test_manifest_and_docs_match_the_code() -> None:
    manifest = (ROOT / "slack-app-manifest.yml").read_text(encoding="utf-8")
    assert "- command: /milestones" in manifest and "should_escape: true" in manifest
    for scope in ("commands", "chat:write", "users:read", "usergroups:read"):
        assert f"      - {scope} " in manifest, scope
    env = (ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        if name.startswith("slack_"):
            assert f"\n{name.upper()}=" in env, name
            assert f"`{name.upper()}`" in readme, name
    usage = SlashCommands(lambda: None, None).commands  # type: ignore[arg-type]
    for sub in usage:
        assert f"`{sub}" in readme, sub


async def test_run_without_network_keeps_going_and_connects_when_slack_answers(tmp_path: Path) -> None:
    # Issue scenario: Slack configured but unreachable at start-up ended `run` in a traceback.
    slack = SlackMock(LocalServer())
    await slack.server.start()
    port = slack.server.port
    await slack.server.stop()  # nothing listens there now: Slack is unreachable
    env = {**os.environ, "SEED_DEFAULTS": "false", "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN,
           "SLACK_API_BASE": f"http://127.0.0.1:{port}/api/", "POLL_INTERVAL_SECONDS": "600"}
    env.pop("SLACK_SIGNING_SECRET", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--db", str(tmp_path / "x.db"), env=env, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = ""
    try:
        async with asyncio.timeout(30):
            while "milestone-bot running" not in err:
                line = (await proc.stderr.readline()).decode()
                assert line, err  # the process ended: before the fix, with a traceback
                err += line
        # Slack comes back on the same address: the bot connects in the background, without a restart.
        slack.install()
        fake = FakeSocketMode(slack)
        runner = web.AppRunner(_dispatching(slack.server), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            async with asyncio.timeout(30):
                while "Slack reachable again" not in err:
                    err += (await proc.stderr.readline()).decode()
            assert slack.called("auth.test") and slack.server.hits("/api/apps.connections.open")
            await eventually(lambda: bool(slack.server.hits("/link")))  # the Socket Mode WebSocket itself
            assert fake.acks == []
        finally:
            proc.send_signal(signal.SIGTERM)
            rest = (await asyncio.wait_for(proc.communicate(), 30))[1].decode()
            await runner.cleanup()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    err += rest
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert err.count("Slack unreachable") == 1  # one line, not one per retry
    assert BOT_TOKEN not in err and APP_TOKEN not in err


def _dispatching(server: LocalServer) -> web.Application:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server._dispatch)
    return app

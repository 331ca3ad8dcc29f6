"""Issue 9: secrets never reach logs, error messages or stored errors; Slack signatures are always verified."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from bot.app import App
from bot.discord.frontend import DiscordFrontEnd
from bot.frontends import FrontEndError
from bot.settings import Settings, SettingsError, load_settings
from bot.slack.frontend import SlackFrontEnd
from storage.models import ProgramIn
from storage.store import Store
from tests.e2e.test_cli import cli
from tests.support.local_server import LocalServer
from tests.support.slack_mock import SlackMock
from watchers.fetch.http import FetchConfig, Fetcher, FetchError, redact_urls
from watchers.schedule.poll_cycle import CycleConfig, PollCycle
from watchers.sources.openfda import OpenFdaWatcher

DISCORD_TOKEN = "MTE-discord-token-SECRET-d1"
SLACK_BOT_TOKEN = "xoxb-slack-bot-token-SECRET-s1"
SLACK_APP_TOKEN = "xapp-slack-app-token-SECRET-s2"
SIGNING_SECRET = "slack-signing-secret-SECRET-s3"
OPENFDA_KEY = "openfda-api-key-SECRET-f1"
SECRETS = (DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SIGNING_SECRET, OPENFDA_KEY)
ENV = {"DISCORD_TOKEN": DISCORD_TOKEN, "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN, "SLACK_APP_TOKEN": SLACK_APP_TOKEN,
       "SLACK_SIGNING_SECRET": SIGNING_SECRET, "OPENFDA_API_KEY": OPENFDA_KEY}


def assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"{secret} leaked into: {text[:300]}"


@pytest.fixture(autouse=True)
def secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def test_settings_errors_never_show_a_secret() -> None:
    for bad in ({"openfda_api_key": [OPENFDA_KEY]}, {"discord_token": {"t": DISCORD_TOKEN}},
                {"slack_signing_secret": [SIGNING_SECRET]}, {"poll_interval_seconds": 1}):
        with pytest.raises(SettingsError) as info:
            load_settings(_env_file=None, **bad)
        assert str(info.value).startswith("invalid setting ")
        assert_clean(str(info.value), repr(info.value))
    settings = load_settings(_env_file=None)
    assert_clean(repr(settings), str(settings), settings.model_dump_json())


async def test_cli_settings_error_is_one_line_without_secrets(tmp_path: Path) -> None:
    code, out, err = await cli("feeds", "list", "--db", str(tmp_path / "x.db"),
                               env={**ENV, "POLL_INTERVAL_SECONDS": "1"})
    assert code == 2 and err.count("\n") == 1 and "POLL_INTERVAL_SECONDS" in err
    assert_clean(out, err)


async def test_openfda_key_never_in_errors_logs_or_stored_state(server: LocalServer, store: Store,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """The key travels in the query string: every failure path must keep it out of what it reports."""
    async def drop(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()  # the connection dies mid-request
        return web.Response()

    server.static("/e500/drug/drugsfda.json", "boom", status=500)
    server.static("/bad-redirect/drug/drugsfda.json", "", status=302,
                  headers={"Location": f"http://[::1/x?api_key={OPENFDA_KEY}"})
    server.static("/private-redirect/drug/drugsfda.json", "", status=302,
                  headers={"Location": f"http://localhost:{server.port}/x?api_key={OPENFDA_KEY}"})
    server.static("/not-json/drug/drugsfda.json", "<html>nope</html>", content_type="text/html")
    server.route("/drop/drug/drugsfda.json", drop)
    await store.programs.add(ProgramIn(name="azer-cel", sponsors=["TG Therapeutics"]))
    config = FetchConfig(timeout_seconds=2, private_allowlist=frozenset({f"127.0.0.1:{server.port}"}))
    with caplog.at_level(logging.DEBUG):
        async with Fetcher(config) as fetcher:
            cycle = PollCycle(store, [OpenFdaWatcher(fetcher, store, OPENFDA_KEY, min_interval=0)],
                              CycleConfig(max_consecutive_failures=2))
            sources = [await store.sources.add("openfda", server.url(f"/{p}"), p)
                       for p in ("e500", "bad-redirect", "private-redirect", "not-json", "drop")]
            for _ in range(2):  # the second round disables them: the notices carry last_error too
                report = await cycle.run_once(due_only=False)
    assert report.failed == len(sources)
    sent = [r for r in server.requests if r.path.endswith("drugsfda.json")]
    assert sent and all(r.query.get("api_key") == OPENFDA_KEY for r in sent)  # the key really was used
    errors = [(await store.sources.get(s.id)).last_error or "" for s in sources]
    assert all(errors), errors
    events = json.dumps([e.model_dump(mode="json") for e in await store.events.latest(limit=50)])
    assert_clean(caplog.text, *errors, events)


def test_redact_urls_drops_query_strings() -> None:
    text = f"failed: 'https://api.fda.gov/drug/drugsfda.json?search=x&api_key={OPENFDA_KEY}' and http://a.test/?k=1"
    assert redact_urls(text) == "failed: 'https://api.fda.gov/drug/drugsfda.json?…' and http://a.test/?…"


async def test_fetch_errors_carry_no_query_string(server: LocalServer) -> None:
    async with Fetcher(FetchConfig(timeout_seconds=1, allow_private_addresses=True)) as fetcher:
        for url in (f"http://127.0.0.1:1/x?api_key={OPENFDA_KEY}", f"http://[::1:{server.port}/?api_key={OPENFDA_KEY}",
                    f"http://127.0.0.1:{server.port}/missing?api_key={OPENFDA_KEY}"):
            try:
                await fetcher.get(url)
            except (FetchError, ValueError) as exc:
                assert_clean(str(exc), repr(exc))


async def test_discord_start_failures_never_show_the_token(tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'd.db'}", seed_defaults=False,
                        discord_api_base="http://127.0.0.1:1/api/v10")  # nothing listens there
    with caplog.at_level(logging.DEBUG):
        app = await App.open(settings)
        front = DiscordFrontEnd(settings, connect_gateway=False)
        try:
            with pytest.raises(FrontEndError, match="cannot log in to Discord") as info:
                await front.start(app.core)
        finally:
            await front.stop()
            await app.close()
    assert_clean(str(info.value), caplog.text)


@pytest.fixture
async def slack(server: LocalServer) -> AsyncIterator[SlackMock]:
    mock = SlackMock(server)
    mock.install()
    yield mock


def slack_settings(slack: SlackMock, tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {"database_url": f"sqlite:///{tmp_path / 's.db'}", "seed_defaults": False,
                              "slack_api_base": slack.api_base, "slack_http_host": "127.0.0.1", "slack_http_port": 0,
                              "slack_app_token": None, **extra}
    return Settings(_env_file=None, **values)


async def test_slack_start_failures_never_show_tokens(slack: SlackMock, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    messages = []
    with caplog.at_level(logging.DEBUG):
        for method, extra in (("auth.test", {}), ("apps.connections.open", {"slack_app_token": SLACK_APP_TOKEN})):
            slack.fail_next(method, "invalid_auth")
            app = await App.open(slack_settings(slack, tmp_path, **extra))
            front = SlackFrontEnd(app.settings)
            try:
                with pytest.raises(Exception) as info:
                    await front.start(app.core)
                messages.append(str(info.value))
            finally:
                await front.stop()
                await app.close()
    assert "SLACK_BOT_TOKEN" in messages[0] and "SLACK_APP_TOKEN" in messages[1]
    assert_clean(*messages, caplog.text)


def test_slack_http_mode_never_runs_without_a_signing_secret(slack: SlackMock, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_APP_TOKEN")
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        load_settings(_env_file=None, slack_signing_secret="   ")
    # Bypassing the settings check (model_construct) must not yield a front end that verifies with an empty key.
    unchecked = Settings.model_construct(**{**Settings().model_dump(), "slack_signing_secret": None,
                                            "slack_app_token": None})
    with pytest.raises(FrontEndError, match="SLACK_SIGNING_SECRET"):
        SlackFrontEnd(unchecked)


async def test_every_slack_http_request_is_verified(slack: SlackMock, tmp_path: Path) -> None:
    slack.users = {"UADMIN": {"is_admin": True}}
    app = await App.open(slack_settings(slack, tmp_path))
    front = SlackFrontEnd(app.settings)
    await front.start(app.core)
    url = f"http://127.0.0.1:{front.port}/slack/events"

    async def post(body: str, secret: str | None, *, tamper: str | None = None, age: float = 0,
                   content_type: str = "application/x-www-form-urlencoded") -> int:
        stamp = str(int(time.time() - age))
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp}
        if secret is not None:  # Slack's v0 scheme, by hand: slack_sdk refuses to sign with an empty key
            digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
            headers["X-Slack-Signature"] = f"v0={digest}"
        async with aiohttp.ClientSession() as http, http.post(url, data=tamper or body, headers=headers) as resp:
            return resp.status

    command = urlencode({"command": "/milestones", "text": "subscribe everything", "user_id": "UADMIN",
                         "channel_id": "C1", "team_id": "T1", "response_url": slack.response_url()})
    action = urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": "UADMIN"}, "team": {"id": "T1"},
                                               "actions": [{"action_id": "open_source", "type": "button"}]})})
    challenge = json.dumps({"type": "url_verification", "challenge": "abc", "token": "x"})
    try:
        for body, kind in ((command, "application/x-www-form-urlencoded"),
                           (action, "application/x-www-form-urlencoded"), (challenge, "application/json")):
            assert await post(body, None, content_type=kind) == 401  # unsigned
            assert await post(body, "", content_type=kind) == 401  # signed with an empty key
            assert await post(body, "wrong", content_type=kind) == 401
            assert await post(body, SIGNING_SECRET, age=400, content_type=kind) == 401  # replayed
        tampered = command.replace("subscribe+everything", "subscribe+kind%3Areadout")
        assert await post(command, SIGNING_SECRET, tamper=tampered) == 401
        await asyncio.sleep(0.2)
        assert slack.responses == [] and await app.store.subscriptions.list("slack") == []
        assert await post(command, SIGNING_SECRET) == 200  # the control: a properly signed request works
    finally:
        await front.stop()
        await app.close()

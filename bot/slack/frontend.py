"""SlackFrontEnd: a slack-bolt AsyncApp in the bot's event loop, over Socket Mode or signed HTTP requests."""
from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.context import CommandError, CoreContext
from bot.frontends import FrontEndError
from bot.settings import Settings
from bot.slack.commands import SlashCommands
from bot.slack.files import FileUploader
from bot.slack.permissions import SlackPermissions
from bot.slack.sink import SlackSink

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# What "Slack cannot be reached" looks like from slack_sdk's aiohttp client (a refused token is SlackApiError,
# caught before these).
NETWORK_ERRORS = (SlackClientError, aiohttp.ClientError, TimeoutError, OSError)
RECONNECT_FIRST_SECONDS = 2.0
RECONNECT_MAX_SECONDS = 300.0


class SlackFrontEnd:
    name = "slack"

    def __init__(self, settings: Settings) -> None:
        if settings.slack_bot_token is None:
            raise ValueError("SlackFrontEnd needs SLACK_BOT_TOKEN")
        self._settings = settings
        self._app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
        if not self._app_token and not secret.strip():
            # Settings refuse this already; this guards any other way in. bolt would verify signatures with an
            # empty key (or fall back to the environment), and an empty key is one anyone can sign with.
            raise FrontEndError("Slack HTTP mode needs SLACK_SIGNING_SECRET: requests could not be verified")
        self.client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(),
                                     base_url=settings.slack_api_base)
        self._sink = SlackSink(self.client)
        self.permissions = SlackPermissions(self.client, settings.slack_admin_user_group or None)
        self.commands = SlashCommands(self._core, self.permissions)
        self.commands.uploader = FileUploader(self.client)
        # Passing our client makes bolt use SLACK_API_BASE too; signing_secret is explicit so bolt never falls
        # back to reading the environment itself.
        self.bolt = AsyncApp(client=self.client, signing_secret=secret, name="milestone-bot",
                             logger=logging.getLogger("bot.slack.bolt"))
        self.commands.register(self.bolt)
        self._core_ctx: CoreContext | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._retrying: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def sink(self) -> SlackSink:
        return self._sink

    async def connected(self) -> bool:
        """Socket Mode: the WebSocket is up. HTTP mode: the server is listening."""
        if self._socket is not None:
            return bool(await self._socket.client.is_connected())
        return self._runner is not None

    @property
    def mode(self) -> str:
        return "socket" if self._app_token else "http"

    def _core(self) -> CoreContext:
        if self._core_ctx is None:
            raise CommandError("The bot is still starting; try again in a moment.")
        return self._core_ctx

    async def start(self, core: CoreContext) -> None:
        self._core_ctx = core
        try:
            await self._check_token()
            if self._app_token:
                await self._open_socket()
        except NETWORK_ERRORS as exc:
            # No network (or Slack down) is no reason to stop the bot: polling goes on, alerts wait in the
            # outbox, and Slack is tried again in the background. Only a refused token stops `run`.
            log.warning("Slack unreachable (%s): running without it for now, connecting again in the background",
                        _error(exc))
            self._retrying = asyncio.create_task(self._keep_trying(), name="slack-reconnect")
        if self._app_token:
            return
        self._runner = web.AppRunner(self.bolt.web_app(path=EVENTS_PATH), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._settings.slack_http_host, self._settings.slack_http_port)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the bound port (SLACK_HTTP_PORT=0 picks a free one)
        log.info("Slack: HTTP mode, listening on %s:%s%s", self._settings.slack_http_host, self.port, EVENTS_PATH)

    async def _check_token(self) -> None:
        """One auth.test up front, so a wrong token stops `run` with a clear line instead of failing later."""
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            raise CommandError(f"Slack refused SLACK_BOT_TOKEN ({_error(exc)}).") from None
        log.info("Slack: signed in to %s as %s", auth.get("team"), auth.get("user"))

    async def _open_socket(self) -> None:
        if self._socket is None:
            self._socket = AsyncSocketModeHandler(self.bolt, self._app_token, web_client=self.client)
        try:
            # Asked here so a wrong app token stops `run`; the SDK's own connect loop would retry it forever.
            self._socket.client.wss_uri = await self._socket.client.issue_new_wss_url()
        except SlackApiError as exc:
            raise CommandError(f"Slack Socket Mode refused SLACK_APP_TOKEN ({_error(exc)}): it must be an "
                               "xapp- token with connections:write.") from None
        # The WebSocket connects (and later reconnects) in the background, so a network blip at start-up
        # does not hold up the scheduler.
        self._connecting = asyncio.create_task(self._socket.connect_async(), name="slack-socket-mode")
        log.info("Slack: Socket Mode connecting")

    async def _keep_trying(self) -> None:
        """Slack was unreachable at start-up: try again with back-off until it answers (quietly, one line was
        enough), then connect as start-up would have."""
        delay = RECONNECT_FIRST_SECONDS
        while True:
            await asyncio.sleep(delay)
            try:
                await self._check_token()
                if self._app_token:
                    await self._open_socket()
            except CommandError as exc:  # reachable now, but the token is refused: retrying cannot help
                log.error("%s Slack stays off until the bot is restarted with a working token.", exc)
                return
            except NETWORK_ERRORS as exc:
                log.debug("Slack still unreachable (%s); next try in %.0f s", _error(exc), delay)
                delay = min(delay * 2, RECONNECT_MAX_SECONDS)
                continue
            log.warning("Slack reachable again: connected")
            return

    async def stop(self) -> None:
        if self._retrying is not None:
            self._retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._retrying
            self._retrying = None
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._connecting
            self._connecting = None
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def _error(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("error")) if response is not None else type(exc).__name__

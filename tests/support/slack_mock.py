"""A local stand-in for Slack's Web API (and for response_url) on 127.0.0.1, recording every call.

Methods answer `{"ok": true, ...}` by default; a test scripts failures per method with `fail_next`. Users and
user groups are plain dicts the permission checks read.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.support.local_server import LocalServer


async def eventually(check: Callable[[], bool | Awaitable[bool]], seconds: float = 10) -> None:
    """Wait until `check()` holds (polled: the things it watches have no event to wait on)."""
    for _ in range(int(seconds / 0.02)):
        result = check()
        if await result if inspect.isawaitable(result) else result:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"condition not met within {seconds} s")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class SlackMock:
    server: LocalServer
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)  # what respond() posted to response_url
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    scripted: dict[str, list[Scripted]] = field(default_factory=dict)
    dead_channels: dict[str, str] = field(default_factory=dict)  # channel → error chat.postMessage always gives
    _ts: int = 0
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def api_base(self) -> str:
        return self.server.url("/api/")

    def response_url(self, name: str = "1") -> str:
        return self.server.url(f"/response/{name}")

    def fail_next(self, method: str, error: str, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.scripted.setdefault(method, []).append(Scripted(status, {"ok": False, "error": error}, headers or {}))

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def posted(self) -> list[dict[str, Any]]:
        """Parameters of every chat.postMessage that succeeded."""
        return [c.params for c in self.calls if c.method == "chat.postMessage" and c.params.get("_ok")]

    def install(self) -> None:
        self.server.route("/response/1", self._response)
        for method in ("auth.test", "chat.postMessage", "users.info", "usergroups.users.list",
                       "apps.connections.open"):
            self.server.route(f"/api/{method}", self._api)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                params.update(json.loads(raw))
            else:
                params.update(parse_qsl(raw.decode()))
        return params

    async def _response(self, request: web.Request) -> web.StreamResponse:
        body = json.loads(await request.read())
        async with self._arrived:
            self.responses.append(body)
            self._arrived.notify_all()
        return web.Response(text="ok")

    async def wait_response(self, index: int) -> dict[str, Any]:
        """The `index`-th answer posted to response_url, waiting (up to 10 s) for it to arrive."""
        async with asyncio.timeout(10), self._arrived:
            await self._arrived.wait_for(lambda: len(self.responses) > index)
        return self.responses[index]

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.path.removeprefix("/api/")
        params = await self._params(request)
        call = Call(method, params, dict(request.headers))
        self.calls.append(call)
        queue = self.scripted.get(method) or []
        if queue:
            s = queue.pop(0)
            return web.json_response(s.body, status=s.status, headers=s.headers)
        return web.json_response(self._answer(method, params, call))

    def _answer(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://example.slack.com/", "team": "Test", "user": "milestone-bot",
                    "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"}
        if method == "chat.postMessage":
            if params.get("channel") in self.dead_channels:
                return {"ok": False, "error": self.dead_channels[params["channel"]]}
            self._ts += 1
            call.params["_ok"] = True
            return {"ok": True, "channel": params.get("channel"), "ts": f"{int(time.time())}.{self._ts:06d}"}
        if method == "users.info":
            user = self.users.get(str(params.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": params.get("user"), **user}}
        if method == "usergroups.users.list":
            group = self.usergroups.get(str(params.get("usergroup")))
            if group is None:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": group}
        return {"ok": False, "error": "unknown_method"}

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


def _json(value: Any) -> Any:
    """A parameter slack_sdk sent as JSON text (form-encoded calls) or as JSON already (JSON calls)."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        return json.loads(value)
    return value


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
    # Every message posted (channel, ts, thread_ts, text, blocks, metadata, reply_broadcast), as Slack keeps them.
    messages: list[dict[str, Any]] = field(default_factory=list)
    # Seconds chat.postMessage waits after the message exists before answering (a crash test kills the caller).
    post_delay: float = 0.0
    posting: int = 0  # chat.postMessage calls being answered right now
    _ts: int = 0
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def api_base(self) -> str:
        return self.server.url("/api/")

    def response_url(self, name: str = "1") -> str:
        return self.server.url(f"/response/{name}")

    def fail_next(self, method: str, error: str, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.scripted.setdefault(method, []).append(Scripted(status, {"ok": False, "error": error}, headers or {}))

    def message(self, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages if m["ts"] == ts), None)

    def delete(self, ts: str) -> None:
        self.messages = [m for m in self.messages if m["ts"] != ts]

    def thread(self, ts: str) -> list[dict[str, Any]]:
        """The replies under a message, oldest first."""
        return [m for m in self.messages if m.get("thread_ts") == ts and m["ts"] != ts]

    def top_level(self, channel: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["channel"] == channel and not m.get("thread_ts")]

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def posted(self) -> list[dict[str, Any]]:
        """Parameters of every chat.postMessage that succeeded."""
        return [c.params for c in self.calls if c.method == "chat.postMessage" and c.params.get("_ok")]

    def install(self) -> None:
        self.server.route("/response/1", self._response)
        for method in ("auth.test", "chat.postMessage", "users.info", "usergroups.users.list",
                       "apps.connections.open", "chat.update", "chat.postEphemeral", "conversations.replies",
                       "views.publish", "views.open", "views.update", "conversations.history"):
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
        answer = self._answer(method, params, call)
        if method == "chat.postMessage" and answer.get("ok") and self.post_delay:
            # The message exists already; a client killed while waiting for this answer has still posted it.
            self.posting += 1
            try:
                await asyncio.sleep(self.post_delay)
            finally:
                self.posting -= 1
        return web.json_response(answer)

    def _answer(self, method: str, params: dict[str, Any], call: Call) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://example.slack.com/", "team": "Test", "user": "milestone-bot",
                    "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"}
        if method == "chat.postMessage":
            if params.get("channel") in self.dead_channels:
                return {"ok": False, "error": self.dead_channels[params["channel"]]}
            thread_ts = params.get("thread_ts")
            if thread_ts and self.message(str(thread_ts)) is None:
                return {"ok": False, "error": "thread_not_found"}
            self._ts += 1
            call.params["_ok"] = True
            ts = f"{int(time.time())}.{self._ts:06d}"
            self.messages.append({
                "channel": params.get("channel"), "ts": ts, "thread_ts": thread_ts, "text": params.get("text"),
                "blocks": _json(params.get("blocks")), "metadata": _json(params.get("metadata")),
                "reply_broadcast": params.get("reply_broadcast") in (True, "true", "1")})
            return {"ok": True, "channel": params.get("channel"), "ts": ts}
        if method == "chat.update":
            message = self.message(str(params.get("ts")))
            if message is None:
                return {"ok": False, "error": "message_not_found"}
            message.update(text=params.get("text"), blocks=_json(params.get("blocks")), edited=True)
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "conversations.replies":
            root = self.message(str(params.get("ts")))
            if root is None:
                return {"ok": False, "error": "thread_not_found"}
            include = params.get("include_all_metadata") in (True, "true", "1", 1)
            found = [root, *self.thread(root["ts"])]
            return {"ok": True, "has_more": False, "messages": [
                {"ts": m["ts"], "text": m["text"], **({"metadata": m["metadata"]} if include and m["metadata"]
                                                      else {})} for m in found]}
        if method == "conversations.history":
            oldest = float(params.get("oldest") or 0)
            include = params.get("include_all_metadata") in (True, "true", "1", 1)
            found = [m for m in reversed(self.messages) if m["channel"] == params.get("channel")
                     and (not m.get("thread_ts") or m["reply_broadcast"]) and float(m["ts"]) >= oldest]
            return {"ok": True, "has_more": False, "messages": [
                {"ts": m["ts"], "text": m["text"], **({"metadata": m["metadata"]} if include and m["metadata"]
                                                      else {})} for m in found]}
        if method == "chat.postEphemeral":
            self._ts += 1
            return {"ok": True, "message_ts": f"{int(time.time())}.{self._ts:06d}"}
        if method in ("views.publish", "views.open", "views.update", "conversations.history"):
            view = _json(params.get("view")) or {}
            return {"ok": True, "view": {"id": f"V{len(self.calls)}", **view}}
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

"""A local aiohttp stand-in for Discord's REST API, enough for discord.py to log in, sync commands, answer
interactions and post messages; it records the JSON discord.py actually sent.

Behaves like Discord where the tests depend on it: JSON answers carry `Content-Type: application/json` exactly
(discord.py parses nothing else), a repeated message create with the same nonce and `enforce_nonce` returns the
first message, and 429 answers carry `retry_after` plus the headers discord.py reads (a 429 without `Via` is
treated as a Cloudflare ban, so it is set as Discord's edge does).

It also has a minimal gateway, so the real `milestone-bot run` process can connect: `GET /gateway/bot` names a
websocket on the mock, which sends HELLO (op 10), takes IDENTIFY (op 2), answers with a READY dispatch and acks
heartbeats (op 11). For crash and load tests it can answer message creates slowly (the message is created
first, as Discord does, so a client killed while waiting has posted it) and rate-limit every n-th create.
Messages live in this object, i.e. in the test process, so they outlive any number of bot processes.
"""
from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.local_server import serve_app

APP_ID = 1100000000000000001
BOT_ID = 1100000000000000002
OWNER_ID = 1100000000000000003
GUILD_ID = 1200000000000000001

TEXT, PUBLIC_THREAD, FORUM = 0, 11, 15


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # form field → (file name, content)


def parse_multipart(content_type: str, raw: bytes) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """Discord's upload form: the JSON body in `payload_json`, each file in `files[n]`."""
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    body: Any = None
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if name == "payload_json":
            body = json.loads(data)
        elif name:
            files[str(name)] = (str(part.get_filename()), data)
    return body, files


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


def rate_limited(retry_after: float = 0.05) -> Scripted:
    return Scripted(429, {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
                    {"Via": "1.1 google", "Retry-After": "1", "X-RateLimit-Limit": "5",
                     "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": str(retry_after),
                     "X-RateLimit-Bucket": "mockbucket", "X-RateLimit-Scope": "user"})


UNKNOWN_CHANNEL = Scripted(404, {"message": "Unknown Channel", "code": 10003})
MISSING_ACCESS = Scripted(403, {"message": "Missing Access", "code": 50001})
MISSING_PERMISSIONS = Scripted(403, {"message": "Missing Permissions", "code": 50013})


class MockDiscord:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.channels: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        # Scripted answers for the next message creates in a channel, consumed in order.
        self.script: dict[int, list[Scripted]] = {}
        self.synced: dict[str, list[dict[str, Any]]] = {}
        self.interaction_replies: list[Call] = []
        self._ids = itertools.count(1300000000000000000)
        self._runner: web.AppRunner | None = None
        self.port = 0
        # Discord remembers a nonce for a few minutes; a repeat after that is a new message.
        self.nonce_window_seconds = 300.0
        # Like Discord, a nonce is unique per author (bot token here), not per channel.
        self._nonce_seen: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        # Seconds to wait after creating a message before answering (None: answer at once).
        self.create_delay: Callable[[], float] | None = None
        # Answer every n-th message create (retries included) with a 429 instead (0: never).
        self.rate_limit_every = 0
        self.rate_limit_retry_after = 0.01
        self.message_creates = 0
        self.creates_by_author: Counter[str] = Counter()
        self.rate_limited_count = 0
        self.nonce_repeats = 0
        # Message creates being answered right now (created, reply not yet written).
        self.inflight: set[tuple[str, str]] = set()  # (Authorization, nonce)
        self.gateway_sessions = 0
        self.gateway_sends_ready = True  # False: IDENTIFY is taken but READY never comes
        self.identified: list[dict[str, Any]] = []
        self._sockets: set[web.WebSocketResponse] = set()

    # -- test helpers ---------------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def next_id(self) -> int:
        return next(self._ids)

    @staticmethod
    def _thread_fields(parent_id: int | None) -> dict[str, Any]:
        return {"parent_id": str(parent_id) if parent_id else None, "owner_id": str(BOT_ID), "message_count": 1,
                "member_count": 1, "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                                       "archive_timestamp": "2026-01-01T00:00:00+00:00",
                                                       "locked": False}}

    def add_channel(self, channel_id: int, kind: int = TEXT, name: str = "alerts", parent_id: int | None = None) -> int:
        self.channels[channel_id] = {
            "id": str(channel_id), "type": kind, "guild_id": str(GUILD_ID), "name": name, "position": 0,
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "flags": 0,
            "topic": None, "last_message_id": None, "rate_limit_per_user": 0,
            **({"available_tags": [], "default_reaction_emoji": None, "default_sort_order": None,
                "default_forum_layout": 0, "default_thread_rate_limit_per_user": 0} if kind == FORUM else {}),
            **(self._thread_fields(parent_id) if kind == PUBLIC_THREAD else {}),
        }
        self.messages.setdefault(channel_id, [])
        return channel_id

    def calls_to(self, method: str, suffix: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.endswith(suffix)]

    def replies_to(self, token: str) -> list[Call]:
        """Everything discord.py sent in answer to one interaction: callback, follow-ups, edits, deletes."""
        return [c for c in self.interaction_replies if f"/{token}" in c.path]

    # -- Discord's answers ----------------------------------------------------------------------------

    def _user(self) -> dict[str, Any]:
        return {"id": str(BOT_ID), "username": "milestone-bot", "discriminator": "0", "global_name": None,
                "avatar": None, "bot": True, "flags": 0, "verified": True, "mfa_enabled": False}

    def _application(self) -> dict[str, Any]:
        return {"id": str(APP_ID), "name": "milestone-bot", "icon": None, "description": "", "rpc_origins": [],
                "bot_public": False, "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0,
                "owner": {"id": str(OWNER_ID), "username": "owner", "discriminator": "0", "avatar": None,
                          "flags": 0}, "team": None, "summary": "", "interactions_endpoint_url": None}

    def _message(self, channel_id: int, body: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        return {
            "id": str(message_id or self.next_id()), "channel_id": str(channel_id), "type": 0,
            "content": body.get("content") or "", "author": self._user(), "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": body.get("embeds", []), "pinned": False, "flags": body.get("flags", 0),
            "components": [], "nonce": body.get("nonce"),
        }

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        """Just enough of Discord's gateway for discord.py to become ready: HELLO, IDENTIFY → READY, heartbeats."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.add(ws)
        self.gateway_sessions += 1
        session = f"mock-session-{self.gateway_sessions}"
        seq = 0
        try:
            await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    break
                data = json.loads(msg.data)
                op = data.get("op")
                if op == 1:  # heartbeat
                    await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:  # identify
                    self.identified.append(data.get("d") or {})
                    if not self.gateway_sends_ready:
                        continue
                    seq += 1
                    ready = {"v": 10, "user": self._user(), "guilds": [], "session_id": session,
                             "resume_gateway_url": self.gateway_url, "shard": [0, 1],
                             "application": {"id": str(APP_ID), "flags": 0}}
                    await ws.send_json({"op": 0, "t": "READY", "s": seq, "d": ready})
                elif op == 6:  # resume: this mock keeps no sessions, so ask for a fresh identify
                    await ws.send_json({"op": 9, "d": False, "s": None, "t": None})
        finally:
            self._sockets.discard(ws)
        return ws

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type == "multipart/form-data":  # a message with files: payload_json + files[n]
            body, files = parse_multipart(request.headers["Content-Type"], raw)
        else:
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
        call = Call(request.method, request.path, dict(request.query), dict(request.headers), body, files)
        self.calls.append(call)
        parts = request.path.removeprefix("/api/v10").strip("/").split("/")
        method = request.method
        if parts[:1] == ["interactions"] or parts[:1] == ["webhooks"]:
            self.interaction_replies.append(call)
            return self._interaction(method, parts, body)
        if not call.headers.get("Authorization", "").startswith("Bot "):
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        if call.headers.get("Authorization") == "Bot bad-token":
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        if method == "GET" and parts == ["gateway", "bot"]:
            return json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": {
                "total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1}})
        if method == "GET" and parts == ["users", "@me"]:
            return json_response(self._user())
        if method == "GET" and parts == ["oauth2", "applications", "@me"]:
            return json_response(self._application())
        if method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            scope = parts[3] if len(parts) == 5 else "global"
            synced = [{**cmd, "id": str(self.next_id()), "application_id": str(APP_ID), "version": "1",
                       **({"guild_id": scope} if scope != "global" else {})} for cmd in body or []]
            self.synced[scope] = synced
            return json_response(synced)
        if parts[0] == "channels" and len(parts) >= 2:
            author = call.headers.get("Authorization", "")
            response = self._channel(method, int(parts[1]), parts[2:], body, author)
            nonce = body.get("nonce") if isinstance(body, dict) else None
            if self.create_delay is not None and response.status == 200 and parts[2:] == ["messages"]:
                # The message exists already; a client killed while waiting for this answer has still posted it.
                delay = self.create_delay()
                if delay > 0:
                    key = (author, str(nonce))
                    self.inflight.add(key)
                    try:
                        await asyncio.sleep(delay)
                    finally:
                        self.inflight.discard(key)
            return response
        return json_response({"message": "404: Not Found", "code": 0}, 404)

    def _channel(self, method: str, channel_id: int, rest: list[str], body: Any, author: str = "") -> web.Response:
        if (method, rest) == ("POST", ["messages"]):
            self.message_creates += 1
            self.creates_by_author[author] += 1
            if self.rate_limit_every and self.message_creates % self.rate_limit_every == 0:
                self.rate_limited_count += 1
                answer = rate_limited(self.rate_limit_retry_after)
                return json_response(answer.body, answer.status, answer.headers)
        script = self.script.get(channel_id)
        if script and (method, rest) in (("POST", ["messages"]), ("POST", ["threads"])):
            answer = script.pop(0)
            return json_response(answer.body, answer.status, answer.headers)
        channel = self.channels.get(channel_id)
        if channel is None:
            return json_response(UNKNOWN_CHANNEL.body, 404)
        if method == "GET" and not rest:
            return json_response(channel)
        if method == "POST" and rest == ["messages"]:
            if channel["type"] == FORUM:
                return json_response({"message": "Cannot send messages in a non-text channel", "code": 50008}, 400)
            nonce = body.get("nonce")
            now = time.monotonic()
            if nonce is not None and body.get("enforce_nonce"):
                earlier = self._nonce_seen.get((author, str(nonce)))
                if earlier is not None and now - earlier[0] <= self.nonce_window_seconds:
                    self.nonce_repeats += 1
                    return json_response(earlier[1])  # Discord's answer to a repeated nonce: the first message
            message = self._message(channel_id, body)
            self.messages[channel_id].append(message)
            if nonce is not None:
                self._nonce_seen[(author, str(nonce))] = (now, message)
            return json_response(message)
        if method == "POST" and rest == ["threads"] and channel["type"] == FORUM:
            thread_id = self.next_id()
            message = self._message(thread_id, body.get("message", {}), message_id=thread_id)
            self.messages.setdefault(thread_id, []).append(message)
            self.channels[thread_id] = {**self.channels[channel_id], "id": str(thread_id), "type": PUBLIC_THREAD,
                                        "name": body.get("name"), **self._thread_fields(channel_id)}
            return json_response({**self.channels[thread_id], "message": message})
        return json_response({"message": "405: Method Not Allowed", "code": 0}, 405)

    def _interaction(self, method: str, parts: list[str], body: Any) -> web.Response:
        if parts[0] == "interactions":
            # POST /interactions/{id}/{token}/callback?with_response=1
            kind = body.get("type")
            data = body.get("data") or {}
            flags = int(data.get("flags") or 0)
            message = self._message(0, data) if kind == 4 else None
            reply = {"interaction": {"id": parts[1], "type": 2, "response_message_loading": kind == 5,
                                     "response_message_ephemeral": bool(flags & 64),
                                     **({"response_message_id": message["id"]} if message else {})}}
            if message is not None:
                reply["resource"] = {"type": kind, "message": message}
            return json_response(reply)
        if method == "DELETE":
            return web.Response(status=204)
        # follow-ups (POST /webhooks/{app}/{token}) and edits of @original (PATCH)
        return json_response(self._message(0, body if isinstance(body, dict) else {}))

    # -- lifecycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner, self.port = await serve_app(app)

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

"""Slack's files upload v2 on the local Slack mock: files.getUploadURLExternal names an upload URL on the mock,
the bytes are posted there, files.completeUploadExternal shares them into a channel. Uploads are recorded with
their bytes; completing an upload into a channel the bot is not in fails as Slack does (`not_in_channel`)."""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

from aiohttp import web

from tests.support.slack_mock import Call, SlackMock


@dataclass
class SlackFile:
    id: str
    filename: str
    length: int
    data: bytes | None = None
    title: str | None = None
    channel_id: str | None = None
    initial_comment: str | None = None


@dataclass
class SlackFiles:
    mock: SlackMock
    files: dict[str, SlackFile] = field(default_factory=dict)
    not_in: set[str] = field(default_factory=set)  # channels the bot is not a member of
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def shared(self) -> list[SlackFile]:
        """Files completed into a channel, in order."""
        return [f for f in self.files.values() if f.channel_id is not None]

    def install(self) -> None:
        server = self.mock.server
        server.route("/api/files.getUploadURLExternal", self._get_url)
        server.route("/api/files.completeUploadExternal", self._complete)
        server.route("/upload/v1/file", self._upload)

    async def _params(self, request: web.Request, method: str) -> dict[str, object]:
        params = await self.mock._params(request)
        self.mock.calls.append(Call(method, params, dict(request.headers)))
        return params

    async def _get_url(self, request: web.Request) -> web.StreamResponse:
        params = await self._params(request, "files.getUploadURLExternal")
        file_id = f"F{next(self._ids):08d}"
        self.files[file_id] = SlackFile(file_id, str(params.get("filename")), int(str(params.get("length", 0))))
        return web.json_response({"ok": True, "file_id": file_id,
                                  "upload_url": self.mock.server.url(f"/upload/v1/file?id={file_id}")})

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        found = self.files.get(request.query.get("id", ""))
        if found is None:
            return web.Response(status=404, text="no such upload")
        found.data = await request.read()
        return web.Response(text="OK - 200")

    async def _complete(self, request: web.Request) -> web.StreamResponse:
        params = await self._params(request, "files.completeUploadExternal")
        channel = str(params.get("channel_id") or "")
        if channel in self.not_in:
            return web.json_response({"ok": False, "error": "not_in_channel"})
        listed = params.get("files")
        items = json.loads(listed) if isinstance(listed, str) else listed or []
        done = []
        for item in items:  # type: ignore[union-attr]
            f = self.files.get(item["id"])
            if f is None or f.data is None:
                return web.json_response({"ok": False, "error": "file_not_found"})
            f.title, f.channel_id = item.get("title"), channel or None
            f.initial_comment = str(params.get("initial_comment") or "") or None
            done.append({"id": f.id, "name": f.filename, "title": f.title})
        return web.json_response({"ok": True, "files": done})

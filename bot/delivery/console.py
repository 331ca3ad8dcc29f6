"""The console sink: one readable block per alert on stdout (or one JSON line with --json)."""
from __future__ import annotations

import sys
from typing import TextIO

from bot.delivery.digest import Digest
from bot.render_text import event_json, render_alert, render_digest
from storage.models import PendingDelivery


class ConsoleSink:
    platform = "console"
    channel_id = "stdout"

    def __init__(self, stream: TextIO | None = None, as_json: bool = False) -> None:
        self._stream = stream
        self._as_json = as_json

    async def send(self, pending: PendingDelivery) -> str | None:
        stream = self._stream or sys.stdout
        text = event_json(pending.event) if self._as_json else render_alert(pending.event) + "\n"
        stream.write(text + "\n")
        stream.flush()
        return None

    async def send_digest(self, digest: Digest) -> str | None:
        stream = self._stream or sys.stdout
        if self._as_json:
            for group in digest.groups:
                for event in group.events:
                    stream.write(event_json(event) + "\n")
        else:
            stream.write(render_digest(digest) + "\n\n")
        stream.flush()
        return None

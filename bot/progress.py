"""A progress line on stderr for long work (the first poll of many sources: `poll-once`, the first cycle of `run`),
shown only on a terminal.

The line is rewritten in place (carriage return) and cleared when the work ends, so it never reaches a log file
or a pipe: redirected stderr gets the same lines as before and nothing else.
"""
from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from typing import TextIO

from storage.models import utcnow
from storage.store import Store

INTERVAL_SECONDS = 0.5


class ProgressLine:
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self.enabled = _is_terminal(self._stream)
        self._width = 0

    def show(self, text: str) -> None:
        if not self.enabled:
            return
        self._width = max(self._width, len(text))
        self._stream.write("\r" + text.ljust(self._width))
        self._stream.flush()

    def clear(self) -> None:
        if self.enabled and self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def _attempted(when: datetime | None, since: datetime) -> bool:
    if when is None:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=since.tzinfo)
    return when >= since


@contextlib.asynccontextmanager
async def poll_progress(store: Store, line: ProgressLine | None = None) -> AsyncIterator[None]:
    """While the block runs, show how many of the enabled sources have been polled since it started (read from the
    sources' last attempt times, so the poll cycle needs no hook)."""
    line = line or ProgressLine()
    if not line.enabled:
        yield
        return
    since = utcnow().replace(microsecond=0)

    async def watch() -> None:
        while True:
            sources = [s for s in await store.sources.list() if not s.disabled or _attempted(s.last_attempt_at, since)]
            done = sum(1 for s in sources if _attempted(s.last_attempt_at, since))
            line.show(f"polling: {done}/{len(sources)} sources")
            await asyncio.sleep(INTERVAL_SECONDS)

    task = asyncio.create_task(watch(), name="progress-line")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        line.clear()

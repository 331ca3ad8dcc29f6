"""The event loop a milestone-bot process runs on: uvloop's where it is installed, else asyncio's (issue 19).

A polling process spends most of its time in the event loop's own machinery: every poll is a socket, a few
callbacks and a timer, and at 100,000 feeds a cycle is hundreds of thousands of them. uvloop (libuv, written in
Cython) does that work in C; aiohttp, aiosqlite's thread hand-offs, discord.py and slack-bolt run on it unchanged.
Windows has no uvloop: there, and wherever it is missing, asyncio's own loop runs.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop constructor, or None (asyncio's default) when uvloop is not installed."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on the loop :func:`loop_factory` names."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)

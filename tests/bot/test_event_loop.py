"""The loop a milestone-bot process runs on."""
from __future__ import annotations

import asyncio

import pytest

from bot import event_loop


def test_commands_run_on_uvloop_where_it_is_installed() -> None:
    uvloop = pytest.importorskip("uvloop", reason="uvloop is not installed (Windows): asyncio's loop runs")

    async def which() -> type:
        await asyncio.sleep(0)
        return type(asyncio.get_running_loop())

    assert event_loop.run(which()) is uvloop.Loop


def test_a_command_s_result_and_errors_come_back_as_from_asyncio_run() -> None:
    async def fails() -> None:
        raise ValueError("bad input")

    async def answers() -> int:
        return 42

    assert event_loop.run(answers()) == 42
    with pytest.raises(ValueError, match="bad input"):
        event_loop.run(fails())

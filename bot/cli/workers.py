"""`worker` and `gateway`: the processes that share the work on PostgreSQL (see bot/workers/)."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Iterator

from bot.app import App
from bot.cli.common import Subparsers
from bot.workers.gateway import run_gateway
from bot.workers.process import run_worker


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("worker", parents=[common],
                       help="PostgreSQL: poll and deliver from the shared queue (run any number) until Ctrl-C")
    p.set_defaults(handler=cmd_worker)
    p = sub.add_parser("gateway", parents=[common],
                       help="hold the Discord gateway / Slack socket for slash commands until Ctrl-C")
    p.set_defaults(handler=cmd_gateway)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[asyncio.Event]:
    """An event set by SIGINT or SIGTERM (a graceful stop: running jobs finish)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def cmd_worker(app: App, args: argparse.Namespace) -> int:
    with stop_on_signals() as stop:
        await run_worker(app, stop)
    return 0


async def cmd_gateway(app: App, args: argparse.Namespace) -> int:
    with stop_on_signals() as stop:
        await run_gateway(app, stop)
    return 0

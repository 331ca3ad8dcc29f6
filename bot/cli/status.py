"""`status`: version, last cycle, source health, outbox, subscriptions and connected front ends."""
from __future__ import annotations

import argparse

from bot.app import App
from bot.cli.common import Subparsers
from bot.core.status import status
from bot.render_text import render_status


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("status", parents=[common],
                       help="how the bot is doing: last cycle, sources, outbox, subscriptions, front ends")
    p.add_argument("--json", action="store_true", help="the answer as one JSON object")
    p.set_defaults(handler=cmd_status)


async def cmd_status(app: App, args: argparse.Namespace) -> int:
    answer = await status(app.core)
    print(answer.model_dump_json() if args.json else render_status(answer))
    return 0

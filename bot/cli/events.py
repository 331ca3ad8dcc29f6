"""`events`: the latest stored events."""
from __future__ import annotations

import argparse

from bot.app import App
from bot.cli.common import Subparsers, UsageError
from bot.render_text import event_json, render_event_line


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("events", parents=[common], help="show the latest stored events")
    p.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    p.add_argument("--kind", choices=["readout", "enrollment", "regulatory", "other", "system"])
    p.add_argument("--json", action="store_true", help="one JSON line per event")
    p.set_defaults(handler=cmd_events)


async def cmd_events(app: App, args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    for event in await app.store.events.latest(args.limit, args.kind):
        print(event_json(event) if args.json else render_event_line(event))
    return 0

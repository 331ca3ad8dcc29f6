"""`feeds add|list|remove|enable`."""
from __future__ import annotations

import argparse

from bot.app import App
from bot.cli.common import Subparsers
from bot.core import feeds
from bot.core.context import CONSOLE_ACTOR
from bot.render_text import render_cadence, render_source_health


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("feeds", help="manage watched RSS/Atom feeds").add_subparsers(
        dest="feeds_command", required=True, metavar="ACTION"
    )
    p = group.add_parser("add", parents=[common], help="watch a feed (fetched once to validate)")
    p.add_argument("url")
    p.add_argument("--name", help="display name (default: the feed's own title)")
    p.set_defaults(handler=cmd_add)
    p = group.add_parser("list", parents=[common], help="list feeds with their health")
    p.set_defaults(handler=cmd_list)
    p = group.add_parser("remove", parents=[common], help="stop watching a feed")
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_remove)
    p = group.add_parser("enable", parents=[common], help="re-enable a disabled feed")
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_enable)


async def cmd_add(app: App, args: argparse.Namespace) -> int:
    added = await feeds.add_feed(app.core, CONSOLE_ACTOR, args.url, args.name)
    print(f"watching feed #{added.source.id}: {added.source.name} "
          f"({added.items_now} items now; only newer ones will be posted)")
    return 0


async def cmd_list(app: App, args: argparse.Namespace) -> int:
    listing = await feeds.list_feeds(app.core)
    if not listing.feeds:
        print("no feeds watched; add one with: milestone-bot feeds add URL")
    for source in listing.feeds:
        print(render_source_health(source))
        if source.id in listing.cadence:
            print(render_cadence(listing.cadence[source.id]))
    return 0


async def cmd_remove(app: App, args: argparse.Namespace) -> int:
    source = await feeds.remove_feed(app.core, CONSOLE_ACTOR, args.id)
    print(f"removed feed #{source.id}: {source.name}")
    return 0


async def cmd_enable(app: App, args: argparse.Namespace) -> int:
    source = await feeds.enable_feed(app.core, CONSOLE_ACTOR, args.id)
    print(f"enabled feed #{source.id}: {source.name}")
    return 0

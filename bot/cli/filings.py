"""`filings watch CIK` and `filings list`: SEC EDGAR 8-K feeds."""
from __future__ import annotations

import argparse

from bot.app import App
from bot.cli.common import Subparsers
from bot.core import filings
from bot.core.context import CONSOLE_ACTOR
from bot.render_text import render_source_health


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("filings", help="watch sponsors' SEC 8-K filings").add_subparsers(
        dest="filings_command", required=True, metavar="ACTION"
    )
    p = group.add_parser("watch", parents=[common], help="watch a company's 8-K filings by SEC CIK")
    p.add_argument("cik")
    p.add_argument("--name", help="company name to show")
    p.set_defaults(handler=cmd_watch)
    p = group.add_parser("list", parents=[common], help="list watched filing feeds with their health")
    p.set_defaults(handler=cmd_list)


async def cmd_watch(app: App, args: argparse.Namespace) -> int:
    source = await filings.watch_filings(app.core, CONSOLE_ACTOR, args.cik, args.name)
    print(f"watching #{source.id}: {source.name}")
    return 0


async def cmd_list(app: App, args: argparse.Namespace) -> int:
    sources = await filings.list_filings(app.core)
    if not sources:
        print("no filing feeds; add one with: milestone-bot filings watch CIK --name COMPANY")
    for source in sources:
        print(render_source_health(source))
    return 0

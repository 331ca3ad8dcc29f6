"""`trials watch|unwatch|list|show`: ClinicalTrials.gov trials and programmes."""
from __future__ import annotations

import argparse

from bot.app import App
from bot.cli.common import Subparsers, UsageError
from bot.core import trials
from bot.core.context import CONSOLE_ACTOR
from bot.render_text import (
    render_program_query,
    render_source_health,
    render_trial_detail,
    render_watched_trial,
)
from storage.models import ChannelRef

# Whoever runs the CLI reads the console: "now watching" summaries go there.
CONSOLE_CHANNEL = ChannelRef(platform="console", channel_id="stdout")


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    group = sub.add_parser("trials", help="watch ClinicalTrials.gov trials and programmes").add_subparsers(
        dest="trials_command", required=True, metavar="ACTION"
    )
    p = group.add_parser(
        "watch", parents=[common],
        help="watch trials by NCT ID (checked once), or a programme by intervention name",
        description="With NCT IDs: watch those trials (--program labels them). Without: watch the programme "
        "--program by intervention name (plus --alias names, optionally one --sponsor); new trials it finds "
        "are alerts.",
    )
    p.add_argument("nct_ids", nargs="*", metavar="NCT", help="NCT IDs, e.g. NCT05531279")
    p.add_argument("--program", help="programme name (labels the trials, or is searched for without NCT IDs)")
    p.add_argument("--alias", action="append", default=[], help="another name of the programme (repeatable)")
    p.add_argument("--sponsor", help="only trials of this lead sponsor (programme search)")
    p.set_defaults(handler=cmd_watch)
    p = group.add_parser("unwatch", parents=[common], help="stop watching trials or a programme")
    p.add_argument("nct_ids", nargs="*", metavar="NCT")
    p.add_argument("--program", help="stop watching this programme and the trials it brought in")
    p.set_defaults(handler=cmd_unwatch)
    p = group.add_parser("list", parents=[common], help="watched trials with their state, and programmes")
    p.set_defaults(handler=cmd_list)
    p = group.add_parser("show", parents=[common], help="a trial's current snapshot and the changes seen so far")
    p.add_argument("nct_id", metavar="NCT")
    p.set_defaults(handler=cmd_show)
    p = group.add_parser("enable", parents=[common], help="re-enable the ClinicalTrials.gov watcher after failures")
    p.set_defaults(handler=cmd_enable)


async def cmd_watch(app: App, args: argparse.Namespace) -> int:
    if args.nct_ids:
        if args.alias or args.sponsor:
            raise UsageError("--alias and --sponsor describe a programme search: give them without NCT IDs")
        done = await trials.watch_trials(app.core, CONSOLE_ACTOR, args.nct_ids, args.program, CONSOLE_CHANNEL)
        label = f" for {done.program}" if done.program else ""
        for snap in done.added:
            print(f"watching {snap.label}{label}: {snap.title}")
        for nct in done.already:
            print(f"already watched: {nct}" + (f" (now labelled {done.program})" if done.program else ""))
        if done.added:
            print("a summary follows at the next poll; after that, every change is an alert")
        return 0
    if not args.program:
        raise UsageError("give NCT IDs, or --program NAME to watch a programme")
    watched = await trials.watch_program(
        app.core, CONSOLE_ACTOR, args.program, args.alias, args.sponsor, CONSOLE_CHANNEL
    )
    print(f"watching programme {watched.query.program}: {watched.trials_now} trials match now "
          "(recorded at the next poll; new ones after that are alerts)")
    return 0


async def cmd_unwatch(app: App, args: argparse.Namespace) -> int:
    if not args.nct_ids and not args.program:
        raise UsageError("give NCT IDs, or --program NAME")
    if args.nct_ids:
        for nct in await trials.unwatch_trials(app.core, CONSOLE_ACTOR, args.nct_ids):
            print(f"stopped watching {nct}")
    if args.program:
        query, dropped = await trials.unwatch_program(app.core, CONSOLE_ACTOR, args.program)
        print(f"stopped watching programme {query.program} ({dropped} trials it brought in)")
    return 0


async def cmd_list(app: App, args: argparse.Namespace) -> int:
    listing = await trials.list_trials(app.core)
    if not listing.trials and not listing.programs:
        print("no trials watched; start with: milestone-bot trials watch NCT05531279")
    if listing.registry and (listing.registry.disabled or listing.registry.last_error):
        print(render_source_health(listing.registry))
    for query in listing.programs:
        print(render_program_query(query))
    for item in listing.trials:
        print(render_watched_trial(item.watch, item.snapshot))
    return 0


async def cmd_show(app: App, args: argparse.Namespace) -> int:
    detail = await trials.show_trial(app.core, args.nct_id)
    print(render_trial_detail(detail.nct_id, detail.watch, detail.snapshot, detail.changes))
    return 0


async def cmd_enable(app: App, args: argparse.Namespace) -> int:
    source = await trials.enable_registry(app.core, CONSOLE_ACTOR)
    print(f"enabled {source.name} ({source.url})")
    return 0

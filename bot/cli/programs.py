"""`programs add|remove|list|import|export|merges|unmerge|promote` and `lookup NAME [--track]`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.app import App
from bot.cli.common import Subparsers, UsageError
from bot.core import learned, programs
from bot.core.context import CONSOLE_ACTOR
from bot.core.lookup import lookup, track
from bot.core.registry import Onboarded, onboard
from bot.core.timeline import program_timeline
from bot.render_text import render_card, render_merge_line, render_onboarded, render_program_line
from storage.models import ProgramIn


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("lookup", parents=[common], help="show a programme's card: trials, designations, readouts")
    p.add_argument("name", help="programme name or any alias (e.g. azer-cel), or any drug name")
    p.add_argument("--track", action="store_true",
                   help="follow it: register it (or promote a learned one) and back-fill its trials")
    p.add_argument("--picture", type=Path, metavar="FILE",
                   help="also write the timeline picture (trials and milestones over time) as a PNG to FILE")
    p.set_defaults(handler=cmd_lookup)

    group = sub.add_parser("programs", help="manage the programme registry").add_subparsers(
        dest="programs_command", required=True, metavar="ACTION"
    )
    p = group.add_parser("add", parents=[common], help="register a programme")
    p.add_argument("name")
    p.add_argument("--alias", action="append", default=[], help="another name (code name, INN, brand); repeatable")
    p.add_argument("--sponsor", action="append", default=[], help="sponsor company; repeatable")
    p.add_argument("--nct", action="append", default=[], help="NCT ID of a trial; repeatable")
    p.add_argument("--ticker")
    p.add_argument("--cik", help="SEC CIK of the sponsor")
    p.add_argument("--indication")
    p.set_defaults(handler=cmd_add)
    p = group.add_parser("remove", parents=[common], help="remove a programme")
    p.add_argument("name")
    p.set_defaults(handler=cmd_remove)
    p = group.add_parser("list", parents=[common], help="list programmes")
    p.add_argument("--learned", action="store_true", help="the programmes learned from the news instead")
    p.set_defaults(handler=cmd_list)
    p = group.add_parser("merges", parents=[common], help="learned programmes merged into one, newest first")
    p.set_defaults(handler=cmd_merges)
    p = group.add_parser("unmerge", parents=[common], help="undo a merge (its number from `programs merges`)")
    p.add_argument("merge")
    p.set_defaults(handler=cmd_unmerge)
    p = group.add_parser("promote", parents=[common], help="make a learned programme a registered one")
    p.add_argument("name")
    p.set_defaults(handler=cmd_promote)
    p = group.add_parser("import", parents=[common], help="add or update programmes from a TOML file")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=cmd_import)
    p = group.add_parser("export", parents=[common], help="write all programmes as TOML (to FILE or stdout)")
    p.add_argument("file", type=Path, nargs="?")
    p.set_defaults(handler=cmd_export)


async def cmd_lookup(app: App, args: argparse.Namespace) -> int:
    if args.track:
        tracked = await track(app.core, CONSOLE_ACTOR, args.name)
        print(f"{'tracking' if tracked.created else 'now registered'}: {tracked.card.program.name}")
        if tracked.onboarded is not None:
            print(render_onboarded(tracked.onboarded))
        card = tracked.card
    else:
        card = await lookup(app.core, args.name)
    print(render_card(card))
    if args.picture is not None:
        from bot.timeline_picture import timeline_png  # matplotlib loads only when a picture is asked for

        png = await timeline_png(await program_timeline(app.core, card))
        try:
            args.picture.write_bytes(png)
        except OSError as exc:
            raise UsageError(f"cannot write {args.picture}: {exc.strerror}") from None
        print(f"wrote the timeline picture to {args.picture}")
    return 0


async def cmd_add(app: App, args: argparse.Namespace) -> int:
    program = await programs.add_program(app.core, CONSOLE_ACTOR, ProgramIn(
        name=args.name, aliases=args.alias, sponsors=args.sponsor, nct_ids=args.nct, ticker=args.ticker,
        cik=args.cik, indication=args.indication,
    ))
    print(f"added programme {render_program_line(program)}")
    if app.core.settings.onboarding_backfill:
        done: Onboarded = await onboard(app.core, program)
        print(render_onboarded(done))
    return 0


async def cmd_remove(app: App, args: argparse.Namespace) -> int:
    program = await programs.remove_program(app.core, CONSOLE_ACTOR, args.name)
    print(f"removed programme {program.name}")
    return 0


async def cmd_list(app: App, args: argparse.Namespace) -> int:
    if args.learned:
        found = await learned.list_learned(app.core)
        if not found:
            print("no learned programmes yet: drug names in the news that no programme has become one")
        for program in found:
            print(render_program_line(program) + "  [learned]")
        return 0
    listed = await programs.list_programs(app.core)
    if not listed:
        print("no programmes; add one with: milestone-bot programs add NAME --alias ... --sponsor ...")
    for program in listed:
        print(render_program_line(program))
    return 0


async def cmd_import(app: App, args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {args.file}: {exc}") from None
    report = await programs.import_programs(app.core, CONSOLE_ACTOR, text)
    print(f"imported {args.file}: {len(report.added)} added, {len(report.updated)} updated, "
          f"{len(report.unchanged)} unchanged")
    return 0


async def cmd_export(app: App, args: argparse.Namespace) -> int:
    text = programs.programs_to_toml(await programs.list_programs(app.core))
    if args.file is None:
        sys.stdout.write(text)
    else:
        args.file.write_text(text, encoding="utf-8")
        print(f"wrote {args.file}")
    return 0


async def cmd_merges(app: App, args: argparse.Namespace) -> int:
    found = await learned.list_merges(app.core)
    if not found:
        print("no merges")
    for merge in found:
        print(render_merge_line(merge))
    return 0


async def cmd_unmerge(app: App, args: argparse.Namespace) -> int:
    merge = await learned.undo_merge(app.core, CONSOLE_ACTOR, args.merge)
    print(f"undid merge #{merge.id}: {merge.merged_name} is its own programme again")
    return 0


async def cmd_promote(app: App, args: argparse.Namespace) -> int:
    program = await learned.promote(app.core, CONSOLE_ACTOR, args.name)
    print(f"registered {render_program_line(program)}")
    return 0

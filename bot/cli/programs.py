"""`programs add|remove|list|import|export` and `lookup NAME`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.app import App
from bot.cli.common import Subparsers, UsageError
from bot.core import programs
from bot.core.context import CONSOLE_ACTOR
from bot.core.lookup import lookup
from bot.core.timeline import program_timeline
from bot.render_text import render_card, render_program_line
from storage.models import ProgramIn


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("lookup", parents=[common], help="show a programme's card: trials, designations, readouts")
    p.add_argument("name", help="programme name or any alias (e.g. azer-cel)")
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
    p.set_defaults(handler=cmd_list)
    p = group.add_parser("import", parents=[common], help="add or update programmes from a TOML file")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=cmd_import)
    p = group.add_parser("export", parents=[common], help="write all programmes as TOML (to FILE or stdout)")
    p.add_argument("file", type=Path, nargs="?")
    p.set_defaults(handler=cmd_export)


async def cmd_lookup(app: App, args: argparse.Namespace) -> int:
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
    return 0


async def cmd_remove(app: App, args: argparse.Namespace) -> int:
    program = await programs.remove_program(app.core, CONSOLE_ACTOR, args.name)
    print(f"removed programme {program.name}")
    return 0


async def cmd_list(app: App, args: argparse.Namespace) -> int:
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

"""`export [FILE] [--opml FILE]` and `import FILE`: move or back up the whole configuration."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.app import App
from bot.cli.common import Subparsers, UsageError
from bot.core import config_io
from bot.core.context import CONSOLE_ACTOR


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("export", parents=[common],
                       help="write feeds and other sources, programmes, trial watches and subscriptions as JSON")
    p.add_argument("file", type=Path, nargs="?",
                   help="FILE.json (everything) or FILE.opml (the feeds); default: JSON to stdout")
    p.add_argument("--opml", type=Path, metavar="FILE", help="also write the RSS/Atom feeds as OPML 2.0 to FILE")
    p.set_defaults(handler=cmd_export)
    p = sub.add_parser("import", parents=[common],
                       help="add what a JSON export or an OPML file holds (checked first; running it twice is safe)")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=cmd_import)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


async def cmd_export(app: App, args: argparse.Namespace) -> int:
    # The extension names the format (checked before anything is written): JSON in a .opml file opens nowhere.
    targets: list[tuple[Path, str]] = [] if args.file is None else [(args.file, _format_of(args.file))]
    if args.opml is not None:
        targets.append((args.opml, "opml"))
    doc = await config_io.export_config(app.core)
    if not targets:
        sys.stdout.write(config_io.config_to_json(doc))
        return 0
    for path, kind in targets:
        if kind == "json":
            _write(path, config_io.config_to_json(doc))
            print(f"wrote {path}: {len(doc.sources)} sources, {len(doc.programs)} programmes, "
                  f"{len(doc.trial_watches)} trials, {len(doc.trial_programs)} trial programmes, "
                  f"{len(doc.subscriptions)} subscriptions")
        else:
            _write(path, config_io.feeds_to_opml(doc))
            print(f"wrote {path}: {sum(1 for s in doc.sources if s.kind == 'rss')} feeds (OPML 2.0)")
    return 0


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".opml", ".xml"):
        return "opml"
    raise UsageError(f"cannot tell the format from the name {path.name!r}: use .json (everything) or .opml (feeds)")


async def cmd_import(app: App, args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
    s = await config_io.import_config(app.core, CONSOLE_ACTOR, data)
    if s.changes == 0:
        print(f"imported {args.file}: no changes ({s.unchanged} already present)")
        return 0
    print(f"imported {args.file}: {s.sources_added} sources, {s.programs_added} programmes added "
          f"({s.programs_updated} updated), {s.trials_added} trials, {s.trial_programs_added} trial programmes, "
          f"{s.subscriptions_added} subscriptions; {s.unchanged} already present")
    return 0

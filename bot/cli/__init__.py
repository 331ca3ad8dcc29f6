"""`milestone-bot`: the command line. One module per command group; each registers its sub-commands."""
from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Sequence

import psycopg

from bot import event_loop
from bot.app import App
from bot.cli import classify, config_io, events, feeds, filings, programs, run, status, subscriptions, trials, workers
from bot.cli.common import Handler, UsageError
from bot.core.context import CommandError
from bot.core.status import bot_version
from bot.frontends import FrontEndError
from bot.log_format import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from storage.postgres import redacted
from storage.store import StoreError, StoreUnreachableError, sqlite_path
from watchers.fetch.http import FetchError
from watchers.parse.feed import FeedParseError

GROUPS = [run, feeds, filings, programs, subscriptions, trials, events, classify, config_io, status, workers]


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", help="SQLite file to use (overrides DATABASE_URL)")
    common.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    parser = argparse.ArgumentParser(
        prog="milestone-bot",
        description="Biotech milestone alerts: watches feeds and registries, posts readouts, enrollment "
        "changes and FDA actions to the console, Discord or Slack.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {bot_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub, common)
    return parser


async def _run(handler: Handler, settings: Settings, args: argparse.Namespace) -> int:
    app = await App.open(settings)
    try:
        return await handler(app, args)
    finally:
        await app.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    verbose = getattr(args, "verbose", False)
    configure_logging(verbose)
    try:
        overrides = {"database_url": f"sqlite:///{args.db}"} if getattr(args, "db", None) else {}
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"milestone-bot: {exc}", file=sys.stderr)
        return 2
    if settings.log_format != "text":
        configure_logging(verbose, settings.log_format)
    if getattr(args, "offline", False):
        return args.offline(args)
    try:
        return event_loop.run(_run(args.handler, settings, args))
    except (UsageError, CommandError, FrontEndError, StoreError, FetchError, FeedParseError) as exc:
        print(f"milestone-bot: {exc}", file=sys.stderr)
        # A store that cannot be reached at start is a setting (or a server) to fix, like bad usage.
        return 2 if isinstance(exc, UsageError | StoreUnreachableError) else 1
    except KeyboardInterrupt:
        return 130
    except sqlite3.Error as exc:  # e.g. the disk filled up or the file was damaged while the command ran
        print(f"milestone-bot: store {sqlite_path(settings.database_url)}: {exc}", file=sys.stderr)
        return 1
    except psycopg.Error as exc:  # e.g. the PostgreSQL server went away while a one-shot command ran
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"milestone-bot: store {redacted(settings.database_url)}: {first}", file=sys.stderr)
        return 1
    except Exception as exc:
        # A bug, not bad input: still one line (the store is closed by now), the traceback only with -v.
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        print(f"milestone-bot: unexpected error: {type(exc).__name__}: {exc} (-v shows where)", file=sys.stderr)
        return 1

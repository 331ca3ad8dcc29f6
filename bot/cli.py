"""`milestone-bot`: the command line. Each sub-command is a small async function over the App."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence

from bot.app import App
from bot.render_text import event_json, render_event_line, render_source_health
from bot.settings import Settings, SettingsError, load_settings
from storage.store import StoreError
from watchers.feed_parse import FeedParseError, parse_feed
from watchers.http_fetch import FetchError

Handler = Callable[[App, argparse.Namespace], Awaitable[int]]


class UsageError(Exception):
    """A bad argument: one line to stderr, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", help="SQLite file to use (overrides DATABASE_URL)")
    common.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")

    parser = argparse.ArgumentParser(
        prog="milestone-bot",
        description="Biotech milestone alerts: watches feeds and registries, posts readouts, enrollment "
        "changes and FDA actions to the console, Discord or Slack.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", parents=[common], help="poll on a schedule and deliver alerts until Ctrl-C")
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("poll-once", parents=[common], help="poll every watched source once, then deliver")
    p.add_argument("--json", action="store_true", help="print each new event as one JSON line")
    p.set_defaults(handler=cmd_poll_once)

    feeds = sub.add_parser("feeds", help="manage watched RSS/Atom feeds").add_subparsers(
        dest="feeds_command", required=True, metavar="ACTION"
    )
    p = feeds.add_parser("add", parents=[common], help="watch a feed (fetched once to validate)")
    p.add_argument("url")
    p.add_argument("--name", help="display name (default: the feed's own title)")
    p.set_defaults(handler=cmd_feeds_add)
    p = feeds.add_parser("list", parents=[common], help="list feeds with their health")
    p.set_defaults(handler=cmd_feeds_list)
    p = feeds.add_parser("remove", parents=[common], help="stop watching a feed")
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_feeds_remove)
    p = feeds.add_parser("enable", parents=[common], help="re-enable a disabled feed")
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_feeds_enable)

    p = sub.add_parser("events", parents=[common], help="show the latest stored events")
    p.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    p.add_argument("--kind", choices=["readout", "enrollment", "regulatory", "other", "system"])
    p.add_argument("--json", action="store_true", help="one JSON line per event")
    p.set_defaults(handler=cmd_events)
    return parser


async def cmd_run(app: App, args: argparse.Namespace) -> int:
    await app.run_forever()
    return 0


async def cmd_poll_once(app: App, args: argparse.Namespace) -> int:
    await app.use_console(as_json=args.json)
    report, delivered = await app.poll_once()
    for source_id, error in report.errors.items():
        print(f"source {source_id}: {error}", file=sys.stderr)
    if not args.json:
        print(
            f"polled {report.polled} sources: {report.not_modified} not modified, {report.failed} failed, "
            f"{len(report.new_event_ids)} new events, {delivered.sent} alerts delivered",
            file=sys.stderr,
        )
    return 0


async def cmd_feeds_add(app: App, args: argparse.Namespace) -> int:
    url = args.url.strip()
    result = await app.fetcher.get(url)
    feed = await asyncio.to_thread(parse_feed, result.body)
    name = args.name or feed.title or url
    source = await app.store.add_source("rss", url, name)
    print(f"watching feed #{source.id}: {name} ({len(feed.items)} items now; only newer ones will be posted)")
    return 0


async def cmd_feeds_list(app: App, args: argparse.Namespace) -> int:
    sources = await app.store.list_sources("rss")
    if not sources:
        print("no feeds watched; add one with: milestone-bot feeds add URL")
    for source in sources:
        print(render_source_health(source))
    return 0


async def cmd_feeds_remove(app: App, args: argparse.Namespace) -> int:
    source = await app.store.remove_source(args.id)
    print(f"removed feed #{source.id}: {source.name}")
    return 0


async def cmd_feeds_enable(app: App, args: argparse.Namespace) -> int:
    source = await app.store.set_source_enabled(args.id, True)
    print(f"enabled feed #{source.id}: {source.name}")
    return 0


async def cmd_events(app: App, args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    for event in await app.store.latest_events(args.limit, args.kind):
        print(event_json(event) if args.json else render_event_line(event))
    return 0


async def _run(handler: Handler, settings: Settings, args: argparse.Namespace) -> int:
    app = await App.open(settings)
    try:
        return await handler(app, args)
    finally:
        await app.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        overrides = {"database_url": f"sqlite:///{args.db}"} if args.db else {}
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"milestone-bot: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_run(args.handler, settings, args))
    except (UsageError, StoreError, FetchError, FeedParseError) as exc:
        print(f"milestone-bot: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

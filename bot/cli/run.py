"""`run` and `poll-once`: the main job and a single cycle."""
from __future__ import annotations

import argparse
import logging
import sys

from bot.app import App, start_front_ends
from bot.cli.common import Subparsers
from bot.cli.workers import stop_on_signals
from bot.progress import poll_progress
from bot.workers.process import run_worker
from storage.database import sqlite_path
from storage.run_lock import RunLock

# The poll cycle logs each failing source as a warning; `poll-once` prints each error itself, once, instead.
POLL_CYCLE_LOGGER = "watchers.schedule.poll_cycle"


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("run", parents=[common], help="poll on a schedule and deliver alerts until Ctrl-C")
    p.set_defaults(handler=cmd_run)
    p = sub.add_parser("poll-once", parents=[common], help="poll every watched source once, then deliver "
                       "(exit status 1 when every source failed)")
    p.add_argument("--json", action="store_true", help="print each new event as one JSON line")
    p.set_defaults(handler=cmd_poll_once)


async def cmd_run(app: App, args: argparse.Namespace) -> int:
    if app.store.dialect == "postgres":
        # On PostgreSQL the work is shared through the queue (any number of `run` or `worker` processes may
        # share it): this one process is a gateway and a worker.
        return await _run_both(app)
    # Two bots on one store would poll and post everything twice: the second refuses to start.
    with RunLock(sqlite_path(app.settings.database_url)):
        await app.run_forever()
    return 0


async def _run_both(app: App) -> int:
    with stop_on_signals() as stop:
        front_ends = await start_front_ends(app)
        try:
            await run_worker(app, stop)
        finally:
            for front_end in front_ends:
                await front_end.stop()
    return 0


async def cmd_poll_once(app: App, args: argparse.Namespace) -> int:
    app.warn_about_settings()
    await app.use_console(as_json=args.json)
    cycle_log = logging.getLogger(POLL_CYCLE_LOGGER)
    level = cycle_log.level
    if not args.verbose:
        cycle_log.setLevel(logging.ERROR)
    try:
        async with poll_progress(app.store):
            report, delivered = await app.poll_once()
    finally:
        cycle_log.setLevel(level)
    names = {s.id: f"{s.name} <{s.url}>" for s in await app.store.sources.list()}
    for source_id, error in sorted(report.errors.items()):
        print(f"source #{source_id} {names.get(source_id, '(removed)')} failed: {error}", file=sys.stderr)
    if not args.json:
        print(
            f"polled {report.polled} sources: {report.not_modified} not modified, {report.failed} failed, "
            f"{len(report.new_event_ids)} new events, {delivered.sent} alerts delivered",
            file=sys.stderr,
        )
    if report.polled and report.failed == report.polled:
        print("milestone-bot: every source failed (is the network down?)", file=sys.stderr)
        return 1
    return 0

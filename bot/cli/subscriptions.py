"""`subscribe`, `unsubscribe`, `subscriptions`, `why ID` and `upcoming`."""
from __future__ import annotations

import argparse
from pathlib import Path

from bot.app import App
from bot.cli.common import Subparsers, UsageError
from bot.core import subscriptions as subs
from bot.core.calendar_ics import catalysts_to_ics, event_links
from bot.core.context import CONSOLE_ACTOR
from bot.core.upcoming import upcoming
from bot.core.why import why
from bot.render_text import render_subscription, render_subscriptions, render_upcoming, render_why


def _channel_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--platform", default="console", choices=["console", "discord", "slack"],
                   help="whose channel (default: this console)")
    p.add_argument("--channel", default="stdout", help="channel id on that platform (default: stdout)")


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("subscribe", parents=[common], help="subscribe a channel to matching alerts")
    _channel_args(p)
    p.add_argument("--program", action="append", default=[], help="programme name or alias; repeatable")
    p.add_argument("--sponsor", action="append", default=[], help="sponsor company; repeatable")
    p.add_argument("--kind", action="append", default=[], help="readout, enrollment, regulatory, other")
    p.add_argument("--subtype", action="append", default=[], help="e.g. fast_track, topline; repeatable")
    p.add_argument("--keyword", action="append", default=[], help="word or phrase in the title; repeatable")
    p.add_argument("--everything", action="store_true", help="no filter: every alert")
    p.add_argument("--mention", help="role or user group to mention with each alert")
    p.add_argument("--digest-hour", type=int, metavar="H",
                   help="one daily digest at H:00 UTC instead of instant alerts")
    p.set_defaults(handler=cmd_subscribe)

    p = sub.add_parser("unsubscribe", parents=[common], help="remove one of a channel's subscriptions")
    _channel_args(p)
    p.add_argument("id", type=int)
    p.set_defaults(handler=cmd_unsubscribe)

    p = sub.add_parser("subscriptions", parents=[common], help="list a channel's subscriptions")
    _channel_args(p)
    p.set_defaults(handler=cmd_subscriptions)

    p = sub.add_parser("why", parents=[common], help="explain an alert: rule, evidence, changes, source")
    p.add_argument("id", help="event number (alerts show it)")
    p.set_defaults(handler=cmd_why)

    p = sub.add_parser("upcoming", parents=[common], help="dated catalysts in the next N days")
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--program", help="only this programme")
    p.set_defaults(handler=cmd_upcoming)

    p = sub.add_parser("calendar", parents=[common], help="write the catalyst calendar as an iCalendar file")
    p.add_argument("--ics", required=True, type=Path, metavar="FILE", help="where to write the .ics file")
    p.add_argument("--days", type=int, default=730, help="how far ahead (default 730)")
    p.add_argument("--program", help="only this programme")
    p.add_argument("--remind-days", type=int, metavar="N", help="add a reminder N days before each date")
    p.set_defaults(handler=cmd_calendar)


def _channel(args: argparse.Namespace) -> subs.ChannelRef:
    return subs.ChannelRef(platform=args.platform, channel_id=args.channel)


async def cmd_subscribe(app: App, args: argparse.Namespace) -> int:
    req = subs.SubscribeRequest(
        programs=args.program, sponsors=args.sponsor, kinds=args.kind, subtypes=args.subtype,
        keywords=args.keyword, everything=args.everything, mention=args.mention,
        mode="digest" if args.digest_hour is not None else "instant", digest_hour=args.digest_hour,
    )
    sub = await subs.subscribe(app.core, CONSOLE_ACTOR, _channel(args), req)
    print(f"subscribed: {render_subscription(sub)}")
    return 0


async def cmd_unsubscribe(app: App, args: argparse.Namespace) -> int:
    sub = await subs.unsubscribe(app.core, CONSOLE_ACTOR, _channel(args), args.id)
    print(f"unsubscribed: {render_subscription(sub)}")
    return 0


async def cmd_subscriptions(app: App, args: argparse.Namespace) -> int:
    print(render_subscriptions(await subs.list_subscriptions(app.core, _channel(args))))
    return 0


async def cmd_why(app: App, args: argparse.Namespace) -> int:
    print(render_why(await why(app.core, args.id)))
    return 0


async def cmd_calendar(app: App, args: argparse.Namespace) -> int:
    answer = await upcoming(app.core, args.days, args.program)
    try:
        if args.remind_days is not None and not 0 <= args.remind_days <= 365:
            raise UsageError("--remind-days must be from 0 to 365")
        links = await event_links(app.core.store.events, answer.catalysts)
        text = catalysts_to_ics(answer.catalysts, links=links, reminder_days=args.remind_days)
        args.ics.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise UsageError(f"cannot write {args.ics}: {exc.strerror}") from None
    print(f"wrote {len(answer.catalysts)} catalysts to {args.ics}")
    return 0


async def cmd_upcoming(app: App, args: argparse.Namespace) -> int:
    print(render_upcoming(await upcoming(app.core, args.days, args.program)))
    return 0

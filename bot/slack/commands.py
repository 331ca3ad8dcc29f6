"""`/milestones <sub-command> …`: parse Slack's text, call the command core, answer in Block Kit.

Slack needs an acknowledgement within 3 s, so the handler acks first and answers through response_url
(`respond()`) once the core is done: a slow feed fetch can never break the 3 s rule. Errors are ephemeral.
"""
from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.core import feeds as core_feeds
from bot.core import subscriptions as core_subs
from bot.core import trials
from bot.core.calendar_ics import catalysts_to_ics, event_links
from bot.core.context import Actor, CommandError, CoreContext, PermissionDenied
from bot.core.lookup import ProgramCard, lookup, track
from bot.core.status import status
from bot.core.timeline import program_timeline
from bot.core.upcoming import MAX_DAYS, upcoming
from bot.core.why import why
from bot.slack import blocks, status_blocks
from bot.slack.blocks import Message
from bot.slack.files import FileUploader, UploadFailed
from bot.slack.permissions import SlackPermissions
from storage.models import ChannelRef

log = logging.getLogger(__name__)

COMMAND = "/milestones"
MAX_TEXT = 2000  # a slash command's text is short; anything longer is refused before parsing

# Slack (with "escape channels, users and links" on) sends links as <url> or <url|label>, mentions as
# <@U…|name> / <!subteam^S…|@handle> / <!here>, and &, <, > as entities.
_LINK = re.compile(r"^<((?:https?)://[^|>]+)(?:\|[^>]*)?>$")
_OPTION = re.compile(r"^([a-z_]+):(.*)$", re.S)
_SUBTEAM = re.compile(r"^<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>$")
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_SPECIAL = re.compile(r"^<!(here|channel|everyone)(?:\|[^>]*)?>$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{6,}$")
ICS_FILENAME = "catalysts.ics"


@dataclass
class Reply:
    message: Message
    public: bool = False  # configuration changes are shown to the channel; everything else only to the asker


@dataclass
class Invocation:
    core: CoreContext
    channel: core_subs.ChannelRef
    actor: Actor
    args: list[str]
    uploader: FileUploader | None = None  # posts files into the channel (calendar, timeline picture)


Run = Callable[[Invocation], Awaitable[Reply]]


@dataclass
class SubCommand:
    name: str
    usage: str
    summary: str
    run: Run
    # Only configuration changes spend Slack API calls on the permission check; a callable decides per arguments.
    manages: bool | Callable[[list[str]], bool] = False

    def needs_manage(self, args: list[str]) -> bool:
        return self.manages(args) if callable(self.manages) else self.manages


# -- parsing ---------------------------------------------------------------------------------------------


def split_args(text: str) -> list[str]:
    """shlex words; typographic double quotes (as Slack clients may send) count as plain ones."""
    if len(text) > MAX_TEXT:
        raise CommandError(f"That command is too long (over {MAX_TEXT:,} characters).")
    try:
        return shlex.split(text.replace("“", '"').replace("”", '"'))
    except ValueError as exc:
        raise CommandError(f"Cannot read that: {exc} (quote values with spaces in double quotes).") from None


def plain(value: str) -> str:
    """A Slack-formatted value as the user typed it: links unwrapped, entities decoded."""
    match = _LINK.match(value)
    if match:
        value = match.group(1)
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def options(args: list[str], keys: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """`key:value` words for the given keys (repeatable), and the remaining bare words."""
    found: dict[str, list[str]] = {}
    bare: list[str] = []
    for arg in args:
        match = _OPTION.match(arg)
        if match and match.group(1) in keys:
            if not match.group(2):
                raise CommandError(f"'{match.group(1)}:' needs a value, e.g. {match.group(1)}:something.")
            found.setdefault(match.group(1), []).append(match.group(2))
        elif match and match.group(1) not in ("http", "https"):
            raise CommandError(f"Unknown option '{match.group(1)}:'. Options here: "
                               + ", ".join(f"{k}:" for k in sorted(keys)) + ".")
        else:
            bare.append(arg)
    return found, bare


def mention_value(raw: str) -> str:
    """A user group, user, @here or @channel, stored in the form Slack expands (`<!subteam^S123>`)."""
    raw = raw.strip()
    if m := _SUBTEAM.match(raw):
        return f"<!subteam^{m.group(1)}>"
    if m := _USER.match(raw):
        return f"<@{m.group(1)}>"
    if m := _SPECIAL.match(raw):
        return f"<!{m.group(1)}>"
    if raw in ("@here", "@channel"):
        return f"<!{raw[1:]}>"
    if _GROUP_ID.match(raw):
        return f"<!subteam^{raw}>"
    raise CommandError("mention: takes a user group (@group), a user (@name), @here or @channel. If @group "
                       "arrives as plain text, turn on escaping for the command (see slack-app-manifest.yml).")


def one_id(args: list[str], what: str) -> int:
    if len(args) != 1:
        raise CommandError(f"Give one {what} number, e.g. 12.")
    try:
        return int(args[0].lstrip("#"))
    except ValueError:
        raise CommandError(f"'{args[0][:40]}' is not a {what} number.") from None


# -- sub-commands ----------------------------------------------------------------------------------------


def _actor_line(inv: Invocation, what: str) -> str:
    return f"<@{inv.actor.user_id}> {what}"


async def cmd_subscribe(inv: Invocation) -> Reply:
    opts, bare = options(inv.args, {"program", "sponsor", "kind", "subtype", "keyword", "mention", "digest"})
    everything = any(b.lower() == "everything" for b in bare)
    programs = [plain(b) for b in bare if b.lower() != "everything"] + [plain(p) for p in opts.get("program", [])]
    digest = opts.get("digest", [])
    if len(digest) > 1 or len(opts.get("mention", [])) > 1:
        raise CommandError("Give digest: and mention: at most once.")
    try:
        digest_hour = int(digest[0]) if digest else None
    except ValueError:
        raise CommandError("digest: takes an hour from 0 to 23 (UTC), e.g. digest:7.") from None
    req = core_subs.SubscribeRequest(
        programs=programs, sponsors=[plain(v) for v in opts.get("sponsor", [])],
        kinds=_commas(opts.get("kind", [])), subtypes=_commas(opts.get("subtype", [])),
        keywords=[plain(v) for v in opts.get("keyword", [])], everything=everything,
        mention=mention_value(opts["mention"][0]) if "mention" in opts else None,
        mode="digest" if digest_hour is not None else "instant", digest_hour=digest_hour,
    )
    sub = await core_subs.subscribe(inv.core, inv.actor, inv.channel, req)
    return Reply(blocks.info_message(_actor_line(inv, f"subscribed this channel: {blocks.subscription_line(sub)}")),
                 public=True)


def _commas(values: list[str]) -> list[str]:
    return [part.strip() for v in values for part in plain(v).split(",") if part.strip()]


async def cmd_unsubscribe(inv: Invocation) -> Reply:
    sub = await core_subs.unsubscribe(inv.core, inv.actor, inv.channel, one_id(inv.args, "subscription"))
    return Reply(blocks.info_message(_actor_line(inv, f"removed {blocks.subscription_line(sub)}")), public=True)


async def cmd_subscriptions(inv: Invocation) -> Reply:
    if inv.args:
        raise CommandError("`subscriptions` takes no arguments.")
    return Reply(blocks.subscriptions_message(await core_subs.list_subscriptions(inv.core, inv.channel)))


async def cmd_lookup(inv: Invocation) -> Reply:
    words = [plain(a) for a in inv.args]
    follow = "--track" in words  # `lookup NAME --track`: follow it from now on (registers it)
    name = " ".join(w for w in words if w != "--track")
    if not name:
        raise CommandError("Give a programme name, e.g. `/milestones lookup azer-cel`.")
    card = (await track(inv.core, inv.actor, name)).card if follow else await lookup(inv.core, name)
    message = blocks.card_message(card)
    if inv.uploader is not None:
        note = await upload_timeline(inv, card)
        message.blocks = blocks.fit([*message.blocks, blocks.context(note)])
    return Reply(message)


async def upload_timeline(inv: Invocation, card: ProgramCard) -> str:
    """Posts the card's timeline picture into the channel; returns the line the card ends with."""
    assert inv.uploader is not None
    try:
        from bot.timeline_picture import FILENAME, timeline_png  # matplotlib loads on the first picture

        png = await timeline_png(await program_timeline(inv.core, card))
    except Exception:
        log.warning("timeline picture for %s failed", card.program.name, exc_info=True)
        return "The timeline picture could not be drawn; the error has been logged."
    try:
        await inv.uploader.upload(inv.channel.channel_id, FILENAME, png, f"{card.program.name}: timeline",
                                  f"Timeline of {blocks.esc(card.program.name)}: trials and milestones over time")
    except UploadFailed as exc:
        return f"Timeline picture not posted: {blocks.esc(str(exc))}"
    return "The timeline picture is posted in this channel."


async def cmd_status(inv: Invocation) -> Reply:
    if inv.args:
        raise CommandError("`status` takes no arguments.")
    return Reply(status_blocks.status_message(await status(inv.core)))


async def cmd_calendar(inv: Invocation) -> Reply:
    opts, bare = options(inv.args, {"days", "program", "remind"})
    days_raw = [*opts.get("days", []), *(b for b in bare if b.isdigit())]
    names = [*opts.get("program", []), *(b for b in bare if not b.isdigit())]
    if len(days_raw) > 1 or len(names) > 1 or len(opts.get("remind", [])) > 1:
        raise CommandError("Give at most one number of days, one programme and one remind:, e.g. "
                           "`calendar 365 azer-cel remind:7`.")
    try:
        days = int(days_raw[0]) if days_raw else MAX_DAYS
        remind = int(opts["remind"][0]) if "remind" in opts else None
    except ValueError:
        raise CommandError("days: and remind: take whole numbers, e.g. remind:7.") from None
    if remind is not None and not 0 <= remind <= 365:
        raise CommandError("remind: takes 0 to 365 days.")
    if inv.uploader is None:
        raise CommandError("Files cannot be posted from here.")
    found = await upcoming(inv.core, days=days, program=plain(names[0]) if names else None)
    links = await event_links(inv.core.store.events, found.catalysts)
    ics = catalysts_to_ics(found.catalysts, links=links, reminder_days=remind)
    what = f" for {found.program}" if found.program else ""
    try:
        await inv.uploader.upload(inv.channel.channel_id, ICS_FILENAME, ics.encode("utf-8"), "Catalyst calendar",
                                  f"Catalyst calendar{blocks.esc(what)}: {len(found.catalysts)} dates in the next "
                                  f"{found.days} days (open with any calendar app)")
    except UploadFailed as exc:
        raise CommandError(str(exc)) from None
    return Reply(blocks.info_message(f"Posted `{ICS_FILENAME}` ({len(found.catalysts)} catalysts) in this channel."))


async def cmd_upcoming(inv: Invocation) -> Reply:
    opts, bare = options(inv.args, {"days", "program"})
    days_raw = [*opts.get("days", []), *(b for b in bare if b.isdigit())]
    names = [*opts.get("program", []), *(b for b in bare if not b.isdigit())]
    if len(days_raw) > 1 or len(names) > 1:
        raise CommandError("Give at most one number of days and one programme, e.g. `upcoming 30 azer-cel`.")
    try:
        days = int(days_raw[0]) if days_raw else 90
    except ValueError:
        raise CommandError("days: takes a whole number, e.g. days:30.") from None
    answer = await upcoming(inv.core, days=days, program=plain(names[0]) if names else None)
    return Reply(blocks.upcoming_message(answer))


async def cmd_feeds(inv: Invocation) -> Reply:
    action, rest = (inv.args[0].lower(), inv.args[1:]) if inv.args else ("list", [])
    if action == "list" and not rest:
        return Reply(blocks.feeds_message(await core_feeds.list_feeds(inv.core)))
    if action == "add":
        opts, bare = options(rest, {"name"})
        if len(bare) != 1:
            raise CommandError("Give one feed URL, e.g. `/milestones feeds add https://example.org/rss`.")
        name = plain(opts["name"][0]) if "name" in opts else None
        added = await core_feeds.add_feed(inv.core, inv.actor, plain(bare[0]), name)
        return Reply(blocks.info_message(_actor_line(inv, blocks.feed_added_message(added).text)), public=True)
    if action == "remove":
        source = await core_feeds.remove_feed(inv.core, inv.actor, one_id(rest, "feed"))
        return Reply(blocks.info_message(_actor_line(inv, f"stopped watching {blocks.source_line(source)}")),
                     public=True)
    if action == "enable":
        source = await core_feeds.enable_feed(inv.core, inv.actor, one_id(rest, "feed"))
        return Reply(blocks.info_message(_actor_line(inv, f"re-enabled {blocks.source_line(source)}")), public=True)
    raise CommandError("Use `feeds`, `feeds add URL [name:\"…\"]`, `feeds remove ID` or `feeds enable ID`.")


async def cmd_why(inv: Invocation) -> Reply:
    if len(inv.args) != 1:
        raise CommandError("Give one event number, e.g. `/milestones why 123` (alerts show it as #123).")
    return Reply(blocks.why_message(await why(inv.core, inv.args[0])))


def trials_command() -> Run:
    """`trials` over `bot.core.trials`."""

    async def cmd_trials(inv: Invocation) -> Reply:
        action, rest = (inv.args[0].lower(), inv.args[1:]) if inv.args else ("list", [])
        if action == "list" and not rest:
            return Reply(blocks.trials_message(await trials.list_trials(inv.core)))
        if action == "watch" and not [r for r in rest if _OPTION.match(r) is None]:
            # No NCT IDs: a programme search, as `trials watch --program NAME` on the CLI.
            opts, _ = options(rest, {"program", "alias", "sponsor"})
            if len(opts.get("program", [])) != 1 or len(opts.get("sponsor", [])) > 1:
                raise CommandError("Give NCT IDs, or one program:NAME to search for (alias:… and one sponsor:…).")
            sponsor = plain(opts["sponsor"][0]) if "sponsor" in opts else None
            found = await trials.watch_program(inv.core, inv.actor, plain(opts["program"][0]),
                                               [plain(a) for a in opts.get("alias", [])], sponsor,
                                               _trial_channel(inv))
            return Reply(blocks.info_message(_actor_line(
                inv, f"watches programme {blocks.esc(found.query.program)} on ClinicalTrials.gov "
                     f"({found.trials_now} trials match now; new ones will be alerts)")), public=True)
        if action == "watch":
            opts, ids = options(rest, {"program"})
            program = plain(opts["program"][0]) if "program" in opts else None
            watched = await trials.watch_trials(inv.core, inv.actor, ids, program=program,
                                                channel=_trial_channel(inv))
            added = ", ".join(s.nct_id for s in watched.added) or "nothing new"
            already = f" (already watched: {', '.join(watched.already)})" if watched.already else ""
            return Reply(blocks.info_message(_actor_line(inv, f"watches trials: {blocks.esc(added)}"
                                                              f"{blocks.esc(already)}")), public=True)
        if action == "unwatch" and rest and all(r.startswith("program:") for r in rest):
            if len(rest) != 1:
                raise CommandError("Give one program:NAME to stop watching.")
            query, dropped = await trials.unwatch_program(inv.core, inv.actor, plain(rest[0].removeprefix("program:")))
            return Reply(blocks.info_message(_actor_line(
                inv, f"stopped watching programme {blocks.esc(query.program)} ({dropped} trials it brought in)")),
                public=True)
        if action == "unwatch":
            removed = await trials.unwatch_trials(inv.core, inv.actor, rest)
            return Reply(blocks.info_message(_actor_line(inv, f"stopped watching {blocks.esc(', '.join(removed))}")),
                         public=True)
        if action == "show":
            if len(rest) != 1:
                raise CommandError("Give one NCT ID, e.g. `/milestones trials show NCT05531279`.")
            return Reply(status_blocks.trial_detail_message(await trials.show_trial(inv.core, plain(rest[0]))))
        if action == "enable" and not rest:
            source = await trials.enable_registry(inv.core, inv.actor)
            return Reply(blocks.info_message(_actor_line(inv, f"re-enabled {blocks.source_line(source)}")),
                         public=True)
        raise CommandError("Use `trials`, `trials watch NCT… [program:NAME]`, `trials unwatch NCT…`, "
                           "`trials show NCT…` or `trials enable`.")

    def _trial_channel(inv: Invocation) -> ChannelRef:
        return ChannelRef(platform=inv.channel.platform, channel_id=inv.channel.channel_id)

    return cmd_trials


# -- the dispatcher --------------------------------------------------------------------------------------


class SlashCommands:
    """The sub-command table and the bolt listener; `run()` is the whole command path minus Slack's transport."""

    def __init__(self, core: Callable[[], CoreContext], permissions: SlackPermissions) -> None:
        self._core = core
        self._permissions = permissions
        table = [
            SubCommand("subscribe", 'subscribe [program:NAME] [sponsor:NAME] [kind:readout,regulatory] '
                       '[subtype:topline] [keyword:"PHRASE"] [mention:@group] [digest:HOUR] [everything]',
                       "subscribe this channel to matching alerts (filters combine; digest:7 = daily at 07:00 UTC)",
                       cmd_subscribe, manages=True),
            SubCommand("unsubscribe", "unsubscribe ID", "remove one of this channel's subscriptions",
                       cmd_unsubscribe, manages=True),
            SubCommand("subscriptions", "subscriptions", "list this channel's subscriptions", cmd_subscriptions),
            SubCommand("lookup", "lookup PROGRAMME [--track]", "everything known about a programme", cmd_lookup,
                       manages=lambda args: "--track" in args),
            SubCommand("upcoming", "upcoming [DAYS] [program:NAME]", "dated catalysts in the next DAYS (90)",
                       cmd_upcoming),
            SubCommand("feeds", 'feeds [list | add URL [name:"NAME"] | remove ID | enable ID]',
                       "watched feeds and their health; add, remove or re-enable one", cmd_feeds,
                       manages=lambda args: bool(args) and args[0].lower() != "list"),
            SubCommand("why", "why EVENT", "the rule, evidence and source behind an alert", cmd_why),
            SubCommand("trials", "trials [list | watch NCT… [program:NAME] | watch program:NAME [alias:A] "
                       "[sponsor:S] | unwatch NCT… | unwatch program:NAME | show NCT | enable]",
                       "ClinicalTrials.gov records watched for changes", trials_command(),
                       manages=lambda args: bool(args) and args[0].lower() not in ("list", "show")),
            SubCommand("calendar", "calendar [DAYS] [program:NAME] [remind:DAYS]",
                       "post the catalyst calendar (.ics) in this channel", cmd_calendar),
            SubCommand("status", "status", "how the bot is doing: last poll, sources, outbox, front ends", cmd_status),
        ]
        self.uploader: FileUploader | None = None
        self.commands = {c.name: c for c in table}
        # `subscribe` with nothing after it opens the subscribe modal (trigger id, channel) when set.
        self.subscribe_modal: Callable[[str, str | None], Awaitable[None]] | None = None

    def register(self, bolt: AsyncApp) -> None:
        bolt.command(COMMAND)(self.on_command)
        # The alerts' link buttons open a URL in the browser; Slack still sends an action, which must be acked.
        bolt.action("open_source")(self.on_link_button)

    async def on_command(self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        if self.subscribe_modal is not None and str(command.get("text") or "").strip().lower() == "subscribe":
            try:
                await self.subscribe_modal(str(command.get("trigger_id") or ""), str(command["channel_id"]))
                return
            except SlackApiError as exc:
                log.warning("could not open the subscribe modal: %s", exc.response.get("error"))
                failed = blocks.error_message("Could not open the subscribe form; type the filters instead, e.g. "
                                              "`/milestones subscribe program:NAME kind:readout`.")
                await respond(text=failed.text, blocks=failed.blocks, response_type="ephemeral")
                return
        reply = await self.run(str(command.get("text") or ""), str(command["user_id"]), str(command["channel_id"]))
        await respond(text=reply.message.text, blocks=reply.message.blocks,
                      response_type="in_channel" if reply.public else "ephemeral")

    async def on_link_button(self, ack: AsyncAck) -> None:
        await ack()

    def help(self) -> Reply:
        usage = [(c.usage, c.summary) for c in self.commands.values()]
        return Reply(blocks.help_message([*usage, ("help", "this list")]))

    async def run(self, text: str, user_id: str, channel_id: str) -> Reply:
        try:
            args = split_args(text)
            if not args or args[0].lower() in ("help", "-h", "--help", "?"):
                return self.help()
            sub = self.commands.get(args[0].lower())
            if sub is None:
                raise CommandError(f"Unknown sub-command '{args[0][:40]}'. `/milestones help` lists them.")
            can_manage = sub.needs_manage(args[1:]) and await self._permissions.can_manage(user_id)
            actor = Actor(platform="slack", user_id=user_id, can_manage=can_manage)
            channel = core_subs.ChannelRef(platform="slack", channel_id=channel_id)
            return await sub.run(Invocation(self._core(), channel, actor, args[1:], self.uploader))
        except PermissionDenied:
            group = " or a member of the bot's admin user group" if self._permissions.group else ""
            return Reply(blocks.error_message(f"That changes configuration, which needs a workspace admin{group}."))
        except CommandError as exc:
            return Reply(blocks.error_message(str(exc)))
        except Exception:
            log.exception("/milestones %s failed", text[:80])
            return Reply(blocks.error_message("Something went wrong; the error has been logged."))

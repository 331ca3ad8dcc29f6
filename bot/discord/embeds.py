"""Discord embeds rendered from the core's models (the same models bot/render_text.py prints).

Every piece of feed or user text goes through `clean()` (markdown escaped, mentions neutralised) and is cut to
Discord's limits, so a long or hostile item can neither break the message nor ping anyone. `allowed_mentions`
on every send is the real defence; escaping keeps the text readable and inert as well.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import discord

from bot.core.alert_actions import Muted, Unmuted
from bot.core.feeds import FeedAdded, FeedList
from bot.core.lookup import ProgramCard
from bot.core.subscriptions import SubscriptionList
from bot.core.trials import ProgramWatched, TrialList, TrialsWatched
from bot.core.upcoming import UpcomingList
from bot.core.why import WhyAnswer
from bot.delivery.alert_view import fact_items, fact_value, facts_line, http_url
from bot.delivery.digest import Digest
from bot.render_text import (
    cadence_text,
    render_catalyst,
    render_ledger_sources,
    render_timing,
    subscription_summary,
    told_by,
    trial_history_text,
    trial_text,
)  # one formatting for every front end
from storage.models import Event, Source, Subscription
from storage.trial_models import ProgramQuery, TrialSnapshot

# Discord's embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
TOTAL_MAX = 6000
URL_MAX = 2048
CONTENT_MAX = 2000

KIND_COLOUR: dict[str, int] = {
    "readout": 0x2ECC71,      # green
    "enrollment": 0x3498DB,   # blue
    "regulatory": 0xE67E22,   # orange
    "other": 0x95A5A6,        # grey
    "system": 0xE74C3C,       # red: the bot's own notices (failing / disabled sources)
}
KIND_LABEL: dict[str, str] = {
    "readout": "Readout", "enrollment": "Enrollment", "regulatory": "Regulatory", "other": "Other",
    "system": "Bot notice",
}
NEUTRAL = 0x5865F2
ERROR = 0xE74C3C


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, ending in an ellipsis when shortened."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean(text: str | None, limit: int | None = None) -> str:
    """Feed/user text made inert: markdown escaped, @everyone/@here/user/role mentions broken; then cut."""
    out = discord.utils.escape_mentions(discord.utils.escape_markdown(text or ""))
    # escape_mentions misses <@&id>/<#id> forms written with the brackets; break them too.
    out = out.replace("<@", "<\u200b@").replace("<#", "<\u200b#")
    return cut(out, limit) if limit else out


def safe_url(url: str | None) -> str | None:
    """Discord rejects the whole message for a non-http(s) embed URL: keep only ones it accepts."""
    return http_url(url, URL_MAX) if url and " " not in url else None


class EmbedBuilder:
    """Builds one embed while keeping every limit, including the 6000-character total."""

    def __init__(self, title: str, *, url: str | None = None, colour: int = NEUTRAL,
                 description: str | None = None, timestamp: datetime | None = None) -> None:
        self.used = 0
        self.embed = discord.Embed(title=self.take(title, TITLE_MAX), url=safe_url(url), colour=colour,
                                   timestamp=timestamp)
        if description:
            self.embed.description = self.take(description, DESCRIPTION_MAX)

    def take(self, text: str, limit: int) -> str:
        room = max(0, TOTAL_MAX - self.used - 64)  # keep room for a footer
        text = cut(text, max(1, min(limit, room)))
        self.used += len(text)
        return text

    def field(self, name: str, value: str, *, inline: bool = False) -> bool:
        """Adds a field if it fits; False once the embed is full (the caller may then stop)."""
        if not value.strip() or len(self.embed.fields) >= FIELDS_MAX:
            return False
        if self.used + min(len(name), FIELD_NAME_MAX) + min(len(value), FIELD_VALUE_MAX) > TOTAL_MAX - 128:
            return False
        self.embed.add_field(name=self.take(name, FIELD_NAME_MAX) or "\u200b",
                             value=self.take(value, FIELD_VALUE_MAX), inline=inline)
        return True

    def lines_field(self, name: str, lines: Iterable[str], *, more: str = "… and {n} more") -> None:
        """A field of lines cut at a whole line, saying how many did not fit."""
        lines = list(lines)
        shown: list[str] = []
        size = 0
        for i, line in enumerate(lines):
            tail = len(more) + 8 if i < len(lines) - 1 else 0
            if size + len(line) + 1 + tail > FIELD_VALUE_MAX:
                shown.append(more.format(n=len(lines) - i))
                break
            shown.append(line)
            size += len(line) + 1
        self.field(name, "\n".join(shown))

    def footer(self, text: str) -> discord.Embed:
        self.embed.set_footer(text=cut(text, min(FOOTER_MAX, max(1, TOTAL_MAX - self.used))))
        return self.embed

    def done(self) -> discord.Embed:
        return self.embed


def _when(event: Event) -> datetime:
    when = event.published_at or event.detected_at
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _event_line(ev: Event) -> str:
    when = _when(ev).strftime("%Y-%m-%d")
    title = clean(ev.title, 150)
    link = f"[{title}]({url})" if (url := safe_url(ev.url)) else title
    return f"`#{ev.id}` {when} · {ev.kind} · {link}"


# -- alerts --------------------------------------------------------------------------------------------


def alert_embed(event: Event, update: str | None = None) -> discord.Embed:
    """One alert: linked title, colour per kind, facts as fields, programme, source, timestamp, a why hint;
    `update` (what changed since it was posted) first when the posted alert is edited."""
    kind = KIND_LABEL.get(event.kind, event.kind.title())
    b = EmbedBuilder(
        clean(event.title), url=event.url, colour=KIND_COLOUR.get(event.kind, NEUTRAL),
        description=clean(event.summary, 600) if event.summary else None, timestamp=_when(event),
    )
    if update:
        b.field("Updated", clean(update, 500))
    b.field("Kind", f"{kind} · {clean(event.subtype.replace('_', ' '))}", inline=True)
    if event.programs:
        b.field("Programme", clean(", ".join(event.programs), 300), inline=True)
    if event.sponsor:
        b.field("Sponsor", clean(event.sponsor, 300), inline=True)
    if event.trial:
        b.field("Trial", clean(event.trial, 300), inline=True)
    if event.kind != "system":
        for label, text in fact_items(event.facts):
            if not b.field(clean(label.capitalize(), 100), clean(text, 500), inline=len(text) <= 40):
                break
    b.field("Source", clean(event.source_name or "unknown", 200), inline=True)
    hint = f"#{event.id} · why: /why event:{event.id}" if event.kind != "system" else f"#{event.id}"
    return b.footer(hint)


def alert_content(mention: str | Sequence[str] | None) -> str | None:
    """The message text above an alert: only the subscriptions' own roles (each once), never anything from the
    feed."""
    roles = role_ids(mention)
    return " ".join(f"<@&{r}>" for r in roles) or None


def role_ids(mention: str | Sequence[str] | None) -> list[int]:
    """The role ids of one or several stored mentions, each once, in order; anything not a role is dropped."""
    wanted = [mention] if mention is None or isinstance(mention, str) else list(mention)
    return list(dict.fromkeys(r for r in (role_id(m) for m in wanted) if r is not None))


def role_id(mention: str | None) -> int | None:
    """The role id of a stored `<@&id>` mention, or None for anything else."""
    if mention and mention.startswith("<@&") and mention.endswith(">") and mention[3:-1].isdigit():
        return int(mention[3:-1])
    return None


def digest_embed(digest: Digest) -> discord.Embed:
    n = digest.count
    b = EmbedBuilder(f"Daily digest: {n} alert{'s' if n != 1 else ''}", colour=NEUTRAL,
                     timestamp=datetime.now(UTC))
    for i, group in enumerate(digest.groups):
        remaining = len(digest.groups) - i
        if len(b.embed.fields) == FIELDS_MAX - 1 and remaining > 1:
            b.field("…", f"and {sum(len(g.events) for g in digest.groups[i:])} more alerts in "
                         f"{remaining} groups; `/why` and `/lookup` show them")
            break
        b.lines_field(clean(group.program, 200), [_event_line(ev) for ev in group.events])
    return b.footer("why: /why event:<number>")


# -- command answers -----------------------------------------------------------------------------------


def card_embed(card: ProgramCard) -> discord.Embed:
    p = card.program
    desc = []
    if p.aliases:
        desc.append("Also: " + clean(", ".join(p.aliases), 500))
    if p.indication:
        desc.append(clean(p.indication, 500))
    b = EmbedBuilder(clean(p.name), colour=NEUTRAL, description="\n".join(desc) or None)
    if p.sponsors:
        b.field("Sponsor", clean(", ".join(p.sponsors), 300), inline=True)
    if p.ticker:
        b.field("Ticker", clean(p.ticker, 50), inline=True)
    if card.trials:
        lines = []
        for t in card.trials:
            history = trial_history_text(t)
            lines.append(clean(trial_text(t)) + (f" — {clean(t.title, 120)}" if t.title else "")
                         + (f"\n  {clean(history, 200)}" if history else ""))
        b.lines_field("Trials", lines)
    if card.designations:
        b.lines_field("Designations", [
            f"{clean(d.designation.replace('_', ' '))}" + (f" ({clean(d.indication, 100)})" if d.indication else "")
            + f" · first seen {d.first_seen_at:%Y-%m-%d} · {clean(render_ledger_sources(d), 300)}"
            for d in card.designations
        ])
    for heading, events in (("Latest readouts", card.readouts), ("Regulatory", card.regulatory)):
        if events:
            lines = []
            for ev in events:
                facts = facts_line(ev.facts)
                lines.append(_event_line(ev) + (f"\n  {clean(facts, 300)}" if facts else "") + _told(card, ev))
            b.lines_field(heading, lines)
    if card.upcoming:
        b.lines_field("Upcoming", [clean(render_catalyst(c), 300) for c in card.upcoming])
    if card.recent:
        b.lines_field("Recent events", [_event_line(ev) + _told(card, ev) for ev in card.recent])
    else:
        b.field("Recent events", "No events seen yet.")
    if card.notes:
        b.lines_field("Notes", [clean(n, 300) for n in card.notes])
    return b.done()


def muted_embed(muted: Muted) -> discord.Embed:
    return EmbedBuilder(f"Muted {clean(muted.mute.program)} here", colour=NEUTRAL,
                        description="Its alerts no longer reach this channel. Unmute to get them again.").done()


def unmuted_embed(unmuted: Unmuted) -> discord.Embed:
    return EmbedBuilder(f"Unmuted {clean(unmuted.mute.program)} here", colour=NEUTRAL,
                        description="Its alerts reach this channel again.").done()


def subscription_text(sub: Subscription) -> str:
    what, mode = subscription_summary(sub)
    what = clean(what)
    line = f"**#{sub.id}** {what} · {mode}"
    if sub.mention and role_id(sub.mention) is not None:
        line += f" · mentions {sub.mention}"  # shown, never pinged: replies allow no mentions
    if sub.disabled:
        line += f" · **disabled**: {clean(sub.disabled_reason or '', 300)}"
    return line


def subscribed_embed(sub: Subscription) -> discord.Embed:
    return EmbedBuilder("Subscribed", colour=KIND_COLOUR["readout"], description=subscription_text(sub)).done()


def unsubscribed_embed(sub: Subscription) -> discord.Embed:
    return EmbedBuilder("Unsubscribed", colour=KIND_COLOUR["other"], description=subscription_text(sub)).done()


def subscriptions_embed(answer: SubscriptionList) -> discord.Embed:
    if not answer.subscriptions:
        return EmbedBuilder("Subscriptions", description="This channel has no subscriptions.").done()
    lines = [subscription_text(s) for s in answer.subscriptions]
    b = EmbedBuilder(f"Subscriptions in this channel ({len(lines)})")
    b.embed.description = b.take("\n".join(lines), DESCRIPTION_MAX)
    return b.done()


def why_embed(answer: WhyAnswer) -> discord.Embed:
    ev = answer.event
    b = EmbedBuilder(f"Why #{ev.id}: {clean(ev.title)}", url=ev.url, colour=KIND_COLOUR.get(ev.kind, NEUTRAL),
                     timestamp=_when(ev))
    b.field("Kind", f"{KIND_LABEL.get(ev.kind, ev.kind)} · {clean(ev.subtype.replace('_', ' '))}", inline=True)
    if answer.evidence:
        b.lines_field("Decided by", [f"rule `{clean(e.rule, 80)}`: “{clean(e.phrase, 200)}”" for e in answer.evidence])
    elif ev.kind != "system" and not answer.changes:
        b.field("Decided by", "No rule matched: filed as 'other'.")
    if answer.confidence is not None:
        b.field("Confidence", f"{answer.confidence:.0%}", inline=True)
    if answer.changes:
        b.lines_field("Changes", [
            f"{clean(str(c.get('field')), 80)}: {clean(fact_value(c.get('old')), 150)} → "
            f"{clean(fact_value(c.get('new')), 150)}" for c in answer.changes
        ])
    if ev.programs:
        b.field("Programmes", clean(", ".join(ev.programs), 300), inline=True)
    if len(answer.sources) > 1:  # one release from several sources (fused): each with its own link
        b.lines_field("Told by", [
            f"[{name}]({url})" if (url := safe_url(s.url)) else name
            for s in answer.sources if (name := clean(s.source_name or f"source {s.source_id}", 200))
        ])
    elif answer.source_url or ev.source_name:
        source = clean(ev.source_name or "source", 200)
        url = safe_url(answer.source_url)
        b.field("Source", f"[{source}]({url})" if url else source, inline=True)
    b.field("Timing", clean(render_timing(ev.published_at, ev.detected_at, answer.alerted_at), 300))
    return b.done()


def _told(card: ProgramCard, ev: Event) -> str:
    return f"\n  told by {clean(told_by(card.sources[ev.id]), 300)}" if ev.id in card.sources else ""


def upcoming_embed(answer: UpcomingList) -> discord.Embed:
    scope = f" for {clean(answer.program)}" if answer.program else ""
    if not answer.catalysts:
        return EmbedBuilder(f"Upcoming{scope}", description=f"Nothing dated in the next {answer.days} days.").done()
    b = EmbedBuilder(f"Next {answer.days} days{scope}")
    lines = [clean(render_catalyst(c), 300) + (f" · #{c.event_id}" if c.event_id else "") for c in answer.catalysts]
    text, shown = "", 0
    for line in lines:
        if len(text) + len(line) + 40 > DESCRIPTION_MAX:
            break
        text += line + "\n"
        shown += 1
    if shown < len(lines):
        text += f"… and {len(lines) - shown} more"
    b.embed.description = b.take(text.rstrip(), DESCRIPTION_MAX)
    return b.footer("why: /why event:<number>")


def source_text(source: Source) -> str:
    state = "**disabled**" if source.disabled else "ok" if source.consecutive_failures == 0 else "failing"
    last_ok = f"{source.last_success_at:%Y-%m-%d %H:%M}" if source.last_success_at else "never"
    line = (f"**#{source.id}** {clean(source.name, 150)} · {state} · last success {last_ok} · "
            f"failures {source.consecutive_failures}\n{clean(source.url, 300)}")
    if source.last_error:
        line += f"\nlast error: {clean(source.last_error, 200)}"
    return line


def feeds_embed(answer: FeedList) -> discord.Embed:
    if not answer.feeds:
        return EmbedBuilder("Feeds", description="No feeds are watched.").done()
    b = EmbedBuilder(f"Feeds ({len(answer.feeds)})")
    text, shown = "", 0
    for source in answer.feeds:
        line = source_text(source)
        if source.id in answer.cadence:
            line += f"\n└ {clean(cadence_text(answer.cadence[source.id]), 300)}"
        if len(text) + len(line) + 40 > DESCRIPTION_MAX:
            break
        text += line + "\n"
        shown += 1
    if shown < len(answer.feeds):
        text += f"… and {len(answer.feeds) - shown} more"
    b.embed.description = b.take(text.rstrip(), DESCRIPTION_MAX)
    return b.done()


def feed_added_embed(added: FeedAdded) -> discord.Embed:
    return EmbedBuilder(
        "Feed added", colour=KIND_COLOUR["readout"],
        description=f"{source_text(added.source)}\n{added.items_now} items now; only new ones will be posted.",
    ).done()


def feed_changed_embed(title: str, source: Source) -> discord.Embed:
    return EmbedBuilder(title, description=source_text(source)).done()


# -- trials (the core's trials module ships with the ClinicalTrials.gov watcher; imported for types only) --------


def _snapshot_line(snap: TrialSnapshot) -> str:
    parts = [snap.label, *(x for x in (snap.overall_status, ", ".join(snap.phases)) if x)]
    if snap.enrollment_count is not None:
        parts.append(f"enrollment {snap.enrollment_count}" + (f" ({snap.enrollment_type.lower()})"
                                                             if snap.enrollment_type else ""))
    if snap.primary_completion_date:
        parts.append(f"primary completion {snap.primary_completion_date}")
    return clean(" · ".join(parts))


def trials_watched_embed(done: TrialsWatched) -> discord.Embed:
    label = f" for {clean(done.program)}" if done.program else ""
    b = EmbedBuilder(f"Watching trials{label}", colour=KIND_COLOUR["enrollment"],
                     description="A summary follows at the next poll; after that, every change is an alert.")
    b.lines_field("Added", [_snapshot_line(s) + (f"\n{clean(s.title, 200)}" if s.title else "") for s in done.added])
    if done.already:
        b.field("Already watched", clean(", ".join(done.already), 1000))
    return b.done()


def program_watched_embed(watched: ProgramWatched) -> discord.Embed:
    q = watched.query
    return EmbedBuilder(
        f"Watching programme {clean(q.program)}", colour=KIND_COLOUR["enrollment"],
        description=f"Interventions: {clean(', '.join(q.terms), 1000)}"
        + (f" · sponsor: {clean(q.sponsor, 200)}" if q.sponsor else "")
        + f"\n{watched.trials_now} trials match now; new ones after the next poll are alerts.",
    ).done()


def trials_unwatched_embed(removed: list[str], program: tuple[ProgramQuery, int] | None = None) -> discord.Embed:
    lines = []
    if removed:
        lines.append("Stopped watching " + clean(", ".join(removed), 2000) + ".")
    if program is not None:
        query, dropped = program
        lines.append(f"Stopped watching programme {clean(query.program)} ({dropped} trials it brought in).")
    return EmbedBuilder("Trials unwatched", colour=KIND_COLOUR["other"], description="\n".join(lines)).done()


def trial_list_embed(listing: TrialList) -> discord.Embed:
    if not listing.trials and not listing.programs:
        return EmbedBuilder("Trials", description="No trials or programmes are watched.").done()
    b = EmbedBuilder(f"Watched trials ({len(listing.trials)})")
    lines = []
    for item in listing.trials:
        line = _snapshot_line(item.snapshot) if item.snapshot else f"{item.watch.nct_id}: not polled yet"
        if item.watch.program:
            line += f" [{clean(item.watch.program, 100)}]"
        lines.append(line)
    text = ""
    for i, line in enumerate(lines):
        if len(text) + len(line) + 40 > DESCRIPTION_MAX - 1200:
            text += f"… and {len(lines) - i} more"
            break
        text += line + "\n"
    b.embed.description = b.take(text.rstrip() or "No single trials.", DESCRIPTION_MAX)
    if listing.programs:
        b.lines_field("Programmes", [
            f"{clean(q.program)}: {clean(', '.join(q.terms), 200)}" + (f" · sponsor {clean(q.sponsor)}" if q.sponsor
                                                                      else "")
            + ("" if q.primed else " (first search at the next poll)") for q in listing.programs
        ])
    return b.done()

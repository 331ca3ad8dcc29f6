"""Block Kit rendering of the core's models, within Slack's limits, with feed text made inert.

Every piece of feed or user text placed into mrkdwn goes through `esc()`: Slack only parses mentions and links
inside `<…>`, so escaping &, < and > turns `<!channel>` or `<@U123>` in a headline into plain visible text. The
only mention ever placed is the subscription's own, and only when it has the exact shape of a Slack mention.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.feeds import FeedAdded, FeedList
from bot.core.lookup import ProgramCard
from bot.core.subscriptions import SubscriptionList
from bot.core.trials import TrialList
from bot.core.upcoming import UpcomingList
from bot.core.why import WhyAnswer
from bot.delivery.alert_view import fact_items, fact_value, facts_line, http_url
from bot.delivery.digest import Digest
from bot.render_text import (
    cadence_text,
    render_timing,
    subscription_summary,
    told_by,
    trial_history_text,
    trial_text,
)
from storage.models import Catalyst, Designation, Event, Source, Subscription

# Slack's documented limits.
MAX_BLOCKS = 50
HEADER_CHARS = 150
SECTION_CHARS = 3000
FIELD_CHARS = 2000
MAX_FIELDS = 10
MAX_CONTEXT_ELEMENTS = 10
BUTTON_CHARS = 75
URL_CHARS = 3000
TEXT_CHARS = 3000  # fallback text: Slack allows 40k, but a notification never needs more

Block = dict[str, Any]

KIND_LABEL = {
    "readout": "Readout",
    "enrollment": "Enrollment",
    "regulatory": "Regulatory",
    "other": "News",
    "system": "Bot notice",
}

_MENTION = re.compile(r"^<(?:!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+|!here|!channel|!everyone)>$")
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


@dataclass
class Message:
    """What chat.postMessage and respond() take: fallback text (always set) and blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)


# -- text helpers ------------------------------------------------------------------------------------


def esc(text: object) -> str:
    """Make text inert in mrkdwn: no mentions, links or channel references can be formed from it."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Cut to `limit` characters with an ellipsis, never through an `&amp;`-style entity."""
    if len(text) <= limit:
        return text
    return _PARTIAL_ENTITY.sub("", text[: limit - 1]) + "…"


def safe_mention(mention: str | None) -> str | None:
    """The subscription's mention when it is a well-formed Slack mention; anything else is not placed."""
    if mention and _MENTION.match(mention.strip()):
        return mention.strip()
    return None


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for a button or a `<url|label>` link (the characters that end a link are encoded)."""
    if not url or not url.startswith(("http://", "https://")):
        return None
    return http_url(url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20"), URL_CHARS)


def link(url: str | None, label: str) -> str:
    target = safe_url(url)
    # `|` ends the URL part, so it must not appear in the label either.
    label = esc(label).replace("|", "¦")
    return f"<{target}|{label}>" if target else label


def when_text(when: datetime) -> str:
    """A Slack date token (shown in the reader's time zone) with a UTC fallback."""
    return f"<!date^{int(when.timestamp())}^{{date_short}} {{time}}|{when:%Y-%m-%d %H:%M} UTC>"


# -- block builders ----------------------------------------------------------------------------------


def header(text: str) -> Block:
    # plain_text is never parsed for mentions, so it needs no escaping, only the length limit.
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text.strip() or "-", HEADER_CHARS),
                                       "emoji": False}}


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, SECTION_CHARS)}}


def fields_section(pairs: list[tuple[str, str]], text: str | None = None) -> Block:
    """A section with up to 10 labelled fields (`*label*` then the escaped value)."""
    block: Block = {"type": "section", "fields": [
        {"type": "mrkdwn", "text": clip(f"*{esc(label)}*\n{esc(value)}", FIELD_CHARS)}
        for label, value in pairs[:MAX_FIELDS]
    ]}
    if text:
        block["text"] = {"type": "mrkdwn", "text": clip(text, SECTION_CHARS)}
    return block


def context(*parts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(p, SECTION_CHARS)}
                                            for p in parts[:MAX_CONTEXT_ELEMENTS] if p]}


def link_button(url: str | None, label: str = "Open source") -> Block | None:
    target = safe_url(url)
    if target is None:
        return None
    return {"type": "actions", "elements": [{
        "type": "button", "action_id": "open_source", "url": target,
        "text": {"type": "plain_text", "text": clip(label, BUTTON_CHARS)},
    }]}


# The alert buttons: the action_id names the action, the value the event (Slack keeps both with the message).
WHY, CARD, MUTE, UNMUTE = "mb_why", "mb_card", "mb_mute", "mb_unmute"


def action_button(action_id: str, label: str, value: int, style: str | None = None) -> Block:
    button: Block = {"type": "button", "action_id": action_id, "value": str(value),
                     "text": {"type": "plain_text", "text": clip(label, BUTTON_CHARS)}}
    if style:
        button["style"] = style
    return button


def alert_actions(event: Event) -> Block | None:
    """Open source (a link), Why?, and for a programme's alert its card and Mute programme here."""
    elements: list[Block] = []
    link_block = link_button(event.url)
    if link_block:
        elements.extend(link_block["elements"])
    if event.kind != "system":
        elements.append(action_button(WHY, "Why?", event.id))
    if event.programs:
        elements.append(action_button(CARD, "Programme card", event.id))
        elements.append(action_button(MUTE, "Mute programme here", event.id, style="danger"))
    return {"type": "actions", "elements": elements} if elements else None


def list_sections(title: str, lines: list[str], budget: int) -> list[Block]:
    """`*title*` and bullet lines (already mrkdwn) split over as few sections as fit, at most `budget` blocks."""
    blocks: list[Block] = []
    current = f"*{esc(title)}*"
    for i, line in enumerate(lines):
        candidate = f"{current}\n• {line}"
        if len(candidate) <= SECTION_CHARS:
            current = candidate
            continue
        if len(blocks) + 2 > budget:
            blocks.append(section(current))
            blocks.append(context(f"…and {len(lines) - i} more"))
            return blocks
        blocks.append(section(current))
        current = clip(f"• {line}", SECTION_CHARS)
    blocks.append(section(current))
    return blocks


def fit(blocks: list[Block]) -> list[Block]:
    """At most 50 blocks; if cut, the last says so."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    return [*blocks[: MAX_BLOCKS - 1], context(f"…{len(blocks) - MAX_BLOCKS + 1} more blocks not shown")]


# -- alerts and digests (the sink) -------------------------------------------------------------------


def event_label(event: Event) -> str:
    kind = KIND_LABEL.get(event.kind, event.kind.title())
    return kind if event.subtype in ("", "other") else f"{kind} · {event.subtype.replace('_', ' ')}"


def alert_message(event: Event, mention: str | Sequence[str] | None = None, update: str | None = None) -> Message:
    """One alert: header, who/what fields, facts, context with source and time, its buttons. `mention` is one
    or several subscriptions' mentions (one delivery per channel merges them), each placed once; `update` (what
    changed since it was posted) is shown under the header when the posted alert is edited."""
    wanted = [mention] if mention is None or isinstance(mention, str) else list(mention)
    pings = list(dict.fromkeys(p for p in (safe_mention(m) for m in wanted) if p))
    blocks: list[Block] = [header(f"{event_label(event)}: {event.title}")]
    if update:
        blocks.append(section(f":arrows_counterclockwise: *Updated:* {esc(update)}"))
    pairs: list[tuple[str, str]] = []
    if event.programs:
        pairs.append(("Programme", ", ".join(event.programs)))
    if event.sponsor:
        pairs.append(("Sponsor", event.sponsor))
    if event.trial:
        pairs.append(("Trial", event.trial))
    if event.kind != "system":
        pairs.extend((label.capitalize(), text) for label, text in fact_items(event.facts))
    lead = list(pings)
    if event.kind == "system" and event.summary:
        lead.append(esc(event.summary))
    text = " ".join(lead) or None
    if pairs:
        blocks.append(fields_section(pairs, text))
    elif text:
        blocks.append(section(text))
    when = event.published_at or event.detected_at
    blocks.append(context(
        f"Source: {esc(event.source_name or 'unknown')}", when_text(when),
        f"#{event.id}" + ("" if event.kind == "system" else f" · `/milestones why {event.id}`"),
    ))
    actions = alert_actions(event)
    if actions:
        blocks.append(actions)
    fallback = f"{event_label(event)}: {esc(event.title)}"
    ping = " ".join(pings)
    return Message(text=clip(f"{ping} {fallback}" if ping else fallback, TEXT_CHARS), blocks=fit(blocks))


def digest_message(digest: Digest) -> Message:
    n = digest.count
    title = f"Daily digest: {n} alert{'s' if n != 1 else ''}"
    ping = safe_mention(digest.subscription.mention)
    blocks: list[Block] = [header(title)]
    if ping:
        blocks.append(section(ping))
    for group in digest.groups:
        budget = MAX_BLOCKS - len(blocks) - 1
        if budget < 2:
            blocks.append(context("…more programmes not shown"))
            break
        lines = [f"{link(ev.url, ev.title)} — {esc(event_label(ev))} · #{ev.id}" for ev in group.events]
        blocks.extend(list_sections(group.program, lines, budget))
    return Message(text=f"{ping} {title}" if ping else title, blocks=fit(blocks))


# -- command answers ---------------------------------------------------------------------------------


def error_message(text: str) -> Message:
    line = f":warning: {esc(text)}"
    return Message(text=clip(line, TEXT_CHARS), blocks=[section(line)])


def info_message(mrkdwn: str) -> Message:
    return Message(text=clip(mrkdwn, TEXT_CHARS), blocks=[section(mrkdwn)])


def _told(card: ProgramCard, ev: Event) -> str:
    return f"\n    told by {esc(told_by(card.sources[ev.id]))}" if ev.id in card.sources else ""


def _event_line(ev: Event) -> str:
    day = f"{(ev.published_at or ev.detected_at):%Y-%m-%d}"
    return f"#{ev.id} {day} {link(ev.url, ev.title)} ({esc(event_label(ev))})"


event_line = _event_line  # the same line on the Home tab


_REPORTED_BY = {"company": "company-reported", "fda": "FDA-listed"}


def catalyst_line(c: Catalyst) -> str:
    """As the console's `render_catalyst`: date, precision, programme, label, moves and status."""
    moved = f" (moved {len(c.history) - 1}×, first {c.history[0].get('date')})" if len(c.history) > 1 else ""
    status = "" if c.status == "open" else f" [{c.status}{': ' + c.outcome if c.outcome else ''}]"
    ref = f" · #{c.event_id}" if c.event_id else ""
    return f"*{esc(c.date)}* ({esc(c.precision)}) {esc(c.program)}: {esc(c.label)}{esc(moved)}{esc(status)}{ref}"


def designation_line(d: Designation) -> str:
    """As the console's card: designation, indication, first seen, and each source that reported it."""
    sources = "; ".join(f"{_REPORTED_BY.get(s.reported_by, s.reported_by)}: {link(s.url, s.source_name or 'unknown')}"
                        for s in d.sources)
    extra = f" ({esc(d.indication)})" if d.indication else ""
    return f"{esc(d.designation.replace('_', ' '))}{extra} · first seen {d.first_seen_at:%Y-%m-%d}" + (
        f" · {sources}" if sources else "")


def card_message(card: ProgramCard) -> Message:
    """A programme card: the same content as the console's `render_card`."""
    p = card.program
    blocks: list[Block] = [header(p.name)]
    pairs = []
    if p.aliases:
        pairs.append(("Also known as", ", ".join(p.aliases)))
    if p.sponsors:
        pairs.append(("Sponsor", ", ".join(p.sponsors)))
    if p.ticker:
        pairs.append(("Ticker", p.ticker))
    if p.indication:
        pairs.append(("Indication", p.indication))
    if pairs:
        blocks.append(fields_section(pairs))
    groups: list[tuple[str, list[str]]] = []
    if card.trials:
        trial_lines = []
        for t in card.trials:
            line = link(f"https://clinicaltrials.gov/study/{t.nct_id}", trial_text(t))
            history = trial_history_text(t)
            trial_lines.append(line + (f" — {esc(t.title)}" if t.title else "")
                               + (f"\n    {esc(history)}" if history else ""))
        groups.append(("Trials", trial_lines))
    if card.designations:
        groups.append(("Designations", [designation_line(d) for d in card.designations]))
    for heading, events in (("Latest readouts", card.readouts), ("Regulatory", card.regulatory)):
        if events:
            event_lines = []
            for ev in events:
                facts = facts_line(ev.facts)
                event_lines.append(_event_line(ev) + (f"\n    {esc(facts)}" if facts else "") + _told(card, ev))
            groups.append((heading, event_lines))
    if card.upcoming:
        groups.append(("Upcoming", [catalyst_line(c) for c in card.upcoming]))
    if card.recent:
        groups.append(("Recent events", [_event_line(ev) + _told(card, ev) for ev in card.recent]))
    for title, lines in groups:
        budget = MAX_BLOCKS - len(blocks) - 1
        if budget < 2:
            break
        blocks.extend(list_sections(title, lines, budget))
    if not card.recent:
        blocks.append(context("No events seen yet."))
    for note in card.notes[:2]:
        blocks.append(context(esc(note)))
    return Message(text=clip(f"Programme card: {esc(p.name)}", TEXT_CHARS), blocks=fit(blocks))


def subscription_line(sub: Subscription) -> str:
    what, mode = subscription_summary(sub)
    line = f"*#{sub.id}* {esc(what)} · {mode}"
    if sub.mention:
        # Shown, not pinged: the listing itself must not notify the group.
        line += f" · mentions `{esc(sub.mention)}`"
    if sub.disabled:
        line += f" · *disabled*: {esc(sub.disabled_reason or '')}"
    return line


def muted_message(program: str, mute_id: int) -> Message:
    line = f"Muted *{esc(program)}* here: its alerts no longer reach this channel."
    return Message(text=line, blocks=[section(line), {"type": "actions", "elements": [
        action_button(UNMUTE, "Unmute", mute_id, style="primary")]}])


def subscriptions_message(answer: SubscriptionList) -> Message:
    if not answer.subscriptions:
        return info_message("This channel has no subscriptions. `/milestones help` shows how to add one.")
    blocks = list_sections("Subscriptions in this channel", [subscription_line(s) for s in answer.subscriptions],
                           MAX_BLOCKS)
    return Message(text=f"{len(answer.subscriptions)} subscriptions in this channel", blocks=fit(blocks))


def why_message(answer: WhyAnswer) -> Message:
    ev = answer.event
    blocks: list[Block] = [header(f"Why #{ev.id}: {ev.title}")]
    lines: list[str] = []
    if answer.evidence:
        lines.append("*Decided by*")
        lines.extend(f"• rule `{esc(e.rule)}`: “{esc(e.phrase)}”" for e in answer.evidence)
    elif ev.kind != "system" and not answer.changes:
        lines.append("No rule matched: filed as _other_.")
    if answer.confidence is not None:
        lines.append(f"*Confidence* {answer.confidence:.0%}")
    if answer.changes:
        lines.append("*Changes*")
        lines.extend(f"• {esc(c.get('field'))}: {esc(fact_value(c.get('old')))} → {esc(fact_value(c.get('new')))}"
                     for c in answer.changes)
    if ev.programs:
        lines.append(f"*Programmes:* {esc(', '.join(ev.programs))}")
    lines.append(f"*Timing* {esc(render_timing(ev.published_at, ev.detected_at, answer.alerted_at))}")
    blocks.append(section("\n".join(lines)))
    ctx = [f"{esc(event_label(ev))} · {when_text(ev.published_at or ev.detected_at)}"]
    if len(answer.sources) > 1:  # one release from several sources (fused): each with its own link
        ctx.append("Told by: " + ", ".join(link(s.url, s.source_name or f"source {s.source_id}")
                                           for s in answer.sources))
    elif answer.source_url:
        ctx.append("Source: " + link(answer.source_url, ev.source_name or answer.source_url))
    blocks.append(context(*ctx))
    button = link_button(ev.url)
    if button:
        blocks.append(button)
    return Message(text=clip(f"Why #{ev.id}: {esc(ev.title)}", TEXT_CHARS), blocks=fit(blocks))


def upcoming_message(answer: UpcomingList) -> Message:
    scope = f" for {answer.program}" if answer.program else ""
    if not answer.catalysts:
        return info_message(f"Nothing dated in the next {answer.days} days{esc(scope)}.")
    blocks = [header(f"Next {answer.days} days{scope}"),
              *list_sections("Dated catalysts", [catalyst_line(c) for c in answer.catalysts], MAX_BLOCKS - 1)]
    return Message(text=clip(f"Next {answer.days} days{esc(scope)}: {len(answer.catalysts)} dates", TEXT_CHARS),
                   blocks=fit(blocks))


def source_line(source: Source) -> str:
    state = "*disabled*" if source.disabled else "ok" if source.consecutive_failures == 0 else "failing"
    last_ok = f"{source.last_success_at:%Y-%m-%d %H:%M}" if source.last_success_at else "never"
    line = f"*#{source.id}* {link(source.url, source.name)} · {state} · last success {last_ok}"
    if source.consecutive_failures:
        line += f" · {source.consecutive_failures} failures"
    if source.last_error:
        line += f"\n    last error: {esc(clip(source.last_error, 300))}"
    return line


def feeds_message(answer: FeedList) -> Message:
    if not answer.feeds:
        return info_message("No feeds are watched. `/milestones feeds add URL` adds one.")
    lines = [source_line(s) + (f"\n   _{esc(cadence_text(answer.cadence[s.id]))}_" if s.id in answer.cadence else "")
             for s in answer.feeds]
    blocks = list_sections("Watched feeds", lines, MAX_BLOCKS)
    return Message(text=f"{len(answer.feeds)} watched feeds", blocks=fit(blocks))


def feed_added_message(answer: FeedAdded) -> Message:
    return info_message(f"added feed {source_line(answer.source)}\n{answer.items_now} items in it now; "
                        "only items published from now on are announced.")


def help_message(commands: list[tuple[str, str]]) -> Message:
    lines = [f"`/milestones {esc(usage)}` — {esc(what)}" for usage, what in commands]
    blocks = [header("milestone-bot commands"), *list_sections("Usage", lines, MAX_BLOCKS - 2),
              context("Changing subscriptions, feeds or trials needs a workspace admin or the configured user group. "
                      "Quote values with spaces: keyword:\"topline data\".")]
    return Message(text="milestone-bot commands: " + ", ".join(u.split()[0] for u, _ in commands), blocks=fit(blocks))


def trials_message(answer: TrialList) -> Message:
    lines = []
    for item in answer.trials:
        watch, snap = item.watch, item.snapshot
        parts = [link(f"https://clinicaltrials.gov/study/{watch.nct_id}", snap.label if snap else watch.nct_id)]
        if snap is None:
            parts.append("not polled yet")
        else:
            parts.extend(esc(x) for x in (", ".join(snap.phases), snap.overall_status) if x)
            if snap.enrollment_count is not None:
                parts.append(f"enrollment {snap.enrollment_count}")
        line = " · ".join(parts) + (f" [{esc(watch.program)}]" if watch.program else "")
        lines.append(line + (f"\n    {esc(snap.title)}" if snap and snap.title else ""))
    queries = [f"programme {esc(q.program)}: {esc(', '.join(q.terms))}"
               + (f" · sponsor {esc(q.sponsor)}" if q.sponsor else "") for q in answer.programs]
    if not lines and not queries:
        return info_message("No trials are watched. `/milestones trials watch NCT01234567` adds one.")
    out: list[Block] = []
    if lines:
        out.extend(list_sections("Watched trials", lines, MAX_BLOCKS - 3))
    if queries:
        out.extend(list_sections("Programmes searched on ClinicalTrials.gov", queries, MAX_BLOCKS - len(out)))
    return Message(text=f"{len(lines)} watched trials", blocks=fit(out))

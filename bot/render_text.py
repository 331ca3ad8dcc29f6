"""Plain-text rendering for the console sink and the CLI."""
from __future__ import annotations

import json
from datetime import datetime

from bot.core.feeds import FeedCadence
from bot.core.lookup import ProgramCard, TrialLine
from bot.core.registry import Onboarded
from bot.core.status import StatusAnswer
from bot.core.subscriptions import SubscriptionList
from bot.core.upcoming import UpcomingList
from bot.core.why import WhyAnswer
from bot.delivery.alert_view import fact_value, facts_line
from bot.delivery.digest import Digest
from storage.models import Catalyst, Designation, Event, EventSource, Program, ProgramMerge, Source, Subscription
from storage.trial_models import ProgramQuery, StoredTrialChange, TrialSnapshot, TrialWatch
from watchers.sources.ctgov.alerts import describe_change, snapshot_line

_KIND_LABEL = {
    "readout": "READOUT",
    "enrollment": "ENROLLMENT",
    "regulatory": "REGULATORY",
    "other": "OTHER",
    "system": "BOT NOTICE",
}


def render_alert(event: Event) -> str:
    kind = _KIND_LABEL.get(event.kind, event.kind.upper())
    head = f"[{kind} · {event.subtype}] {event.title}"
    lines = [head]
    who = []
    if event.programs:
        who.append("programme: " + ", ".join(event.programs))
    if event.sponsor:
        who.append("sponsor: " + event.sponsor)
    if event.trial:
        who.append("trial: " + event.trial)
    if who:
        lines.append("  " + " · ".join(who))
    facts = facts_line(event.facts, " · ")
    if facts and event.kind != "system":
        lines.append("  " + facts)
    if event.facts.get("change") == "now_watching" and event.summary:
        lines.extend("  " + line for line in event.summary.splitlines())
    if event.kind == "system" and event.summary:
        lines.append("  " + event.summary)
    when = event.published_at or event.detected_at
    lines.append(f"  source: {event.source_name or 'unknown'} · {when:%Y-%m-%d %H:%M} UTC")
    if event.url:
        lines.append(f"  {event.url}")
    if event.kind != "system":
        lines.append(f"  why: milestone-bot why {event.id}")
    rule = "─" * min(max(len(head), 20), 100)
    return "\n".join([rule, *lines])


def event_json(event: Event) -> str:
    return json.dumps(
        {
            "id": event.id,
            "kind": event.kind,
            "subtype": event.subtype,
            "title": event.title,
            "url": event.url,
            "source": event.source_name,
            "source_id": event.source_id,
            "published_at": event.published_at.isoformat() if event.published_at else None,
            "detected_at": event.detected_at.isoformat(),
            "programs": event.programs,
            "sponsor": event.sponsor,
            "trial": event.trial,
            "facts": event.facts,
        },
        ensure_ascii=False,
        default=str,
    )


def render_event_line(event: Event) -> str:
    when = (event.published_at or event.detected_at).strftime("%Y-%m-%d")
    progs = f" [{', '.join(event.programs)}]" if event.programs else ""
    return f"#{event.id:<6} {when} {event.kind:<10} {event.subtype:<20} {event.title}{progs}"


def render_source_health(source: Source) -> str:
    state = "DISABLED" if source.disabled else "ok" if source.consecutive_failures == 0 else "failing"
    last_ok = f"{source.last_success_at:%Y-%m-%d %H:%M}" if source.last_success_at else "never"
    line = (
        f"#{source.id:<4} {source.kind:<6} {state:<8} last success: {last_ok:<16} "
        f"failures: {source.consecutive_failures:<3} {source.name}\n      {source.url}"
    )
    if source.last_error:
        line += f"\n      last error: {source.last_error}"
    return line


def render_cadence(cadence: FeedCadence) -> str:
    """The learned cadence and the next poll, indented under the feed's health line."""
    return f"      {cadence_text(cadence)}"


def cadence_text(cadence: FeedCadence) -> str:
    """"cadence: learned from 6 dates, busiest Tue 07:00 (Eastern); 140 polls/day; next poll …" (plain text: the
    chat front ends escape it)."""
    nxt = f"next poll {cadence.next_poll_at:%Y-%m-%d %H:%M:%S} UTC" if cadence.next_poll_at else "next poll now"
    if not cadence.adaptive:
        why = "no usable publication dates yet" if not cadence.dates else "adaptive polling off"
        return f"cadence: fixed interval, {cadence.polls_per_day:g} polls/day ({why}); {nxt}"
    busiest = ", ".join(cadence.busiest) or "none yet"
    if cadence.on_prior:
        return (f"cadence: new feed, no items yet: polled on all feeds' habits, busiest {busiest} (Eastern); "
                f"{cadence.polls_per_day:g} polls/day; {nxt}")
    return (f"cadence: learned from {cadence.dates} dates, busiest {busiest} (Eastern); "
            f"{cadence.polls_per_day:g} polls/day; {nxt}")


# -- command answers ---------------------------------------------------------------------------------


def render_card(card: ProgramCard) -> str:
    p = card.program
    lines = [f"{p.name}" + (f"  ({', '.join(p.aliases)})" if p.aliases else "")]
    if p.sponsors:
        lines.append(f"  sponsor: {', '.join(p.sponsors)}" + (f" · ticker {p.ticker}" if p.ticker else ""))
    if p.indication:
        lines.append(f"  {p.indication}")
    if card.trials:
        lines.append("  trials:")
        for t in card.trials:
            lines.append("    " + trial_text(t) + (f" — {t.title}" if t.title else ""))
            if history := trial_history_text(t):
                lines.append(f"      {history}")
    if card.designations:
        lines.append("  designations:")
        for d in card.designations:
            extra = f" ({d.indication})" if d.indication else ""
            lines.append(f"    {d.designation.replace('_', ' ')}{extra} · first seen {d.first_seen_at:%Y-%m-%d} · "
                         + render_ledger_sources(d))
    for heading, events in (("latest readouts", card.readouts), ("regulatory", card.regulatory)):
        if events:
            lines.append(f"  {heading}:")
        for ev in events:
            facts = facts_line(ev.facts)
            lines.append(f"    #{ev.id} {(ev.published_at or ev.detected_at):%Y-%m-%d} {ev.title}")
            if facts:
                lines.append(f"      {facts}")
            if ev.id in card.sources:
                lines.append(f"      told by {told_by(card.sources[ev.id])}")
    if card.upcoming:
        lines.append("  upcoming:")
        lines.extend(f"    {render_catalyst(c)}" for c in card.upcoming)
    lines.append("  recent events:" if card.recent else "  no events seen yet")
    for ev in card.recent:
        lines.append(f"    {render_event_line(ev)}")
        if ev.url:
            lines.append(f"            {ev.url}")
        if ev.id in card.sources:
            lines.append(f"            told by {told_by(card.sources[ev.id])}")
    lines.extend(f"  {note}" for note in card.notes)
    return "\n".join(lines)


def trial_history_text(t: TrialLine) -> str | None:
    """'primary completion moved 3 times, +14 months in all; enrollment target 30 → 16', or None."""
    parts = []
    if t.primary_completion_slips:
        times = "once" if t.primary_completion_slips == 1 else f"{t.primary_completion_slips} times"
        parts.append(f"primary completion moved {times}, {t.primary_completion_slip_months:+d} months in all")
    if t.enrollment_from is not None and t.enrollment is not None:
        parts.append(f"enrollment {t.enrollment_from} → {t.enrollment}")
    return "; ".join(parts) or None


def render_onboarded(done: Onboarded) -> str:
    lines = [f"back-filled {done.program}: {len(done.trials)} trial{'s' if len(done.trials) != 1 else ''} from "
             f"ClinicalTrials.gov" + (f", history of {done.history_trials}" if done.history_trials else "")]
    if done.aliases_added:
        lines.append(f"  other names from the registry: {', '.join(done.aliases_added)}")
    lines.extend(f"  {note}" for note in done.notes)
    return "\n".join(lines)


def render_merge_line(m: ProgramMerge) -> str:
    undone = f" · undone {m.undone_at:%Y-%m-%d}" if m.undone_at else ""
    return f"#{m.id} {m.merged_name} → {m.kept_name} · {m.merged_at:%Y-%m-%d %H:%M} · {m.reason}{undone}"


def trial_text(t: TrialLine) -> str:
    """One trial as plain text (front ends escape it): NCT ID · phase · status · enrollment · completion."""
    parts = [t.nct_id, *(x for x in (t.phase, t.status) if x)]
    if t.enrollment is not None:
        parts.append(f"enrollment {t.enrollment}" + (f" ({t.enrollment_type})" if t.enrollment_type else ""))
    if t.primary_completion:
        parts.append(f"primary completion {t.primary_completion}")
    return " · ".join(parts)


def subscription_summary(sub: Subscription) -> tuple[str, str]:
    """(what it filters on, how it is delivered) as plain text, for every front end's subscription line."""
    f = sub.filters
    parts = [f"{label}: {', '.join(values)}" for label, values in (
        ("programmes", f.programs), ("sponsors", f.sponsors), ("kinds", f.kinds), ("subtypes", f.subtypes),
        ("keywords", f.keywords),
    ) if values]
    mode = f"daily digest at {sub.digest_hour:02d}:00 UTC" if sub.mode == "digest" else "instant"
    return "; ".join(parts) or "everything", mode


def render_subscription(sub: Subscription) -> str:
    what, mode = subscription_summary(sub)
    line = f"#{sub.id} {what} · {mode}"
    if sub.mention:
        line += f" · mentions {sub.mention}"
    if sub.disabled:
        line += f" · DISABLED: {sub.disabled_reason}"
    return line


def render_subscriptions(answer: SubscriptionList) -> str:
    if not answer.subscriptions:
        return "This channel has no subscriptions."
    return "\n".join(render_subscription(s) for s in answer.subscriptions)


def render_why(answer: WhyAnswer) -> str:
    ev = answer.event
    lines = [f"#{ev.id} [{ev.kind} · {ev.subtype}] {ev.title}"]
    if answer.evidence:
        lines.append("  decided by:")
        lines.extend(f"    rule {e.rule}: “{e.phrase}”" for e in answer.evidence)
    elif ev.kind not in ("system",) and not answer.changes:
        lines.append("  no rule matched: filed as 'other'")
    if answer.confidence is not None:
        lines.append(f"  confidence: {answer.confidence:.0%}")
    if answer.changes:
        lines.append("  changes:")
        for c in answer.changes:
            lines.append(f"    {c.get('field')}: {fact_value(c.get('old'))} → {fact_value(c.get('new'))}")
    if ev.programs:
        lines.append(f"  programmes: {', '.join(ev.programs)}")
    if ev.url:
        lines.append(f"  link: {ev.url}")
    if len(answer.sources) > 1:
        lines.append("  told by:")
        lines.extend(f"    {s.source_name or f'source {s.source_id}'}" + (f" {s.url}" if s.url else "")
                     for s in answer.sources)
    elif answer.source_url:
        lines.append(f"  source: {ev.source_name or ''} {answer.source_url}".rstrip())
    lines.append(f"  timing: {render_timing(ev.published_at, ev.detected_at, answer.alerted_at)}")
    return "\n".join(lines)


def told_by(sources: list[EventSource]) -> str:
    """The sources of a fused event as plain text (front ends escape it): "IR feed, Wire"."""
    return ", ".join(s.source_name or f"source {s.source_id}" for s in sources)


def render_timing(published: datetime | None, detected: datetime, alerted: datetime | None) -> str:
    """published → detected → alert sent, each as a delay after publication (what a user waits)."""
    if published is None:
        start, parts = detected, [f"detected {detected:%Y-%m-%d %H:%M:%S} UTC (the source gave no date)"]
    else:
        start = published
        parts = [f"published {published:%Y-%m-%d %H:%M:%S} UTC", f"detected {_after(published, detected)}"]
    parts.append(f"alert sent {_after(start, alerted)}" if alerted else "alert not sent yet")
    return " → ".join(parts)


def _after(start: datetime, end: datetime) -> str:
    seconds = (end - start).total_seconds()
    if seconds < 0:
        return f"{end:%H:%M:%S} (the source's date is {-seconds:.0f} s ahead)"
    minutes, sec = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours} h {minutes} min" if hours else f"{minutes} min {sec} s" if minutes else f"{sec} s"
    return f"+{text}"


def render_ledger_sources(d: Designation) -> str:
    label = {"company": "company-reported", "fda": "FDA-listed"}
    return "; ".join(f"{label.get(s.reported_by, s.reported_by)}: {s.source_name or 'unknown'}" for s in d.sources)


def render_catalyst(c: Catalyst) -> str:
    moved = f" (moved {len(c.history) - 1}×, first {c.history[0]['date']})" if len(c.history) > 1 else ""
    status = "" if c.status == "open" else f" [{c.status}{': ' + c.outcome if c.outcome else ''}]"
    return f"{c.date:<10} ({c.precision}) {c.program}: {c.label}{moved}{status}"


def render_upcoming(answer: UpcomingList) -> str:
    scope = f" for {answer.program}" if answer.program else ""
    if not answer.catalysts:
        return f"Nothing dated in the next {answer.days} days{scope}."
    return "\n".join([f"Next {answer.days} days{scope}:", *(f"  {render_catalyst(c)}" for c in answer.catalysts)])


def render_program_line(p: Program) -> str:
    aliases = f" ({', '.join(p.aliases)})" if p.aliases else ""
    sponsors = f" — {', '.join(p.sponsors)}" if p.sponsors else ""
    return f"{p.name}{aliases}{sponsors}"


def render_digest(digest: Digest) -> str:
    lines = [f"Daily digest: {digest.count} alert{'s' if digest.count != 1 else ''}"]
    for group in digest.groups:
        lines.append(f"■ {group.program}")
        for ev in group.events:
            lines.append(f"  #{ev.id} [{ev.kind} · {ev.subtype}] {ev.title}" + (f"\n      {ev.url}" if ev.url else ""))
    return "\n".join(lines)


# -- trials ---------------------------------------------------------------------------------------


def render_watched_trial(watch: TrialWatch, snapshot: TrialSnapshot | None) -> str:
    state = snapshot_line(snapshot) if snapshot else f"{watch.nct_id}: not polled yet"
    via = f" [{watch.program}]" if watch.program else ""
    line = f"{state}{via}"
    if snapshot and snapshot.title:
        line += f"\n      {snapshot.title}"
    return line


def render_program_query(query: ProgramQuery) -> str:
    names = ", ".join(query.terms)
    sponsor = f" · sponsor: {query.sponsor}" if query.sponsor else ""
    state = "watching" if query.primed else "first search at the next poll"
    return f"programme {query.program}: interventions {names}{sponsor} ({state})"


def render_trial_detail(
    nct_id: str, watch: TrialWatch | None, snapshot: TrialSnapshot | None, changes: list[StoredTrialChange]
) -> str:
    lines = [snapshot_line(snapshot) if snapshot else f"{nct_id}: not polled yet"]
    if snapshot:
        lines.append(f"  {snapshot.title}")
        rows = [
            ("sponsor", snapshot.sponsor),
            ("interventions", ", ".join(snapshot.interventions)),
            ("why stopped", snapshot.why_stopped),
            ("start", _dated(snapshot.start_date, snapshot.start_type)),
            ("primary completion", _dated(snapshot.primary_completion_date, snapshot.primary_completion_type)),
            ("completion", _dated(snapshot.completion_date, snapshot.completion_type)),
            ("results first posted", snapshot.results_first_posted),
            ("locations", str(snapshot.location_count)),
            ("last update posted", snapshot.last_update_posted),
        ]
        lines += [f"  {name}: {value}" for name, value in rows if value]
    if watch is None:
        lines.append("  not watched any more")
    elif watch.program:
        lines.append(f"  programme: {watch.program}")
    lines.append(f"  changes seen: {len(changes)}" if changes else "  no changes seen yet")
    for item in changes:
        posted = item.last_update_posted or f"{item.seen_at:%Y-%m-%d}"
        lines.append(f"    {posted}  {describe_change(item.change)}")
    lines.append(f"  https://clinicaltrials.gov/study/{nct_id}")
    return "\n".join(lines)


def _dated(date: str | None, kind: str | None) -> str | None:
    if not date:
        return None
    return f"{date} ({kind})" if kind else date


def status_rows(answer: StatusAnswer) -> list[tuple[str, str]]:
    """The status as (label, value) rows: every front end shows the same facts in its own layout."""
    cycle = answer.last_cycle
    last = (f"{cycle.started_at:%Y-%m-%d %H:%M:%S} UTC, took {cycle.duration_seconds:.1f} s "
            f"({cycle.polled} polled, {cycle.failed} failed)") if cycle else "none yet"
    connected = ", ".join(f"{f.name} (since {f.connected_at:%Y-%m-%d %H:%M} UTC)" for f in answer.front_ends)
    running = f"running (pid {answer.running_pid})" if answer.running_pid else "not running (no `run` on this store)"
    return [
        ("version", answer.version),
        ("bot", running),
        ("last cycle", last),
        ("sources", f"{answer.sources_ok} ok, {answer.sources_failing} failing, {answer.sources_disabled} disabled"),
        ("outbox", f"{answer.outbox_depth} waiting, {answer.dead_deliveries} dead"),
        ("disabled subscriptions", str(answer.disabled_subscriptions)),
        ("front ends", connected or "none connected"),
    ]


def attention_line(source: Source) -> str:
    state = "disabled" if source.disabled else f"failing ({source.consecutive_failures} in a row)"
    error = f": {source.last_error[:120]}" if source.last_error else ""
    return f"#{source.id} {source.name} {state}{error}"


def render_status(answer: StatusAnswer) -> str:
    lines = [f"{label + ':':<24}{value}" for label, value in status_rows(answer)]
    lines += [f"  ! {attention_line(s)}" for s in answer.attention]
    return "\n".join(lines)

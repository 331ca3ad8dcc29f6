"""Plain-text rendering for the console sink and the CLI."""
from __future__ import annotations

import json
from typing import Any

from storage.models import Event, Source
from storage.trial_models import ProgramQuery, StoredTrialChange, TrialSnapshot, TrialWatch
from watchers.ctgov.alerts import describe_change, snapshot_line

_KIND_LABEL = {
    "readout": "READOUT",
    "enrollment": "ENROLLMENT",
    "regulatory": "REGULATORY",
    "other": "OTHER",
    "system": "BOT NOTICE",
}
# Facts shown another way: a trial alert's title already lists each change; a summary lists its trials.
_HIDDEN_FACTS = {"changes", "trials"}


def _fact_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_fact_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


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
    facts = [f"{k.replace('_', ' ')}: {_fact_value(v)}" for k, v in event.facts.items()
             if v not in (None, "", []) and k not in _HIDDEN_FACTS]
    if facts and event.kind != "system":
        lines.append("  " + " · ".join(facts))
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

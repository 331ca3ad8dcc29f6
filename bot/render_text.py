"""Plain-text rendering for the console sink and the CLI."""
from __future__ import annotations

import json
from typing import Any

from storage.models import Event, Source

_KIND_LABEL = {
    "readout": "READOUT",
    "enrollment": "ENROLLMENT",
    "regulatory": "REGULATORY",
    "other": "OTHER",
    "system": "BOT NOTICE",
}


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
    facts = [f"{k.replace('_', ' ')}: {_fact_value(v)}" for k, v in event.facts.items() if v not in (None, "", [])]
    if facts and event.kind != "system":
        lines.append("  " + " · ".join(facts))
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

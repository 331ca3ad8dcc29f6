"""Changes of one trial → one alert (title listing every change, facts with each), and the first-sight summary."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from storage.models import EventKind, NewEvent
from storage.trial_models import TrialChange, TrialSnapshot
from watchers.sources.ctgov.dates import parse_registry_date

STUDY_URL = "https://clinicaltrials.gov/study/{nct}"

_LABEL = {
    "start_date": "start",
    "primary_completion_date": "primary completion",
    "completion_date": "completion",
    "start_type": "start",
    "primary_completion_type": "primary completion",
    "completion_type": "completion",
    "results_first_posted": "results first posted",
    "overall_status": "status",
    "why_stopped": "why stopped",
    "phases": "phase",
    "location_count": "locations",
    "enrollment": "enrollment",
}


def classify_change(c: TrialChange) -> tuple[int, EventKind, str]:
    """(importance rank, kind, subtype): results > status > enrollment > dates > the rest."""
    if c.field == "results_first_posted":
        return 0, "readout", "final"
    if c.field == "overall_status":
        subtype = {"enrollment_opened": "initiation", "enrollment_closed": "enrollment_complete"}.get(
            c.change, "status_change"
        )
        return 1, "enrollment", subtype
    if c.field == "why_stopped":
        return 1, "enrollment", "status_change"
    if c.field == "enrollment":
        return 2, "enrollment", "enrollment_complete" if c.change == "actual" else "other"
    if c.field == "start_type" and c.change == "started":
        return 2, "enrollment", "first_patient"  # the registry's start date is the first participant's
    if c.field in _LABEL and (c.field.endswith("_date") or c.field.endswith("_type")):
        return 3, "enrollment", "other"
    if c.field == "location_count":
        return 4, "enrollment", "other"
    return 5, "other", "other"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if abs(n) == 1 else 's'}"


def _enrollment_text(value: Any) -> tuple[str, str | None]:
    v = value if isinstance(value, dict) else {}
    count = v.get("count")
    return ("?" if count is None else str(count)), v.get("type")


def describe_change(c: TrialChange) -> str:
    """One change as a short phrase, e.g. 'primary completion 2025-06 → 2025-12 (+6 months, 2nd slip)'."""
    label = _LABEL.get(c.field, c.field.replace("_", " "))
    if c.field == "enrollment":
        (old_n, old_t), (new_n, new_t) = _enrollment_text(c.old), _enrollment_text(c.new)
        if old_n == new_n:
            return f"enrollment {new_n} ({old_t or '?'} → {new_t or '?'})"
        # The type shown is the new one, as in "enrollment 45 → 120 (ACTUAL)"; facts keep both.
        return f"enrollment {old_n} → {new_n}" + (f" ({new_t})" if new_t else "")
    if c.field == "results_first_posted":
        return f"results first posted {c.new}"
    if c.field == "overall_status":
        text = f"status {c.old or '?'} → {c.new or '?'}"
        note = {"enrollment_opened": "enrollment opened", "enrollment_closed": "enrollment closed"}.get(c.change)
        if c.reason:
            note = f"why stopped: {c.reason}"
        return f"{text} ({note})" if note else text
    if c.field == "phases":
        return f"phase {'/'.join(c.old or []) or 'none'} → {'/'.join(c.new or []) or 'none'}"
    if c.field.endswith("_type"):
        return f"{label} date {c.old or '?'} → {c.new or '?'}"
    if c.field.endswith("_date"):
        text = f"{label} {c.old or 'none'} → {c.new or 'none'}"
        if c.change == "slip":
            amount = _plural(c.slip_months or 0, "month") if c.slip_months else _plural(c.slip_days or 0, "day")
            return f"{text} (+{amount}, {ordinal(c.slip_count or 1)} slip)"
        if c.change == "pulled_in":
            months, days = abs(c.slip_months or 0), abs(c.slip_days or 0)
            amount = _plural(months, "month") if months else _plural(days, "day")
            return f"{text} (−{amount}, pulled in)"
        return text
    return f"{label} {c.old if c.old is not None else 'none'} → {c.new if c.new is not None else 'none'}"


def posted_at(snapshot: TrialSnapshot) -> datetime | None:
    d = parse_registry_date(snapshot.last_update_posted)
    return datetime(d.year, d.month, d.day or 1, tzinfo=UTC) if d else None


def change_alert(snapshot: TrialSnapshot, changes: Sequence[TrialChange], program: str | None) -> NewEvent:
    """Every change of one new version in one event; its kind comes from the most important change."""
    ranked = sorted(changes, key=lambda c: classify_change(c)[0])
    primary = ranked[0]
    _, kind, subtype = classify_change(primary)
    facts_changes = [c.facts() for c in changes]
    digest = hashlib.sha256(json.dumps(facts_changes, sort_keys=True, default=str).encode()).hexdigest()[:16]
    facts: dict[str, Any] = {
        "field": primary.field, "old": primary.old, "new": primary.new, "change": primary.change,
        "changes": facts_changes, "last_update_posted": snapshot.last_update_posted,
    }
    return NewEvent(
        dedupe_key=f"ctgov:{snapshot.nct_id}:{snapshot.last_update_posted or 'unknown'}:{digest}",
        kind=kind, subtype=subtype,
        title=f"{snapshot.label}: " + " · ".join(describe_change(c) for c in changes),
        summary=snapshot.title,
        url=STUDY_URL.format(nct=snapshot.nct_id),
        published_at=posted_at(snapshot),
        programs=[program] if program else [],
        sponsor=snapshot.sponsor,
        trial=snapshot.nct_id,
        reported_by="registry",
        facts=facts,
    )


def snapshot_line(s: TrialSnapshot) -> str:
    """The short state of a trial: 'NCT05531279: RECRUITING · enrollment 45 (ESTIMATED) · ...'."""
    parts = [s.overall_status or "status unknown"]
    if s.enrollment_count is not None:
        parts.append(f"enrollment {s.enrollment_count}" + (f" ({s.enrollment_type})" if s.enrollment_type else ""))
    if s.primary_completion_date:
        parts.append(f"primary completion {s.primary_completion_date}"
                     + (f" ({s.primary_completion_type})" if s.primary_completion_type else ""))
    if s.phases:
        parts.append("/".join(s.phases))
    return f"{s.label}: " + " · ".join(parts)


def watching_summary(
    snapshots: Sequence[TrialSnapshot], audience_key: str, program: str | None = None
) -> NewEvent:
    """One 'now watching' message for everything one channel started watching: never a flood."""
    ids = sorted(s.nct_id for s in snapshots)
    digest = hashlib.sha256(",".join(ids).encode()).hexdigest()[:16]
    lines = [snapshot_line(s) for s in sorted(snapshots, key=lambda s: s.nct_id)]
    if len(snapshots) == 1 and not program:
        title = f"Now watching {lines[0]}"
    else:
        what = f" for {program}" if program else ""
        title = f"Now watching {_plural(len(snapshots), 'trial')}{what}"
        if snapshots:
            shown = ", ".join(s.label for s in sorted(snapshots, key=lambda s: s.nct_id)[:5])
            title += f": {shown}" + (f" and {len(snapshots) - 5} more" if len(snapshots) > 5 else "")
    return NewEvent(
        dedupe_key=f"ctgov:watching:{audience_key}:{program or ''}:{digest}",
        kind="other", subtype="other",
        title=title,
        summary="\n".join(lines[:50]),
        url=STUDY_URL.format(nct=ids[0]) if len(ids) == 1 else None,
        programs=[program] if program else [],
        trial=ids[0] if len(ids) == 1 else None,
        reported_by="registry",
        facts={"change": "now_watching", "trials": ids[:50], "count": len(ids)},
    )


def new_trial_alert(snapshot: TrialSnapshot, program: str) -> NewEvent:
    """A programme query found a trial it had not seen: a new trial for the programme."""
    return NewEvent(
        dedupe_key=f"ctgov:new:{program}:{snapshot.nct_id}",
        kind="enrollment", subtype="initiation",
        title=f"New trial for {program}: {snapshot_line(snapshot)}",
        summary=snapshot.title,
        url=STUDY_URL.format(nct=snapshot.nct_id),
        published_at=posted_at(snapshot),
        programs=[program],
        sponsor=snapshot.sponsor,
        trial=snapshot.nct_id,
        reported_by="registry",
        facts={"change": "new_trial", "program": program, "field": "overall_status", "old": None,
               "new": snapshot.overall_status, "title": snapshot.title},
    )

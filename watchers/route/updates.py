"""Which posted alerts a new report changes: a second source confirming an event or a designation, a catalyst
date moved. Each becomes an update (the posted alert edited, a short reply saying what changed) in the channels
that have the alert. A pure function of the event, its ledger plan and what the ledger knew."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.models import Designation, Event, NewEvent
from watchers.route.ledger import LedgerPlan

# Where a posted alert can be edited and replied under (the console prints and forgets).
EDITABLE_PLATFORMS = ("discord", "slack")


@dataclass(frozen=True)
class Update:
    event_id: int  # the posted event whose alert changes
    change: str  # names the change: the same change recorded twice queues one update
    note: str  # what the reply says


def confirmed(target_event_id: int, source_id: int, source_name: str | None) -> Update:
    """The same release from another source (fusion): the alert is confirmed by it."""
    return Update(target_event_id, f"source:{source_id}", f"Also reported by {source_name or 'another source'}.")


def ledger_updates(event: NewEvent, event_id: int, plan: LedgerPlan, designations: Sequence[Designation],
                   source_name: str | None) -> list[Update]:
    """A repeated designation confirms the first report's alert; a moved date changes the alert that gave it."""
    out: list[Update] = []
    if plan.designation and not plan.new_designation:
        known = next((d for d in designations if d.id == plan.designation_id), None)
        first = known.sources[0].event_id if known and known.sources else None
        if first is not None and first != event_id:
            label = plan.designation.replace("_", " ")
            who = source_name or event.reported_by
            out.append(Update(first, f"confirm:{event_id}", f"{label.capitalize()} confirmed by {who}."))
    for _catalyst_id, cat, history in plan.moved_catalysts:
        if len(history) < 2:
            continue
        before = history[-2]
        earlier = str(before.get("event_id") or "")
        if earlier.isdigit() and int(earlier) != event_id:
            out.append(Update(int(earlier), f"moved:{cat.kind}:{cat.date}",
                              f"{cat.label}: date moved {before.get('date')} → {cat.date} (alert #{event_id})."))
    return out


def _changed_fields(facts: dict[str, object]) -> set[str]:
    changes = facts.get("changes")
    if not isinstance(changes, list):
        return set()
    return {str(c["field"]) for c in changes if isinstance(c, dict) and c.get("field")}


def registry_updates(event: NewEvent, event_id: int, earlier: Sequence[Event]) -> list[Update]:
    """A trial's registry record changed again: the latest earlier alert reporting one of the same fields (a
    date, the enrollment, the status) is out of date, so it is updated to point at the new values."""
    if event.reported_by != "registry" or not event.trial:
        return []
    fields = _changed_fields(event.facts)
    out: list[Update] = []
    for previous in earlier:  # newest first
        if previous.id == event_id or previous.trial != event.trial:
            continue
        overlap = fields & _changed_fields(previous.facts)
        if overlap:
            fields -= overlap
            what = event.title.split(": ", 1)[-1]
            out.append(Update(previous.id, f"registry:{event_id}",
                              f"Changed again in the registry: {what} (alert #{event_id})."))
        if not fields:
            break
    return out

"""Which posted alerts a new report changes: a second source confirming an event or a designation, a catalyst
date moved. Each becomes an update (the posted alert edited, a short reply saying what changed) in the channels
that have the alert. A pure function of the event, its ledger plan and what the ledger knew."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.models import Designation, NewEvent
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

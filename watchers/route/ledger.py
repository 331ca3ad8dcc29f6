"""What a new event changes in the designation ledger and the catalyst calendar, and whether its alert is
suppressed because it repeats what was already announced."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.clock import months_between
from storage.models import CatalystDate, NewEvent, OpenCatalyst
from storage.taxonomy import DESIGNATIONS

# One open catalyst of these kinds per programme: a new date for it is a move, not a second catalyst.
SINGLE_KINDS = ("pdufa", "primary_completion", "guidance", "adcomm")
DECISIONS_THAT_CLOSE_PDUFA = ("approval", "crl", "accelerated_approval")


@dataclass
class LedgerState:
    """What the store knows about the event's programme before the event."""

    designation_id: int | None = None
    open_catalysts: dict[str, OpenCatalyst] = field(default_factory=dict)


@dataclass
class LedgerPlan:
    designation: str | None = None  # the designation this event reports, if any
    new_designation: bool = False  # first report of it: a new ledger row (else a source added to the known one)
    designation_id: int | None = None  # the known row, when not new
    new_catalysts: list[tuple[CatalystDate, list[dict[str, Any]]]] = field(default_factory=list)
    moved_catalysts: list[tuple[int, CatalystDate, list[dict[str, Any]]]] = field(default_factory=list)
    close_pdufa: str | None = None  # the decision that meets the programme's open PDUFA date
    facts: dict[str, Any] = field(default_factory=dict)
    suppress: bool = False


def ledger_kinds(event: NewEvent) -> tuple[str, ...]:
    """The catalyst kinds whose open entry the plan needs to see."""
    return tuple(dict.fromkeys(c.kind for c in event.catalysts if c.kind in SINGLE_KINDS))


def is_designation(event: NewEvent) -> bool:
    return event.kind == "regulatory" and event.subtype in DESIGNATIONS


def plan_ledger(event: NewEvent, event_id: int, state: LedgerState, now: str) -> LedgerPlan:
    plan = LedgerPlan(facts=dict(event.facts))
    if is_designation(event):
        plan.designation = event.subtype
        plan.new_designation = state.designation_id is None
        plan.designation_id = state.designation_id
        # The same designation from another source is added to the ledger, not re-alerted.
        plan.suppress = not plan.new_designation
    open_now = dict(state.open_catalysts)
    for cat in event.catalysts:
        current = open_now.get(cat.kind) if cat.kind in SINGLE_KINDS else None
        entry = {"date": cat.date, "precision": cat.precision, "event_id": str(event_id), "seen_at": now}
        if current is None:
            plan.new_catalysts.append((cat, [entry]))
            if cat.kind in SINGLE_KINDS:
                open_now[cat.kind] = OpenCatalyst(id=-1, kind=cat.kind, date=cat.date, history=[entry])
        elif current.date != cat.date:
            history = [*current.history, entry]
            if current.id >= 0:
                plan.moved_catalysts.append((current.id, cat, history))
            else:  # added by this same event a moment ago: it is stored with the later date
                plan.new_catalysts = [(c, h) for c, h in plan.new_catalysts if c.kind != cat.kind]
                plan.new_catalysts.append((cat, history))
            open_now[cat.kind] = current.model_copy(update={"date": cat.date, "history": history})
            plan.facts["date_change"] = {
                "what": cat.label, "old": current.date, "new": cat.date,
                "months": months_between(current.date, cat.date), "times_moved": len(history) - 1,
            }
        elif event.subtype == "pdufa_date" and cat.kind == "pdufa":
            plan.suppress = True  # the same PDUFA date reported again
    if event.kind == "regulatory" and event.subtype in DECISIONS_THAT_CLOSE_PDUFA:
        plan.close_pdufa = event.subtype
    return plan

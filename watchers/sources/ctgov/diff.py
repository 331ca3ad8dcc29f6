"""Pure diff of two snapshots of one trial → the list of tracked changes, most important first."""
from __future__ import annotations

from collections.abc import Mapping

from storage.trial_models import TrialChange, TrialSnapshot
from watchers.sources.ctgov.dates import parse_registry_date, shift

STOPPED = {"SUSPENDED", "TERMINATED", "WITHDRAWN"}
_STATUS_CHANGE = {
    "RECRUITING": "enrollment_opened",
    "ENROLLING_BY_INVITATION": "enrollment_opened",
    "ACTIVE_NOT_RECRUITING": "enrollment_closed",
    "COMPLETED": "completed",
}
# (date attribute, its ESTIMATED/ACTUAL type attribute) of the three tracked dates
DATE_FIELDS = (
    ("start_date", "start_type"),
    ("primary_completion_date", "primary_completion_type"),
    ("completion_date", "completion_type"),
)


def diff_snapshots(
    old: TrialSnapshot, new: TrialSnapshot, slip_counts: Mapping[str, int] | None = None
) -> list[TrialChange]:
    """`slip_counts` maps a date field to how often it has slipped before; the result counts this one too."""
    slips = slip_counts or {}
    changes: list[TrialChange] = []
    if new.results_first_posted and new.results_first_posted != old.results_first_posted:
        changes.append(TrialChange(field="results_first_posted", old=old.results_first_posted,
                                   new=new.results_first_posted, change="results_posted"))
    if new.overall_status != old.overall_status:
        status = new.overall_status or ""
        change = "stopped" if status in STOPPED else _STATUS_CHANGE.get(status, "status")
        changes.append(TrialChange(field="overall_status", old=old.overall_status, new=new.overall_status,
                                   change=change, reason=new.why_stopped if change == "stopped" else None))
    # A stop carries its reason; a reason edited on its own (or cleared) is a change of its own.
    stopped_now = any(c.change == "stopped" for c in changes)
    if new.why_stopped != old.why_stopped and not stopped_now:
        changes.append(TrialChange(field="why_stopped", old=old.why_stopped, new=new.why_stopped))
    enrollment = _enrollment(old, new)
    if enrollment:
        changes.append(enrollment)
    for date_attr, type_attr in DATE_FIELDS:
        changes.extend(_date_changes(old, new, date_attr, type_attr, slips.get(date_attr, 0)))
    if new.phases != old.phases:
        changes.append(TrialChange(field="phases", old=old.phases, new=new.phases))
    if new.location_count != old.location_count:
        changes.append(TrialChange(
            field="location_count", old=old.location_count, new=new.location_count,
            change="increased" if new.location_count > old.location_count else "decreased",
        ))
    return changes


def _enrollment(old: TrialSnapshot, new: TrialSnapshot) -> TrialChange | None:
    if (old.enrollment_count, old.enrollment_type) == (new.enrollment_count, new.enrollment_type):
        return None
    if old.enrollment_type != "ACTUAL" and new.enrollment_type == "ACTUAL":
        change = "actual"  # the registry's sign that enrollment finished
    elif (old.enrollment_count or 0) < (new.enrollment_count or 0):
        change = "increased"
    elif (old.enrollment_count or 0) > (new.enrollment_count or 0):
        change = "decreased"
    else:
        change = "changed"
    return TrialChange(
        field="enrollment",
        old={"count": old.enrollment_count, "type": old.enrollment_type},
        new={"count": new.enrollment_count, "type": new.enrollment_type},
        change=change,
    )


def _date_changes(
    old: TrialSnapshot, new: TrialSnapshot, date_attr: str, type_attr: str, slipped_before: int
) -> list[TrialChange]:
    old_date, new_date = getattr(old, date_attr), getattr(new, date_attr)
    old_type, new_type = getattr(old, type_attr), getattr(new, type_attr)
    out: list[TrialChange] = []
    if old_date != new_date:
        a, b = parse_registry_date(old_date), parse_registry_date(new_date)
        c = TrialChange(field=date_attr, old=old_date, new=new_date)
        if a and b:
            moved = shift(a, b)
            c.slip_months = moved.months
            c.slip_days = moved.days
            if moved.direction > 0:
                c.change, c.slip_count = "slip", slipped_before + 1
            elif moved.direction < 0:
                c.change = "pulled_in"
            else:
                c.change = "refined"  # e.g. 2025-06 → 2025-06-15: more precise, not moved
        out.append(c)
    if old_type != new_type:
        reached = new_type == "ACTUAL"
        out.append(TrialChange(
            field=type_attr, old=old_type, new=new_type,
            change=("started" if date_attr == "start_date" else "reached") if reached else "changed",
        ))
    return out

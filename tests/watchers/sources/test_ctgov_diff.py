"""Record parsing, snapshot diffs and alert wording for ClinicalTrials.gov: pure functions."""
from __future__ import annotations

import json

import pytest

from storage.trial_models import TrialChange, TrialSnapshot
from tests.conftest import shared_path
from tests.support.ctgov_fake import study
from watchers.sources.ctgov.alerts import change_alert, classify_change, describe_change, ordinal, watching_summary
from watchers.sources.ctgov.dates import parse_registry_date, shift
from watchers.sources.ctgov.diff import diff_snapshots
from watchers.sources.ctgov.record import RecordError, snapshot_from_record


def snap(**changes: object) -> TrialSnapshot:
    return snapshot_from_record(study("NCT05531279", **changes))  # type: ignore[arg-type]


def test_record_to_snapshot_reads_every_tracked_field() -> None:
    s = snapshot_from_record(study("NCT05531279", acronym="ZUMA-9", results_posted="2025-07-01", locations=3,
                                   phases=["PHASE2", "PHASE3"], why_stopped=None))
    assert s.model_dump() == {
        "nct_id": "NCT05531279", "title": "A Study of Azer-cel in Relapsed Lymphoma", "acronym": "ZUMA-9",
        "sponsor": "Acme Bio", "interventions": ["azer-cel", "azercabtagene zapreleucel"],
        "overall_status": "RECRUITING", "why_stopped": None, "enrollment_count": 45, "enrollment_type": "ESTIMATED",
        "start_date": "2022-06-05", "start_type": "ACTUAL", "primary_completion_date": "2025-06",
        "primary_completion_type": "ESTIMATED", "completion_date": "2026-01", "completion_type": "ESTIMATED",
        "phases": ["PHASE2", "PHASE3"], "results_first_posted": "2025-07-01", "location_count": 3,
        "last_update_posted": "2025-01-02",
    }


def test_record_missing_modules_and_month_dates() -> None:
    bare = {"protocolSection": {"identificationModule": {"nctId": "NCT01511679"},
                                "statusModule": {"overallStatus": "WITHDRAWN", "startDateStruct": {"date": "2012-09"}}}}
    s = snapshot_from_record(bare)
    assert (s.nct_id, s.start_date, s.start_type, s.enrollment_count, s.phases, s.location_count) == (
        "NCT01511679", "2012-09", None, None, [], 0)
    with pytest.raises(RecordError):
        snapshot_from_record({"protocolSection": {}})
    # A new version that lost a module is a change of those fields, not a crash.
    changes = diff_snapshots(snap(), s.model_copy(update={"nct_id": "NCT05531279"}))
    assert {c.field for c in changes} >= {"overall_status", "enrollment", "start_date"}


@pytest.mark.parametrize("name", ["NCT00517179.json", "NCT01126879.json", "NCT01511679.json", "NCT05531279.json"])
def test_real_records_parse(name: str) -> None:
    record = json.loads(shared_path("reference", "ctgov", name).read_text())
    s = snapshot_from_record(record)
    assert s.nct_id == name.removesuffix(".json") and s.overall_status and s.last_update_posted


def test_dates_and_shifts() -> None:
    a, b = parse_registry_date("2025-06"), parse_registry_date("2025-12")
    assert a and b and shift(a, b).months == 6 and shift(a, b).days is None
    c, d = parse_registry_date("2025-06-30"), parse_registry_date("2025-07-01")
    assert c and d and (shift(c, d).direction, shift(c, d).months, shift(c, d).days) == (1, 0, 1)
    assert parse_registry_date("2025-13") is None and parse_registry_date("June 2025") is None
    assert parse_registry_date("2025-02-30") is None
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]


def test_the_issue_example_is_one_alert_listing_each_change() -> None:
    old = snap(acronym="ZUMA-9")
    new = snap(acronym="ZUMA-9", enrollment=(120, "ACTUAL"), primary=("2025-12", "ESTIMATED"), last_update="2025-03-04")
    changes = diff_snapshots(old, new, {"primary_completion_date": 1})
    assert [c.facts() for c in changes] == [
        {"field": "enrollment", "old": {"count": 45, "type": "ESTIMATED"}, "new": {"count": 120, "type": "ACTUAL"},
         "change": "actual"},
        {"field": "primary_completion_date", "old": "2025-06", "new": "2025-12", "change": "slip",
         "slip_months": 6, "slip_count": 2},
    ]
    event = change_alert(new, changes, "Azer-cel")
    assert event.title == (
        "NCT05531279 (ZUMA-9): enrollment 45 → 120 (ACTUAL) · "
        "primary completion 2025-06 → 2025-12 (+6 months, 2nd slip)"
    )
    assert (event.kind, event.subtype, event.trial, event.programs) == (
        "enrollment", "enrollment_complete", "NCT05531279", ["Azer-cel"])
    assert event.facts["field"] == "enrollment" and len(event.facts["changes"]) == 2
    assert event.dedupe_key.startswith("ctgov:NCT05531279:2025-03-04:")
    assert change_alert(new, changes, None).dedupe_key == event.dedupe_key


def test_status_mapping() -> None:
    cases = {
        ("NOT_YET_RECRUITING", "RECRUITING"): ("enrollment_opened", "initiation"),
        ("RECRUITING", "ACTIVE_NOT_RECRUITING"): ("enrollment_closed", "enrollment_complete"),
        ("RECRUITING", "SUSPENDED"): ("stopped", "status_change"),
        ("RECRUITING", "TERMINATED"): ("stopped", "status_change"),
        ("NOT_YET_RECRUITING", "WITHDRAWN"): ("stopped", "status_change"),
        ("ACTIVE_NOT_RECRUITING", "COMPLETED"): ("completed", "status_change"),
    }
    for (before, after), (change, subtype) in cases.items():
        why = "Sponsor decision" if change == "stopped" else None
        [c] = diff_snapshots(snap(status=before), snap(status=after, why_stopped=why))
        assert (c.field, c.old, c.new, c.change, c.reason) == ("overall_status", before, after, change, why)
        assert classify_change(c)[1:] == ("enrollment", subtype)
    [c] = diff_snapshots(snap(status="RECRUITING"), snap(status="TERMINATED", why_stopped="Low accrual"))
    assert describe_change(c) == "status RECRUITING → TERMINATED (why stopped: Low accrual)"


def test_results_outrank_everything_and_dates_move_both_ways() -> None:
    old = snap(status="ACTIVE_NOT_RECRUITING", primary=("2025-06-05", "ESTIMATED"))
    new = snap(status="COMPLETED", results_posted="2026-02-01", primary=("2025-03-05", "ACTUAL"), locations=4)
    changes = diff_snapshots(old, new)
    assert [(c.field, c.change) for c in changes] == [
        ("results_first_posted", "results_posted"), ("overall_status", "completed"),
        ("primary_completion_date", "pulled_in"), ("primary_completion_type", "reached"),
        ("location_count", "increased"),
    ]
    event = change_alert(new, changes, None)
    assert (event.kind, event.subtype) == ("readout", "final")
    assert "primary completion 2025-06-05 → 2025-03-05 (−3 months, pulled in)" in event.title
    assert "results first posted 2026-02-01" in event.title and "locations 1 → 4" in event.title


def test_small_date_moves_and_precision() -> None:
    [c] = diff_snapshots(snap(completion=("2026-01-10", "ESTIMATED")), snap(completion=("2026-01-25", "ESTIMATED")))
    assert (c.change, c.slip_months, c.slip_days, c.slip_count) == ("slip", 0, 15, 1)
    assert describe_change(c) == "completion 2026-01-10 → 2026-01-25 (+15 days, 1st slip)"
    [c] = diff_snapshots(snap(), snap(primary=("2025-06-15", "ESTIMATED")))
    assert (c.change, c.slip_count) == ("refined", None)
    [c] = diff_snapshots(snap(start=("2025-02", "ESTIMATED")), snap(start=("2025-02", "ACTUAL")))
    assert (c.field, c.change, classify_change(c)[2]) == ("start_type", "started", "first_patient")


def test_no_change_no_alert_and_untracked_fields_ignored() -> None:
    assert diff_snapshots(snap(), snap(title="Renamed", last_update="2026-01-01")) == []


def test_why_stopped_edited_alone_and_phases() -> None:
    changes = diff_snapshots(snap(status="SUSPENDED", why_stopped="Safety review"),
                             snap(status="SUSPENDED", why_stopped="Manufacturing", phases=["PHASE3"]))
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("why_stopped", "Safety review", "Manufacturing"), ("phases", ["PHASE2"], ["PHASE3"])]
    assert describe_change(changes[1]) == "phase PHASE2 → PHASE3"


def test_watching_summary_is_one_message() -> None:
    snaps = [snapshot_from_record(study(f"NCT0000000{i}")) for i in range(1, 8)]
    event = watching_summary(snaps, "console:stdout")
    assert event.title.startswith("Now watching 7 trials: NCT00000001, ") and event.title.endswith("and 2 more")
    assert event.summary.count("\n") == 6
    one = watching_summary(snaps[:1], "console:stdout")
    assert one.title == ("Now watching NCT00000001: RECRUITING · enrollment 45 (ESTIMATED) · "
                         "primary completion 2025-06 (ESTIMATED) · PHASE2")


def test_enrollment_type_only() -> None:
    c = TrialChange(field="enrollment", old={"count": 16, "type": "ESTIMATED"}, new={"count": 16, "type": "ACTUAL"})
    assert describe_change(c) == "enrollment 16 (ESTIMATED → ACTUAL)"

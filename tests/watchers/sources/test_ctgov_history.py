"""The real record with version history (../shared): diffing its first version against its current one yields
exactly the tracked changes its facts file lists. Skipped when ../shared is absent."""
from __future__ import annotations

import copy
import json
from typing import Any

from tests.conftest import shared_path
from watchers.sources.ctgov.alerts import change_alert
from watchers.sources.ctgov.diff import diff_snapshots
from watchers.sources.ctgov.record import snapshot_from_record

# Fields of the facts file the watcher tracks, by the record path the facts file names.
TRACKED = {
    "protocolSection.statusModule.overallStatus": "overall_status",
    "protocolSection.designModule.enrollmentInfo": "enrollment",
}


def original_version(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 0 rebuilt from the history block: `originalData` holds what differs (`…Same: true` for what
    does not) and `changes[0]` the first status; everything else is the current record's."""
    history = doc["history"]
    study = copy.deepcopy(doc["study"])
    proto = study["protocolSection"]
    original = history["originalData"]
    if "enrollmentInfo" in original:
        proto["designModule"]["enrollmentInfo"] = original["enrollmentInfo"]
    if "primaryOutcomes" in original:
        proto["outcomesModule"]["primaryOutcomes"] = original["primaryOutcomes"]
    first = min(history["changes"], key=lambda c: c["version"])
    proto["statusModule"]["overallStatus"] = first["status"]
    proto["statusModule"]["lastUpdatePostDateStruct"] = {"date": first["date"], "type": "ACTUAL"}
    return study


def test_first_and_current_version_diff_gives_the_listed_changes() -> None:
    doc = json.loads(shared_path("reference", "ctgov", "with_history", "NCT03690141_api_int_history.json").read_text())
    facts = json.loads(
        shared_path("reference", "ctgov", "with_history", "NCT03690141_history_diff_facts.json").read_text()
    )
    old = snapshot_from_record(original_version(doc))
    new = snapshot_from_record(doc["study"])
    changes = diff_snapshots(old, new)

    expected = [
        {"field": TRACKED[f["field"]], "old": f["from"], "new": f["to"]}
        for f in facts["expected_changes_v0_to_current"] if f["field"] in TRACKED
    ]
    assert len(expected) == 2
    assert sorted(({"field": c.field, "old": c.old, "new": c.new} for c in changes), key=str) == sorted(
        expected, key=str)
    # The third listed change (a primary outcome's wording) is not a tracked field, so it makes no alert.
    untracked = [f["field"] for f in facts["expected_changes_v0_to_current"] if f["field"] not in TRACKED]
    assert untracked == ["protocolSection.outcomesModule.primaryOutcomes[0].description"]

    event = change_alert(new, changes, None)
    assert event.title == (
        "NCT03690141: status NOT_YET_RECRUITING → COMPLETED · enrollment 30 → 16 (ACTUAL)"
    )
    assert (event.kind, event.subtype) == ("enrollment", "status_change")

"""A real API v2 study record (JSON) → the tracked-fields snapshot. Missing modules are simply absent fields."""
from __future__ import annotations

import re
from typing import Any

from storage.trial_models import TrialSnapshot

NCT_ID = re.compile(r"^NCT\d{8}$")


class RecordError(ValueError):
    """A study record without even an NCT ID."""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _date(struct: Any) -> tuple[str | None, str | None]:
    s = _dict(struct)
    return _str(s.get("date")), _str(s.get("type"))


def snapshot_from_record(study: dict[str, Any]) -> TrialSnapshot:
    proto = _dict(study.get("protocolSection"))
    ident = _dict(proto.get("identificationModule"))
    nct = _str(ident.get("nctId"))
    if not nct:
        raise RecordError("study record without protocolSection.identificationModule.nctId")
    status = _dict(proto.get("statusModule"))
    design = _dict(proto.get("designModule"))
    enrollment = _dict(design.get("enrollmentInfo"))
    sponsor = _dict(_dict(proto.get("sponsorCollaboratorsModule")).get("leadSponsor"))
    locations = _dict(proto.get("contactsLocationsModule")).get("locations")
    interventions: list[str] = []
    for item in _dict(proto.get("armsInterventionsModule")).get("interventions") or []:
        item = _dict(item)
        for name in [item.get("name"), *(item.get("otherNames") or [])]:
            if (clean := _str(name)) and clean not in interventions:
                interventions.append(clean)
    count = enrollment.get("count")
    start, start_type = _date(status.get("startDateStruct"))
    primary, primary_type = _date(status.get("primaryCompletionDateStruct"))
    completion, completion_type = _date(status.get("completionDateStruct"))
    results, _ = _date(status.get("resultsFirstPostDateStruct"))
    updated, _ = _date(status.get("lastUpdatePostDateStruct"))
    phases = design.get("phases")
    return TrialSnapshot(
        nct_id=nct,
        title=_str(ident.get("briefTitle")) or "",
        acronym=_str(ident.get("acronym")),
        sponsor=_str(sponsor.get("name")),
        interventions=interventions,
        overall_status=_str(status.get("overallStatus")),
        why_stopped=_str(status.get("whyStopped")),
        enrollment_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
        enrollment_type=_str(enrollment.get("type")),
        start_date=start,
        start_type=start_type,
        primary_completion_date=primary,
        primary_completion_type=primary_type,
        completion_date=completion,
        completion_type=completion_type,
        phases=[p for p in phases if isinstance(p, str)] if isinstance(phases, list) else [],
        results_first_posted=results,
        location_count=len(locations) if isinstance(locations, list) else 0,
        last_update_posted=updated,
    )

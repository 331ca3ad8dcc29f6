"""A trial's past versions from the ClinicalTrials.gov website's history (an undocumented endpoint: optional).

`GET {history_url}/studies/{nct}?history=true` lists the versions (`history.changes`: version, date, status);
`GET {history_url}/studies/{nct}/history/{version}` is the record as it stood at that version. Both are read
defensively: whatever is missing or shaped differently is skipped, and when the versions themselves cannot be
read, the list alone still gives each version's status (and the first version's enrollment from
`history.originalData`). Nothing here is required: a failure is `HistoryResult.error`, never an exception.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from storage.trial_models import TrialChange, TrialSnapshot
from watchers.fetch.http import FetchError
from watchers.sources.ctgov.client import CtgovClient
from watchers.sources.ctgov.diff import diff_snapshots
from watchers.sources.ctgov.record import RecordError, snapshot_from_record

MAX_VERSIONS = 40  # one paced request each: a long history is read at its first and latest versions
_RELEVANT = {"Study Status", "Study Design", "Arms and Interventions"}


@dataclass
class HistoryResult:
    versions: list[tuple[int, str, TrialSnapshot]] = field(default_factory=list)
    changes: list[tuple[str, TrialChange]] = field(default_factory=list)  # (version date, change)
    error: str | None = None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def version_list(body: dict[str, Any]) -> list[tuple[int, str, str | None, list[str]]]:
    """(version, date, status, module labels) from the history answer, oldest first; odd entries skipped."""
    changes = _list(_dict(body.get("history")).get("changes")) or _list(body.get("changes"))
    out = []
    for c in changes:
        c = _dict(c)
        version, day = c.get("version"), c.get("date")
        if isinstance(version, int) and not isinstance(version, bool) and isinstance(day, str) and day[:4].isdigit():
            status = c.get("status") if isinstance(c.get("status"), str) else None
            labels = [x for x in _list(c.get("moduleLabels")) if isinstance(x, str)]
            out.append((version, day[:10], status, labels))
    return sorted(out)


def _pick(listed: list[tuple[int, str, str | None, list[str]]]) -> list[tuple[int, str, str | None, list[str]]]:
    relevant = [v for v in listed if not v[3] or _RELEVANT & set(v[3]) or v is listed[0]]
    if len(relevant) <= MAX_VERSIONS:
        return relevant
    return [relevant[0], *relevant[-(MAX_VERSIONS - 1):]]


def history_changes(versions: list[tuple[int, str, TrialSnapshot]]) -> list[tuple[str, TrialChange]]:
    """The changes from each version to the next, dated at the later version, slips counted as they happen."""
    out: list[tuple[str, TrialChange]] = []
    slips: dict[str, int] = {}
    for (_, _, old), (_, day, new) in pairwise(versions):
        for change in diff_snapshots(old, new, slips):
            if change.change == "slip":
                slips[change.field] = slips.get(change.field, 0) + 1
            out.append((day, change))
    return out


async def fetch_history(client: CtgovClient, history_url: str, nct_id: str,
                        current: TrialSnapshot) -> HistoryResult:
    base = history_url.rstrip("/")
    try:
        body = await client.get_json_at(f"{base}/studies/{nct_id}", {"history": "true"})
    except FetchError as exc:
        return HistoryResult(error=f"history of {nct_id} unavailable: {exc}")
    listed = version_list(body)
    if not listed:
        return HistoryResult(error=f"history of {nct_id}: no versions in the answer")
    versions: list[tuple[int, str, TrialSnapshot]] = []
    failures = 0
    picked = _pick(listed)
    original = _dict(_dict(_dict(body.get("history")).get("originalData")).get("enrollmentInfo"))
    for version, day, status, _ in picked:
        snap = None
        if failures < 2:  # two versions unreadable: the endpoint is not serving them, use the list alone
            try:
                record = await client.get_json_at(f"{base}/studies/{nct_id}/history/{version}")
                snap = snapshot_from_record(_dict(record.get("study")) or record)
            except (FetchError, RecordError):
                failures += 1
        if snap is None:
            # From the list alone: each version's status; what else changed is known only at the ends (the first
            # version's enrollment from originalData, the latest version is today's record).
            if version == picked[-1][0]:
                snap = current
            else:
                snap = (versions[-1][2] if versions else current).model_copy(
                    update={"overall_status": status or current.overall_status})
                if not versions and isinstance(original.get("count"), int):
                    snap = snap.model_copy(update={"enrollment_count": original["count"],
                                                   "enrollment_type": original.get("type")})
        versions.append((version, day, snap))
    return HistoryResult(versions=versions, changes=history_changes(versions))

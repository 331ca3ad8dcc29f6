"""Pydantic models for the ClinicalTrials.gov watcher: snapshots, changes, watches, programme queries."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from storage.models import ChannelRef


class TrialSnapshot(BaseModel):
    """The tracked fields of one study record; dates are kept as the registry writes them (month or day)."""

    nct_id: str
    title: str = ""
    acronym: str | None = None
    sponsor: str | None = None
    interventions: list[str] = Field(default_factory=list)
    overall_status: str | None = None
    why_stopped: str | None = None
    enrollment_count: int | None = None
    enrollment_type: str | None = None
    start_date: str | None = None
    start_type: str | None = None
    primary_completion_date: str | None = None
    primary_completion_type: str | None = None
    completion_date: str | None = None
    completion_type: str | None = None
    phases: list[str] = Field(default_factory=list)
    results_first_posted: str | None = None
    location_count: int = 0
    last_update_posted: str | None = None

    @property
    def label(self) -> str:
        return f"{self.nct_id} ({self.acronym})" if self.acronym else self.nct_id


class TrialChange(BaseModel):
    """One tracked field that changed between two snapshots."""

    field: str
    old: Any = None
    new: Any = None
    # What the change means: slip | pulled_in | refined | enrollment_opened | enrollment_closed | stopped |
    # completed | status | started | reached | results_posted | actual | increased | decreased | changed
    change: str = "changed"
    slip_months: int | None = None
    slip_days: int | None = None
    slip_count: int | None = None  # how many times this date has slipped, this one included
    reason: str | None = None  # why stopped, for a status change to SUSPENDED / TERMINATED / WITHDRAWN

    def facts(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class TrialUpdate(BaseModel):
    """A snapshot to store after a poll, with the changes that led to it (none on first sight)."""

    snapshot: TrialSnapshot
    changes: list[TrialChange] = Field(default_factory=list)
    # Set when a programme query found the trial: it is then watched on behalf of that query.
    query_id: int | None = None
    program: str | None = None


class TrialWatch(BaseModel):
    nct_id: str
    program: str | None = None
    query_id: int | None = None
    requested_by: ChannelRef | None = None
    requested_user: str | None = None
    created_at: datetime


class ProgramQuery(BaseModel):
    """A programme watched by intervention name/aliases (optionally one sponsor): new trials are events."""

    id: int
    program: str
    terms: list[str]
    sponsor: str | None = None
    requested_by: ChannelRef | None = None
    requested_user: str | None = None
    primed: bool = False
    created_at: datetime


class StoredTrialChange(BaseModel):
    """A change as remembered for `trials show`."""

    nct_id: str
    seen_at: datetime
    last_update_posted: str | None = None
    change: TrialChange

"""The event taxonomy: kinds and their subtypes (the classifier and the registry watchers emit exactly these)."""
from __future__ import annotations

SUBTYPES: dict[str, tuple[str, ...]] = {
    "readout": ("topline", "interim", "final", "presentation"),
    "enrollment": ("initiation", "first_patient", "enrollment_complete", "status_change", "other"),
    "regulatory": (
        "fast_track", "breakthrough", "orphan", "rmat", "prime", "priority_review", "accelerated_approval",
        "approval", "crl", "pdufa_date", "submission", "acceptance", "clinical_hold", "meeting_agreement", "other",
    ),
    "other": ("other",),
}
KINDS: tuple[str, ...] = tuple(SUBTYPES)
ALL_SUBTYPES: frozenset[str] = frozenset(s for subs in SUBTYPES.values() for s in subs)
DESIGNATIONS: tuple[str, ...] = (
    "fast_track", "breakthrough", "orphan", "rmat", "prime", "priority_review", "accelerated_approval",
)

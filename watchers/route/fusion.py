"""The same release from two sources (a company's IR feed and a newswire) is one event: which stored event a new
one fuses into. A pure function of the stored events sharing its content fingerprint."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from storage.models import FusionCandidate, Subscription

# A release is re-told within days; the same words months apart (a yearly conference notice) are news again.
FUSION_WINDOW = timedelta(days=14)


def fusion_target(candidates: Sequence[FusionCandidate], now: datetime,
                  window: timedelta = FUSION_WINDOW) -> FusionCandidate | None:
    """The earliest stored event with the same fingerprint detected within the window, else None."""
    recent = [c for c in candidates if now - c.detected_at <= window]
    return min(recent, key=lambda c: (c.detected_at, c.event_id)) if recent else None


def fused_recipients(matching: Sequence[Subscription], source_id: int,
                     target: FusionCandidate) -> list[Subscription]:
    """Who gets the fused event now: subscriptions limited to sources that include this one but not the
    first teller's (they have not had it); everyone else was served, or spared, by the first one."""
    if target.suppressed:
        return []
    return [s for s in matching
            if s.filters.source_ids and source_id in s.filters.source_ids
            and target.source_id not in s.filters.source_ids]

"""Does an event match a subscription's filters? Pure logic, used inside the store's transactions."""
from __future__ import annotations

from storage.models import NewEvent, Subscription
from storage.names import fold_name as fold


def matches(sub: Subscription, event: NewEvent, source_id: int | None) -> bool:
    if sub.disabled:
        return False
    f = sub.filters
    if f.source_ids and source_id not in f.source_ids:
        return False
    if event.kind == "system":
        # Health notices about a source reach everyone who listens to that source.
        return True
    if f.kinds and event.kind not in f.kinds:
        return False
    if f.subtypes and event.subtype not in f.subtypes:
        return False
    text = f"{event.title}\n{event.summary}".casefold()
    if f.programs:
        wanted = {fold(p) for p in f.programs}
        have = {fold(p) for p in event.programs}
        if not wanted & have:
            return False
    if f.sponsors:
        sponsor = (event.sponsor or "").casefold()
        if not any(s.casefold() in sponsor or s.casefold() in text for s in f.sponsors):
            return False
    if f.keywords and not any(k.casefold() in text for k in f.keywords):
        return False
    return True

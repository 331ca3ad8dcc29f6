"""Who receives an event: the subscriptions whose filters it matches, or the channels it is addressed to."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from storage.models import ChannelRef, NewEvent, Subscription
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


def recipients(
    subs: Sequence[Subscription],
    event: NewEvent,
    source_id: int | None,
    audiences: Mapping[str, Sequence[ChannelRef]] | None,
) -> list[Subscription]:
    audience = (audiences or {}).get(event.dedupe_key)
    if audience is None:
        return [s for s in subs if matches(s, event, source_id)]
    # Addressed to the channels that asked: one subscription per channel, an unfiltered one when it has one.
    chosen: list[Subscription] = []
    for ref in audience:
        here = [s for s in subs if s.platform == ref.platform and s.channel_id == ref.channel_id]
        pick = next((s for s in here if s.filters.is_empty()), here[0] if here else None)
        if pick is not None and pick not in chosen:
            chosen.append(pick)
    return chosen

"""Who receives an event: one delivery per channel, for the subscriptions whose filters it matches there, or for
the channels it is addressed to."""
from __future__ import annotations

from collections.abc import Mapping, Sequence, Set

from storage.models import ChannelRef, DeliveryTarget, NewEvent, Subscription
from storage.names import fold_name as fold


def matches(sub: Subscription, event: NewEvent, source_id: int | None, text: str | None = None) -> bool:
    """`text`: the event's `event_text` when the caller already made it (one per event, not one per
    subscription)."""
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
    if f.programs:
        wanted = {fold(p) for p in f.programs}
        have = {fold(p) for p in event.programs}
        if not wanted & have:
            return False
    if not (f.sponsors or f.keywords):
        return True
    text = event_text(event) if text is None else text
    if f.sponsors:
        sponsor = (event.sponsor or "").casefold()
        if not any(s.casefold() in sponsor or s.casefold() in text for s in f.sponsors):
            return False
    return not f.keywords or any(k.casefold() in text for k in f.keywords)


def event_text(event: NewEvent) -> str:
    """What sponsor and keyword filters are looked for in."""
    return f"{event.title}\n{event.summary}".casefold()


def matching(
    subs: Sequence[Subscription],
    event: NewEvent,
    source_id: int | None,
    audiences: Mapping[str, Sequence[ChannelRef]] | None,
) -> list[Subscription]:
    """The subscriptions the event satisfies, oldest first."""
    audience = (audiences or {}).get(event.dedupe_key)
    if audience is None:
        text = event_text(event)
        return [s for s in subs if matches(s, event, source_id, text)]
    # Addressed to the channels that asked: one subscription per channel, an unfiltered one when it has one.
    chosen: list[Subscription] = []
    for ref in audience:
        here = [s for s in subs if s.platform == ref.platform and s.channel_id == ref.channel_id and not s.disabled]
        pick = next((s for s in here if s.filters.is_empty()), here[0] if here else None)
        if pick is not None and pick not in chosen:
            chosen.append(pick)
    return chosen


def lane(sub: Subscription) -> str:
    """Instant alerts share one message per channel; a digest subscription keeps its own daily message (a digest
    is a summary the channel asked for besides, or instead of, the instant alerts)."""
    return "instant" if sub.mode == "instant" else f"digest:{sub.id}"


def group_by_channel(chosen: Sequence[Subscription]) -> list[DeliveryTarget]:
    """One delivery per channel and lane, listing every subscription it satisfies there, in first-seen order."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    for sub in chosen:
        ids = groups.setdefault((sub.platform, sub.channel_id, lane(sub)), [])
        if sub.id not in ids:
            ids.append(sub.id)
    return [DeliveryTarget(platform=p, channel_id=c, lane=ln, subscription_ids=ids)
            for (p, c, ln), ids in groups.items()]


Mutes = Set[tuple[str, str, str]]  # (platform, channel, folded programme)


def unmuted(chosen: Sequence[Subscription], event: NewEvent, mutes: Mutes) -> list[Subscription]:
    """Drop the channels where every programme the event is about is muted (an event about a muted programme
    and another one still reaches a channel that follows the other)."""
    if not mutes or not event.programs:
        return list(chosen)
    programs = {fold(p) for p in event.programs}
    return [s for s in chosen if not all((s.platform, s.channel_id, p) in mutes for p in programs)]


def filter_names(subs: Sequence[Subscription], mutes: Mutes) -> list[str]:
    """The folded programme names subscriptions and mutes were made with, to look up in the registry."""
    names = [fold(p) for s in subs for p in s.filters.programs] + [key for _, _, key in mutes]
    return list(dict.fromkeys(n for n in names if n))


def under_current_names(
    subs: Sequence[Subscription], mutes: Mutes, known: Mapping[str, tuple[int, str]]
) -> tuple[list[Subscription], Mutes]:
    """Subscriptions and mutes keep the programme name they were made with; once that programme is merged into
    another its name is an alias of the one kept, and events carry the kept name. Compare them under the name an
    event would carry now (`known`: folded name → (programme id, registry name))."""
    def current(name: str) -> str:
        return known.get(fold(name), (0, name))[1]

    renamed: list[Subscription] = []
    for sub in subs:
        names = list(dict.fromkeys(current(p) for p in sub.filters.programs))
        if names != sub.filters.programs:
            sub = sub.model_copy(update={"filters": sub.filters.model_copy(update={"programs": names})})
        renamed.append(sub)
    return renamed, {(platform, channel, fold(current(key))) for platform, channel, key in mutes}


def recipients(
    subs: Sequence[Subscription],
    event: NewEvent,
    source_id: int | None,
    audiences: Mapping[str, Sequence[ChannelRef]] | None,
    mutes: Mutes = frozenset(),
) -> list[DeliveryTarget]:
    """What to queue for the event: one delivery per channel (and digest), never one per subscription."""
    return group_by_channel(unmuted(matching(subs, event, source_id, audiences), event, mutes))

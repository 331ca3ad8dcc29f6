"""One source, one poll: the whole pipeline.

    fetch → parse → sort out seen, edited and backfill → classify → (resolve programmes → fuse → decide → store,
    in one transaction)

`collect` is its read-only half (what the source says, nothing stored); `record_outcome` (watchers/record.py) its
transaction, or `record_outcomes` for a cycle's changed polls together (watchers/schedule/poll_cycle.py
`_poll_source` joins the two). Each stage lives in its own folder: the source's own
fetch/parse/classify in watchers/sources/, the shared machinery in watchers/fetch/, watchers/parse/ and
watchers/classify/, the decisions in watchers/route/. Delivery happens later, from the outbox (bot/delivery/).
"""
from __future__ import annotations

from storage.models import NewEvent, SeenItem, Source
from storage.store import Store
from watchers.route.novelty import (
    Announcements,
    Candidate,
    classification,
    edited_event,
    flood_notice,
    plan_announcements,
    rows_to_write,
    triage,
    vouched,
)
from watchers.sources.base import Classified, Fetched, Item, PollOutcome, Watcher


async def collect(store: Store, watcher: Watcher, source: Source) -> PollOutcome:
    """fetch → parse → sort out → classify: what one poll of the source has to say, nothing stored yet."""
    fetched = await watcher.fetch(source)
    outcome = PollOutcome(source_id=source.id, not_modified=fetched.not_modified or fetched.skipped,
                          etag=fetched.etag, last_modified=fetched.last_modified,
                          partial_error=fetched.partial_error, skipped=fetched.skipped)
    if outcome.not_modified:
        return outcome
    items = await watcher.parse(source, fetched)
    keyed = [i for i in items if i.key is not None]
    if not (source.primed or watcher.announces_first_poll):
        if any(i.unchanged for i in keyed):
            items, keyed = await _read_in_full(watcher, source, fetched)
        outcome.seen_items = [_seen(i, None) for i in keyed]  # the baseline: recorded, announced never
        outcome.item_digests = _kept_digests(keyed)
        return outcome
    known = await seen_before(store, source, keyed)
    if not vouched([str(i.key) for i in keyed if i.unchanged], known):
        # An item the source says is as recorded has no row (rows lost, a store restored apart): read them all.
        items, keyed = await _read_in_full(watcher, source, fetched)
        known = await seen_before(store, source, keyed)
    sorted_out = triage([_candidate(i) for i in keyed], known)
    changed = set(sorted_out.new) | set(sorted_out.edited)
    plan = Announcements(announce=list(changed))
    if changed and source.primed:
        # Edits count with new items: a re-templated archive is as much a flood as a re-served one.
        plan = plan_announcements([_candidate(i) for i in keyed if i.key in changed],
                                  await store.seen.history(source.id))
    wanted = set(plan.announce)
    chosen = [i for i in items if i.key is None or i.key in wanted]
    found = await watcher.classify(source, fetched, chosen) if chosen else Classified()
    outcome.events = _alerts(found, {k: v for k, v in sorted_out.edited.items() if k in wanted})
    if plan.needs_notice:
        outcome.events.append(flood_notice(source.id, source.name, source.url, plan.quiet))
    outcome.audiences, outcome.writes, outcome.follow_up = found.audiences, found.writes, found.follow_up
    # Only the rows that change: the rest of the window is recorded as it is (an unchanged item's row, vouched for
    # above, holds all a write would: its key, and nothing else is known of it).
    outcome.seen_items = rows_to_write([_seen(i, found.by_item.get(i.key or "")) for i in keyed if not i.unchanged],
                                       known)
    outcome.item_digests = _kept_digests(keyed)
    return outcome


async def _read_in_full(watcher: Watcher, source: Source, fetched: Fetched) -> tuple[list[Item], list[Item]]:
    """The poll's items parsed again without the digests of the last recorded poll: every item read."""
    items = await watcher.parse(source.model_copy(update={"item_digests": None}), fetched)
    return items, [i for i in items if i.key is not None]


def _kept_digests(keyed: list[Item]) -> bytes | None:
    """What the next poll is told this one recorded: the kept items' digests (None: the source gave none)."""
    return b"".join(i.digest for i in keyed if i.digest) or None


async def seen_before(store: Store, source: Source, items: list[Item]) -> list[SeenItem]:
    """The source's stored items that share a key or a content key with these."""
    return await store.seen.known(source.id, [str(i.key) for i in items],
                                  [i.content_key for i in items if i.content_key])


def _alerts(found: Classified, edited: dict[str, str | None]) -> list[NewEvent]:
    """The classified events, with each edited item's event kept only when its classification changed."""
    edits = {id(ev): edited_event(previous, ev) for key, previous in edited.items()
             if (ev := found.by_item.get(key)) is not None}
    out: list[NewEvent] = []
    for ev in found.events:
        if id(ev) not in edits:
            out.append(ev)
        elif (changed := edits[id(ev)]) is not None:
            out.append(changed)
    return out


def _candidate(item: Item) -> Candidate:
    return Candidate(str(item.key), item.content_key, item.published_at)


def _seen(item: Item, event: NewEvent | None) -> SeenItem:
    return SeenItem(item_key=str(item.key), content_key=item.content_key, published_at=item.published_at,
                    classified_as=classification(event) if event is not None else None)

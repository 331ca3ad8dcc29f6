"""One source, one poll: the whole pipeline.

    fetch → parse → drop seen → classify → (resolve programmes → decide → store, in one transaction)

`refresh_source` is the pipeline; `collect` is its read-only half (what the source says, nothing stored) and
`record_outcome` (watchers/record.py) its transaction. Each stage lives in its own folder: the source's own
fetch/parse/classify in watchers/sources/, the shared machinery in watchers/fetch/, watchers/parse/ and
watchers/classify/, the decisions in watchers/route/. Delivery happens later, from the outbox (bot/delivery/).
"""
from __future__ import annotations

from datetime import datetime

from storage.models import Source
from storage.store import Store
from watchers.record import record_outcome
from watchers.sources.base import Item, PollOutcome, Watcher


async def refresh_source(
    store: Store, watcher: Watcher, source: Source, next_poll_at: datetime
) -> tuple[PollOutcome, list[int]]:
    """Poll one source and record what it says; returns the outcome and the ids of new events (their deliveries
    are queued). Raises FetchError / FeedParseError when the source could not be read."""
    outcome = await collect(store, watcher, source)
    return outcome, await record_outcome(store, outcome, next_poll_at)


async def collect(store: Store, watcher: Watcher, source: Source) -> PollOutcome:
    """fetch → parse → drop seen → classify: what one poll of the source has to say, nothing stored yet."""
    fetched = await watcher.fetch(source)
    outcome = PollOutcome(source_id=source.id, not_modified=fetched.not_modified, etag=fetched.etag,
                          last_modified=fetched.last_modified, partial_error=fetched.partial_error)
    if fetched.not_modified:
        return outcome
    items = await watcher.parse(source, fetched)
    outcome.item_keys = [i.key for i in items if i.key is not None]
    if source.primed or watcher.announces_first_poll:
        found = await watcher.classify(source, fetched, await drop_seen(store, source, items))
        outcome.events, outcome.audiences, outcome.writes = found.events, found.audiences, found.writes
    return outcome


async def drop_seen(store: Store, source: Source, items: list[Item]) -> list[Item]:
    """The items this source has not handed over before (keyless items are always new to the pipeline)."""
    keys = [i.key for i in items if i.key is not None]
    unseen = set(await store.seen.unseen(source.id, keys)) if keys else set()
    return [i for i in items if i.key is None or i.key in unseen]

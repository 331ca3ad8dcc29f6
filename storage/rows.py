"""Column lists, row → model mapping and "IN (…)" chunking shared by the query modules."""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TypeVar

import aiosqlite

from storage.clock import from_db
from storage.models import Event, Source, Subscription, SubscriptionFilters

PARAM_CHUNK = 500  # values per "IN (…)": stays under every backend's bound-parameter limit
_T = TypeVar("_T")


def chunks(values: Sequence[_T]) -> Iterator[Sequence[_T]]:
    """``values`` in slices of at most PARAM_CHUNK, for one "IN (…)" statement each."""
    for start in range(0, len(values), PARAM_CHUNK):
        yield values[start : start + PARAM_CHUNK]


SOURCE_COLS = (
    "id, kind, url, name, etag, last_modified, consecutive_failures, last_success_at, last_attempt_at, "
    "next_poll_at, last_error, disabled, primed, created_at, item_digests"
)
EVENT_COLS = (
    "e.id, e.dedupe_key, e.source_id, e.kind, e.subtype, e.title, e.summary, e.url, e.published_at, "
    "e.detected_at, e.programs, e.sponsor, e.trial, e.facts, e.evidence, s.name, e.reported_by"
)
SUB_COLS = (
    "id, platform, channel_id, filters, mention, mode, digest_hour, created_by, created_at, disabled, "
    "disabled_reason"
)




def source_row(r: aiosqlite.Row) -> Source:
    return Source(
        id=r[0], kind=r[1], url=r[2], name=r[3], etag=r[4], last_modified=r[5], consecutive_failures=r[6],
        last_success_at=from_db(r[7]), last_attempt_at=from_db(r[8]), next_poll_at=from_db(r[9]),
        last_error=r[10], disabled=bool(r[11]), primed=bool(r[12]), created_at=from_db(r[13]),
        item_digests=bytes(r[14]) if r[14] is not None else None,
    )


def event_row(r: aiosqlite.Row) -> Event:
    return Event(
        id=r[0], dedupe_key=r[1], source_id=r[2], kind=r[3], subtype=r[4], title=r[5], summary=r[6], url=r[7],
        published_at=from_db(r[8]), detected_at=from_db(r[9]), programs=json.loads(r[10]), sponsor=r[11],
        trial=r[12], facts=json.loads(r[13]), evidence=json.loads(r[14]), source_name=r[15], reported_by=r[16],
    )


def subscription_row(r: aiosqlite.Row) -> Subscription:
    return Subscription(
        id=r[0], platform=r[1], channel_id=r[2], filters=SubscriptionFilters.model_validate_json(r[3]),
        mention=r[4], mode=r[5], digest_hour=r[6], created_by=r[7], created_at=from_db(r[8]),
        disabled=bool(r[9]), disabled_reason=r[10],
    )

"""openFDA pacing through the real pipeline against a local Drugs@FDA server: a skipped poll is not a success."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from storage.clock import to_db
from storage.models import ProgramIn
from storage.store import Store
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.sources.openfda import DAILY_LIMIT_NO_KEY

EMPTY = json.dumps({"meta": {"results": {"skip": 0, "limit": 100, "total": 0}}, "results": []})


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchConfig(timeout_seconds=2, allow_private_addresses=True)) as f:
        yield f


async def back_date_last_success(store: Store, source_id: int, by: timedelta) -> None:
    """As if `by` had passed since the source's last success."""
    source = await store.sources.get(source_id)
    assert source.last_success_at is not None
    async with store.db.atomic() as db:
        await db.write("UPDATE sources SET last_success_at = ? WHERE id = ?",
                       (to_db(source.last_success_at - by), source_id))


async def test_skipped_polls_keep_the_pacing_clock_and_a_real_poll_follows(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    # 60 programmes → 9 OR-batched requests per poll → at most one poll per 864 s within 90% of 1,000 a day.
    for i in range(60):
        await store.programs.add(ProgramIn(name=f"NWX-{i:03d}", sponsors=[f"Sponsor {i}"]))
    server.static("/drug/drugsfda.json", EMPTY, content_type="application/json")
    source = await store.sources.add("openfda", server.url(""), "openFDA")
    pipe = Pipeline(store, fetcher)
    await pipe.cycle_and_deliver()
    assert len(server.hits("/drug/drugsfda.json")) == 9
    gap = timedelta(seconds=86_400 * 9 / (0.9 * DAILY_LIMIT_NO_KEY))
    await back_date_last_success(store, source.id, gap * 0.6)  # 60% of the gap has passed: too soon
    real_success = (await store.sources.get(source.id)).last_success_at
    await pipe.cycle_and_deliver()
    skipped = await store.sources.get(source.id)
    assert len(server.hits("/drug/drugsfda.json")) == 9
    # Before: the skip was recorded as a success and restarted the clock. After: health shows the real one.
    assert skipped.last_success_at == real_success
    assert skipped.last_attempt_at is not None and real_success is not None
    assert skipped.last_attempt_at > real_success and skipped.consecutive_failures == 0
    await back_date_last_success(store, source.id, gap * 0.6)  # another 60%: 120% of the gap since the real poll
    await pipe.cycle_and_deliver()
    assert len(server.hits("/drug/drugsfda.json")) == 18  # before: still skipped, for good
    assert (await store.sources.get(source.id)).last_success_at > real_success  # type: ignore[operator]

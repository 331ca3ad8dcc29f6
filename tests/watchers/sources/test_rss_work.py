"""A changed feed's classification and a release page's facts in the parse pool's worker processes
(`FeedParser.call`, PARSE_PROCESSES > 0): the same events as in the bot's process, the registry's names included;
a worker that dies costs only time."""
from __future__ import annotations

import os
import signal
from datetime import UTC, datetime

from storage.models import Source
from watchers.classify.item_events import event_from_item
from watchers.parse.feed import FeedItem
from watchers.parse.identity import fingerprint
from watchers.parse.pool import FeedParser
from watchers.sources.base import fingerprinted
from watchers.sources.rss_work import classify_items, page_event

SOURCE = Source.model_construct(id=7, kind="rss", url="https://acme.test/feed.xml", name="Acme releases")
ITEMS = [
    FeedItem("k1", "Acme Bio Reports Positive Phase 2 Data for Zanubrutinib Combination in CLL",
             "Acme Bio today announced that the Phase 2 trial met its primary endpoint; ORR was 71% in 40 patients.",
             "https://acme.test/1", datetime(2026, 11, 2, 9, 30, tzinfo=UTC)),
    FeedItem("k2", "Acme Bio to Present at Healthcare Conference", "A webcast will be available.",
             "https://acme.test/2", None),
]
PAGE = ("<html><body><p>Grade 3 or higher cytokine release syndrome occurred in 4% of patients; no ICANS was "
        "observed.</p></body></html>")


class Registry:
    def find(self, text: str) -> list[str]:
        return ["ACM-7"] if "Zanubrutinib" in text else []


async def test_in_a_worker_process_the_events_are_the_same_as_here() -> None:
    registry = Registry()
    names = [registry.find(f"{i.title}\n{i.summary}") for i in ITEMS]
    expected = [fingerprinted(event_from_item(i, SOURCE, registry)) for i in ITEMS]
    pool = FeedParser(1)
    try:
        analysed = await pool.call(classify_items, ITEMS, SOURCE, names)
        assert [event for _, event in analysed] == expected
        assert "ACM-7" in expected[0].programs
        page = await pool.call(page_event, analysed[0][0], PAGE, ITEMS[0], SOURCE)
        assert page == event_from_item(ITEMS[0], SOURCE, registry, body=PAGE)
        assert page.facts["safety"] and page.facts["results"] == expected[0].facts["results"]
    finally:
        pool.close()


async def test_a_worker_that_dies_costs_only_time() -> None:
    pool = FeedParser(1)
    try:
        await pool.call(classify_items, ITEMS[:1], SOURCE, None)  # the pool is up
        assert pool._pool is not None
        for pid in list(pool._pool._processes):
            os.kill(pid, signal.SIGKILL)
        analysed = await pool.call(classify_items, ITEMS, SOURCE, None)  # ran here instead
        assert [event for _, event in analysed] == [fingerprinted(event_from_item(i, SOURCE)) for i in ITEMS]
        again = await pool.call(classify_items, ITEMS, SOURCE, None)  # a fresh pool
        assert [event for _, event in again] == [event for _, event in analysed]
    finally:
        pool.close()


def test_the_events_come_back_fingerprinted_for_fusion() -> None:
    """The fingerprint (what another source's copy of the release shares) is worked out in the worker, not in the
    event loop: the same value feed_events gave."""
    events = [event for _, event in classify_items(ITEMS, SOURCE, None)]
    assert all(e.fingerprint for e in events)
    assert [e.fingerprint for e in events] == [fingerprint(i.title, i.summary) for i in ITEMS]

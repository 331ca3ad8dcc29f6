"""Release pages read after the poll, not inside it (issue 19): many changed feeds whose pages share one host, paced
1 s apart, no longer hold the polls; each alert waits for its page's facts (up to RELEASE_PAGE_WAIT_SECONDS), then
goes with them; past the wait it goes with the lede's, and the page's facts still reach the event."""
from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.delivery.console import ConsoleSink
from bot.delivery.dispatcher import Dispatcher
from storage.models import utcnow
from storage.store import Store
from tests.support.feeds import Item, rss
from tests.support.local_server import LocalServer
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.schedule.poll_cycle import CycleConfig, PollCycle
from watchers.sources import SourceConfig, build_watchers

FEEDS = 5

PAGE = """<html><body><h1>Acme Bio Reports Positive Phase 2 Data for ACM-{n}</h1>
<p>Acme Bio today announced results from its Phase 2 study of ACM-{n}.</p>
<p>In 40 patients with relapsed lymphoma, ACM-{n} achieved an objective response rate (ORR) of 6{n}%.</p>
</body></html>"""


def entry(n: int, server: LocalServer) -> Item:
    return Item(f"Acme Bio Reports Positive Phase 2 Data for ACM-{n}", guid=f"acm-{n}",
                link=server.url(f"/release/{n}"),
                summary=f"Acme Bio today announced positive results from its Phase 2 study of ACM-{n}.")


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchConfig(timeout_seconds=5, allow_private_addresses=True)) as f:
        yield f


async def primed(server: LocalServer, store: Store, cycle: PollCycle) -> None:
    for n in range(FEEDS):
        server.static(f"/feed/{n}", rss([]))
        await store.sources.add("rss", server.url(f"/feed/{n}"), f"Acme feed {n}")
    await cycle.run_once(due_only=False)
    for n in range(FEEDS):
        server.static(f"/feed/{n}", rss([entry(n, server)]))
    await store.subscriptions.ensure("console", "stdout")


async def test_paced_pages_on_one_host_never_hold_the_polls_and_the_alerts_get_their_facts(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    for n in range(FEEDS):
        server.static(f"/release/{n}", PAGE.format(n=n), content_type="text/html")
    # The app's politeness: one page a second on a host; every release here is on the same host.
    watchers = build_watchers(store, fetcher, SourceConfig(release_page_interval_seconds=1.0,
                                                           release_page_wait_seconds=600))
    cycle = PollCycle(store, watchers, CycleConfig(interval_seconds=600, concurrency=8))
    await primed(server, store, cycle)

    report = await cycle.run_once(due_only=False)
    assert (report.polled, report.failed, len(report.new_event_ids)) == (FEEDS, 0, FEEDS)
    # Every poll is recorded while the pages are still being read, 1 s apart (before: inside each poll).
    read_so_far = sum(len(server.hits(f"/release/{n}")) for n in range(FEEDS))
    assert read_so_far < FEEDS
    assert watchers.pages is not None and watchers.pages.waiting > 0
    # The alerts wait for their pages' facts.
    assert await store.outbox.due(["console"], utcnow()) == []

    await watchers.pages.settled()
    assert [len(server.hits(f"/release/{n}")) for n in range(FEEDS)] == [1] * FEEDS  # one read per page
    events = {e.title: e for e in await store.events.latest()}
    for n in range(FEEDS):
        facts = events[f"Acme Bio Reports Positive Phase 2 Data for ACM-{n}"].facts
        assert ("ORR", int(f"6{n}")) in {(r["measure"], r["value"]) for r in facts["results"]}, facts
    out = io.StringIO()
    delivered = await Dispatcher(store, [ConsoleSink(out)]).drain()
    assert delivered.sent == FEEDS
    text = out.getvalue()
    assert all(f"ORR 6{n}%" in text for n in range(FEEDS)), text


async def test_past_the_wait_the_alert_goes_with_the_lede_and_the_page_facts_follow(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    gate = asyncio.Event()

    async def slow_page(request: web.Request) -> web.Response:
        n = int(request.match_info.get("n", request.path.rsplit("/", 1)[-1]))
        await gate.wait()
        return web.Response(text=PAGE.format(n=n), content_type="text/html")

    for n in range(FEEDS):
        server.route(f"/release/{n}", slow_page)
    watchers = build_watchers(store, fetcher, SourceConfig(release_page_interval_seconds=0,
                                                           release_page_wait_seconds=0))
    cycle = PollCycle(store, watchers, CycleConfig(interval_seconds=600))
    await primed(server, store, cycle)

    # Before: the poll waited inside for its page, which answers only when the gate opens.
    report = await asyncio.wait_for(cycle.run_once(due_only=False), timeout=20)
    assert (report.polled, len(report.new_event_ids)) == (FEEDS, FEEDS)
    out = io.StringIO()
    delivered = await Dispatcher(store, [ConsoleSink(out)]).drain()
    assert delivered.sent == FEEDS  # nothing lost while the pages are slow
    assert "ORR" not in out.getvalue()
    assert all("results" not in e.facts for e in await store.events.latest())

    gate.set()
    assert watchers.pages is not None
    await asyncio.wait_for(watchers.pages.settled(), timeout=20)
    events = await store.events.latest()
    assert len(events) == FEEDS
    assert all(e.facts["results"][0]["measure"] == "ORR" for e in events)
    assert await store.outbox.due(["console"], utcnow()) == []  # the alert went once: not again with the facts


async def test_a_date_only_the_page_states_joins_the_calendar_and_the_facts(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    lede = "Acme Bio today announced that the FDA has accepted its BLA for ACM-101 in relapsed lymphoma."
    server.static("/release/1", f"<html><body><p>{lede} The FDA assigned a Prescription Drug User Fee Act (PDUFA) "
                                "target action date of March 15, 2027.</p></body></html>", content_type="text/html")
    server.static("/feed/0", rss([]))
    await store.sources.add("rss", server.url("/feed/0"), "Acme feed")
    watchers = build_watchers(store, fetcher, SourceConfig(release_page_interval_seconds=0))
    cycle = PollCycle(store, watchers, CycleConfig(interval_seconds=600))
    await cycle.run_once(due_only=False)
    server.static("/feed/0", rss([Item("Acme Bio Announces FDA Acceptance of Biologics License Application for "
                                       "ACM-101", guid="acm-bla", link=server.url("/release/1"), summary=lede)]))
    await cycle.run_once(due_only=False)
    assert watchers.pages is not None
    await watchers.pages.settled()
    [event] = await store.events.latest()
    assert event.facts["pdufa_date"] == "March 15, 2027"
    assert [(c.kind, c.date) for c in await store.ledger.catalysts(program="ACM-101")] == [("pdufa", "2027-03-15")]

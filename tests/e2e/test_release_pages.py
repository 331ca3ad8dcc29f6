"""Facts from the release page behind an event: the seed case (azer-cel) through the real pipeline, from a local
feed and local release pages of our own wording, to the programme card; and pages that cannot be read."""
from __future__ import annotations

import asyncio
import logging
from datetime import date

import pytest
from aiohttp import web

from bot.core.context import CONSOLE_ACTOR, CoreContext
from bot.core.lookup import lookup
from bot.core.programs import add_program
from bot.core.why import why
from bot.render_text import render_alert, render_card, render_why
from bot.settings import Settings
from storage.models import Event, ProgramIn
from storage.store import Store
from tests.support.feeds import Item, rss
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from watchers.fetch.http import FetchConfig, Fetcher

PHASE_1B = """<html><head><title>Imugene presents azer-cel data</title><script>var x = "ORR 12%";</script></head>
<body><nav>Home | Investors</nav><article>
<h1>Imugene Presents Positive Phase 1b Azer-cel Data at ASCO 2025</h1>
<p>SYDNEY, Australia, June 2, 2025 (GLOBE NEWSWIRE) -- Imugene Limited today announced clinical data from its
Phase 1b study of azercabtagene zapreleucel (azer-cel), an allogeneic CD19 CAR T, presented at the ASCO Annual
Meeting.</p>
<p>In 14 patients with indolent lymphoma, azer-cel achieved an objective response rate (ORR) of 93%. In patients
with diffuse large B-cell lymphoma (DLBCL), the ORR was 67%.</p>
<p>Azer-cel was well tolerated: no grade ≥3 cytokine release syndrome (CRS) was observed.</p>
</article><footer>About Imugene ...</footer></body></html>"""

TYPE_C = """<html><body><h1>Imugene Announces FDA Agreement on Registrational Path for Azer-cel</h1>
<p>Following a Type C meeting, the FDA agreed that a single randomized Phase 3 trial of azer-cel in third-line
diffuse large B-cell lymphoma (3L DLBCL) could support a Biologics License Application.</p></body></html>"""

FAST_TRACK = """<html><body><h1>Azer-cel Granted FDA Fast Track Designation</h1>
<p>The U.S. FDA has granted Fast Track designation to azer-cel for the treatment of relapsed or refractory
diffuse large B-cell lymphoma (r/r DLBCL).</p></body></html>"""


def release(n: int, title: str, lede: str, server: LocalServer) -> Item:
    return Item(title, guid=f"imu-{n}", link=server.url(f"/release/{n}"), summary=lede)


async def run_feed(server: LocalServer, store: Store, fetcher: Fetcher, entries: list[Item]) -> list[Event]:
    server.static("/imu.xml", rss([]))
    await store.sources.add("rss", server.url("/imu.xml"), "Imugene releases")
    pipe = Pipeline(store, fetcher)
    await pipe.cycle_and_deliver()  # primes the empty feed
    server.static("/imu.xml", rss(entries))
    await pipe.cycle_and_deliver()
    return sorted(await store.events.latest(), key=lambda e: e.id)


async def test_seed_case_facts_reach_the_alert_and_the_card(server: LocalServer, store: Store) -> None:
    for n, page in ((1, PHASE_1B), (2, FAST_TRACK), (3, TYPE_C)):
        server.static(f"/release/{n}", page, content_type="text/html")
    entries = [
        release(1, "Imugene Presents Positive Phase 1b Azer-cel Data at ASCO 2025",
                "Imugene Limited today announced clinical data from its Phase 1b study of azer-cel.", server),
        release(2, "Azer-cel Granted FDA Fast Track Designation for Relapsed/Refractory DLBCL",
                "Imugene Limited today announced that the FDA granted Fast Track designation to azer-cel.", server),
        release(3, "Imugene Announces FDA Agreement Following Type C Meeting on Registrational Path for Azer-cel",
                "Imugene Limited today announced alignment with the FDA on the registrational path for azer-cel.",
                server),
    ]
    async with Fetcher(FetchConfig(timeout_seconds=2, allow_private_addresses=True)) as fetcher:
        ctx = CoreContext(store, fetcher, Settings(_env_file=None))
        await add_program(ctx, CONSOLE_ACTOR, ProgramIn(name="azer-cel", aliases=["azercabtagene zapreleucel"],
                                                         sponsors=["Imugene"]))
        events = await run_feed(server, store, fetcher, entries)
        assert [(e.kind, e.subtype) for e in events] == [
            ("readout", "presentation"), ("regulatory", "fast_track"), ("regulatory", "meeting_agreement")]
        assert all(e.programs == ["azer-cel"] for e in events)
        assert all(e.sponsor != "Azer-cel" for e in events)
        results = {(r["measure"], r["value"], r.get("n")) for r in events[0].facts["results"]}
        assert {("ORR", 93, 14), ("ORR", 67, None)} <= results
        assert any(s.get("event") == "CRS" and s.get("rate") == 0 for s in events[0].facts["safety"])
        assert events[2].facts["meeting"]["type"] == "Type C"
        # One page request per event, never the feed's other items.
        assert [len(server.hits(f"/release/{n}")) for n in (1, 2, 3)] == [1, 1, 1]
        answer = await why(ctx, events[0].id)
        assert answer.confidence is not None and 0.5 < answer.confidence <= 1.0
        assert "confidence" not in render_alert(events[0])  # for `why`, not for every alert
        assert "confidence: " in render_why(answer)
        card = await lookup(ctx, "azercabtagene zapreleucel", today=date(2025, 7, 1))
    text = render_card(card)
    for needle in ("ORR 93% (indolent", "n=14", "ORR 67% (DLBCL", "CRS", "fast track", "Type C"):
        assert needle in text, (needle, text)
    assert "Imugene" not in [p for e in card.recent for p in e.programs]


async def test_unreadable_pages_still_deliver_the_event_with_lede_facts(
    server: LocalServer, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(3)
        return web.Response(text=PHASE_1B, content_type="text/html")

    server.route("/release/1", slow)
    server.static("/release/2", b"<html>" + b"x" * 3_000_000 + b"</html>", content_type="text/html")
    server.static("/release/3", b"%PDF-1.7 not a page", content_type="application/pdf")
    lede = "Acme Bio today announced topline results: the trial met its primary endpoint (p<0.001)."
    entries = [release(n, f"Acme Bio Announces Positive Topline Results from Phase 3 Trial {n}", lede, server)
               for n in (1, 2, 3)]
    entries.append(Item("Acme Bio Announces Positive Topline Results from Phase 3 Trial 4", guid="imu-4",
                        link="http://10.0.0.7/release/4", summary=lede))
    entries.append(Item("Acme Bio to Present at Healthcare Conference", guid="imu-5",
                        link=server.url("/release/5"), summary="A webcast will be available."))
    config = FetchConfig(timeout_seconds=1, private_allowlist=frozenset({"127.0.0.1"}))
    caplog.set_level(logging.WARNING, logger="watchers.fetch.release_pages")
    async with Fetcher(config) as fetcher:
        events = await run_feed(server, store, fetcher, entries)
    assert [(e.kind, e.subtype) for e in events] == [("readout", "topline")] * 4 + [("other", "other")]
    assert all(e.facts.get("endpoint_met") is True for e in events[:4])
    assert not server.hits("/release/5")  # never fetched for `other`
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4 and all("facts from the lede only" in line for line in lines)
    assert all("\n" not in line for line in lines)

"""Issue 6 through the real pipeline: local feeds, openFDA and EDGAR fakes → classifier → ledger/calendar → alerts."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import icalendar
import pytest

from bot.core.calendar_ics import catalysts_to_ics
from bot.core.context import CoreContext
from bot.core.lookup import lookup
from bot.settings import Settings
from storage.models import ProgramIn
from storage.store import Store
from tests.support.feeds import Item, rss
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.schedule.catalyst_reminders import catalyst_notices
from watchers.sources.edgar import edgar_feed_url

UA = "milestone-bot-tests/1.0 (qa@example.org)"


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(FetchConfig(timeout_seconds=2, allow_private_addresses=True, user_agent=UA)) as f:
        yield f


@pytest.fixture
async def northwind(store: Store) -> None:
    await store.programs.add(ProgramIn(name="NWB-220", aliases=["velinocel"], sponsors=["Northwind Bio"]))


def release(n: int, title: str) -> Item:
    return Item(title, guid=f"nw-{n}", link=f"https://news.test/northwind/{n}", summary="")


PRIMING = release(0, "Northwind Bio to Participate in Upcoming Investor Conferences")
ACCEPTED = release(1, "Northwind Bio Announces FDA Acceptance of BLA for NWB-220 with PDUFA Target Action Date of "
                      "March 14, 2027")
EXTENDED = release(2, "Northwind Bio Announces Three-Month Extension of PDUFA Date for NWB-220 to June 14, 2027")
APPROVED = release(3, "Northwind Bio Announces FDA Approval of NWB-220 for Duchenne Muscular Dystrophy")


async def test_pdufa_announced_extended_approved_gives_exactly_three_alerts(
    server: LocalServer, store: Store, fetcher: Fetcher, northwind: None
) -> None:
    pipe = Pipeline(store, fetcher, as_json=True)
    feed = [PRIMING]
    server.static("/nw.xml", rss(feed))
    await store.sources.add("rss", server.url("/nw.xml"), "Northwind Bio releases")
    assert await pipe.alerts() == []
    seen: list[dict[str, object]] = []
    for item in (ACCEPTED, EXTENDED, APPROVED):
        feed.append(item)
        server.static("/nw.xml", rss(feed))
        seen += await pipe.alerts()
    assert [(a["subtype"], a["programs"]) for a in seen] == [
        ("acceptance", ["NWB-220"]), ("pdufa_date", ["NWB-220"]), ("approval", ["NWB-220"])
    ]
    facts = seen[1]["facts"]
    assert isinstance(facts, dict)
    assert facts["date_change"] == {"what": "PDUFA date", "old": "2027-03-14", "new": "2027-06-14", "months": 3,
                                    "times_moved": 1}
    # Long after the date: the approval closed the catalyst, so no reminder and no overdue notice.
    assert await catalyst_notices(store, date(2027, 9, 1)) == []
    [cat] = await store.ledger.catalysts(program="NWB-220", statuses=("open", "met", "overdue"))
    assert (cat.status, cat.outcome, cat.date) == ("met", "approval", "2027-06-14")
    assert [h["date"] for h in cat.history] == ["2027-03-14", "2027-06-14"]


async def test_reminders_then_overdue_when_no_outcome(
    server: LocalServer, store: Store, fetcher: Fetcher, northwind: None
) -> None:
    pipe = Pipeline(store, fetcher)
    server.static("/nw.xml", rss([PRIMING]))
    await store.sources.add("rss", server.url("/nw.xml"), "Northwind Bio releases")
    await pipe.cycle_and_deliver()
    server.static("/nw.xml", rss([PRIMING, ACCEPTED]))
    await pipe.cycle_and_deliver()
    days = (30, 7, 1)
    assert await catalyst_notices(store, date(2027, 1, 1), days) == []  # 72 days ahead: nothing yet
    assert len(await catalyst_notices(store, date(2027, 2, 13), days)) == 1  # 29 days: the 30-day reminder
    assert await catalyst_notices(store, date(2027, 2, 14), days) == []  # not again
    assert len(await catalyst_notices(store, date(2027, 3, 10), days)) == 1  # 4 days: the 7-day one
    assert len(await catalyst_notices(store, date(2027, 3, 13), days)) == 1  # 1 day
    out = await pipe.deliver()
    assert "Reminder: NWB-220 PDUFA date in 29 days (2027-03-14)" in out
    assert "Reminder: NWB-220 PDUFA date in 1 day (2027-03-14)" in out
    overdue = await catalyst_notices(store, date(2027, 3, 20), days)
    assert len(overdue) == 1
    assert "Overdue: no FDA decision reported for NWB-220 (PDUFA date 2027-03-14)" in await pipe.deliver()
    assert await catalyst_notices(store, date(2027, 3, 21), days) == []


EDGAR_ATOM = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>NORTHWIND BIO INC  (0001234567)</title>
<id>urn:tag:sec.gov,2008:company=0001234567</id>
<updated>2026-11-20T16:05:12-05:00</updated>
{entries}
</feed>"""
EDGAR_ENTRY = """<entry>
<category label="form type" scheme="https://www.sec.gov/" term="8-K"/>
<id>urn:tag:sec.gov,2008:accession-number=0001234567-26-00000{n}</id>
<link href="{index}" rel="alternate" type="text/html"/>
<summary type="html"> &lt;b&gt;Filed:&lt;/b&gt; 2026-11-20 &lt;b&gt;AccNo:&lt;/b&gt; 0001234567-26-00000{n}
 &lt;br&gt;Item 7.01: Regulation FD Disclosure&lt;br&gt;Item 9.01: Financial Statements and Exhibits</summary>
<title>8-K  - Current report</title>
<updated>2026-11-20T16:05:12-05:00</updated>
</entry>"""
EDGAR_INDEX = """<html><body><table class="tableFile" summary="Document Format Files">
<tr><th>Seq</th><th>Description</th><th>Document</th><th>Type</th><th>Size</th></tr>
<tr><td>1</td><td>8-K</td><td><a href="/Archives/nw/{n}/nwb-8k.htm">nwb-8k.htm</a></td><td>8-K</td><td>30</td></tr>
<tr><td>2</td><td>PRESS RELEASE</td><td><a href="/Archives/nw/{n}/ex99-1.htm">ex99-1.htm</a></td>
<td>EX-99.1</td><td>20</td></tr></table></body></html>"""
EDGAR_EX99 = """<html><body><p style="text-align:right">Exhibit 99.1</p>
<p><b>Northwind Bio Receives FDA Breakthrough Therapy Designation for NWB-220 in Duchenne Muscular Dystrophy</b></p>
<p>BOSTON, Nov. 20, 2026 -- Northwind Bio, Inc. (Nasdaq: NWBO) today announced that the U.S. Food and Drug
Administration granted Breakthrough Therapy Designation to NWB-220 for the treatment of Duchenne muscular
dystrophy.</p></body></html>"""


def serve_edgar(server: LocalServer, filings: list[int]) -> None:
    entries = [EDGAR_ENTRY.format(n=n, index=server.url(f"/Archives/nw/{n}/index.htm")) for n in filings]
    server.static("/cgi-bin/browse-edgar", EDGAR_ATOM.format(entries="\n".join(entries)),
                  content_type="application/atom+xml")
    for n in filings:
        server.static(f"/Archives/nw/{n}/index.htm", EDGAR_INDEX.format(n=n), content_type="text/html")
        server.static(f"/Archives/nw/{n}/ex99-1.htm", EDGAR_EX99, content_type="text/html")


async def test_same_breakthrough_from_press_release_and_8k_is_one_alert_with_two_sources(
    server: LocalServer, store: Store, fetcher: Fetcher, northwind: None
) -> None:
    pipe = Pipeline(store, fetcher, as_json=True)
    server.static("/nw.xml", rss([PRIMING]))
    serve_edgar(server, [1])
    await store.sources.add("rss", server.url("/nw.xml"), "Northwind Bio releases")
    await store.sources.add("edgar", edgar_feed_url(server.url(""), "1234567"), "SEC 8-K: Northwind Bio")
    assert await pipe.alerts() == []
    pr = release(5, "Northwind Bio Receives FDA Breakthrough Therapy Designation for NWB-220")
    server.static("/nw.xml", rss([PRIMING, pr]))
    first = await pipe.alerts()
    assert [(a["subtype"], a["programs"]) for a in first] == [("breakthrough", ["NWB-220"])]
    serve_edgar(server, [1, 2])
    assert await pipe.alerts() == []  # the 8-K repeats it: into the ledger, not re-alerted
    [designation] = await store.ledger.designations("NWB-220")
    assert designation.designation == "breakthrough"
    assert [s.source_name for s in designation.sources] == ["Northwind Bio releases", "SEC 8-K: Northwind Bio"]
    assert designation.sources[1].reported_by == "company"
    edgar_hits = [r for r in server.requests if r.path.startswith(("/cgi-bin", "/Archives"))]
    assert edgar_hits and all(r.headers["User-Agent"] == UA for r in edgar_hits)
    assert any(r.path == "/Archives/nw/2/ex99-1.htm" for r in edgar_hits)
    async with Fetcher(FetchConfig()) as f:
        card = await lookup(CoreContext(store, f, Settings(_env_file=None)), "velinocel")
    assert [d.designation for d in card.designations] == ["breakthrough"]
    assert len(card.designations[0].sources) == 2


def drugsfda(submissions: list[dict[str, str]]) -> str:
    return json.dumps({"meta": {"results": {"skip": 0, "limit": 100, "total": 1}}, "results": [{
        "application_number": "BLA761999", "sponsor_name": "NORTHWIND BIO",
        "openfda": {"brand_name": ["VELINOCEL"], "generic_name": ["VELINOCEL"]},
        "products": [{"brand_name": "VELINOCEL", "dosage_form": "INJECTABLE"}],
        "submissions": submissions,
    }]})


async def test_openfda_new_approval_is_one_alert_and_old_ones_are_baseline(
    server: LocalServer, store: Store, fetcher: Fetcher, northwind: None
) -> None:
    pipe = Pipeline(store, fetcher, as_json=True)
    labeling = {"submission_type": "SUPPL", "submission_number": "2", "submission_status": "AP",
                "submission_status_date": "20260101", "submission_class_code": "LABELING"}
    server.static("/drug/drugsfda.json", drugsfda([labeling]), content_type="application/json")
    await store.sources.add("openfda", server.url(""), "openFDA")
    assert await pipe.alerts() == []
    orig = {"submission_type": "ORIG", "submission_number": "1", "submission_status": "AP",
            "submission_status_date": "20261120", "review_priority": "PRIORITY", "submission_class_code": "BLA"}
    label2 = {**labeling, "submission_number": "3"}
    server.static("/drug/drugsfda.json", drugsfda([labeling, orig, label2]), content_type="application/json")
    await age_sources(store)  # openFDA polls are spaced to respect its daily limit
    alerts = await pipe.alerts()
    assert [(a["kind"], a["subtype"], a["programs"]) for a in alerts] == [("regulatory", "approval", ["NWB-220"])]
    facts = alerts[0]["facts"]
    assert isinstance(facts, dict)
    assert (facts["application_number"], facts["approval_date"], facts["review_priority"]) == (
        "BLA761999", "2026-11-20", "PRIORITY")
    query = server.hits("/drug/drugsfda.json")[-1].query
    assert 'openfda.brand_name:"velinocel"' in query["search"] and 'sponsor_name:"Northwind Bio"' in query["search"]
    await age_sources(store)
    assert await pipe.alerts() == []


async def age_sources(store: Store) -> None:
    """As if every source's last successful poll was long ago."""
    async with store.db.atomic() as db:
        await db.write("UPDATE sources SET last_success_at = '2000-01-01T00:00:00.000000+00:00'")


async def test_openfda_no_matches_404_is_not_an_error(server: LocalServer, store: Store, fetcher: Fetcher,
                                                      northwind: None) -> None:
    server.static("/drug/drugsfda.json", '{"error": {"code": "NOT_FOUND", "message": "No matches found!"}}',
                  status=404, content_type="application/json")
    source = await store.sources.add("openfda", server.url(""), "openFDA")
    await Pipeline(store, fetcher).cycle_and_deliver()
    assert (await store.sources.get(source.id)).consecutive_failures == 0


async def test_ics_calendar_parses_back(tmp_path: Path, store: Store, fetcher: Fetcher, server: LocalServer,
                                        northwind: None) -> None:
    pipe = Pipeline(store, fetcher)
    server.static("/nw.xml", rss([PRIMING]))
    await store.sources.add("rss", server.url("/nw.xml"), "Northwind Bio releases")
    await pipe.cycle_and_deliver()
    server.static("/nw.xml", rss([PRIMING, ACCEPTED, release(9, "Northwind Bio Expects Topline Data from Phase 2 "
                                                                "Study of velinocel in the Second Half of 2027")]))
    await pipe.cycle_and_deliver()
    cats = await store.ledger.catalysts()
    text = catalysts_to_ics(cats)
    cal = icalendar.Calendar.from_ical(text)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    got = {(str(e["SUMMARY"]), e.decoded("DTSTART").isoformat()) for e in events}
    assert ("NWB-220: PDUFA date", "2027-03-14") in got
    assert ("NWB-220: Expects Topline Data from Phase 2 Study of velinocel in the Second Half of 2027 (approx.)",
            "2027-12-31") in got
    assert len(events) == len(cats) and all(str(e["UID"]).endswith("@milestone-bot") for e in events)


async def test_openfda_polls_are_spaced_to_stay_under_the_daily_limit(
    server: LocalServer, store: Store, fetcher: Fetcher
) -> None:
    # 60 programmes → 180 terms → 9 OR-batched requests per poll; 1,000 a day without a key → one poll per ~14 min.
    for i in range(60):
        await store.programs.add(ProgramIn(name=f"NWX-{i:03d}", sponsors=[f"Sponsor {i}"]))
    server.static("/drug/drugsfda.json", drugsfda([]), content_type="application/json")
    source = await store.sources.add("openfda", server.url(""), "openFDA")
    pipe = Pipeline(store, fetcher)
    await pipe.cycle_and_deliver()
    first = len(server.hits("/drug/drugsfda.json"))
    assert first == 9
    await pipe.cycle_and_deliver()  # minutes later in real life; here at once: skipped, not failed
    assert len(server.hits("/drug/drugsfda.json")) == first
    assert (await store.sources.get(source.id)).consecutive_failures == 0
    await age_sources(store)
    await pipe.cycle_and_deliver()
    assert len(server.hits("/drug/drugsfda.json")) == 2 * first

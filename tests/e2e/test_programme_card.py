"""A programme card built through the real pipeline: local feeds and a ClinicalTrials.gov fake → lookup."""
from __future__ import annotations

from datetime import date

from bot.core.context import CONSOLE_ACTOR, CoreContext
from bot.core.lookup import lookup
from bot.core.programs import add_program
from bot.core.trials import watch_trials
from bot.core.upcoming import upcoming
from bot.render_text import render_card
from bot.settings import Settings
from storage.models import ProgramIn
from storage.store import Store
from tests.support.ctgov_fake import FakeCtgov, study
from tests.support.feeds import Item, rss
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from watchers.fetch.http import FetchConfig, Fetcher


def news(n: int, title: str, summary: str = "") -> Item:
    return Item(title, guid=f"hb-{n}", link=f"https://news.test/harbor/{n}", summary=summary)


async def test_card_has_trials_designations_readouts_dates_and_recent_events(
    server: LocalServer, fake: FakeCtgov, store: Store
) -> None:
    fake.put(study("NCT07654321", title="A Phase 2 Study of HT-14 in IgA Nephropathy", acronym="REACH-2",
                    phases=["PHASE2"], enrollment=(120, "ESTIMATED"), primary=("2027-09", "ESTIMATED")))
    async with Fetcher(FetchConfig(timeout_seconds=2, allow_private_addresses=True)) as fetcher:
        settings = Settings(_env_file=None, ctgov_base_url=fake.base_url, ctgov_request_interval_seconds=0)
        ctx = CoreContext(store, fetcher, settings)
        await add_program(ctx, CONSOLE_ACTOR, ProgramIn(name="HT-14", aliases=["harbovimab"],
                                                         sponsors=["Harbor Thera"]))
        await watch_trials(ctx, CONSOLE_ACTOR, ["NCT07654321"], program="harbovimab")
        feed = [news(0, "Harbor Thera to Present at Upcoming Healthcare Conference")]
        server.static("/hb.xml", rss(feed))
        await store.sources.add("rss", server.url("/hb.xml"), "Harbor Thera releases")
        pipe = Pipeline(store, fetcher)
        await pipe.cycle_and_deliver()
        feed += [
            news(1, "Harbor Thera Receives FDA Fast Track Designation for HT-14 for the Treatment of IgA Nephropathy"),
            news(2, "Harbor Thera Announces Positive Topline Results from Phase 2 REACH-2 Trial of harbovimab",
                 "The trial met its primary endpoint (p<0.001) in 120 patients."),
            news(3, "Harbor Thera Announces FDA Acceptance of BLA for HT-14 with PDUFA Target Action Date of "
                    "October 2, 2027"),
        ]
        server.static("/hb.xml", rss(feed))
        out = await pipe.cycle_and_deliver()
        assert out.count("programme: HT-14") == 3
        card = await lookup(ctx, "HARBOVIMAB", today=date(2027, 1, 1))
    [trial] = card.trials
    assert (trial.nct_id, trial.phase, trial.status, trial.enrollment, trial.enrollment_type,
            trial.primary_completion) == ("NCT07654321", "PHASE2", "RECRUITING", 120, "ESTIMATED", "2027-09")
    assert [d.designation for d in card.designations] == ["fast_track"]
    assert card.designations[0].sources[0].source_name == "Harbor Thera releases"
    assert [r.subtype for r in card.readouts] == ["topline"]
    assert card.readouts[0].facts.get("endpoint_met") is True
    assert [(c.kind, c.date) for c in card.upcoming] == [("pdufa", "2027-10-02")]
    assert len(card.recent) == 3 and all(e.url for e in card.recent)
    soon = await upcoming(ctx, 365, today=date(2027, 1, 1))
    assert [(c.kind, c.date, c.program) for c in soon.catalysts] == [
        ("primary_completion", "2027-09", "HT-14"), ("pdufa", "2027-10-02", "HT-14")]
    assert [c.trial for c in (await upcoming(ctx, 365, program="ht 14", today=date(2027, 1, 1))).catalysts] == [
        "NCT07654321", None]
    text = render_card(card)
    for needle in ("HT-14  (harbovimab)", "NCT07654321 · PHASE2 · RECRUITING · enrollment 120 (ESTIMATED)",
                   "fast track", "2027-10-02", "https://news.test/harbor/2"):
        assert needle in text, needle

"""Issue 17's "Done when", through the real pipeline and the real `milestone-bot` process against local fakes:
programmes learned from local feeds, a lookup of a drug only ClinicalTrials.gov knows, and a registered
programme's quiet back-fill with its registry history."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.test_cli import cli
from tests.support.ctgov_fake import FakeCtgov, study
from tests.support.feeds import Item, rss
from tests.support.local_server import LocalServer

BASE = datetime(2026, 11, 2, 12, tzinfo=UTC)


def release(n: int, title: str, summary: str = "") -> Item:
    return Item(title, guid=f"zp-{n}", link=f"https://news.test/zephyr/{n}", summary=summary,
                published=BASE + timedelta(days=n))


def env_for(fake: FakeCtgov, **extra: str) -> dict[str, str]:
    return {"CTGOV_BASE_URL": fake.base_url, "CTGOV_REQUEST_INTERVAL_SECONDS": "0", **extra}


async def test_done_when(server: LocalServer, fake: FakeCtgov, tmp_path: Path) -> None:
    db = str(tmp_path / "bot.db")
    env = env_for(fake)
    feed = [release(0, "Zephyr Bio to Present at the Winter Healthcare Conference")]
    server.static("/zephyr.xml", rss(feed, title="Zephyr Bio news"))
    code, _, err = await cli("feeds", "add", server.url("/zephyr.xml"), "--db", db, env=env)
    assert code == 0, err
    code, out, err = await cli("poll-once", "--json", "--db", db, env=env)  # a new feed's first poll is silent
    assert (code, out) == (0, ""), err
    # A code name and its INN in one release, the INN alone in a later one: nobody registered either.
    feed.append(release(1, "Zephyr Bio Announces First Patient Dosed in Phase 2 Trial of zephatinib (ZB-417) in "
                           "Psoriasis", "Zephyr Bio, Inc. (NASDAQ: ZEPH) today announced first dosing."))
    server.static("/zephyr.xml", rss(feed, title="Zephyr Bio news"))
    code, out, err = await cli("poll-once", "--json", "--db", db, env=env)
    assert code == 0, err
    [first] = [json.loads(line) for line in out.splitlines()]
    assert first["programs"] == ["zephatinib"]
    feed.append(release(2, "Zephyr Bio Reports Positive Topline Results from Phase 2 Trial of zephatinib",
                        "The trial met its primary endpoint (p<0.001)."))
    server.static("/zephyr.xml", rss(feed, title="Zephyr Bio news"))
    code, out, err = await cli("poll-once", "--json", "--db", db, env=env)
    assert code == 0 and len(out.splitlines()) == 1, err

    cards = []
    for name in ("ZB-417", "zephatinib"):
        code, out, err = await cli("lookup", name, "--db", db, env=env)
        assert code == 0, err
        cards.append(out)
    assert cards[0] == cards[1]
    assert cards[0].startswith("zephatinib  (ZB-417)") and "sponsor: Zephyr Bio" in cards[0]
    assert "https://news.test/zephyr/1" in cards[0] and "https://news.test/zephyr/2" in cards[0]
    assert "Learned from the news" in cards[0]
    assert not [r for r in fake.requests if "query.intr" in r]  # a known programme's card asks nobody

    code, out, err = await cli("programs", "list", "--learned", "--db", db, env=env)
    assert code == 0 and "zephatinib (ZB-417) — Zephyr Bio  [learned]" in out, (out, err)
    code, out, _ = await cli("programs", "list", "--db", db, env=env)
    assert "zephatinib" not in out  # the registry proper lists what users registered

    # A drug only ClinicalTrials.gov knows: its trials, from one request, then from the day's cache.
    fake.put(study("NCT07100001", title="Velorasib in KRAS G12C Lung Cancer", phases=["PHASE3"],
                   enrollment=(420, "ESTIMATED"), primary=("2028-03", "ESTIMATED"), sponsor="Orion Onc",
                   interventions=[("velorasib", ["ORN-55"])]))
    for _ in range(2):
        code, out, err = await cli("lookup", "Velorasib", "--db", db, env=env)
        assert code == 0, err
        assert "NCT07100001 · PHASE3 · RECRUITING · enrollment 420 (ESTIMATED)" in out
        assert "sponsor: Orion Onc" in out and "Not tracked" in out
    assert len([r for r in fake.requests if "query.intr" in r]) == 1
    code, _, err = await cli("lookup", "velorasb", "--db", db, env=env)
    assert (code, err.strip()) == (1, "milestone-bot: No programme named 'velorasb'. Did you mean velorasib?")

    # Registering a programme back-fills its card from the registry and its version history, posting nothing.
    versions = [("2023-01-10", dict(enrollment=(300, "ESTIMATED"), primary=("2025-06", "ESTIMATED"))),
                ("2024-02-01", dict(enrollment=(300, "ESTIMATED"), primary=("2026-01", "ESTIMATED"))),
                ("2025-05-20", dict(enrollment=(340, "ESTIMATED"), primary=("2026-08", "ESTIMATED")))]
    records = [(day, study("NCT07200002", title="HT-99 in IgA Nephropathy", phases=["PHASE3"], sponsor="Harbor",
                           interventions=[("HT-99", ["harbotinib"])], last_update=day, **fields))  # type: ignore[arg-type]
               for day, fields in versions]
    fake.put(records[-1][1])
    fake.histories["NCT07200002"] = records
    history_env = env_for(fake, ONBOARDING_BACKFILL="true", CTGOV_HISTORY="true", CTGOV_HISTORY_URL=fake.history_url)
    code, out, err = await cli("programs", "add", "HT-99", "--alias", "harbotinib", "--sponsor", "Harbor", "--db", db,
                               env=history_env)
    assert code == 0, err
    assert "back-filled HT-99: 1 trial from ClinicalTrials.gov, history of 1" in out
    code, out, err = await cli("poll-once", "--json", "--db", db, env=env)
    assert (code, out) == (0, ""), err  # no alert flood: the back-fill is the baseline
    code, out, err = await cli("lookup", "harbotinib", "--db", db, env=env)
    assert code == 0, err
    assert "NCT07200002 · PHASE3 · RECRUITING · enrollment 340 (ESTIMATED)" in out
    assert "primary completion moved 2 times, +14 months in all; enrollment 300 → 340" in out
    assert "starts from today's snapshot" not in out


async def test_without_history_the_card_says_it_starts_today_and_a_failing_history_is_only_a_note(
    fake: FakeCtgov, tmp_path: Path
) -> None:
    db = str(tmp_path / "bot.db")
    fake.put(study("NCT07300003", sponsor="Kite Lane", interventions=[("KL-310", ["kilatinib"])]))
    fake.history_status = 503
    env = env_for(fake, ONBOARDING_BACKFILL="true", CTGOV_HISTORY="true", CTGOV_HISTORY_URL=fake.history_url)
    code, out, err = await cli("lookup", "kilatinib", "--track", "--db", db, env=env)
    assert code == 0, err
    assert "tracking: kilatinib" in out and "back-filled kilatinib: 1 trial" in out
    assert "history of NCT07300003 unavailable" in out
    code, out, err = await cli("lookup", "KL-310", "--db", db, env=env)
    assert code == 0 and out.startswith("kilatinib  (KL-310)"), (out, err)
    assert "Trial history starts from today's snapshot" in out

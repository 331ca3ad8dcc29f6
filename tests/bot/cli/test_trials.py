"""`milestone-bot trials …` as a real process against the local fake of the API v2."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.context import Actor, CommandError, CoreContext, PermissionDenied
from bot.core.trials import parse_nct_ids, watch_trials
from bot.settings import load_settings
from storage.store import Store
from tests.e2e.test_cli import cli
from tests.support.ctgov_fake import FakeCtgov, study
from watchers.fetch.http import FetchConfig, Fetcher


def env(fake: FakeCtgov) -> dict[str, str]:
    return {"CTGOV_BASE_URL": fake.base_url, "CTGOV_REQUEST_INTERVAL_SECONDS": "0"}


async def test_watch_poll_change_show_list_unwatch(fake: FakeCtgov, tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    fake.put(study("NCT05531279", acronym="ZUMA-9"))
    code, out, err = await cli("trials", "watch", "nct05531279", "--program", "Azer-cel", "--db", db, env=env(fake))
    assert code == 0, err
    assert out.startswith("watching NCT05531279 (ZUMA-9) for Azer-cel: A Study of Azer-cel")
    code, out, err = await cli("poll-once", "--json", "--db", db, env=env(fake))
    assert code == 0, err
    [line] = [json.loads(x) for x in out.splitlines()]
    assert line["title"].startswith("Now watching NCT05531279 (ZUMA-9): RECRUITING")

    fake.put(study("NCT05531279", acronym="ZUMA-9", status="ACTIVE_NOT_RECRUITING", enrollment=(120, "ACTUAL"),
                   primary=("2025-12", "ESTIMATED"), last_update="2025-03-04"))
    code, out, err = await cli("poll-once", "--json", "--db", db, env=env(fake))
    [line] = [json.loads(x) for x in out.splitlines()]
    assert line["title"] == (
        "NCT05531279 (ZUMA-9): status RECRUITING → ACTIVE_NOT_RECRUITING (enrollment closed) · "
        "enrollment 45 → 120 (ACTUAL) · primary completion 2025-06 → 2025-12 (+6 months, 1st slip)"
    )
    assert (line["kind"], line["subtype"], line["trial"], line["programs"]) == (
        "enrollment", "enrollment_complete", "NCT05531279", ["Azer-cel"])
    assert [c["field"] for c in line["facts"]["changes"]] == [
        "overall_status", "enrollment", "primary_completion_date"]
    code, out, _ = await cli("poll-once", "--json", "--db", db, env=env(fake))
    assert (code, out) == (0, "")

    code, out, _ = await cli("trials", "show", "NCT05531279", "--db", db, env=env(fake))
    assert code == 0 and "primary completion: 2025-12 (ESTIMATED)" in out and "changes seen: 3" in out
    assert "2025-03-04  primary completion 2025-06 → 2025-12 (+6 months, 1st slip)" in out
    code, out, _ = await cli("trials", "list", "--db", db, env=env(fake))
    assert out.startswith("NCT05531279 (ZUMA-9): ACTIVE_NOT_RECRUITING · enrollment 120 (ACTUAL)")
    assert "[Azer-cel]" in out
    code, out, _ = await cli("trials", "enable", "--db", db, env=env(fake))
    assert code == 0 and out.startswith("enabled ClinicalTrials.gov (http://127.0.0.1:")
    code, out, _ = await cli("trials", "unwatch", "NCT05531279", "--db", db, env=env(fake))
    assert (code, out) == (0, "stopped watching NCT05531279\n")
    code, out, _ = await cli("trials", "list", "--db", db, env=env(fake))
    assert "no trials watched" in out


async def test_bad_and_unknown_ids(fake: FakeCtgov, tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    for bad in ("NCT123", "NCT1234567890", "12345678", "NCT0553127X"):
        code, out, err = await cli("trials", "watch", bad, "--db", db, env=env(fake))
        assert code == 1 and out == "" and err.count("\n") == 1, err
        assert f"'{bad}' is not an NCT ID: expected NCT followed by 8 digits" in err
    assert fake.requests == []  # refused before any request
    code, _, err = await cli("trials", "watch", "NCT09999999", "--db", db, env=env(fake))
    assert code == 1 and err.strip() == (
        "milestone-bot: Not found on ClinicalTrials.gov: NCT09999999. Nothing was added.")
    code, _, err = await cli("trials", "show", "NCT09999999", "--db", db, env=env(fake))
    assert code == 1 and "NCT09999999 is not watched" in err
    code, _, err = await cli("trials", "watch", "--db", db, env=env(fake))
    assert code == 2 and "give NCT IDs, or --program NAME" in err
    fake.fail = lambda q: 503
    code, _, err = await cli("trials", "watch", "NCT05531279", "--db", db,
                             env={**env(fake), "HTTP_TIMEOUT_SECONDS": "2"})
    assert code == 1 and "Cannot check NCT05531279 on ClinicalTrials.gov" in err and "HTTP 503" in err


async def test_programme_watch_from_the_cli(fake: FakeCtgov, tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    fake.put(study("NCT00000001"), study("NCT00000002", interventions=[("azercabtagene zapreleucel", [])]))
    code, out, err = await cli("trials", "watch", "--program", "azer-cel", "--alias", "azercabtagene", "--db", db,
                               env=env(fake))
    assert code == 0, err
    assert out.strip() == ("watching programme azer-cel: 2 trials match now "
                           "(recorded at the next poll; new ones after that are alerts)")
    code, out, _ = await cli("poll-once", "--json", "--db", db, env=env(fake))
    [line] = [json.loads(x) for x in out.splitlines()]
    assert line["title"] == "Now watching 2 trials for azer-cel: NCT00000001, NCT00000002"
    fake.put(study("NCT00000003"))
    code, out, _ = await cli("poll-once", "--json", "--db", db, env=env(fake))
    [line] = [json.loads(x) for x in out.splitlines()]
    assert line["title"].startswith("New trial for azer-cel: NCT00000003") and line["programs"] == ["azer-cel"]
    code, out, _ = await cli("trials", "list", "--db", db, env=env(fake))
    assert out.startswith("programme azer-cel: interventions azer-cel, azercabtagene (watching)")
    code, out, _ = await cli("trials", "unwatch", "--program", "AZER-CEL", "--db", db, env=env(fake))
    assert out.strip() == "stopped watching programme azer-cel (3 trials it brought in)"


async def test_core_refuses_without_permission(store: Store, fake: FakeCtgov) -> None:
    settings = load_settings(ctgov_base_url=fake.base_url, ctgov_request_interval_seconds=0)
    async with Fetcher(FetchConfig(allow_private_addresses=True)) as fetcher:
        ctx = CoreContext(store, fetcher, settings)
        with pytest.raises(PermissionDenied):
            await watch_trials(ctx, Actor(platform="discord", user_id="1", can_manage=False), ["NCT05531279"])
    assert parse_nct_ids(["NCT00000001, nct00000002", "NCT00000001"]) == ["NCT00000001", "NCT00000002"]
    with pytest.raises(CommandError, match="at least one"):
        parse_nct_ids([" , "])
    assert fake.requests == []


async def test_invalid_ctgov_settings_exit_2(tmp_path: Path) -> None:
    for name, value in (("CTGOV_BASE_URL", "clinicaltrials.gov"), ("CTGOV_REQUEST_INTERVAL_SECONDS", "-1")):
        code, _, err = await cli("trials", "list", "--db", str(tmp_path / "x.db"), env={name: value})
        assert code == 2 and err.startswith(f"milestone-bot: invalid setting {name}:"), err

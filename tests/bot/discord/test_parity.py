"""The commands Discord gained to match the CLI and Slack (subtypes and several programmes in /subscribe,
/trials show and enable, /calendar's .ics file, /status) and the timeline picture on /lookup, through discord.py
against the local mock; files are read back from the multipart upload discord.py sent."""
from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import discord
import icalendar
import pytest
from discord import app_commands
from discord.http import Route
from PIL import Image

from bot.app import App
from bot.discord.frontend import DiscordFrontEnd
from bot.settings import Settings
from storage.models import CatalystDate, NewEvent
from tests.support.ctgov_fake import FakeCtgov, study
from tests.support.discord_mock import APP_ID, GUILD_ID, MockDiscord
from tests.support.discord_support import CHANNEL_ID, DiscordHarness, discord_harness, opt, settings_for, sub
from watchers.record import add_events

EPHEMERAL = 64


@pytest.fixture
async def h(tmp_path: Path, fake: FakeCtgov) -> AsyncIterator[DiscordHarness]:
    async with discord_harness(tmp_path, discord_guild_id=GUILD_ID, ctgov_base_url=fake.base_url,
                               ctgov_request_interval_seconds=0) as harness:
        for source in await harness.app.store.sources.list():  # the seeded programmes stay, the feeds go
            await harness.app.store.sources.remove(source.id)
        yield harness


def callback(h: DiscordHarness, token: str) -> Any:
    [call] = h.replies(token)
    assert call.path.endswith("/callback")
    return call


def refusal(h: DiscordHarness, token: str) -> str:
    data = callback(h, token).body["data"]
    assert data["flags"] & EPHEMERAL
    return str(data["content"])


async def test_subscribe_takes_subtypes_and_several_programmes(h: DiscordHarness) -> None:
    token = await h.run("subscribe", [opt("programme", "PBCAR0191, Leqembi"),
                                      opt("subtypes", "topline, fast_track")])
    assert callback(h, token).body["data"]["embeds"][0]["title"] == "Subscribed"
    [stored] = await h.app.store.subscriptions.list("discord", str(CHANNEL_ID))
    assert stored.filters.programs == ["azer-cel", "lecanemab"]
    assert stored.filters.subtypes == ["topline", "fast_track"]
    token = await h.run("subscribe", [opt("subtypes", "toplin")])
    assert refusal(h, token).startswith("Unknown subtype 'toplin'")


async def test_programme_autocomplete_completes_the_last_of_several(h: DiscordHarness) -> None:
    token = await h.run("subscribe", [opt("programme", "azer-cel, Leq", focused=True)], kind=4)
    [call] = h.replies(token)
    assert [c["value"] for c in call.body["data"]["choices"]] == ["azer-cel, lecanemab"]
    token = await h.run("subscribe", [opt("programme", "azer-cel, PBCAR", focused=True)], kind=4)
    [call] = h.replies(token)
    assert [c["value"] for c in call.body["data"]["choices"]] == []  # azer-cel is given already


async def test_trials_show_and_enable(h: DiscordHarness, fake: FakeCtgov) -> None:
    token = await h.run("trials", [sub("show", opt("nct_id", "NCT01234567"))])
    assert refusal(h, token).startswith("NCT01234567 is not watched")
    fake.put(study("NCT01234567", acronym="ZUMA-9"))
    await h.run("trials", [sub("watch", opt("nct_ids", "NCT01234567"))])
    await h.app.cycle.run_once(due_only=False)
    token = await h.run("trials", [sub("show", opt("nct_id", "nct01234567"))])
    [embed] = callback(h, token).body["data"]["embeds"]
    assert embed["title"].startswith("NCT01234567 (ZUMA-9)")
    assert embed["url"] == "https://clinicaltrials.gov/study/NCT01234567"
    [registry] = await h.app.store.sources.list("ctgov")
    await h.app.store.sources.mark_failed(registry.id, "HTTP 503", registry.created_at, True)
    token = await h.run("trials", [sub("enable")], manage=False)
    assert refusal(h, token) == "You need the Manage Server permission to use this command."
    assert (await h.app.store.sources.get(registry.id)).disabled
    token = await h.run("trials", [sub("enable")])
    assert callback(h, token).body["data"]["embeds"][0]["title"] == "Trials watcher enabled"
    assert not (await h.app.store.sources.get(registry.id)).disabled


async def test_calendar_sends_the_ics_file(h: DiscordHarness) -> None:
    pdufa = (date.today() + timedelta(days=40)).isoformat()
    await add_events(h.app.store, [NewEvent(
        dedupe_key="c1", kind="regulatory", subtype="acceptance", title="BLA accepted for azer-cel",
        url="https://news.test/c1", programs=["azer-cel"],
        catalysts=[CatalystDate(kind="pdufa", label="PDUFA date", date=pdufa)])])
    token = await h.run("calendar", [opt("remind_days", 7, kind=4)])
    call = callback(h, token)
    [embed] = call.body["data"]["embeds"]
    assert embed["title"] == "Catalyst calendar" and embed["description"].startswith("1 catalysts in the next 730")
    [(name, data)] = call.files.values()
    assert name == "catalysts.ics"
    cal = icalendar.Calendar.from_ical(data)
    [event] = cal.walk("VEVENT")
    assert str(event["summary"]) == "azer-cel: PDUFA date"
    assert event.decoded("dtstart").isoformat() == pdufa
    assert cal.walk("VALARM")
    token = await h.run("calendar", [opt("programme", "no-such-drug")])
    assert refusal(h, token).startswith("No programme named 'no-such-drug'")


async def test_status_is_answered_to_the_asker_only(h: DiscordHarness) -> None:
    await h.app.run_cycle(due_only=False)  # nothing to poll: no cycle is recorded
    token = await h.run("status", manage=False)
    data = callback(h, token).body["data"]
    assert data["flags"] & EPHEMERAL
    [embed] = data["embeds"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Version"] == "0.1.0"
    assert fields["Last cycle"] == "none yet"
    assert fields["Sources"] == "0 ok, 0 failing, 0 disabled"
    assert fields["Outbox"] == "0 waiting, 0 dead"
    assert fields["Front ends"] == "none connected"


async def test_lookup_attaches_the_timeline_picture(h: DiscordHarness, fake: FakeCtgov) -> None:
    fake.put(study("NCT01234567", acronym="ZUMA-9"))
    await h.run("trials", [sub("watch", opt("nct_ids", "NCT01234567"), opt("programme", "azer-cel"))])
    await h.app.cycle.run_once(due_only=False)
    fake.put(study("NCT01234567", acronym="ZUMA-9", status="ACTIVE_NOT_RECRUITING", enrollment=(120, "ACTUAL"),
                   primary=("2025-12", "ESTIMATED"), last_update="2025-03-04"))
    await h.app.cycle.run_once(due_only=False)
    token = await h.run("lookup", [opt("programme", "azer-cel")])
    call = callback(h, token)
    [embed] = call.body["data"]["embeds"]
    assert embed["title"] == "azer-cel"
    assert embed["image"]["url"] == "attachment://timeline.png"
    [(name, png)] = call.files.values()
    assert name == "timeline.png"
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG"
    assert picture.size[0] == 1000 and 200 <= picture.size[1] <= 500


async def test_commands_are_synced_only_when_their_definitions_changed(tmp_path: Path) -> None:
    base = Route.BASE
    mock = MockDiscord()
    await mock.start()
    app = await App.open(settings_for(mock, tmp_path, discord_guild_id=GUILD_ID, seed_defaults=False))
    put = f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"
    try:
        for _ in range(2):  # two restarts with the same definitions: one sync
            front = DiscordFrontEnd(app.settings, connect_gateway=False)
            await front.start(app.core)
            await front.stop()
        assert len(mock.calls_to("PUT", put)) == 1
        front = DiscordFrontEnd(app.settings, connect_gateway=False)
        await front.start(app.core)
        assert front.tree is not None

        @app_commands.command(name="extra", description="A command added since the last sync.")
        async def extra(interaction: discord.Interaction[Any]) -> None: ...

        front.tree.add_command(extra)
        assert await front.sync_commands() is True
        assert "extra" in {c["name"] for c in mock.calls_to("PUT", put)[-1].body}
        assert await front.sync_commands() is False
        assert len(mock.calls_to("PUT", put)) == 2
        await front.stop()
    finally:
        await app.close()
        await mock.stop()
        Route.BASE = base


def test_voice_warnings_are_silenced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'x.db'}",  # type: ignore[call-arg]
                        discord_token="test-token")
    DiscordFrontEnd(settings, connect_gateway=False)
    assert not [r for r in caplog.records if "voice will NOT be supported" in r.getMessage()]

"""/lookup's autocomplete over every known name, through discord.py's CommandTree against the local REST mock:
registered programmes, then learned ones, then ClinicalTrials.gov interventions; prefix before substring; ≤ 25."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.models import LearnedProgram, utcnow
from tests.support.discord_mock import GUILD_ID
from tests.support.discord_support import DiscordHarness, discord_harness, opt


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[DiscordHarness]:
    async with discord_harness(tmp_path, discord_guild_id=GUILD_ID) as harness:
        yield harness


async def test_lookup_autocomplete_offers_every_known_name(h: DiscordHarness) -> None:
    store = h.app.store
    async with store.unit_of_work() as uow:
        for i in range(30):
            await uow.programs.add_learned(LearnedProgram(name=f"azeltinib{i:02d}"))
        await uow.programs.add_learned(LearnedProgram(name="tabazertinib"))
    await store.trials.note_interventions(["azeloxavir"], utcnow())
    token = await h.run("lookup", [opt("programme", "aze", focused=True)], kind=4)
    body = h.reply(token)
    assert body["type"] == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    values = [c["value"] for c in body["data"]["choices"]]
    assert len(values) == 25
    assert values[0] == "azer-cel"  # the registered programme (seeded) first
    assert values[1:] == [f"azeltinib{i:02d}" for i in range(24)]  # then learned names, alphabetically
    token = await h.run("lookup", [opt("programme", "azelox", focused=True)], kind=4)
    assert [c["value"] for c in h.reply(token)["data"]["choices"]] == ["azeloxavir"]
    token = await h.run("lookup", [opt("programme", "bazert", focused=True)], kind=4)
    assert [c["value"] for c in h.reply(token)["data"]["choices"]] == ["tabazertinib"]  # substring


async def test_lookup_track_promotes_a_learned_programme_and_members_may_not(h: DiscordHarness) -> None:
    store = h.app.store
    async with store.unit_of_work() as uow:
        await uow.programs.add_learned(LearnedProgram(name="zephatinib", aliases=["ZB-417"]))
    token = await h.run("lookup", [opt("programme", "ZB-417"), opt("track", True, kind=5)], manage=False)
    body = h.reply(token)
    assert "Manage Server" in body["data"]["content"]
    assert (await store.programs.find("zephatinib")).kind == "learned"  # type: ignore[union-attr]
    token = await h.run("lookup", [opt("programme", "ZB-417"), opt("track", True, kind=5)])
    [embed] = h.reply(token)["data"]["embeds"]
    assert embed["title"] == "zephatinib"
    assert (await store.programs.find("ZB-417")).kind == "registered"  # type: ignore[union-attr]

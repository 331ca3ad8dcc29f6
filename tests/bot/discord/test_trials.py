"""/trials: list, watch, unwatch and refusals through discord.py."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.discord_mock import APP_ID
from tests.support.discord_support import DiscordHarness, discord_harness, opt, sub

EPHEMERAL = 64


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[DiscordHarness]:
    async with discord_harness(tmp_path, seed_defaults=False) as harness:
        yield harness


def synced_names(h: DiscordHarness) -> set[str]:
    [put] = h.mock.calls_to("PUT", f"/applications/{APP_ID}/commands")
    return {c["name"] for c in put.body}


async def test_trials_group_is_registered(h: DiscordHarness) -> None:
    assert "trials" in synced_names(h)


async def test_trials_list_unwatch_and_refusals(h: DiscordHarness) -> None:
    token = await h.run("trials", [sub("list")])
    [callback] = h.replies(token)
    assert callback.body["data"]["embeds"][0]["description"] == "No trials or programmes are watched."
    token = await h.run("trials", [sub("unwatch", opt("nct_ids", "NCT05531279"))])
    [callback] = h.replies(token)
    assert callback.body["data"]["flags"] & EPHEMERAL and callback.body["data"]["content"].startswith("Not watched")
    token = await h.run("trials", [sub("watch", opt("nct_ids", "NCT123"))])
    [callback] = h.replies(token)
    assert "is not an NCT ID" in callback.body["data"]["content"]
    token = await h.run("trials", [sub("watch", opt("nct_ids", "NCT05531279"))], manage=False)
    [callback] = h.replies(token)
    assert callback.body["data"]["content"] == "You need the Manage Server permission to use this command."

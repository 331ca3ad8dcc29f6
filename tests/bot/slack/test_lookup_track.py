"""`/milestones lookup NAME --track` through the Slack front end (real HTTP, signed requests, the local mock)."""
from __future__ import annotations

from storage.models import LearnedProgram
from tests.bot.slack.test_commands import ADMIN, MEMBER, Bot, body_text, bot  # noqa: F401 (the fixture)


async def test_lookup_track_registers_a_learned_programme_for_admins_only(bot: Bot) -> None:  # noqa: F811
    store = bot.app.store
    async with store.unit_of_work() as uow:
        await uow.programs.add_learned(LearnedProgram(name="zephatinib", aliases=["ZB-417"]))
    card = await bot.ask("lookup ZB-417")
    assert "Learned from the news" in body_text(card)
    refused = await bot.ask("lookup ZB-417 --track", user=MEMBER)
    assert "permission" in body_text(refused) or "admin" in body_text(refused)
    assert (await store.programs.find("zephatinib")).kind == "learned"  # type: ignore[union-attr]
    card = await bot.ask("lookup ZB-417 --track", user=ADMIN)
    assert card["blocks"][0]["text"]["text"] == "zephatinib"
    assert (await store.programs.find("ZB-417")).kind == "registered"  # type: ignore[union-attr]

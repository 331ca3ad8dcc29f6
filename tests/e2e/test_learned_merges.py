"""Two learned programmes shown to be one: merged in the poll's transaction (events and ledger follow), listed,
undone, and a learned programme promoted; plus autocomplete and suggestions over every known name."""
from __future__ import annotations

from datetime import date

import pytest

from bot.core import learned
from bot.core.choices import program_choices
from bot.core.context import CONSOLE_ACTOR, Actor, CommandError, CoreContext
from bot.core.lookup import lookup
from bot.core.programs import add_program, list_programs
from bot.settings import Settings
from storage.models import ProgramIn, SubscriptionFilters, utcnow
from storage.store import Store
from tests.support.ctgov_fake import FakeCtgov
from tests.support.feeds import Item, rss
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from watchers.fetch.http import FetchConfig, Fetcher


def news(n: int, title: str) -> Item:
    return Item(title, guid=f"vl-{n}", link=f"https://news.test/vela/{n}")


async def test_merge_moves_events_and_ledger_and_undo_puts_them_back(
    server: LocalServer, fake: FakeCtgov, store: Store
) -> None:
    async with Fetcher(FetchConfig(timeout_seconds=2, allow_private_addresses=True)) as fetcher:
        ctx = CoreContext(store, fetcher, Settings(_env_file=None, ctgov_base_url=fake.base_url,
                                                   ctgov_request_interval_seconds=0))
        feed = [news(0, "Vela Thera to Present at Upcoming Healthcare Conference")]
        server.static("/vl.xml", rss(feed))
        await store.sources.add("rss", server.url("/vl.xml"), "Vela Thera releases")
        pipe = Pipeline(store, fetcher)
        await pipe.cycle_and_deliver()
        feed += [news(1, "Vela Thera Receives FDA Fast Track Designation for VT-88 in Psoriasis"),
                 news(2, "Vela Thera Reports Positive Topline Results from Phase 2 Trial of velotinib")]
        server.static("/vl.xml", rss(feed))
        await pipe.cycle_and_deliver()
        assert sorted(p.name for p in await learned.list_learned(ctx)) == ["VT-88", "velotinib"]
        # A channel that follows VT-88 by the name it had then, and one that muted it.
        await store.subscriptions.add("discord", "follows-vt88", SubscriptionFilters(programs=["VT-88"]))
        await store.subscriptions.add("discord", "muted-vt88", SubscriptionFilters())
        await store.mutes.add("discord", "muted-vt88", "VT-88")
        feed.append(news(3, "Vela Thera Doses First Patient in Phase 3 Trial of velotinib, formerly VT-88"))
        server.static("/vl.xml", rss(feed))
        out = await pipe.cycle_and_deliver()
        assert "velotinib" in out
        feed.append(news(4, "Vela Thera Completes Enrollment in Phase 3 Trial of velotinib in Psoriasis"))
        server.static("/vl.xml", rss(feed))
        await pipe.cycle_and_deliver()
        queued = await store.outbox.due(["discord"], utcnow(), limit=50)
        completes = [p.delivery.channel_id for p in queued if "Completes Enrollment" in p.event.title]
        assert completes == ["follows-vt88"]  # the merged name still reaches its follower; the mute still holds
        assert [p.name for p in await learned.list_learned(ctx)] == ["velotinib"]
        card = await lookup(ctx, "VT-88", today=date(2026, 1, 1))
        assert card.program.name == "velotinib" and card.program.aliases == ["VT-88"]
        assert [d.designation for d in card.designations] == ["fast_track"]
        assert len(card.recent) == 4
        [merge] = await learned.list_merges(ctx)
        assert (merge.kept_name, merge.merged_name) == ("velotinib", "VT-88")
        assert "velotinib, formerly VT-88" in merge.reason

        undone = await learned.undo_merge(ctx, CONSOLE_ACTOR, f"#{merge.id}")
        assert undone.undone_at is not None
        back = await lookup(ctx, "VT-88", today=date(2026, 1, 1))
        assert back.program.name == "VT-88" and [d.designation for d in back.designations] == ["fast_track"]
        assert [e.title for e in back.recent] == ["Vela Thera Receives FDA Fast Track Designation for VT-88 in "
                                                  "Psoriasis"]
        kept = await lookup(ctx, "velotinib", today=date(2026, 1, 1))
        assert kept.designations == [] and len(kept.recent) == 3
        with pytest.raises(CommandError, match="undone already"):
            await learned.undo_merge(ctx, CONSOLE_ACTOR, str(merge.id))
        with pytest.raises(CommandError, match="Manage Server"):
            await learned.undo_merge(ctx, Actor(can_manage=False), str(merge.id))

        promoted = await learned.promote(ctx, CONSOLE_ACTOR, "velotinib")
        assert promoted.kind == "registered" and "velotinib" in [p.name for p in await list_programs(ctx)]
        assert "velotinib" not in [p.name for p in await learned.list_learned(ctx)]


async def test_autocomplete_and_suggestions_cover_every_known_name(store: Store) -> None:
    async with Fetcher(FetchConfig(timeout_seconds=2)) as fetcher:
        ctx = CoreContext(store, fetcher, Settings(_env_file=None, ctgov_base_url="http://127.0.0.1:9/api/v2"))
        await add_program(ctx, CONSOLE_ACTOR, ProgramIn(name="zanubrutinib", aliases=["BGB-3111"]))
        async with store.unit_of_work() as uow:
            from storage.models import LearnedProgram
            await uow.programs.add_learned(LearnedProgram(name="zanidatamab", aliases=["ZW25"]))
            await uow.programs.add_learned(LearnedProgram(name="ozanimod"))
        await store.trials.note_interventions(["zanzalintinib", "XL092"], utcnow())
        assert await program_choices(ctx, "zan") == ["zanubrutinib", "zanidatamab", "zanzalintinib", "ozanimod"]
        assert await program_choices(ctx, "ZW") == ["zanidatamab"]
        assert len(await program_choices(ctx, "")) == 3 + 2  # programmes, then interventions
        with pytest.raises(CommandError, match="Did you mean zanzalintinib"):
            await lookup(ctx, "zanzalintnib")

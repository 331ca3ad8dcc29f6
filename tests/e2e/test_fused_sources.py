"""One release told by a company's IR feed and a wire is one event: `why` and `lookup` name both sources, on every
front end, after it went through the real pipeline."""
from __future__ import annotations

from bot.core.context import CONSOLE_ACTOR, CoreContext
from bot.core.lookup import lookup
from bot.core.programs import add_program
from bot.core.why import why
from bot.discord.embeds import card_embed, why_embed
from bot.render_text import render_card, render_why
from bot.settings import Settings
from bot.slack.blocks import card_message, why_message
from storage.models import ProgramIn
from storage.store import Store
from tests.support.feeds import Item, rss
from tests.support.local_server import LocalServer
from tests.support.pipeline import Pipeline
from watchers.fetch.http import FetchConfig, Fetcher

TITLE = "Harbor Thera Announces Positive Topline Results from Phase 2 REACH-2 Trial of HT-14"
LEDE = "The trial met its primary endpoint (p<0.001) in 120 patients with IgA nephropathy."


async def test_why_and_lookup_name_every_source_of_a_fused_release(server: LocalServer, store: Store) -> None:
    server.static("/ir.xml", rss([Item("Harbor Thera to present at a conference", guid="ir-0")]))
    server.static("/wire.xml", rss([Item("Someone else's news", guid="w-0")]))
    async with Fetcher(FetchConfig(timeout_seconds=2, allow_private_addresses=True)) as fetcher:
        ctx = CoreContext(store, fetcher, Settings(_env_file=None))
        await add_program(ctx, CONSOLE_ACTOR, ProgramIn(name="HT-14", sponsors=["Harbor Thera"]))
        ir = await store.sources.add("rss", server.url("/ir.xml"), "Harbor Thera IR")
        wire = await store.sources.add("rss", server.url("/wire.xml"), "Bench Wire")
        pipe = Pipeline(store, fetcher)
        await pipe.cycle_and_deliver()  # priming: nothing announced
        server.static("/ir.xml", rss([Item(TITLE, guid="ir-1", link="https://ir.test/news/1", summary=LEDE)]))
        server.static("/wire.xml", rss([Item(TITLE, guid="w-1", link="https://wire.test/r/1?utm_source=rss",
                                             summary=LEDE)]))
        out = await pipe.cycle_and_deliver()
        assert out.count(TITLE) == 1  # one alert for the two sources
        [event] = [e for e in await store.events.latest(10) if e.title == TITLE]
        answer = await why(ctx, event.id)
        card = await lookup(ctx, "HT-14")
    assert {(s.source_id, s.source_name) for s in answer.sources} == {(ir.id, "Harbor Thera IR"),
                                                                       (wire.id, "Bench Wire")}
    assert {s.url for s in answer.sources} == {"https://ir.test/news/1", "https://wire.test/r/1?utm_source=rss"}
    assert {s.source_name for s in card.sources[event.id]} == {"Harbor Thera IR", "Bench Wire"}

    text = render_why(answer)
    assert "Harbor Thera IR" in text and "Bench Wire" in text and "https://wire.test/r/1" in text
    assert "Harbor Thera IR" in render_card(card) and "Bench Wire" in render_card(card)
    discord_why = why_embed(answer).to_dict()
    assert any("Harbor Thera IR" in f["value"] and "Bench Wire" in f["value"] for f in discord_why["fields"])
    discord_card = card_embed(card).to_dict()
    assert any("Harbor Thera IR" in f["value"] and "Bench Wire" in f["value"] for f in discord_card["fields"])
    assert "Bench Wire" in str(why_message(answer).blocks) and "Harbor Thera IR" in str(why_message(answer).blocks)
    assert "Bench Wire" in str(card_message(card).blocks) and "Harbor Thera IR" in str(card_message(card).blocks)

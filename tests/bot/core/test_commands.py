"""Each command of the core: happy path and each bad input, through the real store."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest

from bot.core import programs as progs
from bot.core import subscriptions as subs
from bot.core.context import Actor, CommandError, CoreContext, PermissionDenied
from bot.core.feeds import add_feed, list_feeds, remove_feed
from bot.core.lookup import lookup
from bot.core.upcoming import upcoming
from bot.core.why import why
from bot.defaults import seed_defaults
from bot.settings import Settings
from storage.models import CatalystDate, Evidence, NewEvent, ProgramIn
from storage.store import Store
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.record import add_events

ADMIN = Actor(platform="discord", user_id="1", can_manage=True)
MEMBER = Actor(platform="discord", user_id="2", can_manage=False)
CHAN = subs.ChannelRef(platform="discord", channel_id="42")


@pytest.fixture
async def ctx(store: Store) -> AsyncIterator[CoreContext]:
    await seed_defaults_programs_only(store)
    async with Fetcher(FetchConfig(timeout_seconds=2)) as fetcher:
        # A lookup of an unknown name also asks ClinicalTrials.gov: the address guard refuses this one at once.
        yield CoreContext(store, fetcher, Settings(max_subscriptions_per_channel=3, _env_file=None,
                                                   ctgov_base_url="http://127.0.0.1:9/api/v2"))


async def seed_defaults_programs_only(store: Store) -> None:
    await seed_defaults(store)
    for source in await store.sources.list():
        await store.sources.remove(source.id)


async def test_default_programmes_include_azer_cel(ctx: CoreContext) -> None:
    card = await lookup(ctx, "Azercabtagene Zapreleucel")
    assert card.program.name == "azer-cel"
    assert "TG Therapeutics" in card.program.sponsors and "Imugene" in card.program.sponsors


async def test_unknown_programme_suggests(ctx: CoreContext) -> None:
    with pytest.raises(CommandError, match="Did you mean azer-cel"):
        await lookup(ctx, "azer-cell")
    with pytest.raises(CommandError, match="No programme named 'zzzz'"):
        await lookup(ctx, "zzzz")
    with pytest.raises(CommandError, match="Give a programme name"):
        await lookup(ctx, "  ")


async def test_add_programme_validation(ctx: CoreContext) -> None:
    added = await progs.add_program(ctx, ADMIN, ProgramIn(name="GLPG5101", aliases=["GLPG-5101", "glpg 5101"],
                                                          sponsors=["Galapagos"]))
    assert added.aliases == []  # all three spellings fold to the name
    with pytest.raises(CommandError, match="already names the programme GLPG5101"):
        await progs.add_program(ctx, ADMIN, ProgramIn(name="filgotinib-x", aliases=["GLPG-5101"]))
    with pytest.raises(CommandError, match="'Summit' is a common word"):
        await progs.add_program(ctx, ADMIN, ProgramIn(name="Summit"))
    ambiguous = await progs.add_program(ctx, ADMIN, ProgramIn(name="Summit", sponsors=["Acme Bio"]))
    assert ambiguous.alias_flags[0].needs_sponsor
    with pytest.raises(CommandError, match="not an NCT ID"):
        await progs.add_program(ctx, ADMIN, ProgramIn(name="XYZ-9", nct_ids=["NCT123"]))
    with pytest.raises(CommandError, match="too short"):
        await progs.add_program(ctx, ADMIN, ProgramIn(name="X1"))
    with pytest.raises(PermissionDenied):
        await progs.add_program(ctx, MEMBER, ProgramIn(name="ZZ-100"))


async def test_toml_round_trip(ctx: CoreContext, store: Store, tmp_path: object) -> None:
    text = progs.programs_to_toml(await progs.list_programs(ctx))
    assert 'name = "azer-cel"' in text
    fresh = await Store.open("sqlite://:memory:")
    try:
        async with Fetcher(FetchConfig()) as fetcher:
            other = CoreContext(fresh, fetcher, ctx.settings)
            report = await progs.import_programs(other, ADMIN, text)
            assert len(report.added) == len(await progs.list_programs(ctx)) and report.updated == []
            assert progs.programs_to_toml(await progs.list_programs(other)) == text
            again = await progs.import_programs(other, ADMIN, text)
            assert again.added == [] and again.updated == [] and len(again.unchanged) == len(report.added)
    finally:
        await fresh.close()
    with pytest.raises(CommandError, match="Not valid TOML"):
        await progs.import_programs(ctx, ADMIN, "[[program]\nname=")
    with pytest.raises(CommandError, match=r"Programme #1 in the file: name: Field required"):
        await progs.import_programs(ctx, ADMIN, "[[program]]\naliases = ['x']\n")


async def test_subscribe_validates_and_lists(ctx: CoreContext) -> None:
    sub = await subs.subscribe(ctx, ADMIN, CHAN, subs.SubscribeRequest(programs=["AZER CEL"], kinds=["Readout"]))
    assert sub.filters.programs == ["azer-cel"] and sub.filters.kinds == ["readout"]
    listed = await subs.list_subscriptions(ctx, CHAN)
    assert [s.id for s in listed.subscriptions] == [sub.id]
    bad = [
        (subs.SubscribeRequest(), "Give at least one filter"),
        (subs.SubscribeRequest(programs=["nope-drug"]), "No programme named 'nope-drug'"),
        (subs.SubscribeRequest(kinds=["gossip"]), "Unknown kind 'gossip'"),
        (subs.SubscribeRequest(subtypes=["rumour"]), "Unknown subtype 'rumour'"),
        (subs.SubscribeRequest(everything=True, mode="digest", digest_hour=25), "hour from 0 to 23"),
        (subs.SubscribeRequest(programs=["azer-cel"], kinds=["readout"]), "already has that subscription"),
        (subs.SubscribeRequest(keywords=["x" * 101]), "at most 100 characters"),
        (subs.SubscribeRequest(keywords=["'; DROP TABLE subscriptions; --"], kinds=["other", "x"]), "Unknown kind"),
    ]
    for req, message in bad:
        with pytest.raises(CommandError, match=message):
            await subs.subscribe(ctx, ADMIN, CHAN, req)
    with pytest.raises(PermissionDenied, match="Manage Server"):
        await subs.subscribe(ctx, MEMBER, CHAN, subs.SubscribeRequest(everything=True))
    await subs.subscribe(ctx, ADMIN, CHAN, subs.SubscribeRequest(keywords=["'; DROP TABLE subscriptions; --"]))
    await subs.subscribe(ctx, ADMIN, CHAN, subs.SubscribeRequest(everything=True, mode="digest", digest_hour=7))
    with pytest.raises(CommandError, match="already has 3 subscriptions"):
        await subs.subscribe(ctx, ADMIN, CHAN, subs.SubscribeRequest(sponsors=["Acme"]))
    assert len((await subs.list_subscriptions(ctx, CHAN)).subscriptions) == 3


async def test_identical_subscribes_at_once_make_one_and_name_it(ctx: CoreContext) -> None:
    # What every front end (CLI, Discord, Slack) calls: three identical requests racing, as a retried command does.
    req = subs.SubscribeRequest(kinds=["readout"], sponsors=["Acme"])
    results = await asyncio.gather(*(subs.subscribe(ctx, ADMIN, CHAN, req) for _ in range(3)),
                                   return_exceptions=True)
    [sub] = (await subs.list_subscriptions(ctx, CHAN)).subscriptions
    assert [r.id for r in results if not isinstance(r, Exception)] == [sub.id]
    errors = [str(r) for r in results if isinstance(r, Exception)]
    assert errors == [f"Already subscribed: this channel already has that subscription (#{sub.id})."] * 2


async def test_subscribing_again_after_a_disable_enables_the_same_subscription(ctx: CoreContext) -> None:
    sub = await subs.subscribe(ctx, ADMIN, CHAN, subs.SubscribeRequest(kinds=["readout"]))
    await ctx.store.disable_subscription(sub.id, "channel gone")
    again = await subs.subscribe(ctx, ADMIN, CHAN, subs.SubscribeRequest(kinds=["Readout"], mention="<@&5>"))
    assert (again.id, again.disabled, again.mention) == (sub.id, False, "<@&5>")


async def test_unsubscribe_only_own_channel(ctx: CoreContext) -> None:
    sub = await subs.subscribe(ctx, ADMIN, CHAN, subs.SubscribeRequest(everything=True))
    other = subs.ChannelRef(platform="discord", channel_id="99")
    with pytest.raises(CommandError, match=f"no subscription #{sub.id}"):
        await subs.unsubscribe(ctx, ADMIN, other, sub.id)
    with pytest.raises(PermissionDenied):
        await subs.unsubscribe(ctx, MEMBER, CHAN, sub.id)
    assert (await subs.unsubscribe(ctx, ADMIN, CHAN, sub.id)).id == sub.id
    assert (await subs.list_subscriptions(ctx, CHAN)).subscriptions == []


async def test_why_explains_rule_and_changes(ctx: CoreContext, store: Store) -> None:
    [eid] = await add_events(store, [NewEvent(
        dedupe_key="w1", kind="regulatory", subtype="fast_track", title="Acme gets Fast Track for azer-cel",
        url="https://x.test/1", programs=["azercabtagene zapreleucel"],
        evidence=[Evidence(rule="regulatory.fast_track", phrase="Fast Track Designation")],
    )])
    answer = await why(ctx, f"#{eid}")
    assert answer.evidence[0].rule == "regulatory.fast_track"
    assert answer.event.programs == ["azer-cel"]  # aliases resolve to the registry name
    [cid] = await add_events(store, [NewEvent(
        dedupe_key="w2", kind="enrollment", subtype="status_change", title="NCT01234567 enrollment 45 → 120",
        trial="NCT01234567", facts={"field": "enrollment", "old": 45, "new": 120},
    )])
    assert (await why(ctx, cid)).changes == [{"field": "enrollment", "old": 45, "new": 120}]
    with pytest.raises(CommandError, match="No event #999"):
        await why(ctx, 999)
    with pytest.raises(CommandError, match="not an event number"):
        await why(ctx, "1 OR 1=1")


async def test_upcoming_reads_the_calendar(ctx: CoreContext, store: Store) -> None:
    await add_events(store, [
        NewEvent(dedupe_key="p1", kind="regulatory", subtype="pdufa_date", title="BLA accepted; PDUFA March 14",
                 programs=["azer-cel"], catalysts=[CatalystDate(kind="pdufa", label="PDUFA date", date="2027-03-14")]),
        NewEvent(dedupe_key="p2", kind="readout", subtype="topline", title="Topline expected 2H 2027",
                 programs=["obe-cel"],
                 catalysts=[CatalystDate(kind="guidance", label="2H 2027", date="2027-12", precision="half")]),
        NewEvent(dedupe_key="p3", kind="regulatory", subtype="pdufa_date", title="old PDUFA", programs=["lecanemab"],
                 catalysts=[CatalystDate(kind="pdufa", label="PDUFA date", date="2025-01-01")]),
    ])
    today = date(2026, 12, 1)
    soon = await upcoming(ctx, 120, today=today)
    assert [(c.date, c.precision, c.program) for c in soon.catalysts] == [("2027-03-14", "day", "azer-cel")]
    later = await upcoming(ctx, 400, today=today)
    assert [c.date for c in later.catalysts] == ["2027-03-14", "2027-12"]
    only = await upcoming(ctx, 400, program="obe cel", today=today)
    assert [c.date for c in only.catalysts] == ["2027-12"]
    with pytest.raises(CommandError, match="Days must be between 1 and 730"):
        await upcoming(ctx, 0)
    card = await lookup(ctx, "azer-cel", today=today)
    assert [c.date for c in card.upcoming] == ["2027-03-14"]


async def test_feed_commands_refuse_private_addresses_and_members(ctx: CoreContext, server: LocalServer) -> None:
    server.static("/f", rss(items(2)))
    with pytest.raises(CommandError, match=r"Cannot add .* refused: 127\.0\.0\.1 is a loopback address"):
        await add_feed(ctx, ADMIN, server.url("/f"))
    with pytest.raises(PermissionDenied):
        await add_feed(ctx, MEMBER, server.url("/f"))
    with pytest.raises(CommandError, match="Give the feed's URL"):
        await add_feed(ctx, ADMIN, " ")
    assert (await list_feeds(ctx)).feeds == []
    with pytest.raises(CommandError, match="No feed with id 7"):
        await remove_feed(ctx, ADMIN, 7)

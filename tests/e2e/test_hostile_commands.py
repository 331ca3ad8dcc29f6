"""Issue 9: hostile command arguments through the command core: SQL-looking strings in every argument, and an
enormous NCT query. Each is either one clear CommandError or stored verbatim; the schema stays intact."""
from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import App
from bot.core import feeds, filings, programs, subscriptions, trials
from bot.core.context import Actor, CommandError
from bot.core.lookup import lookup
from bot.core.upcoming import upcoming
from bot.core.why import why
from bot.settings import Settings
from storage.models import ProgramIn
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer

HOSTILE = [
    "'; DROP TABLE events; --",
    '" OR 1=1 --',
    "\x00",
    "x\x00y'); DELETE FROM subscriptions; --",
    "%",
    "_",
    "\\",
    "' UNION SELECT value FROM meta --",
    "NCT00000001' OR '1'='1",
]
TABLES = {"sources", "events", "subscriptions", "deliveries", "programs", "trial_watches", "trial_queries", "meta"}
ADMIN = Actor(platform="slack", user_id="U1", can_manage=True)
CHANNEL = subscriptions.ChannelRef(platform="slack", channel_id="C1")


@pytest.fixture
async def app(tmp_path: Path, server: LocalServer) -> AsyncIterator[App]:
    async def studies(request: web.Request) -> web.Response:
        return web.json_response({"studies": []})

    server.route("/ctgov/studies", studies)
    server.static("/feed.xml", rss(items(2)))
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'h.db'}", allow_private_addresses=True,
                        ctgov_base_url=server.url("/ctgov"), ctgov_request_interval_seconds=0,
                        http_timeout_seconds=2)
    opened = await App.open(settings)  # seeded: programmes and default sources to damage, if anything could
    try:
        yield opened
    finally:
        await opened.close()


async def schema_intact(app: App) -> None:
    assert await app.store.integrity_check() == "ok"
    names = {r[0] for r in await app.store.db.all("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert TABLES <= names, TABLES - names


async def outcome(work: object) -> object:
    try:
        return await work  # type: ignore[misc]
    except CommandError as exc:
        text = str(exc)
        assert text and "\n" not in text and "Traceback" not in text and len(text) < 500, text
        return exc


@pytest.mark.parametrize("s", HOSTILE)
async def test_sql_looking_strings_in_every_command_argument(app: App, server: LocalServer, s: str) -> None:
    ctx = app.core
    before = {
        "programs": len(await app.store.programs.list()), "sources": len(await app.store.sources.list()),
        "events": len(await app.store.events.latest(limit=1000)),
    }
    # subscribe: every filter, and the mention; a filter stored is stored verbatim (trimmed).
    for field in ("sponsors", "keywords"):
        result = await outcome(subscriptions.subscribe(ctx, ADMIN, CHANNEL, subscriptions.SubscribeRequest(
            **{field: [s]})))
        if not isinstance(result, CommandError):
            assert getattr(result.filters, field) == [s.strip()]  # type: ignore[attr-defined]
    for field in ("programs", "kinds", "subtypes"):
        assert isinstance(await outcome(subscriptions.subscribe(ctx, ADMIN, CHANNEL, subscriptions.SubscribeRequest(
            **{field: [s]}))), CommandError)
    sub = await outcome(subscriptions.subscribe(ctx, ADMIN, CHANNEL, subscriptions.SubscribeRequest(
        everything=True, mention=s)))
    if not isinstance(sub, CommandError):
        assert sub.mention in (s.strip(), None)  # type: ignore[attr-defined]
    # lookup, why, upcoming, programme removal and trials by name: unknown names are clear refusals.
    assert isinstance(await outcome(lookup(ctx, s)), CommandError)
    assert isinstance(await outcome(why(ctx, s)), CommandError)
    assert isinstance(await outcome(upcoming(ctx, 90, s)), CommandError)
    assert isinstance(await outcome(programs.remove_program(ctx, ADMIN, s)), CommandError)
    assert isinstance(await outcome(trials.unwatch_program(ctx, ADMIN, s)), CommandError)
    # programs add: in every field.
    for field, value in [("name", s), ("aliases", [s]), ("sponsors", [s]), ("nct_ids", [s]), ("cik", s),
                         ("ticker", s), ("indication", s)]:
        base = {"name": f"hostile programme {HOSTILE.index(s)}", "sponsors": ["Hostile Bio"]}
        result = await outcome(programs.add_program(ctx, ADMIN, ProgramIn(**{**base, field: value})))
        if not isinstance(result, CommandError):
            stored = await app.store.programs.find(result.name)  # type: ignore[attr-defined]
            assert stored is not None
            assert getattr(stored, field) in (value, [value], value.strip() if isinstance(value, str) else value)
            await app.store.programs.remove(stored.id)
    # feeds add: as the URL (refused before any request) and as the name of a real feed (stored verbatim).
    assert isinstance(await outcome(feeds.add_feed(ctx, ADMIN, s)), CommandError)
    added = await outcome(feeds.add_feed(ctx, ADMIN, server.url(f"/feed.xml?{HOSTILE.index(s)}"), s))
    assert not isinstance(added, CommandError)
    assert added.source.name in (s.strip(), "Acme Bio press releases")  # type: ignore[attr-defined]
    await app.store.sources.remove(added.source.id)  # type: ignore[attr-defined]
    # filings watch, trials watch/unwatch/show: refused as malformed IDs, before any request.
    assert isinstance(await outcome(filings.watch_filings(ctx, ADMIN, s)), CommandError)
    requests = len(server.hits("/ctgov/studies"))
    for call in (trials.watch_trials(ctx, ADMIN, [s]), trials.unwatch_trials(ctx, ADMIN, [s]),
                 trials.show_trial(ctx, s)):
        assert isinstance(await outcome(call), CommandError)
    assert len(server.hits("/ctgov/studies")) == requests
    # trials watch --program: the name goes to ClinicalTrials.gov as a query parameter and is stored verbatim.
    watched = await outcome(trials.watch_program(ctx, ADMIN, f"prog {s}", aliases=[s], sponsor=s))
    if not isinstance(watched, CommandError):
        assert watched.query.program == " ".join(f"prog {s}".split())  # type: ignore[attr-defined]
        await trials.unwatch_program(ctx, ADMIN, watched.query.program)  # type: ignore[attr-defined]
    # Nothing else was touched, and the schema is whole.
    await schema_intact(app)
    assert len(await app.store.programs.list()) == before["programs"]
    assert len(await app.store.sources.list()) >= before["sources"]
    assert len(await app.store.events.latest(limit=1000)) == before["events"]


async def test_enormous_nct_queries_are_refused_quickly_without_requests(app: App, server: LocalServer) -> None:
    ctx = app.core
    cases = {
        "100,000 IDs": [f"NCT{i:08d}" for i in range(100_000)],
        "1 MB of IDs in one string": [",".join(f"NCT{i:08d}" for i in range(90_000))],
        "1 MB of junk": ["A" * 1_000_000],
        "1 MB of separators": [", " * 500_000],
        "101 IDs": [f"NCT{i:08d}" for i in range(101)],
    }
    for name, raw in cases.items():
        for call in (lambda r=raw: trials.watch_trials(ctx, ADMIN, r),
                     lambda r=raw: trials.unwatch_trials(ctx, ADMIN, r)):
            started = time.monotonic()
            result = await outcome(call())
            took = time.monotonic() - started
            assert isinstance(result, CommandError), name
            assert "100 NCT IDs" in str(result), (name, str(result))
            assert took < 0.5, (name, took)
    print(f"enormous NCT queries: {len(cases)} shapes refused, each in under 0.5 s")
    huge_name = "x" * 1_000_000
    assert "too long" in str(await outcome(trials.watch_program(ctx, ADMIN, huge_name)))
    assert "too long" in str(await outcome(trials.watch_trials(ctx, ADMIN, ["NCT05531279"], program=huge_name)))
    assert server.hits("/ctgov/studies") == []  # no request storm: not one request
    await schema_intact(app)


async def test_bidi_controls_in_names_given_to_the_cli_are_stripped(server: LocalServer, tmp_path: Path) -> None:
    """Names typed into commands reach alerts and lists: `elgoog` between U+202E and U+202C reads as google."""
    from tests.e2e.test_cli import cli

    db = str(tmp_path / "b.db")
    server.static("/f", rss(items(1)))
    code, _, err = await cli("programs", "add", "azer\u202ecel\u202c", "--alias", "\u2066PBCAR0191\u2069",
                               "--sponsor", "TG\u202e Therapeutics", "--db", db)
    assert code == 0, err
    code, _, err = await cli("feeds", "add", server.url("/f"), "--name", "Acme \u202emoc.elgoog\u202c news",
                               "--db", db)
    assert code == 0, err
    code, _, err = await cli("subscribe", "--keyword", "\u202etopline", "--mention", "\u2067@here\u2069",
                               "--db", db)
    assert code == 0, err
    code, listed, _ = await cli("programs", "list", "--db", db)
    code, feeds_listed, _ = await cli("feeds", "list", "--db", db)
    code, subs, _ = await cli("subscriptions", "--db", db)
    everything = listed + feeds_listed + subs
    assert "azercel" in listed and "PBCAR0191" in listed and "TG Therapeutics" in listed
    assert "Acme moc.elgoog news" in feeds_listed and "topline" in subs
    assert not set(everything) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), ascii(everything)
    # In a URL the control is refused (it would point somewhere other than what it shows), with one line.
    code, _, err = await cli("feeds", "add", "https://evil.test/\u202egro.elgoog", "--db", db)
    assert code == 1 and "may not contain" in err and err.count("\n") == 1, err

"""Export / import of the whole configuration (JSON) and of the feeds (OPML 2.0)."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot.app import App
from bot.core import config_io
from bot.core.context import Actor, CommandError
from bot.settings import Settings
from storage.models import ProgramIn, SubscriptionFilters
from tests.e2e.test_cli import cli


async def _app(path: Path) -> App:
    return await App.open(Settings(_env_file=None, database_url=f"sqlite:///{path}", seed_defaults=False))


async def _populate(app: App) -> None:
    store = app.store
    feed = await store.sources.add("rss", "https://news.test/acme.xml", "Acme <press> & \"news\"")
    await store.sources.add("rss", "https://news.test/other.xml?x=1&y=2", "Other")
    off = await store.sources.add("rss", "https://news.test/off.xml", "Switched off")
    await store.sources.set_enabled(off.id, False)
    await store.sources.add("edgar", "https://www.sec.gov/cgi-bin/browse-edgar?CIK=1234&type=8-K", "SEC 8-K: Acme")
    await store.sources.add("openfda", "https://api.fda.gov", "openFDA")
    await store.sources.add("ctgov", "https://clinicaltrials.gov/api/v2", "ClinicalTrials.gov")
    await store.programs.add(ProgramIn(name="azer-cel", aliases=["azercabtagene zapreleucel", "PBCAR0191"],
                                      sponsors=["TG Therapeutics"], nct_ids=["NCT05531279"], ticker="TGTX",
                                      indication="lupus", notes="CD19 CAR-T"))
    await store.programs.add(ProgramIn(name="zetolimab", sponsors=["Acme Bio"]))
    await store.trials.add_watches(["NCT01234567", "NCT07654321"], "azer-cel")
    await store.trials.add_query("zetolimab", ["zetolimab", "ZT-1"], "Acme Bio")
    await store.subscriptions.add("discord", "140", SubscriptionFilters(programs=["azer-cel"], kinds=["readout"]),
                                 mention="<@&160>", created_by="150")
    await store.subscriptions.add("slack", "C1", SubscriptionFilters(keywords=["topline data"], source_ids=[feed.id]),
                                 mode="digest", digest_hour=7, created_by="UADMIN")
    gone = await store.subscriptions.add("slack", "C2", SubscriptionFilters(sponsors=["Acme Bio"]))
    await store.disable_subscription(gone.id, "channel_not_found")
    await store.subscriptions.add("console", "stdout", SubscriptionFilters())


async def test_export_import_into_an_empty_store_gives_the_same_configuration(tmp_path: Path) -> None:
    first_app = await _app(tmp_path / "a.db")
    await _populate(first_app)
    first = config_io.config_to_json(await config_io.export_config(first_app.core))
    await first_app.close()
    doc = json.loads(first)
    assert doc["format"] == "milestone-bot-config" and doc["version"] == 1
    assert len(doc["sources"]) == 6 and len(doc["programs"]) == 2 and len(doc["subscriptions"]) == 4
    assert {"kind": "rss", "url": "https://news.test/off.xml", "name": "Switched off", "enabled": False} in doc[
        "sources"]
    [digest] = [s for s in doc["subscriptions"] if s["mode"] == "digest"]
    assert digest["source_urls"] == ["https://news.test/acme.xml"] and digest["filters"]["source_ids"] == []

    second_app = await _app(tmp_path / "b.db")
    try:
        summary = await config_io.import_config(second_app.core, Actor(), first.encode())
        assert (summary.sources_added, summary.programs_added, summary.trials_added,
                summary.trial_programs_added, summary.subscriptions_added) == (6, 2, 2, 1, 4)
        again = config_io.config_to_json(await config_io.export_config(second_app.core))
        assert again == first
        # Idempotent: a second import adds nothing and the export is still the same.
        summary = await config_io.import_config(second_app.core, Actor(), first.encode())
        assert summary.sources_added == summary.subscriptions_added == summary.programs_added == 0
        assert config_io.config_to_json(await config_io.export_config(second_app.core)) == first
        # New sources are not primed: their first poll will be silent, as for `feeds add`.
        assert not any(s.primed for s in await second_app.store.sources.list())
    finally:
        await second_app.close()


async def test_opml_is_valid_opml_2_and_imports_back(tmp_path: Path) -> None:
    app = await _app(tmp_path / "a.db")
    try:
        await _populate(app)
        opml = config_io.feeds_to_opml(await config_io.export_config(app.core))
    finally:
        await app.close()
    root = ET.fromstring(opml.encode())
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.find("head/title") is not None
    outlines = root.findall("body/outline")
    assert {(o.get("type"), o.get("xmlUrl"), o.get("text")) for o in outlines} == {
        ("rss", "https://news.test/acme.xml", 'Acme <press> & "news"'),
        ("rss", "https://news.test/other.xml?x=1&y=2", "Other"),
        ("rss", "https://news.test/off.xml", "Switched off"),
    }
    empty = await _app(tmp_path / "b.db")
    try:
        await config_io.import_config(empty.core, Actor(), opml.encode())
        feeds = await empty.store.sources.list("rss")
        assert sorted(f.url for f in feeds) == sorted(o.get("xmlUrl") for o in outlines)
        assert {f.name for f in feeds} >= {'Acme <press> & "news"'}
    finally:
        await empty.close()


NESTED_OPML = b"""<?xml version="1.0"?>
<opml version="1.0"><head><title>Reader</title></head><body>
<outline text="Biotech"><outline text="Acme" type="rss" xmlUrl="https://news.test/a.xml"/>
<outline text="Beta" xmlUrl="https://news.test/b.xml"/></outline>
<outline text="no feed here"/></body></opml>"""


@pytest.mark.parametrize("data, message", [
    (b"", "Not a milestone-bot export"),
    (b"{\"format\": \"something-else\"}", "needs \"format\""),
    (b"[1, 2]", "Not a milestone-bot export"),
    (json.dumps({"format": "milestone-bot-config", "version": 1,
                 "sources": [{"kind": "rss", "url": "file:///etc/passwd", "name": "x"}]}).encode(),
     "only http and https"),
    (json.dumps({"format": "milestone-bot-config", "version": 1,
                 "trial_watches": [{"nct_id": "'; DROP TABLE trial_watches; --"}]}).encode(), "is not an NCT ID"),
    (json.dumps({"format": "milestone-bot-config", "version": 1,
                 "subscriptions": [{"platform": "slack", "channel_id": "C1", "filters": {"kinds": ["rumour"]}}]}
                ).encode(), "Unknown kind 'rumour'"),
    (json.dumps({"format": "milestone-bot-config", "version": 2}).encode(), "Invalid export at version"),
    (b"<html><body>not opml</body></html>", "root element must be <opml>"),
    (b"<opml version='2.0'><body><outline xmlUrl='https://a.test/x'", "Not a valid OPML file"),
    (b'<?xml version="1.0"?><!DOCTYPE o [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<opml version="2.0"><body><outline text="&x;" xmlUrl="https://a.test/"/></body></opml>', "XML entities"),
])
async def test_bad_files_are_refused_whole_before_anything_changes(tmp_path: Path, data: bytes,
                                                                   message: str) -> None:
    app = await _app(tmp_path / "a.db")
    try:
        # A valid first half must not be applied when a later part is wrong.
        with pytest.raises(CommandError, match=message):
            await config_io.import_config(app.core, Actor(), data)
        assert await app.store.sources.list() == [] and await app.store.trials.list_watches() == []
        assert await app.store.integrity_check() == "ok"
    finally:
        await app.close()


async def test_nested_opml_outlines_and_permission(tmp_path: Path) -> None:
    app = await _app(tmp_path / "a.db")
    try:
        with pytest.raises(CommandError, match="Manage Server"):
            await config_io.import_config(app.core, Actor(can_manage=False), NESTED_OPML)
        summary = await config_io.import_config(app.core, Actor(), NESTED_OPML)
        assert summary.sources_added == 2
        assert {s.name for s in await app.store.sources.list("rss")} == {"Acme", "Beta"}
    finally:
        await app.close()


async def test_cli_export_import_round_trip(tmp_path: Path) -> None:
    app = await _app(tmp_path / "a.db")
    await _populate(app)
    await app.close()
    code, out, err = await cli("export", str(tmp_path / "conf.json"), "--opml", str(tmp_path / "feeds.opml"),
                               "--db", str(tmp_path / "a.db"))
    assert code == 0, err
    assert "6 sources, 2 programmes" in out and "3 feeds (OPML 2.0)" in out
    code, out, err = await cli("import", str(tmp_path / "conf.json"), "--db", str(tmp_path / "b.db"))
    assert code == 0, err
    assert "6 sources, 2 programmes added" in out
    code, again, err = await cli("export", "--db", str(tmp_path / "b.db"))
    assert code == 0, err
    assert again == (tmp_path / "conf.json").read_text(encoding="utf-8")
    ET.parse(tmp_path / "feeds.opml")
    (tmp_path / "bad.json").write_text('{"format": "milestone-bot-config", "sources": 5}', encoding="utf-8")
    code, _, err = await cli("import", str(tmp_path / "bad.json"), "--db", str(tmp_path / "b.db"))
    assert code == 1 and "Invalid export at sources" in err

"""Hostile and broken configuration files through the real `milestone-bot import` / `programs import`: each is
refused whole with one line (nothing added, nothing rewritten), or applied in one transaction; applying the same
file again changes nothing."""
from __future__ import annotations

import json
import time
from pathlib import Path

from tests.e2e.test_cli import cli

SUBSCRIPTION = {"platform": "slack", "channel_id": "C1", "filters": {"keywords": ["topline"]}}


def config(**sections: object) -> str:
    return json.dumps({"format": "milestone-bot-config", "version": 1, **sections})


def feed(url: str, name: str = "Acme") -> dict[str, str]:
    return {"kind": "rss", "url": url, "name": name}


async def state(db: str) -> str:
    code, out, err = await cli("export", "--db", db)
    assert code == 0, err
    return out


async def refused(tmp_path: Path, db: str, text: str, message: str, env: dict[str, str] | None = None) -> None:
    before = await state(db)
    path = tmp_path / "in.json"
    path.write_text(text, encoding="utf-8")
    code, out, err = await cli("import", str(path), "--db", db, env=env)
    assert code == 1 and out == "", (out, err)
    assert message in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert await state(db) == before


async def test_a_file_failing_late_changes_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    code, _, err = await cli("programs", "add", "azer-cel", "--alias", "PBCAR0191", "--sponsor", "TG", "--db", db)
    assert code == 0, err
    good = {"sources": [feed("https://news.test/a.xml")], "programs": [{"name": "zetolimab", "sponsors": ["Acme"]}]}
    # An alias another programme already owns (found only when the store is written, today).
    await refused(tmp_path, db, config(sources=good["sources"], programs=[
        {"name": "zetolimab", "sponsors": ["Acme"]}, {"name": "other-prog", "aliases": ["PBCAR0191"]}]),
        "PBCAR0191")
    # More subscriptions for one channel than `subscribe` allows (MAX_SUBSCRIPTIONS_PER_CHANNEL, 25 by default).
    many = [{**SUBSCRIPTION, "filters": {"keywords": [f"word{i}"]}} for i in range(26)]
    await refused(tmp_path, db, config(**good, subscriptions=many), "limit is 25")
    # A subscription naming a programme neither in the file nor registered.
    await refused(tmp_path, db, config(**good, subscriptions=[{**SUBSCRIPTION, "filters": {"programs": ["nope"]}}]),
                  "nope")


async def test_private_and_metadata_addresses_are_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    for url in ["http://127.0.0.1/feed", "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/rss",
                "http://[::1]:8080/feed", "http://100.64.0.1/rss", "http://2130706433/feed"]:
        await refused(tmp_path, db, config(sources=[feed("https://news.test/ok.xml"), feed(url)]), "refused",
                      env={"ALLOW_PRIVATE_ADDRESSES": "false"})


async def test_malformed_urls_deep_json_and_lying_names(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    for url in ["https://news.test/a b.xml", "https://news.test/a.xml\nX-Injected: 1", "https://news.test/\u202ex"]:
        await refused(tmp_path, db, config(sources=[feed(url)]), "may not contain")
    await refused(tmp_path, db, "[" * 5000 + "]" * 5000, "too deeply nested")
    await refused(tmp_path, db, '{"format": "milestone-bot-config", "x": ' + "[" * 5000 + "]" * 5000 + "}",
                  "too deeply nested")
    path = tmp_path / "names.json"
    path.write_text(config(sources=[feed("https://news.test/a.xml", "Acme \u202emoc.elgoog\u202c")],
                           programs=[{"name": "azer\u202ecel", "sponsors": ["TG\u2066 Bio\u2069"]}],
                           subscriptions=[{**SUBSCRIPTION, "mention": "\u202e<!here>"}]), encoding="utf-8")
    code, _, err = await cli("import", str(path), "--db", db)
    assert code == 0, err
    exported = await state(db)
    assert "Acme moc.elgoog" in exported and "azercel" in exported and "TG Bio" in exported
    assert not set(exported) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), ascii(exported)


async def test_importing_an_unchanged_file_again_changes_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    toml = tmp_path / "p.toml"
    toml.write_text('[[program]]\nname = "azer-cel"\naliases = ["PBCAR0191"]\nsponsors = ["TG Therapeutics"]\n\n'
                    '[[program]]\nname = "zetolimab"\nsponsors = ["Acme Bio"]\n', encoding="utf-8")
    code, out, err = await cli("programs", "import", str(toml), "--db", db)
    assert code == 0 and "2 added, 0 updated" in out, (out, err)
    code, out, err = await cli("programs", "import", str(toml), "--db", db)
    assert code == 0 and "0 added, 0 updated, 2 unchanged" in out, (out, err)
    path = tmp_path / "c.json"
    path.write_text(config(sources=[feed("https://news.test/a.xml")], programs=[{"name": "zetolimab",
                                                                                 "sponsors": ["Acme Bio"]}],
                           subscriptions=[SUBSCRIPTION]), encoding="utf-8")
    code, out, err = await cli("import", str(path), "--db", db)
    assert code == 0 and "1 sources" in out, (out, err)
    code, out, err = await cli("import", str(path), "--db", db)
    assert code == 0 and "no changes" in out, (out, err)


async def test_two_thousand_subscriptions_import_in_one_go(tmp_path: Path) -> None:
    """A bench figure, printed: before, each subscription re-read its channel's whole list (quadratic)."""
    db = str(tmp_path / "x.db")
    subs = [{"platform": "discord", "channel_id": str(100 + i // 1000), "filters": {"keywords": [f"word {i}"]}}
            for i in range(2000)]
    path = tmp_path / "subs.json"
    path.write_text(config(subscriptions=subs), encoding="utf-8")
    started = time.monotonic()
    code, out, err = await cli("import", str(path), "--db", db, env={"MAX_SUBSCRIPTIONS_PER_CHANNEL": "1000"})
    took = time.monotonic() - started
    assert code == 0 and "2000 subscriptions" in out, (out, err)
    print(f"import of 2,000 subscriptions (2 channels of 1,000): {took:.1f} s, process start included")

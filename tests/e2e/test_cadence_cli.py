"""`feeds list` shows each feed's learned cadence and next poll; `why` shows publication → alert delay."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.test_cli import cli
from tests.support.feeds import Item, items, rss
from tests.support.local_server import LocalServer


async def test_feeds_list_shows_the_learned_cadence_and_next_poll(server: LocalServer, tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    server.static("/dated.xml", rss(items(6)))
    server.static("/undated.xml", rss([Item("Acme Bio update", guid="u1", link="https://news.test/u1")]))
    server.static("/empty.xml", rss([]))  # a new issuer's feed: no item yet
    for path in ("/dated.xml", "/undated.xml", "/empty.xml"):
        assert (await cli("feeds", "add", server.url(path), "--db", db))[0] == 0
    code, out, err = await cli("feeds", "list", "--db", db)
    assert code == 0, err
    # No dates stored anywhere yet: no prior either, so every feed starts at the fixed interval.
    assert out.count("cadence: fixed interval, 144 polls/day (no usable publication dates yet)") == 3
    assert (await cli("poll-once", "--db", db))[0] == 0
    code, out, err = await cli("feeds", "list", "--db", db)
    assert code == 0, err
    dated, rest = out.split("#2")
    undated, empty = rest.split("#3")
    assert re.search(r"cadence: learned from 6 dates, busiest \w{3} \d\d:00.* \(Eastern\); [\d.]+ polls/day; "
                     r"next poll \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", dated)
    assert "cadence: fixed interval" in undated and "next poll 20" in undated  # items seen, no dates
    assert re.search(r"cadence: new feed, no items yet: polled on all feeds' habits, busiest \w{3} \d\d:00.* "
                     r"\(Eastern\); [\d.]+ polls/day; next poll 20", empty)


async def test_why_shows_publication_to_alert_delay(server: LocalServer, tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    server.static("/f.xml", rss(items(2)))
    assert (await cli("feeds", "add", server.url("/f.xml"), "--db", db))[0] == 0
    assert (await cli("poll-once", "--db", db))[0] == 0
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=90)
    fresh = Item("Acme Bio announces topline results", guid="fresh", link="https://news.test/fresh",
                 published=published)
    server.static("/f.xml", rss([*items(2), fresh]))
    code, out, err = await cli("poll-once", "--json", "--db", db)
    assert code == 0, err
    event_id = json.loads(out.splitlines()[0])["id"]
    code, out, err = await cli("why", str(event_id), "--db", db)
    assert code == 0, err
    timing = re.search(r"timing: published (.+) UTC → detected \+1 min (\d+) s → alert sent \+1 min (\d+) s", out)
    assert timing is not None, out
    assert timing.group(1) == f"{published:%Y-%m-%d %H:%M:%S}"

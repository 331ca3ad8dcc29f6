"""One alert per channel, whatever number of its subscriptions match (the real CLI process, a local feed)."""
from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import cli
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer


async def test_three_matching_subscriptions_and_the_console_get_one_alert(server: LocalServer, tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    server.static("/feed.xml", rss(items(1)))
    code, _, err = await cli("feeds", "add", server.url("/feed.xml"), "--db", db)
    assert code == 0, err
    for args in (["--sponsor", "Acme"], ["--kind", "other"], ["--keyword", "update number"]):
        code, out, err = await cli("subscribe", *args, "--db", db)
        assert code == 0, err
    code, out, err = await cli("poll-once", "--db", db)  # a new feed's first poll announces nothing
    assert (code, out) == (0, ""), err
    server.static("/feed.xml", rss(items(2)))
    code, out, err = await cli("poll-once", "--db", db)  # the console's implicit subscription matches too
    assert code == 0, err
    assert out.count("Acme Bio announces update number 2") == 1, out

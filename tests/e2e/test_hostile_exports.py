"""What the bot writes must read back, whatever the text holds: the programme TOML, the OPML, the calendar."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import icalendar

from tests.e2e.test_cli import cli
from tests.support.feeds import items, rss
from tests.support.local_server import LocalServer

AWKWARD = 'DEL\x7f bell\x07 tab\t quote" back\\slash \U0001f9ec ünïcode'


async def test_programs_export_reads_back_whatever_the_text_holds(tmp_path: Path) -> None:
    db, other = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    code, _, err = await cli("programs", "add", "azer-cel", "--sponsor", "TG Therapeutics", "--alias", "PBCAR0191",
                             "--indication", AWKWARD, "--db", db)
    assert code == 0, err
    out_file = tmp_path / "p.toml"
    code, _, err = await cli("programs", "export", str(out_file), "--db", db)
    assert code == 0, err
    code, out, err = await cli("programs", "import", str(out_file), "--db", other)
    assert code == 0 and "1 added" in out, (out, err)
    code, again, err = await cli("programs", "export", "--db", other)
    assert code == 0 and again == out_file.read_text(encoding="utf-8"), err


async def test_export_picks_the_format_from_the_extension_or_refuses(server: LocalServer, tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    server.static("/f", rss(items(1)))
    code, _, err = await cli("feeds", "add", server.url("/f"), "--db", db)
    assert code == 0, err
    code, out, err = await cli("export", str(tmp_path / "x.opml"), "--db", db)
    assert code == 0 and "(OPML 2.0)" in out, err
    root = ET.parse(tmp_path / "x.opml").getroot()
    assert root.tag == "opml" and [o.get("xmlUrl") for o in root.iter("outline")] == [server.url("/f")]
    code, out, err = await cli("export", str(tmp_path / "x.json"), "--db", db)
    assert code == 0 and json.loads((tmp_path / "x.json").read_text())["format"] == "milestone-bot-config"
    code, out, err = await cli("export", str(tmp_path / "x.txt"), "--opml", str(tmp_path / "y.opml"), "--db", db)
    assert code != 0 and ".json" in err and err.count("\n") == 1, err
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "y.opml").exists()


async def test_calendar_cli_writes_a_reminder(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    code, _, err = await cli("calendar", "--ics", str(tmp_path / "c.ics"), "--remind-days", "3", "--db", db)
    assert code == 0, err
    icalendar.Calendar.from_ical((tmp_path / "c.ics").read_text(encoding="utf-8"))

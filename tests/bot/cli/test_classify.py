"""`milestone-bot classify` as a real process: JSON lines in, JSON lines out, errors per line."""
from __future__ import annotations

import asyncio
import json
import sys

from tests.support.paths import ROOT


async def run_classify(stdin: str) -> tuple[int, list[dict[str, object]]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "classify", cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(proc.communicate(stdin.encode()), 60)
    return proc.returncode or 0, [json.loads(line) for line in out.decode().splitlines()]


async def test_good_lines_in_order() -> None:
    lines = [
        {"title": "Northwind Bio Receives FDA Fast Track Designation for NWB-220 in Duchenne muscular dystrophy"},
        {"title": "Northwind Bio Announces Pricing of $50 Million Public Offering", "summary": ""},
        {"title": "Northwind Bio Doses First Patient in Phase 1 Trial of NWB-310", "summary": "It is a start."},
    ]
    code, out = await run_classify("\n".join(json.dumps(x) for x in lines) + "\n")
    assert code == 0
    assert [(o["label"], o["subtype"]) for o in out] == [
        ("regulatory", "fast_track"), ("other", "other"), ("enrollment", "first_patient")
    ]
    assert set(out[0]) == {"label", "subtype", "programs", "sponsor", "facts", "evidence", "confidence"}
    assert all(0.0 <= float(o["confidence"]) <= 1.0 for o in out)  # type: ignore[arg-type]
    assert "NWB-220" in out[0]["programs"]  # type: ignore[operator]
    assert out[0]["evidence"]  # the rule that decided it


async def test_bad_lines_yield_errors_and_processing_continues() -> None:
    stdin = "\n".join([
        "not json at all",
        json.dumps({"summary": "no title"}),
        json.dumps(["a", "list"]),
        json.dumps({"title": "Acme Announces Topline Results from Phase 2 Study"}),
    ]) + "\n"
    code, out = await run_classify(stdin)
    assert code == 1
    assert [("error" in o) for o in out] == [True, True, True, False]
    assert "not valid JSON" in str(out[0]["error"]) and "title" in str(out[1]["error"])
    assert out[3]["label"] == "readout"


async def test_empty_input_is_fine() -> None:
    assert await run_classify("") == (0, [])

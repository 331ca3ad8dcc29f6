"""The benchmark scripts still run end to end (tiny sizes; no timing is asserted — speed lives in bench/)."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from bench import bench_ctgov, bench_delivery
from tests.support.paths import ROOT


async def test_delivery_bench_delivers_everything() -> None:
    result = await bench_delivery.run(n_events=5, n_channels=2, limit=5, window=0.25)
    assert result["sent"] == 10 and result["over_limit"] == 0


async def test_ctgov_bench_runs() -> None:
    rows = await bench_ctgov.run(trials=50, changed=5, interval=0)
    assert [r[3] for r in rows][-2:] == [5, 0]  # the changed poll yields 5 events, the next none
    assert all(r[1] <= 3 for r in rows)


@pytest.mark.slow
def test_poll_cycle_bench_runs_small() -> None:
    done = subprocess.run(
        [sys.executable, "bench/bench_poll_cycle.py", "--feeds", "60", "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "overhead over the parser used" in done.stdout
    # The feeds come in several real shapes, each reported with the parser that read it (since the fast path reads
    # content:encoded and xml:base feeds too, a small run may have no feed left for feedparser).
    assert re.search(r"^parse path \(changed feeds\) +fast \d+% of items .*feedparser \d+% of items", done.stdout, re.M)
    shapes = re.findall(r"^  \S.*  (?:fast|feedparser): \d+ feeds, \d+ items", done.stdout, re.M)
    assert len(shapes) >= 3, done.stdout


@pytest.mark.slow
def test_time_to_alert_bench_reports_both_policies() -> None:
    from tests.conftest import shared_path

    shared_path("corpus", "globenewswire_biotech_items.csv")
    done = subprocess.run([sys.executable, "bench/bench_time_to_alert.py", "--no-tune", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    [line] = [x for x in done.stdout.splitlines() if x.startswith("BENCH-RESULT ")]
    result = json.loads(line.removeprefix("BENCH-RESULT "))
    for policy in ("fixed", "adaptive"):
        assert set(result[policy]) == {"median_s", "p95_s", "max_s", "requests_per_source_day"}
    # The same budget: adaptive never spends more requests than fixed polling.
    assert result["adaptive"]["requests_per_source_day"] <= result["fixed"]["requests_per_source_day"]
    assert result["sources"] > 0 and result["items_scored"] > 0

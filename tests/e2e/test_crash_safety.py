"""Issue 9 part 1: the real `milestone-bot run` process, SIGKILLed at random moments over many cycles, neither
loses nor doubles an alert and leaves an intact store (harness: bench/crash_harness.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.crash_harness import run_harness


@pytest.mark.slow
async def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path: Path) -> None:
    result = await run_harness(tmp_path, cycles=52, lanes=2, seed=7)
    print("\ncrash harness:", json.dumps(result, ensure_ascii=False))
    assert result["cycles_killed"] >= 50
    kills = result["kills_per_window"]
    # Each named window was hit by at least one kill (inferred from what the kill left behind).
    assert kills["fetch→store"] >= 1 and kills["store→delivery"] >= 1 and kills["mid-delivery"] >= 1, kills
    assert result["missing"] == [[], []] and result["unexpected"] == [[], []], result
    assert result["alerts_expected"] > 100
    assert result["alerts_delivered"] == result["alerts_expected"]
    assert result["alerts_duplicated"] == 0
    # The nonce really was the defence at least once: a retried delivery got the first message back.
    assert result["nonce_repeats_answered_by_mock"] >= 1
    assert result["integrity"] == ["ok"]
    assert all(set(d) == {"sent"} for d in result["deliveries"]), result["deliveries"]
    assert result["final_exit_codes"] == [0, 0]


@pytest.mark.slow
async def test_the_harness_catches_duplicates_when_the_nonce_is_not_honoured(tmp_path: Path) -> None:
    # The control: the same kills against a Discord that ignores nonces must show duplicates, so the check above
    # counts real double posts (by channel and title), not just nonces.
    result = await run_harness(tmp_path, cycles=10, lanes=2, seed=11, delay_fraction=1.0, honour_nonce=False)
    print("\ncrash harness, nonce ignored:", json.dumps(result, ensure_ascii=False))
    assert result["kills_per_window"]["mid-delivery"] >= 1
    assert result["alerts_duplicated"] >= 1
    assert result["nonce_repeats_answered_by_mock"] == 0
    assert result["integrity"] == ["ok"]

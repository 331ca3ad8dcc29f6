"""Guidance headlines announce timing, not data: label `other`, with the guidance kept as a fact."""
from __future__ import annotations

import pytest

from watchers.classify import classify


@pytest.mark.parametrize("title", [
    "Harbor Thera Expects Topline Data from Phase 2 Study of HT-14 in the Second Half of 2027",
    "Harbor Thera Anticipates Interim Results From REACH-3 Trial in Q2 2027",
])
def test_guidance_headline_is_other_with_guidance_fact(title: str) -> None:
    result = classify(title)
    assert (result.label, result.subtype) == ("other", "other")
    assert "guidance" in result.facts
    assert result.sponsor == "Harbor Thera"


def test_guidance_in_summary_far_from_trigger() -> None:
    result = classify("Harbor Thera Reports Third Quarter 2026 Financial Results",
                      "Topline data from the Phase 3 REACH-3 trial of HT-14 expected in 2H 2027.")
    assert result.label == "other"
    assert "2H 2027" in str(result.facts.get("guidance"))


def test_reported_topline_data_is_still_a_readout() -> None:
    result = classify("Harbor Thera Announces Positive Topline Data from Phase 3 REACH-3 Trial of HT-14")
    assert (result.label, result.subtype) == ("readout", "topline")

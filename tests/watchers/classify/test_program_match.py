from __future__ import annotations

import pytest

from watchers.classify.program_match import ProgramMatcher

TABLE = [
    ("azer-cel", "azer-cel", False, ["TG Therapeutics", "Imugene"]),
    ("azer-cel", "azercabtagene zapreleucel", False, ["TG Therapeutics", "Imugene"]),
    ("Dato-DXd", "datopotamab deruxtecan", False, ["Daiichi Sankyo"]),
    ("Dato-DXd", "Dato-DXd", False, ["Daiichi Sankyo"]),
    ("Dato-DXd", "DS-1062", False, ["Daiichi Sankyo"]),
    ("Ryoncil", "Ryoncil", False, ["Mesoblast"]),
    ("ABC-123", "ABC123", False, []),
    ("Horizon", "Horizon", True, ["Acme Bio"]),
    ("IL-2 short", "IL-2", False, []),
    ("IL-2 long", "IL-2 mutein", False, []),
]
M = ProgramMatcher(TABLE)


@pytest.mark.parametrize(
    "text",
    ["Azer-cel data at ASH", "AZER CEL update", "azercel phase 1", "azer‑cel (non-breaking hyphen)",
     "azer–cel (en dash)", "Azercabtagene Zapreleucel receives RMAT", "azercabtagene-zapreleucel",
     "(azer-cel)", "azer-cel's first patient"],
)
def test_hyphens_spaces_case_and_dashes(text: str) -> None:
    assert M.find(text) == ["azer-cel"]


@pytest.mark.parametrize("text", ["azercelosis is not a drug", "razer-cel", "xazer cel", "azer-cellular"])
def test_never_inside_another_word(text: str) -> None:
    assert M.find(text) == []


def test_registered_marks_and_trademarks() -> None:
    assert M.find("Mesoblast's RYONCIL® (remestemcel-L) approved") == ["Ryoncil"]
    assert M.find("Ryoncil™ label") == ["Ryoncil"]


def test_code_names_with_and_without_hyphen() -> None:
    assert M.find("ABC-123 enters Phase 2") == ["ABC-123"]
    assert M.find("ABC 123 and abc123") == ["ABC-123"]
    assert M.find("ABC-1234") == []


def test_several_programmes_in_order_of_appearance() -> None:
    assert M.find("DS-1062 and azer-cel, then datopotamab deruxtecan again") == ["Dato-DXd", "azer-cel"]


def test_overlapping_aliases_prefer_the_longest() -> None:
    assert M.find("IL-2 mutein shows activity") == ["IL-2 long"]
    assert M.find("IL-2 alone") == ["IL-2 short"]


def test_ambiguous_alias_needs_its_sponsor_nearby() -> None:
    assert M.find("A new horizon for patients") == []
    assert M.find("Acme Bio doses first patient in HORIZON trial") == ["Horizon"]


def test_empty_registry_and_empty_text() -> None:
    assert ProgramMatcher([]).find("azer-cel") == []
    assert M.find("") == []

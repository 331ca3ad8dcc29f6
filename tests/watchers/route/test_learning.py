"""What an event teaches the registry: learned programmes, their aliases, merges; junk never becomes one."""
from __future__ import annotations

import pytest

from storage.models import LearnedProgram, NewEvent
from storage.names import fold_name
from watchers.classify import classify
from watchers.route.learning import (
    Extension,
    LearningPlan,
    Merge,
    is_junk,
    learnable,
    plan_learning,
    renames,
    text_pairings,
)


def event(title: str, summary: str = "", sponsor: str | None = "Acme Bio") -> NewEvent:
    found = classify(title, summary)
    return NewEvent(dedupe_key=title, kind="other", subtype="other", title=title, summary=summary,
                    programs=found.programs, sponsor=sponsor)


def test_code_and_inn_in_one_release_make_one_programme_named_by_the_inn() -> None:
    ev = event("Acme Bio Announces First Patient Dosed with zapotinib (ABC-123) in Phase 2 Study")
    plan = plan_learning(ev, {})
    assert [(p.name, p.aliases, p.sponsors) for p in plan.creates] == [("zapotinib", ["ABC-123"], ["Acme Bio"])]
    assert not plan.merges and not plan.extends


@pytest.mark.parametrize(("text", "name", "other"), [
    ("azercabtagene zapreleucel (azer-cel) data", "azer-cel", "azercabtagene zapreleucel"),
    ("ABC-123 (Zapora) approved", "ABC-123", "Zapora"),
    ("velotinib, formerly XYZ-9, met its endpoint", "velotinib", "XYZ-9"),
    ("velotinib (formerly XYZ-9) met its endpoint", "velotinib", "XYZ-9"),
])
def test_the_texts_own_pairings(text: str, name: str, other: str) -> None:
    assert (name, other) in text_pairings(text, [name])


def test_a_brand_joins_as_an_alias_but_never_names_a_programme() -> None:
    plan = plan_learning(event("Acme Bio Receives Approval of ABC-123 (Zapora) for Psoriasis"), {})
    assert [(p.name, p.aliases) for p in plan.creates] == [("ABC-123", ["Zapora"])]
    ticker = plan_learning(event("Acme Bio starts trial of ABC-123 (ORR) and XYZ-55 (Acme Therapeutics)"), {})
    assert [(p.name, p.aliases) for p in ticker.creates] == [("ABC-123", []), ("XYZ-55", [])]


def test_an_inn_alone_later_extends_nothing_and_an_alias_pairing_extends_the_learned_programme() -> None:
    known = {"zapotinib": (7, "zapotinib", "learned"), "abc123": (7, "zapotinib", "learned")}
    assert not plan_learning(event("Acme Bio reports zapotinib topline data"), known)
    plan = plan_learning(event("Acme Bio: zapotinib (Zapora) launches"), known)
    assert [(e.program_id, e.aliases) for e in plan.extends] == [(7, ("Zapora",))]


def test_two_learned_names_shown_to_be_one_are_merged_into_the_inn() -> None:
    known = {"velotinib": (9, "velotinib", "learned"), "xyz9": (4, "XYZ-9", "learned")}
    plan = plan_learning(event("Acme Bio: velotinib, formerly XYZ-9, met its primary endpoint"), known)
    assert [(m.kept_id, m.merged_id) for m in plan.merges] == [(9, 4)]
    assert not plan.creates
    codes = {"xyz9": (9, "XYZ-9", "learned"), "abc1234": (4, "ABC-1234", "learned")}
    plan = plan_learning(event("Acme Bio: XYZ-9 (ABC-1234) met its primary endpoint"), codes)
    assert [(m.kept_id, m.merged_id) for m in plan.merges] == [(4, 9)]  # two codes: the older is kept


def test_registered_programmes_are_never_extended_or_merged() -> None:
    known = {"abc123": (1, "ABC-123", "registered"), "velotinib": (9, "velotinib", "learned")}
    assert not plan_learning(event("Acme Bio: velotinib (ABC-123) approved"), known)


@pytest.mark.parametrize("name", ["CD19", "PD-1", "GLP-1", "HER2", "IL-23", "B7-H3", "10 mg", "Acme Therapeutics",
                                  "KRAS", "statin", "peptide", "Release", "Brandix", "tablets"])
def test_junk_is_never_learned(name: str) -> None:
    assert learnable(name) is None


def test_the_sponsor_itself_is_junk() -> None:
    assert is_junk("Zymeworks", "Zymeworks Inc")


def test_a_headline_full_of_targets_and_doses_teaches_nothing() -> None:
    ev = event("Acme Bio Presents CD19 x CD3 and PD-1/GLP-1 Data at 10 mg Dose at ASCO 2026")
    assert not plan_learning(ev, {})


def test_a_plan_renames_a_filter_name_only_when_it_merges_or_adds_that_name() -> None:
    """Which learning makes a batch of polls look the subscriptions' and mutes' names up again (watchers/record.py)."""
    plan = LearningPlan(creates=[LearnedProgram(name="ACM-101", aliases=["zanubrutinib"])])
    assert renames(plan, {fold_name("Zanubrutinib")})
    assert renames(plan, {fold_name("acm-101")})
    assert not renames(plan, {fold_name("ACM-102")})
    assert renames(LearningPlan(extends=[Extension(7, ("ACM 102",))]), {fold_name("ACM-102")})
    assert not renames(LearningPlan(extends=[Extension(7, ("ACM-103",))]), {fold_name("ACM-102")})
    assert renames(LearningPlan(merges=[Merge(1, 2, "same drug")]), frozenset())
    assert not renames(LearningPlan(), {fold_name("ACM-101")})


def test_pairings_of_one_text_asked_with_other_names_answer_for_those_names() -> None:
    """The text's statements are scanned once and kept (one event's text is asked up to three times); each answer
    still depends on the names asked about (expected values: main's text_pairings, before the scan was kept)."""
    text = "Acme's zapotinib (ABC-123) and rilzabrutinib (XYZ-9, formerly QRS-1) data"
    assert text_pairings(text, ["zapotinib"]) == [("zapotinib", "ABC-123")]
    assert text_pairings(text, ["ABC-123"]) == [("ABC-123", "s zapotinib"), ("ABC-123", "zapotinib")]
    assert text_pairings(text, ["XYZ 9"]) == []
    assert text_pairings(text, []) == []
    assert text_pairings(text, ["Zapotinib", "abc123"]) == [("Zapotinib", "ABC-123"), ("abc123", "s zapotinib"),
                                                             ("abc123", "zapotinib")]
    assert text_pairings(text, ["rilzabrutinib"]) == [("rilzabrutinib", "XYZ-9, formerly QRS-1")]

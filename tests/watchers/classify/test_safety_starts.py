"""The safety patterns tried only where their first word stands (`detail_facts._finditer_at`, issue 19): the same
matches, in the same order, as `finditer` over the whole text — on our pages, on the real corpus (../shared,
skipped without it), and on fuzzed text made of the patterns' own words, case changes, the letters IGNORECASE
folds (ı, ſ, İ, K) and punctuation."""
from __future__ import annotations

import csv
import importlib
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import shared_path

facts = importlib.import_module("watchers.classify.detail_facts")  # the module, not the function of that name

PATTERNS = ((facts._EVENT_RATE, facts._EVENT_RATE_STARTS), (facts._NO_EVENT, facts._NO_EVENT_STARTS),
            (facts._TOLERATED, facts._TOLERATED_STARTS))

PAGE = (
    "In 14 patients with cohort 2 disease, the objective response rate was 42% and no grade 3 or higher cytokine "
    "release syndrome was observed. Grade ≥3 neutropenia occurred in 12.5% of patients; serious adverse events "
    "were reported in 8 %; treatment-related deaths in 0%. High-grade CRS was seen at 3%; ICANS of 4%. "
    "Without any dose-limiting toxicities, ACM-1 was well tolerated with a favourable safety profile; "
    "no new safety signals. Febrile neutropenia in 11%, anaemia at 9% and TEAEs of 60%; AEs in 70%. "
    "Liver toxicity was 2%. Discontinuations due to adverse events were 5%. Zero cases of infection."
)

WORDS = ["grade", "Grade 3", "grade ≥3", "grade 3 or higher", "high-grade", "severe", "serious", "CRS",
         "cytokine release syndrome", "ICANS", "neurotoxicity", "febrile neutropenia", "thrombocytopenia", "anemia",
         "anaemia", "infections", "DLTs", "dose-limiting toxicities", "treatment-related adverse events", "TRAEs",
         "SAE", "TEAE", "AEs", "adverse event", "deaths", "hepatotoxicity", "liver toxicity",
         "discontinuations due to adverse events", "no", "No", "zero", "without any", "absence of", "cases of",
         "new", "well-tolerated", "favorable safety profile", "manageable safety profile", "no new safety signal",
         "in", "of", "was", "were", "occurred in", "rate of", "at", "12%", "3.5 %", "100%", "patients", "had",
         "experienced", "%", ".", ";", ",", " ", "  ", "\n", "-", "ı", "ſ", "İ", "K", "İnfection", "ſevere",
         "grAde", "nO", "Kno", "_no", "aes", "cRs"]


def _same(text: str) -> None:
    for rx, literals in PATTERNS:
        fast = [(m.span(), m.groupdict()) for m in facts._finditer_at(rx, text, facts._starts(text, literals))]
        plain = [(m.span(), m.groupdict()) for m in rx.finditer(text)]
        assert fast == plain, (rx.pattern[:40], text)


def test_the_same_matches_on_our_page_and_its_sentences() -> None:
    _same(PAGE)
    sents = facts.Sentences(PAGE * 3)
    _same(sents.only(facts._SAFETY_WORDS))
    _same(facts._only(sents.only(facts._SAFETY_WORDS), ("%",)))
    assert facts.extract_safety(PAGE)  # the page states safety: the comparison above is not of empty lists


def test_every_first_word_of_the_patterns_is_a_start() -> None:
    """Each alternative of the grade and of the events begins with one of the start words (a new event added to
    _EVENTS without its first word would be missed: this fails)."""
    alternatives = [p for _, pattern in facts._EVENTS for p in _top_level(pattern)]
    alternatives += ["grade", "high", "severe", "serious"]
    for alternative in alternatives:
        # its first word: an optional group before it dropped, cut at the first character class or group
        head = re.sub(r"^\(\?:[^)]*\)\?", "", alternative)
        for variant in (re.sub(r"(\w)\?", r"\1", head), re.sub(r"\w\?", "", head)):  # ana?emia: both
            first = re.split(r"[\[(?\\ ]", variant)[0].lower()
            assert first and any(first.startswith(s) for s in facts._EVENT_RATE_STARTS), alternative


def _top_level(pattern: str) -> list[str]:
    """The alternatives of a pattern at depth 0."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(pattern):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    return [*parts, pattern[start:]]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), max_size=40), st.text(max_size=20))
def test_the_same_matches_on_fuzzed_text(words: list[str], noise: str) -> None:
    _same(" ".join(words) + noise)
    _same("".join(words))


def test_the_same_matches_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [f"{r.get('title') or ''}\n{r.get('summary') or ''}" for r in csv.DictReader(f)]
    assert len(rows) > 4_000
    for text in rows:
        _same(text)

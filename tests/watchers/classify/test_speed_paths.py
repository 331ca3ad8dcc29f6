"""The classifier's fast paths give exactly what the plain paths give.

* Rules: each rule is tried through its speed gate and its lower-cased twin pattern; on every title and lede of
  the real corpus (../shared, skipped without it) and on every rule headline of our own, the fast path must
  find the same span as the rule's case-insensitive pattern run on the original text, with no gate.
* Label model: ``predict_text`` (tokens mapped straight to weight rows) gives the scores of
  ``predict(features(...))`` on our headlines and on every corpus item (up to the order of the float sums).
* Dotless ı and long ſ (IGNORECASE reads them as i and s, ``str.lower`` keeps them): the gates and twins see
  them folded, so they agree with the case-insensitive patterns there too.
* Fact patterns: every lower-cased twin of :mod:`watchers.classify.facts` finds what its case-insensitive
  pattern finds on every corpus title + lede.
* Rule gates: the one-pass literal scan (:mod:`watchers.classify.prescan`, Aho-Corasick) opens exactly the
  rules whose gates the per-rule substring checks open, with and without the optional package.
* Product-name slots: the literal scan never closes on a text the slot pattern matches.
* Drug stems: the words ending with a stem come from one literal scan of an a-z-only copy of the text, the same
  words (same starts, same order) as the word pattern's scan.
* A release page read after the item was classified finishes the same analysis (title and lede are not
  classified again): the result equals a fresh classification with the body, and finishing twice leaves the
  first result unchanged.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import shared_path
from tests.watchers.classify.test_rules import CASES, HARD_CASES
from watchers.classify import LEDE_CHARS, _lede, _lowered, _prepare, analyse, classify, drug_names
from watchers.classify.learned import LabelModel, features, load_model
from watchers.classify.prescan import GateScan
from watchers.classify.rules import RULES, fires

BODY = (
    "<html><body><h1>Northgate Bio Presents Phase 1b Data</h1><p>In the Phase 1b trial, the objective response "
    "rate was 93% across 14 patients with indolent lymphoma and 67% in DLBCL. No grade 3 or higher cytokine "
    "release syndrome was observed. The randomized, pivotal Phase 3 trial in third-line DLBCL will enroll "
    "240 patients.</p></body></html>"
)


def _texts(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for title, summary in pairs:
        title_p = _prepare(title, 1_000)
        out.append((title_p, _lede(_prepare(summary, 2_000), title_p)[:LEDE_CHARS]))
    return out


def _check_rules(texts: list[tuple[str, str]]) -> list[str]:
    wrong = []
    for title, lede in texts:
        context = f"{title}\n{lede}"
        low_context = _lowered(context)
        for text in (title, lede):
            low = _lowered(text)
            if not text or low is None or low_context is None:
                continue
            for rule in RULES:
                fast = fires(rule, text, context, low, low_context)
                plain = fires(rule, text, context)
                if fast != plain:
                    wrong.append(f"{rule.name}: fast {fast} plain {plain} on {text[:80]!r}")
    return wrong


def test_fast_rule_paths_equal_plain_paths_on_our_headlines() -> None:
    assert _check_rules(_texts([(t, s) for _, _, t, s in CASES + HARD_CASES])) == []


@pytest.mark.slow  # every rule on 8,000 texts, both ways: about half a minute
def test_fast_rule_paths_equal_plain_paths_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    assert len(rows) > 4_000
    wrong = _check_rules(_texts(rows))
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


def test_a_release_page_finishes_the_same_analysis() -> None:
    title = "Northgate Bio Presents Azer-cel Phase 1b Data at ASCO"
    lede = "Northgate Bio today reported Phase 1b data for azer-cel presented at ASCO."
    analysis = analyse(title, lede)
    first = analysis.finish()
    with_body = analysis.finish(BODY)
    assert with_body.model_dump() == classify(title, lede, body=BODY).model_dump()
    assert first.model_dump() == classify(title, lede).model_dump()  # finishing with a body changed nothing here
    assert "results" in with_body.facts and with_body.facts != first.facts


@pytest.mark.parametrize("body", [None, "", BODY])
def test_finish_is_repeatable(body: str | None) -> None:
    analysis = analyse("Acme Bio Announces Topline Results from Phase 2 Trial of AB-1", "The trial met its endpoint.")
    assert analysis.finish(body).model_dump() == analysis.finish(body).model_dump()


def _model_differences(model: LabelModel, texts: list[tuple[str, str]]) -> list[str]:
    wrong = []
    for title, lede in texts:
        for rule, label in ((None, None), ("readout.topline@title", "readout"), ("other.earnings@lede", "other")):
            plain = model.scores(features(title, lede, rule, label))
            fast = model.text_scores(title, lede, rule, label)
            if not all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(plain, fast, strict=True)):
                wrong.append(f"{rule}: fast {fast} plain {plain} on {title[:80]!r}")
    return wrong


def test_model_fast_path_equals_features_on_our_headlines() -> None:
    model = load_model()
    assert model is not None
    extra = [("", ""), ("Data data DATA 2024 2025", "data data results results 12 mg 13 mg"),
             ("Acme's Phase-2 trial: topline — met", "topline topline met met the primary endpoint")]
    texts = _texts([(t, s) for _, _, t, s in CASES + HARD_CASES]) + extra
    assert _model_differences(model, texts) == []


def test_model_fast_path_equals_features_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    model = load_model()
    assert model is not None
    wrong = _model_differences(model, _texts(rows))
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


def _per_rule_mask(low: str) -> int:
    return sum(1 << i for i, r in enumerate(RULES) if not r.gate or any(g in low for g in r.gate))


def _scan_differences(texts: list[str]) -> list[str]:
    scan, py, plain = GateScan(RULES), GateScan(RULES), GateScan(RULES)
    py._strings = None  # without ahocorasick_rs: pyahocorasick
    plain._automaton = plain._strings = None  # the fallback without either
    assert scan._automaton is not None, "pyahocorasick is a dependency of the project"
    assert scan._strings is not None, "ahocorasick_rs is a dependency of the project"
    wrong = []
    for text in texts:
        low = text.lower()
        want = _per_rule_mask(low)
        if scan.open_mask(low) != want or py.open_mask(low) != want or plain.open_mask(low) != want:
            wrong.append(f"{text[:80]!r}: scan {scan.open_mask(low):x} fallback {plain.open_mask(low):x} want {want:x}")
    return wrong


def test_gate_scan_opens_the_rules_the_per_rule_checks_open() -> None:
    texts = [t for pair in _texts([(t, s) for _, _, t, s in CASES + HARD_CASES]) for t in pair]
    # overlapping and nested literals: "approval" holds "approv", "filing" holds "fil", "hold" ends "threshold"
    texts += ["", "approval filing threshold", "FDA ok", "50% cut", "Q3 ind CTA"]
    assert _scan_differences(texts) == []


def test_gate_scan_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    wrong = _scan_differences([t for pair in _texts(rows) for t in pair])
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


def _stem_start_differences(texts: list[str]) -> list[str]:
    return [f"{t[:80]!r}: {drug_names._stem_word_starts(t)} != {drug_names._stem_word_starts_plain(t)}"
            for t in texts if drug_names._stem_word_starts(t) != drug_names._stem_word_starts_plain(t)]


STEM_EDGES = ["", "pembrolizumab", "Acme's Keytruda (pembrolizumab) plus gene therapy", "making skin", "Genmab's",
              "nusinersen-abcd", "BioXcel", "a statistic", "Xmab", "XYmabcd", "ABcdefmab", "Abcdemab", "abcdemab",
              "Abcdmab", "leucel tisagenlecleucel", "éabcdefmab", "Éabcdefmab", "\u212aabcdefmab", "abcdefmabé",
              "ıabcdefmab", "🧬abcdefmab🧬", "abcdefmab\nZabcdecel", "Acme makes kinder statistics"]


def test_stem_word_starts_equal_the_word_scan() -> None:
    import random

    rng = random.Random(17)
    pieces = ["mab", "Xmab", "pembrolizumab", "leucel", "cel", "xcel", "tide", "stat", "kin", "Kinase", "nusinersen",
              "A", "Ab", "ab", "-", " ", "  ", "9", ".", "é", "®", "\u212a", "ı", "🧬", "\n"]
    fuzz = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(6_000)]
    fuzz += ["".join(rng.choice("abcdefkmlinstAZB -.9é") for _ in range(rng.randint(0, 40))) for _ in range(6_000)]
    texts = STEM_EDGES + fuzz + [f"{t}\n{s}" for t, s in _texts([(t, s) for _, _, t, s in CASES + HARD_CASES])]
    assert drug_names._STEM_END_SCAN is not None, "pyahocorasick is a dependency of the project"
    assert _stem_start_differences(texts) == []
    assert drug_names._stem_word_starts("Acme makes kinder statistics") == []  # the scan does close


def test_stem_word_starts_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [f"{_prepare(t, 1_000)}\n{_prepare(s, 2_000)[:1_000]}" for t, s in rows]
    wrong = _stem_start_differences(texts)
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


FOLD_ONLY_HEADLINES = [
    ("Acme Annoﬁnces Fırst Patıent Dosed ın Phase 1 Trıal of AB-1", "enrollment"),
    ("Acme Bio Reports Fırst Quarter 2024 Fınancıal Results", "other"),
    ("Acme Bio Receıves FDA Fast Track Desıgnatıon for AB-1", "regulatory"),
    ("Acme Bio Announceſ Poſitive Topline Reſults from Phase 3 Trial", "readout"),
]


def test_dotless_i_and_long_s_take_the_same_rules_as_plain_letters() -> None:
    assert _check_rules(_texts([(t, "") for t, _ in FOLD_ONLY_HEADLINES])) == []
    assert [classify(t).label for t, _ in FOLD_ONLY_HEADLINES] == [label for _, label in FOLD_ONLY_HEADLINES]


def test_dotless_i_opens_the_fact_gates() -> None:
    from watchers.classify.facts import extract_facts

    facts = extract_facts("Acme Phase 3 Trial Met Its Primary Endpoınt", "", "readout", "topline")
    assert facts.get("endpoint_met") is True


def _twin_differences(texts: list[str]) -> list[str]:
    from watchers.classify import facts
    from watchers.classify.rules import gate_lower

    twins = {name: tw for name, tw in vars(facts).items() if isinstance(tw, facts._Fast)}
    assert {"_GUIDANCE2_F", "_GUIDANCE3_F", "_PDUFA_F"} <= set(twins)
    wrong = []
    for text in texts:
        low = gate_lower(text)
        for name, tw in twins.items():
            fast, plain = tw.search(text, low), tw.orig.search(text)
            got = None if fast is None else (fast.group(0), fast.groups())
            want = None if plain is None else (plain.group(0), plain.groups())
            if got != want:
                wrong.append(f"{name}: fast {got} plain {want} on {text[:80]!r}")
    return wrong


def test_fact_twins_equal_their_patterns() -> None:
    texts = ["Topline data expected in 2H 2026", "Acme Expects to Report Phase 2 Data in the Second Half of 2027",
             "Results from the ALPINE trial are anticipated during Q3 2025", "PDUFA target action date of May 1, 2025"]
    assert _twin_differences(texts) == []


def test_fact_twins_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [f"{t}\n{lede[:1_000]}" for t, lede in (
        (tp, _lede(_prepare(s, 2_000), tp)) for tp, s in ((_prepare(t, 1_000), s) for t, s in rows))]
    wrong = _twin_differences(texts)
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


def _slot_gate_misses(texts: list[str]) -> list[str]:
    from watchers.classify.rules import gate_lower

    return [t[:80] for t in texts if drug_names._SLOT_RE.search(t) and not drug_names._may_have_slot(gate_lower(t))]


def test_slot_scan_never_skips_a_slot() -> None:
    texts = [f"{t}\n{s}" for t, s in _texts([(t, s) for _, _, t, s in CASES + HARD_CASES])]
    texts += ["FDA Approval of Zoryve for Psoriasis", "Phase 2 Study of Natrunix in RA", "Non-Inferiority of Capre vs"]
    assert sum(bool(drug_names._SLOT_RE.search(t)) for t in texts) > 3
    assert _slot_gate_misses(texts) == []
    assert not drug_names._may_have_slot("acme announces pricing of public offering")


def test_slot_scan_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [f"{t}\n{lede[:300]}" for t, lede in _texts(rows)]
    assert _slot_gate_misses(texts) == []


# --- the model's tokenizer: one translate + split instead of two regex scans -----------------------------------
TOKEN_EDGES = [
    "", "   ", "a--b -abc- x' 'y it's rock'n'roll first-in-human co-primary", "Phase 1/2a: 10,000 pts (n=12)",
    "snake_case_word __x__", "Ünïcode café — naïve résumé", "digits ٣٤ and ²³ and ①", "KELVIN \u212a İstanbul",
    "ZORYVE®  CASGEVY™ «quoted» “curly” ‘single’", "tab\tnew\nline\r\x0bvertical", "A–B A—B A‐B", "ſtar ıtem",
    "mixed ASCII and é-e and e-é and é'e", "x-1-y-2 '-' -'- a-'b", "ÀÉÎ-ÕÜ", "emoji 🧬 gene", "Ⅻ roman Ⅻ-i",
]


def _token_differences(texts: list[str]) -> list[str]:
    from watchers.classify.learned import _words, _words_plain

    return [f"{t[:80]!r}: {_words(t)} != {_words_plain(t)}" for t in texts if _words(t) != _words_plain(t)]


def test_model_tokens_equal_the_word_pattern_on_edge_cases() -> None:
    import random

    rng = random.Random(13)
    alphabet = "aZ09 -'_.,;:()/\t\né®ı™—٣İ\u212a\u00a0🧬"
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3_000)]
    texts = TOKEN_EDGES + fuzz + [t for pair in _texts([(t, s) for _, _, t, s in CASES + HARD_CASES]) for t in pair]
    assert _token_differences(texts) == []


def test_model_tokens_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [t for pair in _texts(rows) for t in pair] + [s for _, s in rows]
    wrong = _token_differences(texts)
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


def _word_id_differences(texts: list[str]) -> list[str]:
    from watchers.classify.learned import _Tables, _words_plain

    tables = _Tables({})
    wrong = []
    for t in texts:
        words = [w.token.decode() for w in tables.words(t)]
        if words != _words_plain(t):
            wrong.append(f"{t[:80]!r}: {words} != {_words_plain(t)}")
    return wrong


def test_model_word_ids_are_the_word_pattern_words() -> None:
    import random

    rng = random.Random(14)
    alphabet = "aZ09 -'_.,;:()/\t\né®ı™—٣İ\u212a\u00a0🧬"
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(3_000)]
    texts = TOKEN_EDGES + fuzz + [t for pair in _texts([(t, s) for _, _, t, s in CASES + HARD_CASES]) for t in pair]
    assert _word_id_differences([*texts, "\ud800", "a\udfffb é\ud800"]) == []  # lone surrogates too


def test_model_word_ids_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [t[:300] for pair in _texts(rows) for t in pair]
    wrong = _word_id_differences(texts)
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


def _toy_model(weights: dict[str, list[float]]) -> LabelModel:
    from watchers.classify.learned import hashed

    return LabelModel({"labels": ["enrollment", "other", "readout", "regulatory"], "bias": [0.1, -0.2, 0.0, 0.05],
                       "weights": {str(hashed([f])[0]): w for f, w in weights.items()}})


def test_model_fast_path_counts_each_feature_text_once() -> None:
    # equal weight rows are two features; "plumless" and "buckeroo" have the same CRC-32 (so one weight row),
    # and still are two features, as in set(features): only a repeat of the same text counts once
    model = _toy_model({"t:alpha": [0.5, 0.0, 0.0, 0.0], "t:beta": [0.5, 0.0, 0.0, 0.0],
                        "t:plumless": [0.0, 0.25, 0.0, 0.0], "l:alpha beta": [0.0, 0.0, 0.125, 0.0],
                        "r:none": [0.0, 0.0, 0.0, 1.0], "rl:none": [0.0, 0.0, 0.0, 1.0]})
    fast = model.text_scores("Alpha beta alpha plumless buckeroo", "alpha beta, alpha beta", None, None)
    assert fast == [1.1, 0.3, 0.125, 2.05]
    assert all(math.isclose(a, b) for a, b in zip(fast, model.scores(features(
        "Alpha beta alpha plumless buckeroo", "alpha beta, alpha beta", None, None)), strict=True))


def test_model_fast_path_keeps_equal_to_features_past_its_table_limit() -> None:
    model = load_model()
    assert model is not None
    small = LabelModel.__new__(LabelModel)
    small.__dict__.update(model.__dict__)
    small.LIMIT = 50  # a new table every few texts
    texts = _texts([(t, s) for _, _, t, s in CASES + HARD_CASES])
    assert _model_differences(small, texts) == []
    assert small._tables is not model._tables


def test_model_with_weights_of_more_decimals_takes_the_plain_path() -> None:
    model = _toy_model({"t:alpha": [0.123456, 0.0, 0.0, 0.0], "l:beta": [0.0, 0.1, 0.0, 0.0]})
    assert model.text_scores("alpha", "beta", None, None) == model.scores(features("alpha", "beta", None, None))
    assert math.isclose(model.text_scores("alpha", "beta", None, None)[0], 0.1 + 0.123456)


# --- ®/™ brand names read backwards from each mark -------------------------------------------------------------
BRAND_EDGES = [
    "", "®", "™ZORYVE", "ZORYVE®", "ZORYVE ®", "ZORYVE  ®", "ZORYVE\t™", "A®", "AB®", "1AB®", "_AB®", "-AB®",
    "AB-®", "AB_®", "A-B®", "é-AB®", "ÉAB®", "ABé®", "AB2®", "a.b®", "x/AB®", "NexoBrid® and CASGEVY™ (ZORYVE®)",
    "AB®™ CD™® EF ™™", "Acme's Keytruda®", "A\u00a0B\u2009®", "AB\x1c®", "Ab_c-d9 ®x", "Kelvin \u212aAB®",
]


def _brand_differences(texts: list[str]) -> list[str]:
    wrong = []
    for t in texts:
        want = [m.span(1) for m in drug_names._BRAND_RE.finditer(t)]
        if drug_names._brand_spans(t) != want:
            wrong.append(f"{t[:80]!r}: {drug_names._brand_spans(t)} != {want}")
    return wrong


def test_brand_spans_equal_the_brand_pattern_on_edge_cases() -> None:
    import random

    rng = random.Random(13)
    alphabet = "aZ09 -_.'/\t\n®™é\u00a0\x1cK"
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(5_000)]
    assert _brand_differences(BRAND_EDGES + fuzz) == []


def test_brand_spans_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [f"{_prepare(t, 1_000)}\n{_prepare(s, 2_000)[:1_000]}" for t, s in rows] + [s for _, s in rows]
    assert sum("®" in t or "™" in t for t in texts) > 100
    wrong = _brand_differences(texts)
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


# --- product-name slots tried only where an alternative can begin ----------------------------------------------
SLOT_EDGES = [
    "", "study of", "Study of Natrunix in RA", "sNDA for Zoryve in adults; BLA for capre, and MAA for nexobrid (EU)",
    "non-inferiority of Capre versus X", "Non-Inferiority of Capre vs. X", "superiority of Foo in",
    "a trial of  Foo in",
    "data on Foo\nnext", "results for Foo ®", "designations for Foo to", "studies with Foostudy of Bar in",
    "study of evaluating in for x", "xstudy of Foo in", "hold on Foo as", "supplement to the Foo in",
    "dosed with Foo plus Bar, evaluating Baz under",
]


def _slot_differences(texts: list[str]) -> list[str]:
    from watchers.classify.rules import gate_lower

    wrong = []
    for text in texts:
        low = gate_lower(text)
        want = [(m.span(), m.span(1)) for m in drug_names._SLOT_FAST.finditer(low)]
        got = [(m.span(), m.span(1)) for m in drug_names._slot_matches(low)]
        if got != want:
            wrong.append(f"{text[:80]!r}: {got} != {want}")
    return wrong


def test_slot_matches_equal_the_slot_pattern_on_edge_cases() -> None:
    import random

    rng = random.Random(13)
    words = ["study", "studies", "of", "for", "with", "s", "nda", "bla", "maa", "non-", "inferiority", "data", "on",
             "Foo", "Zoryve", "in", "and", "\n", ",", "x", "®", "review", "designations", "results", "hold", " "]
    fuzz = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 12))) for _ in range(5_000)]
    fuzz += ["".join(rng.choice(words) for _ in range(rng.randint(0, 12))) for _ in range(2_000)]
    assert sum(bool(drug_names._SLOT_FAST.search(t.lower())) for t in fuzz) > 100
    assert _slot_differences(SLOT_EDGES + fuzz) == []


def test_slot_matches_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [f"{t}\n{lede[:300]}" for t, lede in _texts(rows)] + [s for _, s in rows]
    wrong = _slot_differences(texts)
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


def test_is_company_reuses_a_release_only_for_the_same_texts() -> None:
    from watchers.classify.sponsor import is_company

    title = "Phase 2 Data for Acmezumab"
    as_company = "BOSTON, May 1, 2024 (GLOBE NEWSWIRE) -- Acmezumab, Inc. (Nasdaq: ACMZ) today announced data."
    as_drug = "BOSTON, May 1, 2024 (GLOBE NEWSWIRE) -- Northgate Bio today announced data for acmezumab."
    as_lede_company = "BOSTON, May 1, 2024 (GLOBE NEWSWIRE) -- Acmezumab (ACMZ) today announced data."
    for _ in range(2):  # each answer twice in a row, then the other text: a stale release would answer wrongly
        assert [is_company("Acmezumab", title, s) for s in (as_company, as_company, as_drug, as_drug)] == [
            True, True, False, False]
        assert [is_company("acmezumab", title, s) for s in (as_lede_company, as_drug, as_lede_company)] == [
            True, False, True]
        assert is_company("Acmezumab", "Acmezumab Pharma Inc Wins", as_drug)  # same summary, another title
        assert not is_company("Acmezumab", "Acmezumab Wins", as_drug)


def test_dateline_check_equals_the_dateline_pattern() -> None:
    import random

    from watchers.classify import _DATELINE, _has_dateline

    rng = random.Random(13)
    parts = ["(GLOBE NEWSWIRE)", "(Business Wire)", "(PR Newswire)", "(ACCESSWIRE)", "newswire", "NewMediaWire",
             "BUSINESS WIRE", "access wire", "BOSTON", "May 1, 2024", " ", "  ", "\t", "--", "2024", "a", "ſ", "ı",
             "\u212a", "é", ",", "(", ")", "Acme Bio", "1999", "İ", "®", "—", "ß", "ẞ", "\u0130", "ǅ"]
    texts = ["".join(rng.choice(parts) for _ in range(rng.randint(0, 8))) for _ in range(20_000)]
    texts += ["", "BOSTON, May 1, 2024 (GLOBE NEWSWIRE) -- Acme", "  BOSTON 2024", "B 2024", "BO 2024", "Ab1234",
              "x (BUSINESS WIRE) y", "(business wire)", "(ACCESSWIRE)", "a\nBOSTON 2024", "ſOSTON 2024",
              "NEWſWIRE", "(BUſıNESS WıRE)", "NEWMEDıAWıRE", "NEWSWİRE", "(BUSİNESS WIRE)", "Ä (ACCESSWIRE)",
              "BOSTON® 2024", "İSTANBUL 2024"]
    wrong = [t for t in texts if _has_dateline(t) != (_DATELINE.search(t) is not None)]
    assert wrong == []
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        heads = [_prepare(r.get("summary") or "", 2_000)[:200] for r in csv.DictReader(f)]
    assert [h for h in heads if _has_dateline(h) != (_DATELINE.search(h) is not None)] == []


# --- fact gates: a gate closes only on texts its pattern cannot match -----------------------------------------
def _fact_gate_misses(texts: list[str]) -> list[str]:
    from watchers.classify import facts
    from watchers.classify.rules import gate_lower

    misses = []
    for text in texts:
        low = gate_lower(text)
        if facts._INDICATION.search(text) and not any(g in low for g in facts._INDICATION_GATE):
            misses.append(f"indication: {text[:80]!r}")
        pdufa = any(g in low for g in facts._PDUFA_LEAD) and any(g in low for g in facts._PDUFA_DATE)
        if facts._PDUFA.search(text) and not pdufa:
            misses.append(f"pdufa: {text[:80]!r}")
    return misses


def test_fact_gates_never_close_on_a_match() -> None:
    texts = ["Approved for the Treatment of Adults With Psoriasis", "Data in Participants With RA",
             "FDA Sets PDUFA Goal of May 1, 2025", "Target Action Date: June 2, 2025", "action goal Q3 2025",
             "Study in Subjects With Gout", "fOR PATıENTS WıTH gout", "Goal date of first quarter 2026"]
    assert sum(bool(f) for t in texts for f in (_indication_match(t), _pdufa_match(t))) >= 6
    assert _fact_gate_misses(texts) == []
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    corpus = [t for tp, s in ((_prepare(t, 1_000), s) for t, s in rows)
              for t in (tp, _lede(_prepare(s, 2_000), tp)[:1_000], f"{tp}\n{_lede(_prepare(s, 2_000), tp)[:1_000]}")]
    assert _fact_gate_misses(corpus) == []


def _indication_match(text: str) -> bool:
    from watchers.classify import facts

    return facts._INDICATION.search(text) is not None


def _pdufa_match(text: str) -> bool:
    from watchers.classify import facts

    return facts._PDUFA.search(text) is not None


def test_boilerplate_end_equals_the_boilerplate_pattern() -> None:
    import random

    from watchers.classify import _BOILERPLATE_END, _VERB_SCAN, _boilerplate_end

    def span(m: object) -> object:
        return None if m is None else m.span()  # type: ignore[attr-defined]

    assert _VERB_SCAN is not None, "pyahocorasick is a dependency of the project"
    rng = random.Random(13)
    words = ["today", "has", "have", "announced", "announces", "reported", "reports", "presented", "provided",
             "provides", "confirmed", "shared", "released", "published", "x", "s", "Acme", "(GLOBE NEWSWIRE) --",
             "un", "Today", "ANNOUNCED"]
    gaps = [" ", " ", " ", "  ", "\t", "\n", "\u00a0", "", ","]
    texts = ["".join(rng.choice(words) + rng.choice(gaps) for _ in range(rng.randint(0, 8))) for _ in range(8_000)]
    texts += ["", "Acme today announced", "Acme has  reported", "Acme reported today", "xtoday announced",
              "unreported today", "today announcedx", "has\u00a0shared", "a" * 890 + " today announced",
              "a" * 893 + " has shared", "a" * 880 + " has\tshared today", "shared " * 200 + "today"]
    assert sum(_BOILERPLATE_END.search(t, 0, 900) is not None for t in texts) > 1_000
    wrong = [t[:80] for t in texts if span(_boilerplate_end(t)) != span(_BOILERPLATE_END.search(t, 0, 900))]
    assert wrong == []
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        summaries = [_prepare(r.get("summary") or "", 2_000) for r in csv.DictReader(f)]
    assert [s[:80] for s in summaries if span(_boilerplate_end(s)) != span(_BOILERPLATE_END.search(s, 0, 900))] == []


def test_two_english_marks_equals_counting_them_all() -> None:
    import random

    from watchers.classify.languages import _ENGLISH_MARKS, _two_english_marks

    rng = random.Random(13)
    words = ["the", "of", "and", "for", "with", "to", "in", "from", "on", "x", "der", "le", "thé", "ofthe", ""]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 7))) for _ in range(8_000)]
    texts += ["", " of the ", " of  the ", " of the the ", "a of b the c", " the the", "the of "]
    assert {len(_ENGLISH_MARKS.findall(t)) for t in texts} >= {0, 1, 2, 3}
    assert [t for t in texts if _two_english_marks(t) != (len(_ENGLISH_MARKS.findall(t)) >= 2)] == []


def _subtype_for_plain(label: str, title: str, lede: str) -> tuple[str, object]:
    """subtype_for as it was: every rule of the label, plain patterns, no gates."""
    from watchers.classify import DEFAULT_SUBTYPE, SUBTYPE_REFINERS, TAXONOMY, Evidence, _phrase

    lede_head = lede[:LEDE_CHARS]
    context = f"{title}\n{lede_head}"
    for where, text in (("title", title), ("lede", lede_head)):
        if not text:
            continue
        for rule in RULES:
            if rule.label != label or (rule.title_only and where != "title"):
                continue
            span = fires(rule, text, context)
            if span is not None:
                sub = rule.subtype
                if sub is None:
                    sub = next((s for s, rx in SUBTYPE_REFINERS.get(label, ()) if rx.search(context)), None)
                sub = sub if sub in TAXONOMY[label] else DEFAULT_SUBTYPE[label]
                return sub, Evidence(rule=f"{rule.name}@{where}", phrase=_phrase(text[span[0] : span[1]]))
    return DEFAULT_SUBTYPE[label], None


def _subtype_differences(texts: list[tuple[str, str]]) -> list[str]:
    from watchers.classify import subtype_for

    return [f"{label}: {title[:60]!r}" for title, lede in texts for label in ("readout", "enrollment", "regulatory")
            if subtype_for(label, title, lede) != _subtype_for_plain(label, title, lede)]


def test_subtype_for_equals_the_plain_rule_walk() -> None:
    texts = _texts([(t, s) for _, _, t, s in CASES + HARD_CASES]) + _texts([(t, "") for t, _ in FOLD_ONLY_HEADLINES])
    texts += [("İ Acme Receives FDA Approval", "The FDA approved İ-1."), ("", "Topline results were positive.")]
    assert len({_subtype_for_plain("regulatory", t, lede)[0] for t, lede in texts}) > 5
    assert _subtype_differences(texts) == []


def test_subtype_for_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    wrong = _subtype_differences(_texts(rows))
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


def test_ticker_mark_is_in_every_ticker_company_match() -> None:
    import random

    from watchers.classify.sponsor import _TICKER_COMPANY, _TICKER_MARK

    rng = random.Random(13)
    words = ["Acme", "Bio", "Inc.", ",", "(Nasdaq:", "(NASDAQ: ACME)", "(OTCQB:", "(ACME)", "(AB)", "(ABCDEF)", "(",
             ")", ":", "\n", "Ltd", "today", "A/S", "(XETRA", "(NYSE", "Euronext)"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 8))) for _ in range(8_000)]
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts += [_prepare(t, 1_000) for t, _ in rows] + [_prepare(s, 2_000) for _, s in rows]
    assert sum(_TICKER_COMPANY.search(t) is not None for t in texts) > 2_000
    assert [t[:80] for t in texts if _TICKER_COMPANY.search(t) and not _TICKER_MARK.search(t)] == []


def test_clean_name_equals_the_plain_substitutions() -> None:
    import random

    from watchers.classify import sponsor

    def plain(name: str) -> str:
        name = sponsor._MARKS.sub("", name).strip(" ,–—-")
        name = sponsor._TRAILING_JUNK.sub("", name).strip()
        name = sponsor._TRAILING_SUFFIX.sub("", name).strip(" ,")
        words = name.split()
        while len(words) > 1 and sponsor._TRIAL_OR_CODE.match(words[-1]):
            words.pop()
        return " ".join(words)

    rng = random.Random(13)
    parts = ["Acme", "Bio", "Inc", "Inc.", "S.A", "N.V.", "A/S", "Co", "Corporation", "SE", "plc", ",", " and", "&",
             "\n", "™", "®", " ", "  ", "-", "–", "AB-12", "GmbH", "LLC", "Ltd.", "and", "sand"]
    names = ["".join(rng.choice(parts) for _ in range(rng.randint(0, 7))) for _ in range(10_000)]
    names += ["", "Acme Bio, Inc.", "Acme and", "Acme &", "Acme,", "Acme Inc\n", "Acme and\n", "Acme ® Inc",
              "Pliant Therapeutics INTEGRIS-PSC"]
    assert sum(plain(n) != n for n in names) > 3_000
    assert [n for n in names if sponsor._clean(n) != plain(n)] == []


def test_guidance_twins_tried_at_their_start_literals_equal_their_patterns() -> None:
    import random

    from watchers.classify import facts

    assert facts._GUIDANCE3_F.starts is not None and facts._GUIDANCE2_F.starts is not None
    rng = random.Random(13)
    slots = [["", "Acme", "the", "ſtill", "metadata"], ["", "Topline", "top-line", "top line", "interim", "final",
             "pivotal", "Expects", "anticipates", "plans", "on track"], ["", "to report", "to", "Phase 3"],
             ["data", "results", "readout", "Data", "x"], ["", "from the trial", "are", "is now", ";", "."],
             ["expected", "anticipated", "planned", "on track", "ıs"], ["", "to be", "now"],
             ["in", "by", "during", "for"], ["2H 2026", "the second half of 2027", "Q3 2025", "year-end", "2026", "x"]]
    texts = [" ".join(rng.choice(slot) for slot in slots if rng.random() < 0.9) for _ in range(10_000)]
    texts += ["Topline data expected in 2H 2026", "Acme Expects to Report Phase 2 Data in the Second Half of 2027",
              "top line results anticipated during Q3 2025", "metadata results planned in 2026"]
    assert sum(facts._GUIDANCE3.search(t) is not None for t in texts) > 300
    assert sum(facts._GUIDANCE2.search(t) is not None for t in texts) > 100
    assert _twin_differences(texts) == []


def test_fact_twins_tried_at_their_start_words_equal_their_patterns() -> None:
    import random

    from bench.bench_body_facts import make_page
    from watchers.classify import facts
    from watchers.classify.detail_facts import body_text

    rng = random.Random(13)
    slots = [["", "The trial", "Acme", "It", "unmet"], ["", "did not", "does not", "didn't", "didn’t", "failed to",
             "fails to", "not", "met", "meets", "achieved", "hit", "reached", "missed", "target action", "PDUFA",
             "goal", "hazard ratio", "HR", "for the treatment of", "for patients with", "to treat",
             "in participants with", "in subjects with"], ["", "meet", "achieve", "the", "its", "of", "date of",
             "(HR)", "=", "severe"], ["primary", "primary efficacy", "secondary", "date", "goal", "0.54", "asthma"],
             ["", "endpoint", "end-point", "endpoints", "was", "were", "not met", "met", "achieved"],
             ["", "May 1, 2025", "Q3 2025", "in adults", ",", ".", "; p<0.001", "0.71"]]
    texts = [" ".join(rng.choice(slot) for slot in slots if rng.random() < 0.9) for _ in range(10_000)]
    texts += [body_text(make_page(kb, seed)) for kb, seed in ((30, 7), (12, 1), (5, 2))]
    for rx in (facts._ENDPOINT_NOT, facts._ENDPOINT_MET, facts._PDUFA, facts._HR, facts._INDICATION):
        assert sum(rx.search(t) is not None for t in texts) > 50, rx.pattern[:40]
    assert _twin_differences(texts) == []


# --- code names: _CODE_RE tried only where a class copy of the text says a match can start --------------------
CODE_EDGES = [
    "", "A", "A1", "A12", "A123", "AB12", "ABCDEF12", "AB-1", "Ab-12", "ABCDEF-1", "ABCDEFG-1", "AB-CDEFGHIJ1",
    "AB-CD.1", "AB-1.2", "ACI-24.060", "PGN-EDODM1", "IMC-P115C", "OCU410ST", "GLPG5101", "COVID-19", "x/AB12",
    "x.AB12", "x_AB12", "xAB12", "-AB12", "é AB12", "éAB12", "®AB12", "AB®CD12", "AB٣CD12", "AB٣٤", "A٣٤٥",
    "AB-CD٣", "?AB12", "AB12?CD34", "AB12.5", "AB-12-34-56", "ABCDE-ABCDEFGH-ABCDE1", "ABCDE-ABCDEFGH-ABCDEF1",
    "(AB-101) and [CD202]\nEF-3", "Phase 2 of AB-101, then AB-102.",
    "ABCDEF-GHIJKLMN-OPQRS1", "x ABCDEF-GHIJKLMN-OPQRS1", "AB-12 AB-12AB-12 CD-3",
]


def _code_differences(texts: list[str]) -> list[str]:
    return [f"{t[:80]!r}" for t in texts
            if [m.span() for m in drug_names._code_matches(t)] != [m.span() for m in drug_names._CODE_RE.finditer(t)]]


def test_code_matches_equal_the_code_pattern_on_edge_cases() -> None:
    import random

    rng = random.Random(19)
    pieces = ["AB", "A", "Ab", "GLPG", "-", ".", "/", "_", "1", "12", "123", "4567", " ", "é", "®", "٣", "?", "x",
              "COVID-19", "PGN-EDODM1", "ACI-24.060", "A002", "ABCDEFGHIJKLMNOP", "abcdefghij", "\n"]
    fuzz = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(8_000)]
    fuzz += ["".join(rng.choice("AZBab09-._/ é٣®?") for _ in range(rng.randint(0, 40))) for _ in range(8_000)]
    texts = CODE_EDGES + fuzz + [f"{t}\n{s}" for t, s in _texts([(t, s) for _, _, t, s in CASES + HARD_CASES])]
    assert _code_differences(texts) == []


def test_code_matches_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [f"{_prepare(t, 1_000)}\n{_prepare(s, 2_000)[:1_000]}" for t, s in rows]
    wrong = _code_differences(texts)
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


# --- langdetect with its per-language loops in numpy ---------------------------------------------------------
def _detector_differences(texts: list[str]) -> list[str]:
    from langdetect import DetectorFactory, detector_factory
    from langdetect.detector import Detector

    from watchers.classify.language_detector import FastDetector, detect

    DetectorFactory.seed = 0
    detector_factory.init_factory()
    wrong = []
    for text in texts:
        out = []
        for cls in (Detector, FastDetector):
            d = cls(detector_factory._factory)
            d.append(text)
            try:
                out.append((d.get_probabilities(), d.langprob))
            except Exception as e:  # langdetect raises on a text without features: so must the fast one
                out.append((type(e).__name__, str(e)))
        plain, fast = out
        if repr(plain) != repr(fast) or (not isinstance(plain[0], str) and detect(text) != plain[0][0].lang):
            wrong.append(f"{text[:60]!r}: {fast[0]} != {plain[0]}")
    return wrong


def test_fast_detector_gives_langdetects_probabilities() -> None:
    import random

    rng = random.Random(23)
    words = ("der die und für über Zulassung Studie le la des pour avec étude résultats el los para año ensayo "
             "il della studio è og af til på med för och är þetta sú fyrir að data Phase FDA 2024 ® — ñ ç ø å ü ö "
             "Ĳ ẞ").split()
    texts = ["", "123 456", "Acme GmbH gibt Zulassung für AB-1 bekannt", "Acme SA annonce des résultats positifs"]
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 25))) for _ in range(150)]
    assert _detector_differences(texts) == []


def test_fast_detector_on_the_real_corpus() -> None:
    import watchers.classify.languages as languages

    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    asked: list[str] = []
    plain = languages._langdetect
    try:  # the texts the classifier hands to langdetect
        languages._langdetect = lambda text: asked.append(text)  # type: ignore[assignment,func-returns-value]
        for title, lede in _texts(rows):
            languages.detect_language(title, lede)
    finally:
        languages._langdetect = plain
    assert len(asked) >= 10
    assert _detector_differences(asked) == []


def test_code_stop_words_are_what_the_stop_pattern_matches() -> None:
    import random

    words = sorted(drug_names._CODE_STOP_WORDS)
    assert len(words) > 250 and all(w.isalnum() for w in words)
    rng = random.Random(29)
    texts = words + [w + "1" for w in words] + [w[:-1] for w in words] + [w.lower() for w in words]
    texts += ["", "X", "COVID19", "ABC", "PCV13", "Q", "QQ", "AB-1", "HER2"]
    texts += ["".join(rng.choice("ABCDEFGHIKLMNOPQRSTUVWXYZabc0123") for _ in range(rng.randint(1, 6)))
              for _ in range(20_000)]
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    if path.exists():
        with path.open(newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                for m in drug_names._CODE_RE.finditer(f"{r.get('title') or ''}\n{r.get('summary') or ''}"):
                    texts += [m.group(1), m.group(1).split("-")[0]]
    wrong = [t for t in texts if (t in drug_names._CODE_STOP_WORDS) != bool(drug_names._CODE_STOP_PREFIX.match(t))]
    assert wrong == []


# --- rule twins tried only at their start literals (prescan.start_literals / StartSearch) ------------------------
def test_start_literals_read_from_the_pattern() -> None:
    from watchers.classify.prescan import start_literals

    assert start_literals(r"\bab(?:c|d)e") == ("abce", "abde")
    assert start_literals(r"\b(?<!x )(?:first|1st)[- ]quarter") == ("1st ", "1st-", "firs")
    assert start_literals(r"x?yz") == ("xyz", "yz")
    assert start_literals(r"(?:ab)+c") == ("ab",)  # more passes may follow: the literal ends after one
    assert start_literals(r"a{0,2}b") == ("a", "b")
    assert start_literals(r"[ab]c") == ("ac", "bc")
    assert start_literals(r"to\s+x") == ("to",)
    assert start_literals(r"abc|\d+%") is None  # a match may begin with any digit
    assert start_literals(r"(?i:abc)") is None and start_literals(r"(?i)abc") is None
    assert start_literals(r"x*abc") == ("abc", "x")
    assert start_literals(r"ab|abc") == ("ab",)


def _start_search_differences(texts: list[str]) -> list[str]:
    from watchers.classify.prescan import StartSearch, start_literals

    wrong = []
    for rule in RULES:
        twins = [(f, getattr(rule, f)) for f in ("fast", "fast_requires", "fast_unless")]
        twins += [(f"part{i}", rx) for i, (_, rx) in enumerate(rule.fast_parts)]
        for field, rx in twins:
            if rx is None:
                continue
            rx = getattr(rx, "rx", rx)  # the plain pattern of a StartSearch
            literals = start_literals(rx.pattern)
            if literals is None:
                continue
            starts = StartSearch(rx, literals)
            for text in texts:
                a, b = rx.search(text), starts.search(text)
                if (a and a.span()) != (b and b.span()):
                    wrong.append(f"{rule.name}.{field}: {a} != {b} on {text[:80]!r}")
    return wrong


def test_start_search_equals_search_for_every_rule_twin() -> None:
    import random

    from watchers.classify.prescan import start_literals

    rng = random.Random(31)
    pieces = [" ", "  ", "\n", ",", ".", "-", "the ", "fda ", "2024 ", "x"]
    for rule in RULES:  # the literals themselves, glued to words and to each other
        for rx in (rule.fast, rule.fast_requires, rule.fast_unless, *(p for _, p in rule.fast_parts)):
            if rx is not None:
                pieces.extend(start_literals(getattr(rx, "rx", rx).pattern) or ())
    words = [w for _, _, t, s in CASES + HARD_CASES for w in f"{t} {s}".lower().split()]
    texts = ["".join(rng.choice(pieces + words) for _ in range(rng.randint(1, 30))) for _ in range(1_500)]
    texts += [_lowered(f"{t}\n{s}") or "" for t, s in _texts([(t, s) for _, _, t, s in CASES + HARD_CASES])]
    assert _start_search_differences(texts) == []


@pytest.mark.slow  # every twin with start literals, both ways, on 4,000 texts: about half a minute
def test_start_search_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [_lowered(f"{t}\n{lede}") or "" for t, lede in _texts(rows)]
    wrong = _start_search_differences(texts)
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


# --- yes/no twins one top-level alternative at a time (prescan.AnySearch) ---------------------------------------
def test_required_literal_read_from_the_pattern() -> None:
    from watchers.classify.prescan import required_literal

    assert required_literal(r"\d+(?:\.\d+)?\s?%(?! owned)") == "%"
    assert required_literal(r"\bab\s+cde\b") == "cde"
    assert required_literal(r"a(?:bc)?d") == "a"
    assert required_literal(r"(?:abc)|x") is None  # the alternation is no top-level run
    assert required_literal(r"x*") is None


def _any_search_differences(texts: list[str]) -> list[str]:
    from watchers.classify.prescan import AnySearch, top_level_alternatives

    wrong = []
    for rule in RULES:
        for field in ("fast_requires", "fast_unless"):
            rx = getattr(rule, field)
            if rx is None:
                continue
            plain = re.compile(rx.pattern)
            parts = top_level_alternatives(plain.pattern)
            assert parts is not None, rule.name
            split = AnySearch(plain, parts)
            wrong += [f"{rule.name}.{field} on {t[:80]!r}" for t in texts
                      if (split.search(t) is None) != (plain.search(t) is None)]
    return wrong


def test_any_search_equals_search_for_every_yes_no_twin() -> None:
    import random

    rng = random.Random(37)
    pieces = [" ", "\n", ",", ".", "12", "3.5", "%", " %", "% owned", "p<0.05", "p = .01", "topline data", "top-line",
              "met its primary", "missed the primary", "expects topline data", "will ", "fda", "clinical", "2024"]
    words = [w for _, _, t, s in CASES + HARD_CASES for w in f"{t} {s}".lower().split()]
    texts = ["".join(rng.choice(pieces + words) for _ in range(rng.randint(1, 30))) for _ in range(1_000)]
    texts += [_lowered(f"{t}\n{s}") or "" for t, s in _texts([(t, s) for _, _, t, s in CASES + HARD_CASES])]
    assert _any_search_differences(texts) == []


def test_any_search_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [_lowered(f"{t}\n{lede}") or "" for t, lede in _texts(rows)]
    wrong = _any_search_differences(texts)
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


# --- subtype refiners through their rules' lower-cased twins ----------------------------------------------------
def _refine_differences(texts: list[str]) -> list[str]:
    from watchers.classify import SUBTYPE_REFINERS, _refine

    wrong = []
    for label in SUBTYPE_REFINERS:
        for text in texts:
            plain = next(((sub, r.group(0)) for sub, rx in SUBTYPE_REFINERS[label] if (r := rx.search(text))), None)
            if _refine(label, text) != plain:
                wrong.append(f"{label}: {_refine(label, text)} != {plain} on {text[:80]!r}")
    return wrong


def test_refiner_twins_equal_the_refiners() -> None:
    texts = [t for pair in _texts([(t, s) for _, _, t, s in CASES + HARD_CASES]) for t in pair]
    texts += [t for t, _ in FOLD_ONLY_HEADLINES] + ["İstanbul Data Presented at ASCO", "Topline Results of AB-1", ""]
    assert _refine_differences(texts) == []


def test_refiner_twins_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    wrong = _refine_differences([t for pair in _texts(rows) for t in pair])
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


# --- facts: one literal scan for every gate, the parts' lower-cased texts sliced from the whole --------------------
def test_fact_gate_scan_finds_the_literals_present() -> None:
    import random

    from watchers.classify import facts

    rng = random.Random(41)
    pieces = [*facts._GATE_LITERALS, " ", "x", "e", "p", "h", "\n", "-", "ı", "İ"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 25))) for _ in range(5_000)]
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    if path.exists():
        with path.open(newline="", encoding="utf-8") as f:
            rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
        texts += [_lowered(f"{t}\n{lede}") or "" for t, lede in _texts(rows)]
    wrong = [t[:80] for t in texts if facts._present(t) != {lit for lit in facts._GATE_LITERALS if lit in t}]
    assert wrong == []


def test_lower_cased_parts_are_slices_of_the_lower_cased_whole() -> None:
    import random

    from watchers.classify.rules import gate_lower

    rng = random.Random(43)
    pieces = ["Σ", "ΑΣ", "σ", "ς", ".", "'", "\u0301", " ", "A", "ı", "İ", "ſ", "\u212a", "ΑΣ.", "x"]
    pairs = [("".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))),
              "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))) for _ in range(20_000)]
    pairs += _texts([(t, s) for _, _, t, s in CASES + HARD_CASES])
    wrong = []
    for title, lede in pairs:
        text = f"{title}\n{lede}"
        low = gate_lower(text)
        same = low[: len(title)] == gate_lower(title) and low[len(title) + 1 :] == gate_lower(lede)
        if len(low) == len(text) and not same:
            wrong.append((title, lede))
    assert wrong == []


def test_construct_builds_what_model_construct_builds() -> None:
    from watchers.classify import Classification, Evidence, _construct

    values = {"label": "readout", "subtype": "topline", "programs": ["AB-1"], "sponsor": "Acme",
              "facts": {"orr": "32%"}, "evidence": [Evidence(rule="readout.topline@title", phrase="topline")],
              "confidence": 0.9}
    assert list(values) == list(Classification.model_fields)  # every field, in field order
    fast, plain = _construct(dict(values)), Classification.model_construct(**values)
    assert type(fast) is type(plain) and fast == plain
    for attr in ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
        assert getattr(fast, attr) == getattr(plain, attr), attr
    assert fast.model_dump() == plain.model_dump() and fast.model_dump_json() == plain.model_dump_json()
    assert fast.model_copy(update={"label": "other"}).label == "other" and fast.label == "readout"


def test_patient_count_search_started_late_equals_the_search() -> None:
    import random

    from watchers.classify import facts

    rng = random.Random(47)
    pieces = ["12", "1,200", "3", " ", "-", ",", ".", "\n", "patients", "participants", "men", "women", "adult",
              "phase ", "phase", "trial ", "with ", "healthy ", "n=", "n = ", "=", "é", "(", "of ", "x", "enrolled "]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 20))) for _ in range(20_000)]
    texts += [f"{t}\n{lede}" for t, lede in _texts([(t, s) for _, _, t, s in CASES + HARD_CASES])]
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    if path.exists():
        with path.open(newline="", encoding="utf-8") as f:
            rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
        texts += [f"{t}\n{lede}" for t, lede in _texts(rows)]
    wrong = []
    for text in texts:
        low = _lowered(text)
        present = facts._present(low or text.lower())
        if present.isdisjoint(facts._N_GATE):
            continue
        fast, plain = facts._n_patients(text, low, present), facts._N_F.search(text, low)
        if (fast and fast.group(0)) != (plain and plain.group(0)):
            wrong.append(text[:80])
    assert wrong == []


# --- language rules through their lower-cased twins -------------------------------------------------------------
def _first_language_rule_plain(lang: str, title: str, lede: str) -> tuple[object, str, str] | None:
    from watchers.classify.languages import LANGUAGE_RULES

    context = f"{title}\n{lede}"
    for where, text in (("title", title), ("lede", lede)):
        for rule in LANGUAGE_RULES.get(lang, ()) if text else ():
            m = rule.pattern.search(text)
            if m is None or (rule.requires is not None and rule.requires.search(context) is None):
                continue
            if rule.unless is not None and rule.unless.search(context) is not None:
                continue
            return rule, m.group(0), where
    return None


def _language_rule_differences(pairs: list[tuple[str, str]]) -> list[str]:
    from watchers.classify.languages import LANGUAGE_RULES, first_language_rule

    return [f"{lang}: {title[:60]!r}" for lang in LANGUAGE_RULES for title, lede in pairs
            if first_language_rule(lang, title, lede) != _first_language_rule_plain(lang, title, lede)]


def test_language_rules_through_twins_equal_the_rules() -> None:
    import random

    from watchers.classify.languages import LANGUAGE_RULES

    rng = random.Random(53)
    words = [w for rules in LANGUAGE_RULES.values() for r in rules
             for w in re.findall(r"[^\W\d_]{3,}", r.pattern.pattern)]
    words += ["Zulassung", "ZULASSUNG", "erhält", "ERHÄLT", "ß", "ẞ", "é", "É", "ı", "İ", "ſ", "\u212a", "µ", "σ", "ς",
              "Σ", " ", " ", "\n", ",", "FDA", "EMA", "Phase", "2", "%"]
    pairs = [(" ".join(rng.choice(words) for _ in range(rng.randint(1, 8))),
              " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))) for _ in range(1_500)]
    assert _language_rule_differences(pairs) == []


def test_language_rules_through_twins_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    pairs = [(t, lede[:LEDE_CHARS]) for t, lede in _texts(rows)]
    accented = [p for p in pairs if not (p[0] + p[1]).isascii()]
    wrong = _language_rule_differences(accented[:1_500])
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


# --- "\b" moved behind the literal a match begins with (prescan.boundary_last) ---------------------------------
BOUNDARY_CASES = [
    (r"\bto (?:report|announce)\b|\bwill\b", r"to (?<!\wto )(?:report|announce)\b|will(?<!\wwill)\b"),
    (r"\b(?:to|will) (?:provide|give)\b",
     r"(?:to(?<!\wto)) (?:provide|give)\b|(?:will(?<!\wwill)) (?:provide|give)\b"),
    (r"\btoxs?\b", r"tox(?<!\wtox)s?\b"),
    (r"\b(?:ab|cd)\b(x)", r"(?:ab(?<!\wab)|cd(?<!\wcd))\b(x)"),  # a group in the tail: not copied
    (r"\bab[^.;|]{0,3}\b|c", r"ab(?<!\wab)[^.;|]{0,3}\b|c"),
    # at one position the first alternative that matches wins: the copies keep the order
    (r"\b(?:ab|abc)(?:de)?", r"(?:ab(?<!\wab))(?:de)?|(?:abc(?<!\wabc))(?:de)?"),
]
BOUNDARY_KEPT = [r"\b[a-z]+", r"^foo|\bbar", r"\b(?:a|b)?c", r"\b-x", r"\b(?:a|-b)c", r"\bx|(?:y)", r"\b(?P<n>ab)c",
                 r"foo", r"\b(ab", r"\ba*"]


def _rewritten_twins() -> list[str]:
    from watchers.classify import facts
    from watchers.classify.prescan import boundary_last
    from watchers.classify.rules import lower_pattern

    sources = [lower_pattern(rx.pattern) for r in RULES for rx in (r.pattern, r.requires, r.unless)
               if rx is not None and rx.flags & re.IGNORECASE]
    sources += [lower_pattern(v.orig.pattern) for v in vars(facts).values() if isinstance(v, facts._Fast)]
    return [s for s in sources if boundary_last(s) != s] + [a for a, _ in BOUNDARY_CASES]


def test_boundary_last_rewrites_only_what_it_can_prove() -> None:
    from watchers.classify.prescan import boundary_last

    for pattern, rewritten in BOUNDARY_CASES:
        assert boundary_last(pattern) == rewritten
    for pattern in BOUNDARY_KEPT:
        assert boundary_last(pattern) == pattern
    assert len(_rewritten_twins()) > 40  # most twins begin with "\b" + a literal


def _boundary_differences(texts_for: Callable[[str], list[str]], every_start: bool = True) -> list[str]:
    from watchers.classify.prescan import boundary_last

    wrong = []
    for source in _rewritten_twins():
        old, new = re.compile(source), re.compile(boundary_last(source))
        for text in texts_for(source):
            a = [(m.span(), m.groups()) for m in old.finditer(text)]
            b = [(m.span(), m.groups()) for m in new.finditer(text)]
            # match at every position too: StartSearch tries the twins there
            starts = range(len(text)) if every_start else ()
            if a != b or [(m := old.match(text, i)) and m.span() for i in starts] != [
                    (m := new.match(text, i)) and m.span() for i in starts]:
                wrong.append(f"{source[:60]!r} on {text[:80]!r}: {a} != {b}")
                break
    return wrong


def test_boundary_last_finds_the_same_matches_on_generated_texts() -> None:
    import random

    rng = random.Random(15)
    joiners = [" ", " ", "", "-", "_", "é", "1", ".", "\n", "'", "x"]

    def texts_for(source: str) -> list[str]:
        words = re.findall(r"[a-z]{2,}", source) or ["ab"]
        out = []
        for _ in range(60):
            parts = [rng.choice(words) if rng.random() < 0.7 else rng.choice(["the", "data", "é", "7%", "a"])
                     for _ in range(rng.randint(1, 8))]
            out.append("".join(p + rng.choice(joiners) for p in parts))
        return out

    assert _boundary_differences(texts_for) == []


@pytest.mark.slow  # every rewritten twin over 8,000 lower-cased titles and ledes, both ways
def test_boundary_last_finds_the_same_matches_on_the_real_corpus() -> None:
    from watchers.classify.rules import gate_lower

    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [gate_lower(t) for pair in _texts(rows) for t in pair]

    def texts_for(_: str) -> list[str]:
        return texts

    assert _boundary_differences(texts_for, every_start=False) == []


# --- ASCII twins (prescan.ascii_twin): re.ASCII on all-ASCII texts --------------------------------------------
def _ascii_pairs() -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    from watchers.classify import facts
    from watchers.classify.prescan import AsciiSplit, StartSearch

    pairs = []
    for rule in RULES:
        for obj in (rule.fast, rule.fast_requires, rule.fast_unless, *(rx for _, rx in rule.fast_parts)):
            if isinstance(obj, AsciiSplit | StartSearch) and obj.ascii is not obj.rx:
                pairs.append((obj.rx, obj.ascii))
    pairs += [(v.fast, v.fast_ascii) for v in vars(facts).values() if isinstance(v, facts._Fast)]
    return pairs


def test_ascii_twins_widen_the_whitespace_unicode_reads_in_ascii() -> None:
    from watchers.classify.prescan import ascii_source, ascii_twin

    assert ascii_source(r"a\sb[^\s.]\S+") == r"a[\s\x1c-\x1f]b[^\s\x1c-\x1f.][^\s\x1c-\x1f]+"
    assert ascii_source(r"[\S]") is None and ascii_source(r"\\s[]\s]") == r"\\s[]\s\x1c-\x1f]"
    twin = ascii_twin(re.compile(r"\bx\s\w+"))
    assert twin is not None and twin.flags & re.ASCII
    text = "x\x1cab x_1 x\x1fcd"
    assert [m.span() for m in twin.finditer(text)] == [(0, 4), (9, 13)]
    assert [m.span() for m in re.finditer(r"\bx\s\w+", text)] == [(0, 4), (9, 13)]
    assert len(_ascii_pairs()) > 50


def _ascii_differences(texts: list[str], every_start: bool) -> list[str]:
    wrong = []
    for uni, asc in _ascii_pairs():
        for text in texts:
            a = [(m.span(), m.groups()) for m in uni.finditer(text)]
            b = [(m.span(), m.groups()) for m in asc.finditer(text)]
            starts = range(len(text)) if every_start else ()
            if a != b or [(m := uni.match(text, i)) and m.span() for i in starts] != [
                    (m := asc.match(text, i)) and m.span() for i in starts]:
                wrong.append(f"{uni.pattern[:60]!r} on {text[:80]!r}: {a} != {b}")
                break
    return wrong


def test_ascii_twins_find_the_same_matches_on_generated_ascii_texts() -> None:
    import random

    rng = random.Random(16)
    words = ["fda", "data", "phase", "trial", "the", "to", "will", "present", "results", "met", "1", "20%", "n=12"]
    joiners = [" ", " ", "\x1c", "\x1f", "\t", "\x0b", "\x0c", "\r", "\n", "_", "-", ".", "", "0"]
    texts = ["".join(rng.choice(words) + rng.choice(joiners) for _ in range(rng.randint(1, 12))) for _ in range(150)]
    assert all(t.isascii() for t in texts)
    assert _ascii_differences(texts, every_start=True) == []


def test_ascii_twins_find_the_same_matches_on_the_real_corpus() -> None:
    from watchers.classify.rules import gate_lower

    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [low for pair in _texts(rows) for t in pair if (low := gate_lower(t)).isascii()]
    assert _ascii_differences(texts, every_start=False) == []


# --- round 7: the automata's children in letter-frequency order; stems read backwards; slots scanned once ----------
def _automaton_sets() -> list[tuple[Any, list[tuple[str, object]]]]:
    """The classifier's literal automata, each with its [(literal, value)] in the order its callers give them."""
    from watchers.classify import _BOILERPLATE_VERBS, _GATES, _VERB_SCAN, facts

    return [
        (_GATES._automaton, list(_GATES.masks.items())),
        (facts._GATE_SCAN, [(lit, lit) for lit in facts._GATE_LITERALS]),
        (drug_names._SLOT_SCAN, [(lit, len(lit)) for lit in drug_names._SLOT_LITERALS]),
        (_VERB_SCAN, [(lit, len(lit)) for lit in _BOILERPLATE_VERBS]),
    ]


def _frequency_order_differences(texts: list[str]) -> list[str]:
    import ahocorasick

    wrong = []
    for fast, pairs in _automaton_sets():
        plain = ahocorasick.Automaton()  # the literals added as given
        for literal, value in pairs:
            plain.add_word(literal, value)
        plain.make_automaton()
        for text in texts:
            if list(fast.iter(text)) != list(plain.iter(text)):
                wrong.append(f"{pairs[:3]}... on {text[:80]!r}")
                break
    return wrong


def test_automata_in_frequency_order_find_what_insertion_order_finds() -> None:
    import random

    from watchers.classify.prescan import frequent_first

    assert frequent_first(["the", "a", "eta", "ea", " x", "Q", "a"]) == [" x", "eta", "ea", "the", "a", "Q"]
    rng = random.Random(19)
    words = ["approval", "approv", "filing", "fil", "threshold", "hold", "study of", "data on", "announced",
             "reported", "phase", "fda", "the", " ", "-", "é", "q", "of", "designation for", "enrol", "met"]
    texts = ["", "approval filing threshold", "study of data on the"]
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(0, 14))) for _ in range(3_000)]
    assert _frequency_order_differences(texts) == []


def test_automata_in_frequency_order_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [f"{t}\n{s}".lower() for t, s in _texts(rows)] + [s for _, s in rows]
    assert _frequency_order_differences(texts) == []


def _slot_name_differences(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    fast = [drug_names.find_slot_names(t) for t in texts]
    with monkeypatch.context() as m:
        m.setattr(drug_names, "_SLOT_SCAN", None)  # without pyahocorasick: the substring gate, then finditer
        plain = [drug_names.find_slot_names(t) for t in texts]
    return [f"{t[:80]!r}: {a} != {b}" for t, a, b in zip(texts, fast, plain, strict=True) if a != b]


def test_slot_names_from_one_scan_equal_the_gated_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = SLOT_EDGES + [f"{t}\n{s}" for t, s in _texts([(t, s) for _, _, t, s in CASES + HARD_CASES])]
    texts += ["FDA Approval of Zoryve for Psoriasis", "Phase 2 Study of Natrunix in RA", "Non-Inferiority of Capre",
              "Acme Announces Pricing of Public Offering", "Trıal of Zorbex ın RA"]
    assert sum(bool(drug_names.find_slot_names(t)) for t in texts) > 3
    assert _slot_name_differences(texts, monkeypatch) == []


def test_slot_names_from_one_scan_on_the_real_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [f"{_prepare(t, 1_000)}\n{_prepare(s, 2_000)[:1_000]}" for t, s in rows]
    wrong = _slot_name_differences(texts, monkeypatch)
    assert wrong == [], f"{len(wrong)} differences, first: {wrong[:5]}"


# --- round 7: ahocorasick_rs finds what pyahocorasick finds --------------------------------------------------------
def _literal_sets() -> list[tuple[str, ...]]:
    from watchers.classify import _GATES, facts
    from watchers.classify.prescan import StartSearch, start_literals

    sets = [tuple(_GATES.masks), tuple(sorted(facts._GATE_LITERALS)), drug_names._SLOT_LITERALS,
            tuple(stem + " " for stem in drug_names._STEM_TUPLE), ("a", "ab", "bab", "b", "🧬", "é")]
    twins = [getattr(r, f) for r in RULES for f in ("fast", "fast_requires", "fast_unless")]
    sets += [start_literals(t.pattern) or () for t in twins if isinstance(t, StartSearch)]
    assert len(sets) > 10
    return sets


def _rs_differences(texts: list[str]) -> list[str]:
    from watchers.classify.prescan import literal_scan, start_scan, string_scan

    wrong = []
    for literals in _literal_sets():
        py, py_itself = literal_scan(literals), literal_scan(literals, itself=True)
        starts, strings = start_scan(literals), string_scan(literals)
        dfa = start_scan(literals, dfa=True)
        assert starts is not None and strings is not None and dfa is not None, "ahocorasick_rs is a dependency"
        for text in texts:
            want = sorted((end - n + 1, end + 1) for end, n in py.iter(text))
            got = sorted((start, end) for _, start, end in starts(text, overlapping=True))
            got_dfa = sorted((start, end) for _, start, end in dfa(text, overlapping=True))
            found = sorted(strings(text, overlapping=True))
            if got != want or got_dfa != want or found != sorted(lit for _, lit in py_itself.iter(text)):
                wrong.append(f"{literals[:3]}... on {text[:80]!r}: {got} != {want}")
                break
    return wrong


def test_rs_scans_find_what_pyahocorasick_finds() -> None:
    import random

    rng = random.Random(29)
    pieces = ["approval", "approv", "study of", "data on", "mab ", "zumab ", "cel ", "phase", "ab", "bab", "a", "b",
              " ", "\n", "é", "🧬", "ı", "İ", "\u3000", "x", "-"]
    texts = ["", "bab", "🧬ab🧬bab", "é approval 🧬 study of"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 16))) for _ in range(2_000)]
    assert _rs_differences(texts) == []


def test_rs_scans_on_the_real_corpus() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [(r.get("title") or "", r.get("summary") or "") for r in csv.DictReader(f)]
    texts = [f"{t}\n{s}".lower() for t, s in _texts(rows)] + [s for _, s in rows]
    assert _rs_differences(texts) == []


def test_texts_without_utf8_take_pyahocorasick() -> None:
    """A lone surrogate has no UTF-8, which the Rust scan needs: such a text is scanned by pyahocorasick instead."""
    from watchers.classify import facts
    from watchers.classify.prescan import StartSearch

    texts = ["approval \ud800 study of pembrolizumab data on", "\udfff", "phase 3 \ud83d met its primary endpoint",
             "fda approves \udc00 trial of zumab 12 patients n=12 expects to present"]
    scan = GateScan(RULES)
    twins = [t for r in RULES for f in ("fast", "fast_requires", "fast_unless") if isinstance(t := getattr(r, f),
                                                                                            StartSearch)]
    for text in texts:
        assert scan.open_mask(text) == _per_rule_mask(text)
        assert facts._present(text) == {lit for lit in facts._GATE_LITERALS if lit in text}
        for twin in twins:
            got, want = twin.search(text), twin.rx.search(text)
            assert (got and got.span()) == (want and want.span())
        for fact in (v for v in vars(facts).values() if isinstance(v, facts._Fast) and v.start_scan is not None):
            got_f, want_f = fact.search(text, text), fact.fast.search(text)
            assert (got_f and got_f.m.span()) == (want_f and want_f.span())
    assert _slot_differences(texts) == []
    assert any(_per_rule_mask(t) != scan.ungated for t in texts) and any(facts._present(t) for t in texts)

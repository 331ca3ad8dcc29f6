"""Facts from a lede or a whole release body, and entities kept apart. Sentences are our own wording."""

from __future__ import annotations

import json

from bot.cli.classify import classify_line
from watchers.classify import classify
from watchers.classify.detail_facts import body_text, extract_design, extract_meeting, extract_results, extract_safety

AZER_TITLE = "Northgate Bio Presents Azer-cel Phase 1b Data at ASCO"
AZER_LEDE = (
    "Northgate Bio today reported Phase 1b data for azer-cel presented at ASCO: a 93% ORR across 14 patients "
    "with indolent lymphoma and a 67% ORR in patients with DLBCL; no grade ≥3 CRS was observed."
)


def test_seed_readout_with_results_and_safety() -> None:
    c = classify(AZER_TITLE, AZER_LEDE)
    assert (c.label, c.subtype) == ("readout", "presentation")
    results = c.facts["results"]
    assert {"measure": "ORR", "value": 93, "unit": "%", "population": "indolent lymphoma", "n": 14} in results
    assert {"measure": "ORR", "value": 67, "unit": "%", "population": "DLBCL", "n": None} in results
    assert {"text": "no grade ≥3 CRS", "event": "CRS", "grade": "≥3", "rate": 0} in c.facts["safety"]
    assert c.sponsor == "Northgate Bio"


def test_seed_designation_headline_starting_with_the_drug() -> None:
    c = classify("Azer-cel Granted FDA Fast Track Designation for r/r DLBCL",
                 "SYDNEY, Australia (GLOBE NEWSWIRE) -- Northgate Bio Limited (ASX:NGB) today announced that "
                 "azer-cel received Fast Track designation.")
    assert (c.label, c.subtype) == ("regulatory", "fast_track")
    assert c.sponsor == "Northgate Bio"
    assert "Azer-cel" in c.programs or "azer-cel" in c.programs
    alone = classify("Azer-cel Granted FDA Fast Track Designation for r/r DLBCL")
    assert alone.sponsor != "Azer-cel"
    assert (alone.label, alone.subtype) == ("regulatory", "fast_track")


def test_seed_meeting_agreement_with_meeting_and_design() -> None:
    c = classify(
        "Northgate Bio Reaches Agreement With FDA Following Type C Meeting on Registrational Path for Azer-cel",
        "Northgate Bio today announced that, following a Type C meeting, the FDA agreed that a single "
        "randomized Phase 3 trial in third-line DLBCL could support a BLA submission for azer-cel.",
    )
    assert (c.label, c.subtype) == ("regulatory", "meeting_agreement")
    meeting = c.facts["meeting"]
    assert meeting["type"] == "Type C"
    assert meeting["outcome"] and meeting["outcome"].startswith("agreed that a single randomized Phase 3")
    assert c.facts["design"] == {"randomised": True, "pivotal": True, "single_trial": True,
                                 "line_of_therapy": "third-line", "phase": "3"}


def test_company_is_never_a_programme() -> None:
    c = classify("Imugene Announces Positive Data From Phase 1 Trial of azer-cel in DLBCL",
                 "SYDNEY, Australia (GLOBE NEWSWIRE) -- Imugene Limited (ASX:IMU) today announced data.")
    assert c.sponsor == "Imugene"
    assert "Imugene" not in c.programs
    partner = classify("Acme Bio Reports Progress as Partner Imugene Advances CF33",
                       "Acme Bio Inc. (NASDAQ: ACME) said its partner Imugene presented data.")
    assert "Imugene" not in partner.programs


def test_time_to_event_results_and_rates() -> None:
    text = ("Median overall survival was 14.2 months versus 10.1 months (HR 0.72, p=0.003); median PFS of "
            "6.1 months. Grade ≥3 neutropenia occurred in 12% of patients.")
    results = extract_results(text)
    assert {"measure": "OS", "value": 14.2, "unit": "months", "population": None, "n": None} in results
    assert {"measure": "PFS", "value": 6.1, "unit": "months", "population": None, "n": None} in results
    safety = extract_safety(text)
    assert {"event": "neutropenia", "grade": "≥3", "rate": 12} == {k: safety[0][k] for k in ("event", "grade", "rate")}


def test_design_says_nothing_when_nothing_is_stated() -> None:
    assert extract_design("The company raised money.") is None
    assert extract_design("An open-label, single-arm study in second-line patients")["randomised"] is False


def _page(paragraphs: list[str]) -> str:
    nav = "<nav><a href='/'>Home</a> Results 99% ORR in nothing</nav><script>var x = '50% ORR';</script>"
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>x</title><style>p {{}}</style></head><body>{nav}<article>{body}</article></body></html>"


def test_body_html_adds_facts_the_lede_lacks() -> None:
    page = _page([
        "Northgate Bio today announced topline results from the randomized Phase 3 HARBOR trial.",
        "The trial met its primary endpoint: median progression-free survival of 11.3 months versus 7.0 months "
        "(hazard ratio 0.61; p&lt;0.001) in 412 patients with second-line myeloma.",
        "Grade 3 or higher infections were reported in 9% of patients; no treatment-related deaths occurred.",
    ])
    c = classify("Northgate Bio Announces Positive Topline Results From Phase 3 HARBOR Trial", "", body=page)
    assert (c.label, c.subtype) == ("readout", "topline")
    assert c.facts["endpoint_met"] is True
    assert c.facts["hazard_ratio"] == 0.61
    assert c.facts["p_value"] == "p<0.001"
    assert any(r["measure"] == "PFS" and r["value"] == 11.3 for r in c.facts["results"])
    assert not any(r["value"] in (99, 50) for r in c.facts["results"])  # navigation and scripts are dropped
    events = {(s["event"], s["rate"]) for s in c.facts["safety"]}
    assert ("infection", 9) in events and ("death", 0) in events
    assert c.facts["design"]["randomised"] is True
    assert c.facts["design"]["line_of_therapy"] == "second-line"


def test_body_plain_text_and_junk() -> None:
    assert body_text("plain   text\nbody") == "plain text body"
    assert body_text("") == ""
    assert body_text("<html><body><p>a</p></body></html>") == "a"
    classify("Acme Reports Results", "", body="<<<>>> not html & < broken")  # never raises
    classify("Acme Reports Results", "", body="x" * 1_000_000)


def test_cli_accepts_a_body() -> None:
    line = json.dumps({"title": "Northgate Bio Presents Azer-cel Phase 1b Data at ASCO", "body": AZER_LEDE})
    out, error = classify_line(line)
    assert not error
    assert any(r["value"] == 93 for r in out["facts"]["results"])  # type: ignore[index]


def test_population_leading_its_sentence() -> None:
    """The population can lead the sentence ("In 20 patients with X, … 60%"): it still belongs to the figure."""
    body = ("In 20 patients with follicular lymphoma (FL), the objective response rate was 60%. "
            "Among patients with mantle cell lymphoma, the ORR was 45%.")
    c = classify("Westbrook Bio Presents Phase 1 Data for WB-12 at ASH", "", body=body)
    results = {(r["measure"], r["value"], r["population"], r["n"]) for r in c.facts["results"]}
    assert ("ORR", 60, "FL", 20) in results
    assert ("ORR", 45, "mantle cell lymphoma", None) in results


def _results(text: str) -> list[tuple[str, float, str | None, int | None]]:
    return [(r["measure"], r["value"], r["population"], r["n"]) for r in extract_results(text)]


def test_a_share_of_patients_achieving_a_response() -> None:
    assert _results("Overall, 45% (9/20) of patients with diffuse large B-cell lymphoma (DLBCL) achieved a complete "
                    "response, and 80% achieved an objective response.") == [
        ("CR", 45, "DLBCL", 20), ("ORR", 80, None, None)]
    assert _results("Complete remission was seen in 42% of patients with relapsed AML.") == [
        ("CR", 42, "relapsed AML", None)]


def test_responder_scales_as_written() -> None:
    assert _results("At week 16, 72% of patients achieved PASI 75 versus 9% on placebo.") == [
        ("PASI 75", 72, None, None)]
    assert _results("EASI-75 was achieved by 48% of participants on the high dose.") == [("EASI 75", 48, None, None)]
    assert _results("An ACR20 response rate of 61% was observed in the 200 mg arm.") == [("ACR 20", 61, None, None)]


def test_a_responders_fraction_gives_the_patients_counted() -> None:
    assert _results("The ORR was 93% (13/14) in indolent lymphoma.") == [("ORR", 93, None, 14)]


def test_serious_adverse_events_are_their_own_finding() -> None:
    # "serious" names the event (SAE), not a grade, unlike "severe"
    assert [(s["event"], s["grade"], s["rate"]) for s in extract_safety(
        "Serious adverse events occurred in 12% of patients.")] == [("SAE", None, 12)]


def test_advice_supporting_a_plan_is_its_outcome() -> None:
    meeting = extract_meeting("The EMA provided positive scientific advice supporting a single pivotal study in "
                              "second-line DLBCL.")
    assert meeting == {"type": "Scientific Advice", "outcome": "supporting a single pivotal study in second-line DLBCL"}


def test_a_single_trial_described_with_commas() -> None:
    design = extract_design("a single, open-label, registrational Phase 2 study in 2L+ multiple myeloma")
    assert design is not None and design["single_trial"] is True


def test_single_dose_studies_are_not_a_single_trial() -> None:
    for text in ("The FDA cleared the start of a Single Ascending Dose Study of ZT-1.",
                 "Results of a single and multiple dose-escalation study of ZT-1 were published.",
                 "a single center study of ZT-1"):
        design = extract_design(text)
        assert design is None or design["single_trial"] is None, text

"""Programmes, sponsor, facts and evidence extracted by the classifier (headlines of our own wording)."""

from __future__ import annotations

import json

from watchers.classify import Classification, Evidence, ProgramFinder, classify
from watchers.classify.drug_names import find_codes, find_drug_names, find_inn

# ---------------------------------------------------------------- drug names


def test_inn_stems_are_found() -> None:
    text = ("Trial of zetolimab plus rovatinib, brexocel and velogene autotemcel; compared with "
            "enoxaparin and a GLP-1 peptide named semaglutide")
    names = find_inn(text)
    for n in ("zetolimab", "rovatinib", "brexocel", "velogene autotemcel", "enoxaparin", "semaglutide"):
        assert n in names
    assert "peptide" not in names


def test_biologic_suffix_kept() -> None:
    assert find_inn("FDA approves ravulimab-xkzt for lupus") == ["ravulimab-xkzt"]


def test_code_names_found_and_targets_ignored() -> None:
    text = "AB-123 and ABC123 and GLPG5101 vs CD19, IL-36R, COVID-19, NCT01234567, PD-L1 and Q3 2025"
    codes = find_codes(text)
    assert codes == ["AB-123", "ABC123", "GLPG5101"]


def test_trial_acronyms_are_not_codes() -> None:
    assert find_codes("the LELANTOS-2 trial of ZT-101") == ["ZT-101"]


def test_a_meeting_named_with_its_year_is_not_a_code() -> None:
    # defined as a meeting in the text, before or after; a meeting nobody listed
    assert find_codes("Zentra to Present ZT-101 Data at the Northern Hepatology Conference (NHC25) in Oslo") == [
        "ZT-101"]
    assert find_codes("New data on ZT-101 at BRQS24, the 12th Baltic Retina Quarterly Symposium") == ["ZT-101"]
    assert find_codes("Acme to present at the Cell Therapy Summit-2025 and the Fall Forum-2024") == []
    # a drug code whose number looks like a year stays a drug, next to a meeting or not
    assert find_codes("VX-24 data at the Annual Meeting (ASCO) and ZT24 at the Congress") == ["VX-24", "ZT24"]
    assert find_codes("Results of ZT-25, the company's lead candidate") == ["ZT-25"]


def test_a_time_with_a_year_is_not_a_code() -> None:
    assert find_codes("Acme plans a Phase 3 of ZT-101 by Mid-2026, topline in Early-2027 or Late-2027") == ["ZT-101"]


def test_learned_programmes_never_take_a_meeting_or_a_time() -> None:
    c = classify("Acme Presents ZT-101 Data in a Late-Breaking Poster at the Retina Days Conference (RDC26)",
                 "Acme plans to start a pivotal trial of ZT-101 by Mid-2026.")
    assert c.programs == ["ZT-101"]


def test_brand_names_with_marks() -> None:
    names = find_drug_names("Acme Announces FDA Approval of ZENTRIVA® (zetolimab) and Calmora™ Spray")
    assert "ZENTRIVA" in names and "zetolimab" in names and "Calmora" in names


def test_product_slot_without_mark() -> None:
    assert "Velostra" in find_drug_names("Phase 3 Study of Velostra in Chronic Cough Meets Primary Endpoint")


def test_sponsor_name_is_not_a_drug() -> None:
    c = classify("Genmab Announces Phase 2 Data for Epcoritamab", "")
    assert "Genmab" not in c.programs and "Epcoritamab" in c.programs


class _Store:
    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names

    def find(self, text: str) -> list[str]:
        low = text.lower()
        names = self.names.items()
        return [canon for canon, aliases in names if any(a.lower() in low for a in [canon, *aliases])]


def test_program_finder_names_come_first_and_dedupe() -> None:
    store: ProgramFinder = _Store({"zetolimab": ["ZT-101"], "Project Aurora": ["aurora program"]})
    title = "Zeta Reports Topline Data for ZETOLIMAB (ZT-101) and its Aurora Program"
    c = classify(title, "", programs=store)
    assert c.programs[:2] == ["zetolimab", "Project Aurora"]
    assert [p.lower() for p in c.programs].count("zetolimab") == 1
    assert "ZT-101" in c.programs


def test_broken_program_finder_does_not_break_classification() -> None:
    class Broken:
        def find(self, text: str) -> list[str]:
            raise RuntimeError("store down")

    c = classify("Acme Doses First Patient in Phase 1 Trial", programs=Broken())
    assert c.subtype == "first_patient"


# ---------------------------------------------------------------- sponsor


def test_sponsor_from_headline_subject() -> None:
    c = classify("Zeta Therapeutics Receives Orphan Drug Designation for ZT-4")
    assert c.sponsor == "Zeta Therapeutics"


def test_sponsor_from_wire_lede_when_headline_starts_with_regulator() -> None:
    c = classify(
        "FDA Grants Fast Track Designation to ZT-4 for Rare Epilepsy",
        "BOSTON, Jan. 05, 2026 (GLOBE NEWSWIRE) -- Zeta Therapeutics, Inc. (Nasdaq: ZETA), a clinical-stage "
        "company, today announced that the FDA has granted Fast Track designation to ZT-4.",
    )
    assert c.sponsor == "Zeta Therapeutics"


def test_sponsor_from_other_wires_datelines() -> None:
    # A private company (no ticker) behind a regulator-first headline, on Business Wire, PR Newswire, ACCESSWIRE.
    title = "FDA Grants Orphan Drug Designation to QV-7 for Rare Myopathy"
    told = "Quorvia Therapeutics, a privately held company, today announced that the FDA granted the designation."
    for dateline in ("SOUTH SAN FRANCISCO, Calif.--(BUSINESS WIRE)--", "BOSTON, Jan. 5, 2026 /PRNewswire/ -- ",
                     "LONDON, Jan. 5, 2026 /PRNewswire-Asia/ -- ",
                     "NEW YORK, NY / ACCESSWIRE / January 5, 2026 / "):
        assert classify(title, dateline + told).sponsor == "Quorvia Therapeutics", dateline


def test_sponsor_of_a_headline_in_another_language() -> None:
    for title in ("Norvalis AG erhält EU-Zulassung für NV-303 bei Myasthenia gravis",
                  "Norvalis annonce des résultats positifs de l'étude de phase 3 ELAN",
                  "Norvalis anuncia datos positivos del ensayo de fase 2",
                  "Norvalis riceve la designazione di farmaco orfano per NV-303",
                  "Norvalis meddeler positive resultater fra fase 2-studiet",
                  "Norvalis erhåller godkännande för NV-303 i EU"):
        assert classify(title).sponsor == "Norvalis", title


def test_sponsor_from_ticker_in_news_lede() -> None:
    c = classify("Why Is This Small Biotech Up 40% Today?",
                 "Shares of Acme Biosciences (NASDAQ:ACME) rose after the FDA lifted a clinical hold.")
    assert c.sponsor == "Acme Biosciences"


def test_sponsor_stops_where_the_lede_s_company_ends_in_the_headline_subject() -> None:
    # The subject runs past the company into what it announces; the lede names the company.
    c = classify("Norvalis Interview to Air on Business Television Tonight",
                 "BOSTON, Jan. 05, 2026 (GLOBE NEWSWIRE) -- Norvalis Inc. (NASDAQ: NRVL), a clinical-stage company, "
                 "today announced that its chief executive will be interviewed.")
    assert c.sponsor == "Norvalis"
    c = classify("Halcyra Placental-Derived Matrix Products Demonstrate Better Wound Healing in Studies",
                 "Halcyra will present bench and clinical case studies of its matrix products at the meeting.")
    assert c.sponsor == "Halcyra"


def test_sponsor_keeps_a_whole_company_subject_the_lede_shortens() -> None:
    c = classify("Avalon Bioservices Completes Construction of a New Plant",
                 "Avalon completes construction of its plant, doubling capacity.")
    assert c.sponsor == "Avalon Bioservices"
    c = classify("Zeta Therapeutics Opens Its New Research Site",
                 "CAMBRIDGE, Mass., Jan. 05, 2026 (GLOBE NEWSWIRE) -- Zeta Therapeutics, Inc. (Nasdaq: ZETA) "
                 "today opened a research site.")
    assert c.sponsor == "Zeta Therapeutics"


# ---------------------------------------------------------------- facts


def test_designation_facts() -> None:
    c = classify("Acme Receives FDA Orphan Drug Designation for AB-7 for the Treatment of Wilson Disease")
    assert c.facts["designation"] == ["orphan"]
    assert c.facts["indication"] == "Wilson Disease"


def test_pdufa_and_priority_review_facts() -> None:
    c = classify("FDA Accepts Zeta's NDA for ZT-9 With Priority Review",
                 "The FDA assigned a PDUFA target action date of September 14, 2026.")
    assert c.subtype == "priority_review"
    assert c.facts["pdufa_date"] == "September 14, 2026"
    assert "priority_review" in c.facts["designation"]


def test_decision_facts() -> None:
    assert classify("FDA Approves Acme's Zentriva for Migraine").facts["decision"] == "approved"
    assert classify("Zeta Receives Complete Response Letter for ZT-1 BLA").facts["decision"] == "crl"


def test_hold_status_facts() -> None:
    assert classify("FDA Places Clinical Hold on Acme's AB-2 Trial").facts["hold_status"] == "imposed"
    assert classify("FDA Places Partial Clinical Hold on Acme's AB-2 Trial").facts["hold_status"] == "partial"
    assert classify("FDA Lifts Partial Clinical Hold on Acme's AB-2 Trial").facts["hold_status"] == "lifted"


def test_readout_facts() -> None:
    c = classify(
        "Zeta's Phase 3 HORIZON-2 Trial of Zetolimab Met Its Primary Endpoint",
        "In 412 patients, zetolimab reduced the risk of progression (hazard ratio 0.62; p<0.001). "
        "The objective response rate (ORR) was 45% with a complete response rate of 12%. "
        "Full data expected in 2H 2026.",
    )
    f = c.facts
    assert c.label == "readout"
    assert f["endpoint_met"] is True
    assert f["phase"] == "3"
    assert f["trial_name"] == "HORIZON-2"
    assert f["n_patients"] == 412
    assert f["hazard_ratio"] == 0.62
    assert f["p_value"] == "p<0.001"
    assert f["orr"] == "45%"
    assert f["cr_rate"] == "12%"
    assert "2H 2026" in f["guidance"]


def test_negative_readout_fact() -> None:
    assert classify("Acme's Phase 2b Study Did Not Meet Primary Endpoint").facts["endpoint_met"] is False


def test_enrollment_facts() -> None:
    c = classify("Zeta Completes Enrollment of 320 Patients in Phase 2 Trial",
                 "Topline data are expected in the first half of 2027.")
    assert c.facts["enrollment_count"] == 320
    assert c.facts["phase"] == "2"
    assert c.facts["guidance"].startswith("Topline data are expected")


def test_phase_roman_numerals_normalised() -> None:
    assert classify("Acme Initiates Phase IIb Trial").facts["phase"] == "2b"
    assert classify("Acme Initiates Phase I/II Trial").facts["phase"] == "1/2"


def test_facts_are_json_serialisable_and_evidence_explains() -> None:
    c = classify("FDA Grants Accelerated Approval to Zeta's ZT-3 for the Treatment of Lymphoma",
                 "Approval is based on a 38% objective response rate in 120 patients.")
    json.dumps(c.facts)
    assert isinstance(c, Classification)
    assert all(isinstance(e, Evidence) for e in c.evidence)
    assert c.evidence[0].rule == "regulatory.accelerated_approval@title"
    assert "Accelerated Approval" in c.evidence[0].phrase


def test_model_round_trips_as_json() -> None:
    c = classify("Acme Doses First Patient in Phase 1 Study of AB-11")
    assert Classification.model_validate_json(c.model_dump_json()) == c

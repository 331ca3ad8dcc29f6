"""Releases in other languages: detected cheaply, classified by keyword rules, never silently `other`.

Headlines are our own wording (not corpus text).
"""

from __future__ import annotations

import pytest

from watchers.classify import classify
from watchers.classify.languages import detect_language

CASES: list[tuple[str, str, str]] = [
    # a CHMP opinion reads like an approval in every language, but is regulatory/other
    ("de", "regulatory/other",
     "Nordwind Bio erhält positive CHMP-Empfehlung für die Zulassung von NW-3 in der Europäischen Union"),
    ("fr", "regulatory/other",
     "Lumière Santé reçoit un avis positif du CHMP pour une autorisation de mise sur le marché de son vaccin"),
    # German
    ("de", "regulatory/approval",
     "Nordwind Bio erhält die Zulassung der Europäischen Kommission für NW-12 bei Morbus Fabry"),
    ("de", "regulatory/orphan",
     "Nordwind Bio erhält Orphan-Drug-Status der FDA für NW-12 bei seltener Muskelerkrankung"),
    ("de", "readout/topline", "Nordwind Bio gibt positive Topline-Daten aus der Phase-3-Studie mit NW-12 bekannt"),
    ("de", "readout/interim", "Nordwind Bio meldet Zwischenergebnisse aus der laufenden Phase-2-Studie mit NW-7"),
    ("de", "enrollment/first_patient", "Nordwind Bio: Erster Patient in der Phase-1-Studie mit NW-9 dosiert"),
    ("de", "enrollment/enrollment_complete",
     "Nordwind Bio hat die Rekrutierung für die Phase-3-Studie mit NW-12 abgeschlossen"),
    ("de", "other/other", "Nordwind Bio veröffentlicht Finanzergebnisse für das dritte Quartal 2025"),
    # French
    ("fr", "regulatory/approval",
     "Lumière Santé obtient l'autorisation de mise sur le marché de LS-4 dans l'Union européenne"),
    ("fr", "regulatory/fast_track",
     "Lumière Santé reçoit la désignation Fast Track de la FDA pour LS-4 dans la mucoviscidose"),
    ("fr", "readout/interim",
     "Lumière Santé annonce des résultats intermédiaires positifs de l'essai de Phase 2 de LS-4"),
    ("fr", "enrollment/initiation", "Lumière Santé annonce le lancement de l'essai de Phase 3 de LS-4 aux États-Unis"),
    ("fr", "enrollment/enrollment_complete",
     "Lumière Santé annonce la fin du recrutement de l'essai de Phase 2 de LS-4"),
    ("fr", "other/other", "Lumière Santé publie ses résultats financiers du premier semestre 2025"),
    # Spanish
    ("es", "regulatory/approval", "La FDA concede la aprobación del fármaco BX-3 de Biosur para la fibrosis quística"),
    ("es", "regulatory/orphan", "Biosur recibe la designación de medicamento huérfano para BX-3 en la Unión Europea"),
    ("es", "readout/topline", "Biosur anuncia datos de primera línea positivos del ensayo de fase 2 con BX-3"),
    ("es", "enrollment/first_patient",
     "Biosur anuncia que el primer paciente ha sido tratado en el ensayo de fase 1 con BX-5"),
    # Italian
    ("it", "regulatory/approval", "Farmaitalia annuncia l'approvazione della FDA per il farmaco FI-2 nella psoriasi"),
    ("it", "readout/topline", "Farmaitalia annuncia risultati principali positivi dello studio di fase 3 con FI-2"),
    ("it", "enrollment/enrollment_complete",
     "Farmaitalia annuncia che l'arruolamento dello studio di fase 2 è stato completato"),
    # Danish
    ("da", "regulatory/approval", "Nordlys Pharma modtager godkendelse fra FDA til NP-8 mod sjælden blodsygdom"),
    ("da", "readout/topline", "Nordlys Pharma meddeler positive resultater fra fase 2-studiet med NP-8"),
    ("da", "enrollment/first_patient",
     "Nordlys Pharma meddeler at første patient er doseret i fase 1-forsøget med NP-9"),
    # Swedish
    ("sv", "regulatory/approval", "Fjällbio får godkännande från EU-kommissionen för FB-1 vid sällsynt njursjukdom"),
    ("sv", "readout/topline", "Fjällbio meddelar positiva resultat från fas 2-studien med FB-1 i psoriasis"),
    ("sv", "enrollment/enrollment_complete",
     "Fjällbio meddelar att rekryteringen till fas 3-studien med FB-1 är slutförd"),
    # regulatory steps short of an approval, in each language
    ("de", "regulatory/submission",
     "Nordwind Bio reicht den Zulassungsantrag für NW-3 bei der Europäischen Arzneimittel-Agentur ein"),
    ("de", "regulatory/acceptance", "Die EMA hat den Zulassungsantrag von Nordwind Bio für NW-3 validiert"),
    ("de", "regulatory/meeting_agreement",
     "Nordwind Bio erzielt Einigung mit der FDA über das Design der Phase-3-Studie mit NW-3"),
    ("de", "regulatory/clinical_hold", "Die FDA hebt den Haltebescheid für die Studie von Nordwind Bio mit NW-3 auf"),
    ("fr", "regulatory/submission",
     "Lumière Santé soumet une demande d'autorisation de mise sur le marché pour son vaccin à l'EMA"),
    ("fr", "regulatory/acceptance",
     "L'EMA valide la demande d'autorisation de mise sur le marché du vaccin de Lumière Santé"),
    ("fr", "regulatory/meeting_agreement",
     "Lumière Santé annonce un accord avec la FDA sur le plan de l'essai de phase 3 de son vaccin"),
    ("fr", "regulatory/clinical_hold",
     "La FDA lève la suspension clinique de l'essai de phase 2 de Lumière Santé pour son vaccin"),
    ("fr", "regulatory/other",
     "La FDA approuve le dossier d'essai clinique de Lumière Santé pour son vaccin contre la grippe"),
    ("es", "regulatory/priority_review",
     "La FDA concede revisión prioritaria a la solicitud de Sol Terapéutica para su medicamento"),
    ("it", "regulatory/acceptance",
     "L'EMA convalida la domanda di autorizzazione all'immissione in commercio del farmaco di Vela Bio"),
    ("da", "regulatory/submission",
     "Nordlys Pharma indsender ansøgning om markedsføringstilladelse for NP-2 til de europæiske myndigheder"),
    ("sv", "regulatory/submission",
     "Fjällbio lämnar in ansökan om marknadsföringstillstånd för FB-1 till den europeiska myndigheten"),
]


# Short headlines with few function words (the language is told by the release's own words) and each language's
# other word orders ("schließt … ab", "recrutement du premier patient", "har afsluttet rekrutteringen").
CASES += [
    ("de", "enrollment/enrollment_complete", "Norvalis schließt Rekrutierung für Phase-3-Studie VISTA ab"),
    ("fr", "enrollment/first_patient",
     "Norvalis annonce le recrutement du premier patient dans l'essai de phase 1 AURORE"),
    ("fr", "enrollment/enrollment_complete", "Norvalis finalise le recrutement de l'essai de phase 3 ELAN"),
    ("fr", "other/other", "Norvalis annonce la nomination d'un nouveau directeur financier"),
    ("es", "enrollment/enrollment_complete", "Norvalis completa el reclutamiento del ensayo de fase 3 VISTA"),
    ("it", "enrollment/initiation", "Norvalis avvia lo studio di fase 2 con NV-12"),
    ("it", "enrollment/enrollment_complete", "Norvalis completa l'arruolamento dello studio di fase 3 VISTA"),
    ("da", "regulatory/approval", "Norvalis modtager FDA-godkendelse af Velora"),
    ("da", "enrollment/enrollment_complete", "Norvalis har afsluttet rekrutteringen til fase 3-studiet VISTA"),
    ("sv", "enrollment/initiation", "Norvalis inleder fas 2-studie med NV-12"),
    ("sv", "enrollment/enrollment_complete", "Norvalis har slutfört rekryteringen till fas 3-studien VISTA"),
    ("de", "enrollment/first_patient", "Erster Patient in Phase-1-Studie von Norvalis mit NV-9 behandelt"),
    ("es", "enrollment/first_patient", "Norvalis trata al primer paciente en el ensayo de fase 1 con NV-9"),
    ("da", "enrollment/initiation", "Norvalis indleder fase 3-studie med NV-7"),
    ("da", "enrollment/first_patient", "Første patient doseret i Norvalis' fase 1-studie med NV-9"),
    ("sv", "enrollment/first_patient", "Första patienten doserad i Norvalis fas 1-studie med NV-9"),
]


@pytest.mark.parametrize(("lang", "expected", "title"), CASES, ids=[c[2][:50] for c in CASES])
def test_other_language(lang: str, expected: str, title: str) -> None:
    result = classify(title)
    assert result.facts.get("language") == lang, result.facts
    assert f"{result.label}/{result.subtype}" == expected, result.evidence
    assert result.evidence[0].rule.startswith(f"language.{lang}."), result.evidence
    assert 0.0 <= result.confidence <= 1.0


def test_unsupported_language_says_so() -> None:
    result = classify("Bedrijf X maakt de resultaten van het eerste kwartaal bekend en benoemt een nieuwe directeur")
    assert result.facts.get("language") == "nl"
    assert (result.label, result.subtype) == ("other", "other")
    assert any(e.rule == "language.unsupported" for e in result.evidence)


@pytest.mark.parametrize("title", [
    "Acme Bio Receives FDA Fast Track Designation for AB-101 in ALS",
    "Zeta Announces Pricing of Public Offering",
    "Omega Doses First Patient",
    "Acme's Phase 3 Study Did Not Meet Its Primary Endpoint",
    "Café Therapeutics Reports Topline Results From Phase 2 Study",
])
def test_english_is_english(title: str) -> None:
    assert detect_language(title) == "en"
    assert "language" not in classify(title).facts


def test_detection_without_langdetect(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stop-word vote alone recognises a clear case (langdetect is optional)."""
    import watchers.classify.languages as languages

    monkeypatch.setattr(languages, "_langdetect", lambda text: None)
    title = "Lumière Santé annonce des résultats positifs pour son essai de Phase 2 avec les patients"
    assert detect_language(title) == "fr"

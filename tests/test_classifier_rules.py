"""One test per rule of the classifier's rule table, with headlines of our own wording.

Every rule in ``watchers.classifier.rules.RULES`` must be exercised by at least one case in ``CASES``
(``test_every_rule_has_a_case``), and the hard cases named in the corpus conventions each have their own case.
"""

from __future__ import annotations

import pytest

from watchers.classifier import classify
from watchers.classifier.rules import RULES, TAXONOMY

# (rule that must decide, title, summary, label, subtype)
CASES: list[tuple[str, str, str, str, str]] = [
    # ---- other: framing of the release
    ("other.roundup", "Biotech Daily Dose: Acme Files IPO, Zeta Gets FDA Nod, Omega Slumps", "", "other", "other"),
    ("other.earnings", "Acme Bio Reports Third Quarter 2025 Financial Results and Highlights FDA Approval of ZX-101",
     "", "other", "other"),
    ("other.earnings", "Zeta Therapeutics Posts Full-Year 2024 Results; Phase 3 Data Expected Mid-2025", "",
     "other", "other"),
    ("other.financing", "Acme Bio Announces Pricing of $75 Million Underwritten Public Offering", "", "other", "other"),
    ("other.financing", "Zeta Therapeutics Raises $40 Million to Fund Phase 3 Trial After Positive Phase 2 Data", "",
     "other", "other"),
    ("other.financing", "Omega Pharma Sells Rare Pediatric Disease Priority Review Voucher for $100 Million", "",
     "other", "other"),
    ("other.investor_event", "Acme Bio to Participate in Three Upcoming Healthcare Investor Conferences", "",
     "other", "other"),
    ("other.investor_event", "Zeta Therapeutics Will Host a Virtual R&D Day on March 3", "", "other", "other"),
    ("other.future_results_event", "Acme Bio to Present Phase 2 Data for AB-201 at the Upcoming Annual Meeting", "",
     "other", "other"),
    ("other.future_results_event",
     "Late-Breaking Abstract on ZT-44 Phase 1 Results Accepted for Oral Presentation at Winter Congress", "",
     "other", "other"),
    ("other.preclinical", "Acme Bio Presents Preclinical Data Showing AB-301 Shrinks Tumors in Mouse Models", "",
     "other", "other"),
    ("other.people", "Zeta Therapeutics Appoints New Chief Medical Officer Ahead of Phase 3 Readout", "",
     "other", "other"),
    ("other.corporate", "Acme Bio and BigPharma Enter Exclusive License Agreement for Phase 2 Asset AB-501", "",
     "other", "other"),
    # ---- regulatory/other: look-alikes of grants
    ("regulatory.designation_request", "Acme Bio Submits Request for Breakthrough Therapy Designation for AB-101", "",
     "regulatory", "other"),
    ("regulatory.designation_request", "FDA Accepts Zeta's Fast Track Designation Application for Review", "",
     "regulatory", "other"),
    ("regulatory.advisory_committee", "FDA Advisory Committee Votes 10-2 in Favor of Acme's Gene Therapy", "",
     "regulatory", "other"),
    ("regulatory.chmp_opinion", "Zeta Receives Positive CHMP Opinion Recommending Approval of Zetavimab", "",
     "regulatory", "other"),
    ("regulatory.ind_clearance", "Acme Bio Receives FDA Clearance of IND Application for AB-777", "",
     "regulatory", "other"),
    ("regulatory.ind_clearance", "Health Canada Grants Approval to Initiate Phase 2 Study of ZT-12", "",
     "regulatory", "other"),
    ("regulatory.protocol_change", "FDA Approves Protocol Amendment for Acme's Ongoing Phase 3 Study", "",
     "regulatory", "other"),
    ("regulatory.rare_pediatric", "Acme Bio Granted Rare Pediatric Disease Designation for AB-909", "",
     "regulatory", "other"),
    ("regulatory.other_designation", "Zeta Receives QIDP Designation for Novel Antibiotic ZT-3", "",
     "regulatory", "other"),
    ("regulatory.update", "Acme Bio Provides Regulatory Update on AB-101 Program", "", "regulatory", "other"),
    ("regulatory.meeting", "Zeta Therapeutics Announces Scheduling of Type A Meeting With FDA", "",
     "regulatory", "other"),
    # ---- regulatory actions
    ("regulatory.clinical_hold", "FDA Places Acme's Phase 1 Study of AB-404 on Clinical Hold After Liver Signal",
     "", "regulatory", "clinical_hold"),
    ("regulatory.clinical_hold", "Zeta Says FDA Removed Partial Hold on Dose-Escalation Trial", "",
     "regulatory", "clinical_hold"),
    ("regulatory.meeting_agreement", "Acme Reaches Agreement With FDA on Registrational Path Following Type B Meeting",
     "", "regulatory", "meeting_agreement"),
    ("regulatory.meeting_agreement", "Zeta Announces Productive End-of-Phase 2 Meeting With the FDA", "",
     "regulatory", "meeting_agreement"),
    ("regulatory.crl", "Acme Bio Receives Complete Response Letter From FDA for AB-100 NDA", "",
     "regulatory", "crl"),
    ("regulatory.submission_for_approval", "Zeta Files for FDA Approval of Zetavimab in Psoriasis", "",
     "regulatory", "submission"),
    ("regulatory.accelerated_approval", "FDA Grants Accelerated Approval to Acme's Bispecific for Lymphoma", "",
     "regulatory", "accelerated_approval"),
    ("regulatory.approval", "European Commission Approves Zeta's Gene Therapy for Rare Blood Disorder", "",
     "regulatory", "approval"),
    ("regulatory.approval", "Acme Wins FDA Approval for Once-Weekly Injection", "", "regulatory", "approval"),
    ("regulatory.priority_review", "FDA Accepts Zeta's BLA and Grants Priority Review; PDUFA Date Set for June 2, 2026",
     "", "regulatory", "priority_review"),
    ("regulatory.acceptance", "Acme Bio's Marketing Authorization Application Validated by EMA", "",
     "regulatory", "acceptance"),
    ("regulatory.pdufa_date", "FDA Extends Review of Zeta's sNDA by Three Months", "", "regulatory", "pdufa_date"),
    ("regulatory.submission", "Acme Bio Completes Rolling BLA Submission for AB-808", "", "regulatory", "submission"),
    ("regulatory.breakthrough", "Zeta's ZT-22 Granted Breakthrough Therapy Designation in Lung Cancer", "",
     "regulatory", "breakthrough"),
    ("regulatory.rmat", "Acme Cell Therapy Receives RMAT Designation From FDA", "", "regulatory", "rmat"),
    ("regulatory.prime", "EMA Awards PRIME Eligibility to Zeta's Duchenne Gene Therapy", "", "regulatory", "prime"),
    ("regulatory.orphan", "Acme Bio Secures Orphan Drug Designation for AB-12 in Rare Epilepsy", "",
     "regulatory", "orphan"),
    ("regulatory.fast_track", "FDA Grants Fast Track Status to Zeta's Oral GLP-1 Candidate", "",
     "regulatory", "fast_track"),
    ("regulatory.dsmb", "Independent DSMB Recommends Continuing Acme's Phase 3 Trial Without Changes", "",
     "enrollment", "status_change"),
    # ---- enrollment
    ("enrollment.status_change", "Zeta Therapeutics Discontinues Phase 2 Program in NASH After Portfolio Review", "",
     "enrollment", "status_change"),
    ("enrollment.status_change", "Acme Pauses Enrollment in Phase 1 Study Pending Safety Review", "",
     "enrollment", "status_change"),
    ("enrollment.enrollment_complete", "Zeta Finishes Recruitment: 412 Patients Randomized; Enrollment Complete", "",
     "enrollment", "enrollment_complete"),
    ("enrollment.enrollment_complete", "Acme Bio Completes Patient Enrollment in Pivotal SUMMIT-3 Trial", "",
     "enrollment", "enrollment_complete"),
    ("enrollment.first_patient", "Zeta Doses First Participant in Phase 1 Trial of ZT-900", "",
     "enrollment", "first_patient"),
    ("enrollment.first_patient", "First Subject Randomized in Acme's Global Phase 3 Study", "",
     "enrollment", "first_patient"),
    ("enrollment.initiation", "Acme Bio Launches Phase 2b Trial of AB-330 in Ulcerative Colitis", "",
     "enrollment", "initiation"),
    ("enrollment.other", "Zeta Accelerates Enrollment in Ongoing Phase 3 Program With New Sites", "",
     "enrollment", "other"),
    # ---- readouts
    ("readout.presentation", "Acme Presents Positive 52-Week Results From Phase 3 Trial at the Spring Congress", "",
     "readout", "presentation"),
    ("readout.presentation", "Zeta Announces Publication of Phase 2 Results in a Peer-Reviewed Journal", "",
     "readout", "presentation"),
    ("readout.endpoint", "Acme's Phase 3 Trial of AB-101 Fails to Meet Primary Endpoint", "", "readout", "topline"),
    ("readout.endpoint", "Zeta's ZT-7 Hits Primary Endpoint in Pivotal Migraine Study", "", "readout", "topline"),
    ("readout.interim", "Acme Reports Interim Analysis From Phase 2 Dose-Expansion Cohort", "",
     "readout", "interim"),
    ("readout.topline", "Zeta Announces Top-Line Results From Phase 2b Obesity Trial", "", "readout", "topline"),
    ("readout.final", "Acme Reports Final Results From Completed Phase 1/2 Study", "", "readout", "final"),
    ("readout.generic", "Zeta's Antibody Shows Durable Responses in Heavily Pretreated Patients", "",
     "readout", "topline"),
]

HARD_CASES: list[tuple[str, str, str, str, str]] = [
    # the primary event decides: an earnings release mentioning a designation is other
    ("earnings mentioning designation", "Acme Reports Second Quarter Results and Recent Orphan Drug Designation", "",
     "other", "other"),
    # a designation requested is not a designation granted
    ("designation requested", "Zeta Submits Application for Orphan Drug Designation to the FDA", "",
     "regulatory", "other"),
    # advisory committee, CHMP opinion, IND clearance, RPD designation are regulatory/other
    ("adcomm vote", "Panel of FDA Advisers Backs Acme's Drug at Advisory Committee Meeting", "",
     "regulatory", "other"),
    ("CTA authorisation", "Acme Receives CTA Authorization From UK MHRA for First-in-Human Trial", "",
     "regulatory", "other"),
    # acceptance with priority review is priority_review
    ("acceptance + priority review", "FDA Accepts Acme's NDA With Priority Review", "", "regulatory",
     "priority_review"),
    # holds imposed, partial, lifted are all clinical_hold
    ("hold imposed", "Zeta Halts Dosing After FDA Imposes Clinical Hold", "", "regulatory", "clinical_hold"),
    ("hold lifted", "FDA Lifts Hold on Acme's Cell Therapy Trial", "", "regulatory", "clinical_hold"),
    # meeting agreement after Type B / EOP meeting
    ("EOP2 alignment", "Zeta Aligns With FDA on Phase 3 Design Following End-of-Phase 2 Meeting", "",
     "regulatory", "meeting_agreement"),
    # accelerated approval pathway is not an approval
    ("AA pathway alignment", "Acme Confirms Alignment With FDA on Accelerated Approval Pathway for AB-5", "",
     "regulatory", "meeting_agreement"),
    # "to present" with no numbers is other; with numbers it is a readout
    ("to present without numbers", "Zeta to Present Updated Phase 1 Data at Upcoming Hematology Meeting", "",
     "other", "other"),
    ("presentation with numbers", "Zeta Presents Updated Phase 1 Data Showing 64% Response Rate at Hematology Meeting",
     "", "readout", "presentation"),
    # negative results are still readouts
    ("negative readout", "Acme's Phase 3 Study Did Not Meet Its Primary Endpoint", "", "readout", "topline"),
    # a past CRL mentioned in a readout release does not make it a CRL
    ("readout mentioning CRL", "Zeta Reports Positive Topline Data From Study Requested in FDA Complete Response Letter",
     "", "readout", "topline"),
    # rolling submission under a past Fast Track designation is a submission
    ("submission under fast track", "Acme Initiates Rolling NDA Submission Under Fast Track Designation", "",
     "regulatory", "submission"),
    # financing in passing does not hide a designation in the headline
    ("designation with financing context", "As Zeta Looks to Raise Cash, It Receives Fast Track Designation", "",
     "regulatory", "fast_track"),
    # planned initiation is still initiation
    ("planned initiation", "Acme to Initiate Pivotal Phase 3 Trial in Second Half of 2026", "",
     "enrollment", "initiation"),
    # headline without an event, lede with one
    ("lede decides", "Why Are Acme Shares Soaring Today?",
     "Acme said the FDA has lifted the clinical hold on its lead program.", "regulatory", "clinical_hold"),
    # title says initiates, lede says first patient dosed
    ("initiation upgraded by lede", "Zeta Initiates Phase 2 Trial of ZT-55",
     "Zeta announced that the first patient has been dosed in the Phase 2 trial.", "enrollment", "first_patient"),
    # DSMB recommendation with a concurrent private placement
    ("DSMB with concurrent placement",
     "Acme Announces DSMB Recommendation to Continue Phase 3 Trial With Concurrent Private Placement", "",
     "enrollment", "status_change"),
    # preclinical data are other
    ("preclinical publication", "Zeta Publishes Preclinical Data on ZT-9 in Primate Model", "", "other", "other"),
    # webinar announcement with no data
    ("webinar no data", "Acme to Host Webinar to Discuss Preliminary Data on January 9", "", "other", "other"),
]


def test_every_rule_has_a_case() -> None:
    tested = {c[0] for c in CASES}
    missing = [r.name for r in RULES if r.name not in tested]
    assert not missing, f"rules without a test headline: {missing}"


@pytest.mark.parametrize(("rule", "title", "summary", "label", "subtype"), CASES, ids=[c[1][:60] for c in CASES])
def test_rule(rule: str, title: str, summary: str, label: str, subtype: str) -> None:
    c = classify(title, summary)
    assert (c.label, c.subtype) == (label, subtype), c.evidence
    assert c.evidence[0].rule.split("@")[0] == rule, c.evidence
    assert c.evidence[0].phrase


@pytest.mark.parametrize(("case", "title", "summary", "label", "subtype"), HARD_CASES, ids=[c[0] for c in HARD_CASES])
def test_hard_case(case: str, title: str, summary: str, label: str, subtype: str) -> None:
    c = classify(title, summary)
    assert (c.label, c.subtype) == (label, subtype), c.evidence


def test_gates_never_hide_a_match() -> None:
    """Speed gates must be supersets of their patterns: check on every test headline."""
    for _, title, summary, *_ in CASES + HARD_CASES:
        for text in (title, summary):
            low = text.lower()
            for rule in RULES:
                if rule.gate and rule.pattern.search(text):
                    assert any(g in low for g in rule.gate), (rule.name, text)


def test_taxonomy_pairs_of_rules_are_valid() -> None:
    for rule in RULES:
        assert rule.label in TAXONOMY
        assert rule.subtype is None or rule.subtype in TAXONOMY[rule.label], rule.name

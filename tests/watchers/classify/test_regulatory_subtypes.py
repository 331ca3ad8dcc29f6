"""Regulatory subtypes by concept, with headlines of our own wording (issue 13: regulatory subtype accuracy).

Each concept here was missed or given the wrong subtype before its rule was generalised: national regulators
named in their own terms, a label widened by its regulator, a device's CE mark, a regulator's agreement or
written answers in place of a meeting, a regulator's permission to start a trial, a refusal to file, an inspection
and its findings. The guards beside them keep the look-alikes where they belong.
"""

from __future__ import annotations

import pytest

from watchers.classify import classify

CONCEPTS: list[tuple[str, str]] = [
    # national regulators in their own terms (Japan's ministry, EU member states' agencies, Health Canada's NOC)
    ("regulatory/approval", "Japan's Ministry of Health, Labour and Welfare Approves Lindor for Fabry Disease"),
    ("regulatory/approval", "Quill Bio Receives Conditional Time-Limited Approval in Japan for QB-7 Cell Therapy"),
    ("regulatory/approval", "Quill Bio Receives Notice of Compliance from Health Canada for Lindor"),
    ("regulatory/meeting_agreement",
     "Quill Bio Receives Positive Feedback from the Paul-Ehrlich-Institut on Its Pivotal Trial Design"),
    ("regulatory/meeting_agreement",
     "Quill Bio Receives Positive Feedback from the Spanish Agency of Medicines on Its Phase 3 Trial"),
    # a label widened or amended by its regulator is an approval
    ("regulatory/approval", "Quill Bio Announces FDA Approval of Label Expansion for Lindor in Adolescents"),
    ("regulatory/approval", "FDA Approves Label Update for Lindor Adding Five-Year Safety Data"),
    ("regulatory/approval", "Quill Bio Announces Addition of Children Aged Six and Older to the Lindor Label"),
    # a device's CE mark
    ("regulatory/approval", "Quill Medical Receives CE Mark for Its VenaSeal Catheter"),
    # meeting outcomes without the word "meeting", or with the agency's support stated
    ("regulatory/meeting_agreement",
     "Quill Bio Completes Type C Meeting with FDA; Agency Supports a Single Pivotal Study"),
    ("regulatory/meeting_agreement",
     "Quill Bio Announces Written Responses from FDA Supporting an Accelerated Approval Pathway"),
    ("regulatory/meeting_agreement", "FDA Agrees to Quill Bio's Proposed Pediatric Study Plan for QB-7"),
    ("regulatory/meeting_agreement", "Quill Bio Announces FDA Feedback on Phase 3 Program for QB-7"),
    ("regulatory/meeting_agreement", "Quill Bio Secures FDA Agreement on Pivotal Trial Design for QB-7"),
    ("regulatory/meeting_agreement",
     "Quill Bio Announces Path Forward for QB-7 Following End-of-Phase 2 Meeting with FDA"),
    # a regulator's permission to start a trial is a trial clearance, not a product approval
    ("regulatory/other",
     "Quill Bio Receives Approval from the Therapeutic Goods Administration to Start a Phase 1 Trial"),
    ("regulatory/other", "Quill Bio Receives Approval from China's NMPA to Initiate Phase 3 Study of QB-7"),
    # a request granted is the designation itself
    ("regulatory/breakthrough", "FDA Grants Quill Bio's Request for Breakthrough Therapy Designation for QB-7"),
    # refusal to file, inspections and their findings
    ("regulatory/other", "Quill Bio Receives Refusal to File Letter from FDA for Its QB-7 Application"),
    ("regulatory/other", "Quill Bio Receives Refuse-to-File Letter from FDA"),
    ("regulatory/other", "Quill Bio Passes GMP Inspection by the European Medicines Agency"),
    ("regulatory/other", "Quill Bio Completes FDA Pre-Approval Inspection of Its Fill-Finish Site"),
    ("regulatory/other", "FDA Issues Warning Letter to Quill Bio Over Its Manufacturing Site"),
    # second round: approvals by country or ministry, a hold imposed, a review extended, variations, withdrawals,
    # the agency's schemes, a device trial's exemption
    ("regulatory/approval", "Quill Bio's Lindor Approved in Taiwan for Adults with Fabry Disease"),
    ("regulatory/approval", "Quill Bio Receives Approval in Saudi Arabia for Lindor"),
    ("regulatory/approval", "Quill Bio Receives Israeli Ministry of Health Approval for Lindor"),
    ("regulatory/clinical_hold", "FDA Imposes Partial Hold on Quill Bio's Gene Therapy Study"),
    ("regulatory/pdufa_date", "Quill Bio Announces FDA Extension of Review Period for Lindor Application"),
    ("regulatory/submission", "Quill Bio Submits Type II Variation to EMA to Extend the Lindor Indication"),
    ("regulatory/other", "Quill Bio Withdraws Marketing Authorization Application for Lindor in Europe"),
    ("regulatory/other", "Quill Bio Receives FDA Platform Technology Designation for Its Lipid Carrier"),
    ("regulatory/other", "Quill Bio Awarded Commissioner's National Priority Voucher for QB-7"),
    ("regulatory/other", "Quill Bio's Lindor Application Reviewed Under Project Orbis"),
    ("regulatory/other", "Quill Medical Receives FDA Approval of Investigational Device Exemption for Pivotal Study"),
    ("regulatory/other", "European Commission Revokes the Marketing Authorisations of Two Generic Copies of Lindor"),
    ("regulatory/other", "Marketing Authorization for Lindor Suspended in the EU Pending Safety Review"),
]

GUARDS: list[tuple[str, str]] = [
    ("regulatory/other", "FDA Approves Protocol Amendment for Quill Bio's Phase 2 Trial"),
    ("regulatory/submission", "Quill Medical Announces CE Mark Application Submitted for Its VenaSeal Catheter"),
    ("regulatory/other", "Quill Bio Submits Request for Breakthrough Therapy Designation for QB-7"),
    ("regulatory/meeting_agreement", "Quill Bio Reaches Agreement with FDA on Phase 3 Design After Type B Meeting"),
    ("regulatory/other", "Quill Bio Receives FDA Clearance of IND for QB-7"),
    ("other/other", "Quill Bio to Undergo FDA Pre-Approval Inspection in March"),
    ("other/other", "Quill Bio Presents Baseline Characteristics of Phase 3 Trial Participants"),
    ("other/other", "Quill Bio Reports Third Quarter Results and Highlights CE Mark Approval"),
    ("other/other", "Quill Bio Stockholders Approve Reverse Split at Annual Meeting"),
    ("other/other", "Quill Bio Wins Ministry of Health Research Grant for QB-7 Programme"),
]


@pytest.mark.parametrize(("expected", "title"), CONCEPTS, ids=[t[:60] for _, t in CONCEPTS])
def test_regulatory_concept(expected: str, title: str) -> None:
    c = classify(title)
    assert f"{c.label}/{c.subtype}" == expected, c.evidence


@pytest.mark.parametrize(("expected", "title"), GUARDS, ids=[t[:60] for _, t in GUARDS])
def test_look_alike_stays_put(expected: str, title: str) -> None:
    c = classify(title)
    assert f"{c.label}/{c.subtype}" == expected, c.evidence


def test_open_label_is_not_a_product_label() -> None:
    c = classify("Quill Bio Announces Ethics Approval of Open-Label Extension Amendment for QB-7 Study")
    assert c.subtype != "approval", c.evidence

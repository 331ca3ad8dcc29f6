"""One formatting of facts for every renderer: structured results, safety, meetings and design in words."""
from __future__ import annotations

from bot.delivery.alert_view import fact_items, http_url


def test_structured_facts_read_as_a_reader_wants_them() -> None:
    facts = {
        "orr": "93%", "n_patients": 14, "confidence": 0.97, "changes": [{"field": "x"}],
        "results": [{"measure": "ORR", "value": 93, "unit": "%", "population": "indolent", "n": 14},
                    {"measure": "OS", "value": 4.5, "unit": "months", "population": None, "n": None}],
        "safety": [{"text": "no grade ≥3 cytokine release syndrome", "event": "CRS", "grade": "≥3", "rate": 0},
                   {"text": "mild headache in some", "event": None, "grade": None, "rate": None}],
        "meeting": {"type": "Type C", "outcome": "FDA agreed a single randomised Phase 3 in 3L DLBCL"},
        "design": {"randomised": True, "single_trial": True, "line_of_therapy": "third-line", "phase": "3"},
        "hazard_ratio": 0.62,
    }
    assert fact_items(facts) == [
        ("Results", "ORR 93% (indolent, n=14) · OS 4.5 months"),
        ("Safety", "no grade ≥3 CRS · mild headache in some"),
        ("Regulator meeting", "Type C: FDA agreed a single randomised Phase 3 in 3L DLBCL"),
        ("Design", "randomised · single trial · third-line · Phase 3"),
        ("hazard ratio", "0.62"),
    ]


def test_plain_facts_and_urls() -> None:
    assert fact_items({"orr": "93%", "endpoint_met": True, "empty": []}) == [("orr", "93%"), ("endpoint met", "yes")]
    assert http_url("https://x.test/a", 100) == "https://x.test/a"
    assert http_url("javascript:alert(1)", 100) is None
    assert http_url("https://x.test/" + "a" * 200, 100) is None


def test_a_responder_scale_reads_apart_from_its_value() -> None:
    facts = {"results": [{"measure": "PASI 75", "value": 72, "unit": "%", "population": None, "n": 120},
                         {"measure": "ACR 20", "value": 61, "unit": "%", "population": "200 mg", "n": None}]}
    assert fact_items(facts) == [("Results", "PASI 75: 72% (n=120) · ACR 20: 61% (200 mg)")]

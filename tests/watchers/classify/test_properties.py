"""Property tests: classify never raises and always returns a valid label/subtype pair."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.taxonomy import SUBTYPES as TAXONOMY
from watchers.classify import Classification, classify

WORDS = st.sampled_from([
    "FDA", "Phase 3", "approval", "Fast Track", "designation", "clinical hold", "lifted", "first patient",
    "dosed", "enrollment", "complete", "topline", "results", "primary endpoint", "did not meet", "to present",
    "offering", "PDUFA", "CRL", "priority review", "accepted", "NDA", "BLA", "®", "™", "ABC-123", "zetolimab",
    "%", "p<0.001", "HR 0.5", "n=12", "(", ")", "—", "’s", "\n", "İ", "ß", "\u0000", "😀",
])
TEXT = st.one_of(st.text(max_size=400), st.lists(WORDS, max_size=40).map(" ".join))


def _check(c: Classification) -> None:
    assert c.label in TAXONOMY
    assert c.subtype in TAXONOMY[c.label]
    assert all(isinstance(p, str) for p in c.programs)
    json.dumps(c.facts)
    assert c.evidence


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=TEXT, summary=TEXT, source=st.one_of(st.none(), st.text(max_size=50)))
def test_never_raises_and_returns_valid_pair(title: str, summary: str, source: str | None) -> None:
    _check(classify(title, summary, source))


def test_edge_inputs() -> None:
    for title, summary in [("", ""), (" ", "\n\t"), ("x" * 200_000, "y " * 200_000),
                           ("FDA " * 50_000, "Phase 3 " * 50_000), ("\ud800", "\udfff"), ("İİİ FDA", "")]:
        _check(classify(title, summary))

"""What an alert's conversation is about, and which follow-ups the whole channel sees."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.delivery.threads import high_materiality, topics
from storage.models import Event


def ev(**kw: Any) -> Event:
    return Event.model_validate({"id": 1, "dedupe_key": "k", "kind": "readout", "subtype": "interim", "title": "t",
                                 "detected_at": datetime(2026, 1, 1, tzinfo=UTC), **kw})


def test_topics_are_each_programme_then_the_trial() -> None:
    assert topics(ev(programs=["Azer-cel", "AZER CEL", "Zeto"], trial="nct0001")) == [
        "program:azercel", "program:zeto", "trial:NCT0001"]
    assert topics(ev()) == []
    assert topics(ev(kind="system", programs=["Azer-cel"])) == []  # notices start no conversation


def test_high_materiality_kinds() -> None:
    for subtype in ("approval", "crl", "clinical_hold", "topline"):
        assert high_materiality(ev(kind="regulatory", subtype=subtype)), subtype
    assert not high_materiality(ev(subtype="interim"))
    terminated = ev(kind="enrollment", subtype="status_change",
                    facts={"changes": [{"field": "overall_status", "old": "RECRUITING", "new": "TERMINATED"}]})
    assert high_materiality(terminated)
    assert high_materiality(ev(kind="enrollment", subtype="status_change",
                               facts={"field": "overall_status", "new": "terminated"}))

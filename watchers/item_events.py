"""A new feed item → a typed event, through the classifier."""
from __future__ import annotations

from storage.models import EvidenceItem, NewEvent, Source
from watchers.classifier import ProgramFinder, classify
from watchers.feed_parse import FeedItem


def event_from_item(item: FeedItem, source: Source, programs: ProgramFinder | None = None) -> NewEvent:
    result = classify(item.title, item.summary, source.url, programs)
    facts = dict(result.facts)
    trial = facts.get("nct_id") if isinstance(facts.get("nct_id"), str) else None
    return NewEvent(
        # Keyed on the link when there is one, so the same release seen in two feeds is one event.
        dedupe_key=f"link:{item.link}" if item.link else f"{source.kind}:{source.id}:{item.key}",
        kind=result.label,
        subtype=result.subtype,
        title=item.title,
        summary=item.summary,
        url=item.link,
        published_at=item.published_at,
        programs=result.programs,
        sponsor=result.sponsor,
        trial=trial,
        facts=facts,
        evidence=[EvidenceItem(rule=e.rule, phrase=e.phrase) for e in result.evidence],
    )

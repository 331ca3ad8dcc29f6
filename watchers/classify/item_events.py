"""A new feed item → a typed event, through the classifier."""
from __future__ import annotations

from typing import Any

from storage.models import CatalystDate, NewEvent, Source
from watchers.classify import Classification, ProgramFinder, analyse
from watchers.parse.date_text import parse_date_text
from watchers.parse.feed import FeedItem

_FDA_HOSTS = ("fda.gov",)
_COMPANY_KINDS = ("edgar",)


def reported_by(source: Source) -> str:
    """Who speaks in this source: the FDA itself, the company (press releases, 8-Ks), or someone else."""
    if any(host in source.url for host in _FDA_HOSTS):
        return "fda"
    if source.kind in _COMPANY_KINDS or any(w in source.url for w in ("globenewswire", "businesswire", "prnewswire")):
        return "company"
    return "other"


def catalysts_from_facts(facts: dict[str, Any]) -> list[CatalystDate]:
    out: list[CatalystDate] = []
    for key, kind, label in (("pdufa_date", "pdufa", "PDUFA date"), ("target_action_date", "pdufa", "PDUFA date"),
                             ("guidance", "guidance", "guidance"), ("adcomm_date", "adcomm", "advisory committee")):
        value = facts.get(key)
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if isinstance(text, str) and (parsed := parse_date_text(text)):
                out.append(CatalystDate(kind=kind, label=label if kind != "guidance" else text[:120],
                                        date=parsed[0], precision=parsed[1]))  # type: ignore[arg-type]
                break
    return out


def event_from_item(
    item: FeedItem, source: Source, programs: ProgramFinder | None = None, body: str | None = None
) -> NewEvent:
    """The item classified; `body` (the release page, when it was read) adds facts the lede does not state."""
    return event_from_result(item, source, analyse(item.title, item.summary, source.url, programs).finish(body))


def event_from_result(item: FeedItem, source: Source, result: Classification) -> NewEvent:
    """The item as an event, from its classification (``analyse(...).finish(body)``)."""
    # The calibrated confidence travels with the facts: `why` shows it, alerts do not.
    facts = {**result.facts, "confidence": round(result.confidence, 3)}
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
        evidence=result.evidence,
        catalysts=catalysts_from_facts(facts),
        reported_by=reported_by(source),  # type: ignore[arg-type]
    )

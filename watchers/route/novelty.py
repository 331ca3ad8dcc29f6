"""Which of a poll's items are new, which are edits of known ones, and which new ones may alert.

Pure functions of the items and what the store knows of them (their seen rows, the feed's recent history).
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from storage.models import FeedHistory, NewEvent, SeenItem

# More new items than this from one feed in one poll is not news but a re-served archive or a broken feed.
FLOOD_LIMIT = 20
# An item dated this far before the feed's newest known item (or its priming) is backfill, not news.
OLD_GRACE = timedelta(days=7)
# An item recorded without classification (priming, silent backfill) counts as having been nothing.
UNCLASSIFIED = "other/other"


@dataclass(frozen=True)
class Candidate:
    key: str
    content_key: str | None = None
    published_at: datetime | None = None


@dataclass
class Triage:
    new: list[str] = field(default_factory=list)
    # Known items whose title or lede changed: item key → their last classification (None: never classified).
    edited: dict[str, str | None] = field(default_factory=dict)


def triage(items: Sequence[Candidate], known: Sequence[SeenItem]) -> Triage:
    """New: neither key known. Known under another key (rotated GUID, tracking link): not new, unless the item
    holding that content is in this very poll (two distinct items with the same text). Same key, other content:
    an edit."""
    by_key = {s.item_key: s for s in known}
    holders: dict[str, list[str]] = {}
    for s in known:
        if s.content_key:
            holders.setdefault(s.content_key, []).append(s.item_key)
    present = {c.key for c in items}
    out = Triage()
    for c in items:
        row = by_key.get(c.key)
        if row is not None:
            # A row from before content keys were kept has none: it takes this one without counting as an edit.
            if c.content_key and row.content_key and c.content_key != row.content_key:
                out.edited[c.key] = row.classified_as
            continue
        if c.content_key and any(h not in present for h in holders.get(c.content_key, [])):
            continue
        out.new.append(c.key)
    return out


def vouched(unchanged: Sequence[str], known: Sequence[SeenItem]) -> bool:
    """Whether the store holds every item (by key) a source says is exactly as its last recorded poll left it
    (not read again: watchers/parse/feed_fast.py). Such an item is then neither new nor an edit, and its row
    already says what a write would; if one is missing, the poll's items are read in full instead."""
    if not unchanged:
        return True
    stored = {s.item_key for s in known}
    return all(key in stored for key in unchanged)


def rows_to_write(items: Sequence[SeenItem], known: Sequence[SeenItem]) -> list[SeenItem]:
    """The seen items whose row a write would change: a key not stored, or a content key, date or classification
    the stored row does not hold (the write keeps a stored value where the item has none). A changed feed's
    window is mostly items already recorded as they are: writing them again changed nothing (issue 19)."""
    by_key = {s.item_key: s for s in known}

    def holds(value: object, stored: object) -> bool:
        return value is None or value == stored

    return [i for i in items
            if (row := by_key.get(i.item_key)) is None
            or not (holds(i.content_key, row.content_key) and holds(i.published_at, row.published_at)
                    and holds(i.classified_as, row.classified_as))]


@dataclass
class Announcements:
    announce: list[str] = field(default_factory=list)
    quiet: list[str] = field(default_factory=list)  # recorded as seen, never classified nor announced

    @property
    def needs_notice(self) -> bool:
        return len(self.quiet) >= FLOOD_LIMIT


def plan_announcements(new: Sequence[Candidate], history: FeedHistory, limit: int = FLOOD_LIMIT,
                       grace: timedelta = OLD_GRACE) -> Announcements:
    """Items dated well before the feed's recent history are recorded silently; if more than `limit` remain,
    all of them are (one notice says so instead)."""
    reference = history.newest_published_at or history.primed_at
    cutoff = reference - grace if reference is not None else None
    plan = Announcements()
    for c in new:
        old = cutoff is not None and c.published_at is not None and c.published_at < cutoff
        # The first poll after upgrading from single keys: an item keyed by link or content may be an old one
        # re-keyed (tracking parameters dropped, date no longer hashed); only GUID keys are unchanged.
        rekeyed = history.legacy and c.content_key is not None and not c.key.startswith("guid:")
        (plan.quiet if old or rekeyed else plan.announce).append(c.key)
    if len(plan.announce) > limit:
        plan.quiet += plan.announce
        plan.announce = []
    return plan


def flood_notice(source_id: int, source_name: str, url: str, quiet: Sequence[str]) -> NewEvent:
    """The one notice that replaces a flood, keyed on the items it covers (a retried poll does not repeat it)."""
    digest = hashlib.sha1("\n".join(sorted(quiet)).encode("utf-8", "replace")).hexdigest()[:16]
    return NewEvent(
        dedupe_key=f"flood:{source_id}:{digest}", kind="system", subtype="feed_flood",
        title=f"Feed {source_name} served {len(quiet)} unseen items; not announced",
        summary=f"{url} served {len(quiet)} items not seen before that are older than its recent history or too "
                "many for one poll (an archive re-served?). They are recorded as seen; none is announced.",
        url=url, facts={"source_id": source_id, "items": len(quiet)},
    )


def classification(event: NewEvent) -> str:
    return f"{event.kind}/{event.subtype}"


def edited_event(previous: str | None, event: NewEvent) -> NewEvent | None:
    """An edited item alerts once when it becomes an event, or another kind/subtype of event, than it was; a
    fix that keeps its classification does not. The event is keyed per classification, so it alerts once."""
    now = classification(event)
    if event.kind == "other" or now == (previous or UNCLASSIFIED):
        return None
    return event.model_copy(update={"dedupe_key": f"{event.dedupe_key}#{now}"[:1000]})

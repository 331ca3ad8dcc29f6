"""The CPU-bound work of a changed feed, as module-level functions a worker process can run
(`FeedParser.call`): its new items' classification, and an event's facts once its release page is read.

The programme registry's matcher stays in the bot's process (it is rebuilt when the registry changes): the names
it finds in each item are found there and handed over, so the analysis is the same as in one process.
"""
from __future__ import annotations

from collections.abc import Sequence

from storage.models import NewEvent, Source
from watchers.classify import Analysis, analyse
from watchers.classify.item_events import event_from_result
from watchers.parse.feed import FeedItem
from watchers.sources.base import fingerprinted


class FoundNames:
    """A ProgramFinder answering with the names the bot's matcher found in this item (None: the matcher failed,
    which analyse treats as no names, as it treats a failing matcher)."""

    def __init__(self, names: list[str] | None) -> None:
        self._names = names

    def find(self, text: str) -> list[str]:
        if self._names is None:
            raise LookupError("the programme matcher failed on this item")
        return self._names


def classify_items(
    items: Sequence[FeedItem], source: Source, names: Sequence[list[str] | None] | None,
) -> list[tuple[Analysis, NewEvent]]:
    """Each item analysed from its title and lede, and its event with the lede's facts, fingerprinted (here, in the
    worker, rather than in the event loop)."""
    out = []
    for n, item in enumerate(items):
        finder = FoundNames(names[n]) if names is not None else None
        analysis = analyse(item.title, item.summary, source.url, finder)
        out.append((analysis, fingerprinted(event_from_result(item, source, analysis.finish()))))
    return out


def page_event(analysis: Analysis, body: str, item: FeedItem, source: Source) -> NewEvent:
    """The item's event with its release page: the same analysis finished with the body."""
    return event_from_result(item, source, analysis.finish(body))

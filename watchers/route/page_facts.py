"""Facts read later from an event's release page, fused into what the store holds (pure functions)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.models import CatalystDate


def fuse_page_facts(stored: dict[str, Any], lede: dict[str, Any], page: dict[str, Any]) -> dict[str, Any]:
    """The page's facts (the lede's and the body's, fused by the classifier as when the page was read inside the
    poll), plus what the store added to the lede's after classification (e.g. `date_change`) and the page does
    not restate."""
    fused = dict(page)
    for key, value in stored.items():
        if key not in lede and key not in fused:
            fused[key] = value
    return fused


def page_catalysts(lede: Sequence[CatalystDate], page: Sequence[CatalystDate]) -> list[CatalystDate]:
    """Dates the page states that the lede did not (already in the calendar from the poll)."""
    return [c for c in page if c not in lede]

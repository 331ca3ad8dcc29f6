"""openFDA Drugs@FDA: new original and efficacy-supplement approvals for watched programmes and sponsors.

One source of kind "openfda" stands for the API. Each poll asks, in a few OR-batched searches, for the
applications of every watched brand/generic name and sponsor; approvals not seen before become
`regulatory/approval` events. The first poll records what is already approved and announces nothing.
Requests are paced (openFDA allows 240 per minute without a key).
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from storage.models import NewEvent, Program, Source
from storage.store import Store
from watchers.classify import ProgramFinder
from watchers.fetch.http import Fetcher, FetchError
from watchers.sources.base import Classified, Fetched, Item

TERMS_PER_REQUEST = 20
# openFDA's published daily limits per IP: without a key and with one.
DAILY_LIMIT_NO_KEY = 1_000
DAILY_LIMIT_WITH_KEY = 120_000
PAGE_LIMIT = 100
# Labeling, manufacturing and similar supplements are recorded but not announced.
ANNOUNCED_SUPPLEMENT_CLASSES = ("EFFICACY",)


class OpenFdaWatcher:
    kind = "openfda"

    announces_first_poll = False

    def __init__(
        self, fetcher: Fetcher, store: Store, api_key: str | None = None, min_interval: float = 0.3,
        programs: Callable[[], Awaitable[ProgramFinder]] | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._store = store  # the programme registry says what to search for
        self._api_key = api_key
        self._min_interval = min_interval
        self._programs = programs
        self._last_request = 0.0

    async def fetch(self, source: Source) -> Fetched:
        queries = search_queries(await self._store.programs.list(kind="registered"))
        if self._too_soon(source, len(queries)):
            # Polling now would overspend the daily limit: ask again later. A skip is not a success, so the
            # pacing clock (the last real success) does not move.
            return Fetched(skipped=True)
        results: list[dict[str, Any]] = []
        for query in queries:
            results.extend(await self._search(source.url, query))
        return Fetched(results)

    async def parse(self, source: Source, fetched: Fetched) -> list[Item]:
        """Every approved submission is an item (so it is seen once); only some are announced."""
        items: list[Item] = []
        for app in fetched.payload:
            for sub in app.get("submissions") or []:
                if sub.get("submission_status") != "AP":
                    continue
                key = f"{app.get('application_number')}:{sub.get('submission_type')}{sub.get('submission_number')}"
                original = sub.get("submission_type") == "ORIG"
                announce = original or sub.get("submission_class_code") in ANNOUNCED_SUPPLEMENT_CLASSES
                items.append(Item(key, (app, sub, announce)))
        return items

    async def classify(self, source: Source, fetched: Fetched, items: list[Item]) -> Classified:
        finder = await self._programs() if self._programs else None
        return Classified(events=[approval_event(app, sub, str(item.key), finder)
                                  for item in items for app, sub, announce in [item.data] if announce])

    def _too_soon(self, source: Source, requests_per_poll: int) -> bool:
        """Space polls so that a day of them stays within the daily limit (at 90%, leaving room for commands)."""
        if source.last_success_at is None or requests_per_poll == 0:
            return False
        limit = DAILY_LIMIT_WITH_KEY if self._api_key else DAILY_LIMIT_NO_KEY
        min_gap = 86_400 * requests_per_poll / (0.9 * limit)
        return (datetime.now(UTC) - source.last_success_at).total_seconds() < min_gap

    async def _search(self, base: str, query: str) -> list[dict[str, Any]]:
        wait = self._min_interval - (time.monotonic() - self._last_request)
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_request = time.monotonic()
        params = {"search": query, "limit": str(PAGE_LIMIT)}
        if self._api_key:
            params["api_key"] = self._api_key
        try:
            result = await self._fetcher.get(f"{base.rstrip('/')}/drug/drugsfda.json", params=params)
        except FetchError as exc:
            if exc.status == 404:  # openFDA's answer to a search with no matches
                return []
            raise
        try:
            data = json.loads(result.body)
        except ValueError:
            raise FetchError("openFDA answered with something that is not JSON") from None
        found = data.get("results") if isinstance(data, dict) else None
        return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def search_queries(programs: list[Program]) -> list[str]:
    """OR-batched openFDA searches over every programme's names and sponsors."""
    terms: list[str] = []
    for p in programs:
        for name in [p.name, *p.aliases]:
            clean = name.replace('"', "").strip()
            if clean:
                terms.append(f'openfda.brand_name:"{clean}"')
                terms.append(f'openfda.generic_name:"{clean}"')
        for sponsor in p.sponsors:
            clean = sponsor.replace('"', "").strip()
            if clean:
                terms.append(f'sponsor_name:"{clean}"')
    terms = list(dict.fromkeys(terms))
    return [" ".join(terms[i : i + TERMS_PER_REQUEST]) for i in range(0, len(terms), TERMS_PER_REQUEST)]


def approval_event(app: dict[str, Any], sub: dict[str, Any], key: str, finder: ProgramFinder | None) -> NewEvent:
    openfda = app.get("openfda") or {}
    brands = sorted({str(p.get("brand_name")) for p in app.get("products") or [] if p.get("brand_name")})
    generics = [str(g) for g in openfda.get("generic_name") or []]
    sponsor = str(app.get("sponsor_name") or "") or None
    date_text = str(sub.get("submission_status_date") or "")
    approved = f"{date_text[:4]}-{date_text[4:6]}-{date_text[6:8]}" if len(date_text) == 8 else None
    original = sub.get("submission_type") == "ORIG"
    what = "approval" if original else "supplemental approval (new indication or efficacy change)"
    names = ", ".join(brands or generics) or str(app.get("application_number"))
    text = " ".join([*brands, *generics])
    programs = finder.find(text) if finder else []
    return NewEvent(
        dedupe_key=f"openfda:{key}",
        kind="regulatory",
        subtype="approval",
        title=f"FDA {what}: {names} ({app.get('application_number')}, {sponsor or 'unknown sponsor'})",
        summary=f"Drugs@FDA lists {sub.get('submission_type')} {sub.get('submission_number')} as approved"
        + (f" on {approved}" if approved else "") + f"; review priority {sub.get('review_priority') or 'n/a'}.",
        url=f"https://www.accessdata.fda.gov/scripts/cder/daf/index.cfm?event=overview.process&ApplNo="
        f"{str(app.get('application_number', ''))[-6:]}",
        published_at=datetime.fromisoformat(approved).replace(tzinfo=UTC) if approved else None,
        programs=programs or generics[:1],
        sponsor=sponsor,
        facts={
            "decision": "approved",
            "application_number": app.get("application_number"),
            "submission": f"{sub.get('submission_type')} {sub.get('submission_number')}",
            "approval_date": approved,
            "review_priority": sub.get("review_priority"),
            "submission_class": sub.get("submission_class_code_description") or sub.get("submission_class_code"),
            "brand_names": brands,
        },
        reported_by="fda",
    )

"""ClinicalTrials.gov API v2 requests: many IDs per request, paging, paced requests, back-off on 429/5xx.

Every request goes through the shared Fetcher (address guard, size cap, timeout).
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from watchers.fetch.http import Fetcher, FetchError, FetchResult

# Only what the snapshot tracks, so a page of 1,000 studies stays small.
FIELDS = ",".join([
    "protocolSection.identificationModule.nctId",
    "protocolSection.identificationModule.briefTitle",
    "protocolSection.identificationModule.acronym",
    "protocolSection.statusModule",
    "protocolSection.sponsorCollaboratorsModule.leadSponsor",
    "protocolSection.designModule.phases",
    "protocolSection.designModule.enrollmentInfo",
    "protocolSection.armsInterventionsModule.interventions",
    "LocationFacility",  # a piece name: only each location's facility, enough to count them
    "hasResults",
])
PAGE_SIZE = 1000  # the API's maximum
IDS_PER_REQUEST = 1000  # one page each; a 414 (URI too long) halves the batch
MAX_SEARCH_PAGES = 5  # a programme query is capped at 5,000 trials
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 120.0  # a longer Retry-After fails the batch: the next poll will try again


@dataclass
class IdFetch:
    """The outcome of refreshing many trials: what came back, which batches failed and why."""

    studies: list[dict[str, Any]] = field(default_factory=list)
    failed_ids: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    # The last error, so a caller that got nothing can fail with its status and Retry-After.
    last_error: FetchError | None = None


class CtgovClient:
    def __init__(
        self,
        fetcher: Fetcher,
        base_url: str,
        interval_seconds: float = 1.0,
        *,
        ids_per_request: int = IDS_PER_REQUEST,
        max_retries: int = 3,
        backoff_seconds: float = 2.0,
    ) -> None:
        self._fetcher = fetcher
        self.base_url = base_url.rstrip("/")
        self._interval = interval_seconds
        self._ids_per_request = max(1, ids_per_request)
        self._max_retries = max_retries
        self._backoff = backoff_seconds
        self._pace = asyncio.Lock()
        self._last_request = float("-inf")
        self.requests = 0

    async def _wait_turn(self) -> None:
        # robots.txt asks for 1 s between requests; called with the pace lock held.
        delay = self._last_request + self._interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        self._last_request = time.monotonic()

    async def get_json(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """One paced GET with retries on 429/5xx; raises FetchError when it gives up."""
        return await self.get_json_at(f"{self.base_url}{path}", params)

    async def get_json_at(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """`get_json` for an address outside the API (the website's history), with the same pacing."""
        attempt = 0
        while True:
            result: FetchResult | None = None
            error: FetchError | None = None
            async with self._pace:
                await self._wait_turn()
                self.requests += 1
                try:
                    result = await self._fetcher.get(url, params=params,
                                                     headers={"Accept": "application/json"})
                except FetchError as exc:
                    error = exc
            if result is not None:
                return _json_object(result)
            assert error is not None
            retry_after = error.retry_after
            if error.status not in RETRY_STATUSES or attempt >= self._max_retries or (
                retry_after is not None and retry_after > MAX_RETRY_AFTER
            ):
                raise error
            attempt += 1
            await asyncio.sleep(max(retry_after or 0.0, self._backoff * 2 ** (attempt - 1)))

    async def _pages(self, params: dict[str, str], max_pages: int) -> list[dict[str, Any]]:
        studies: list[dict[str, Any]] = []
        token: str | None = None
        for _ in range(max_pages):
            page_params = dict(params, pageSize=str(PAGE_SIZE), fields=FIELDS, format="json")
            if token:
                page_params["pageToken"] = token
            data = await self.get_json("/studies", page_params)
            studies.extend(s for s in data.get("studies") or [] if isinstance(s, dict))
            token = data.get("nextPageToken") if isinstance(data.get("nextPageToken"), str) else None
            if not token:
                break
        return studies

    async def fetch_ids(self, nct_ids: Sequence[str]) -> IdFetch:
        """Refresh many trials with `filter.ids`; a failing batch is reported, the others still count."""
        out = IdFetch()
        before = self.requests
        pending = [list(nct_ids[i : i + self._ids_per_request])
                   for i in range(0, len(nct_ids), self._ids_per_request)]
        while pending:
            batch = pending.pop(0)
            try:
                # An ID batch fits one page; more pages only if the server pages smaller than asked.
                out.studies.extend(await self._pages({"filter.ids": ",".join(batch)}, max_pages=10))
            except FetchError as exc:
                if exc.status == 414 and len(batch) > 1:
                    half = len(batch) // 2
                    pending[:0] = [batch[:half], batch[half:]]
                    continue
                out.failed_ids.extend(batch)
                out.errors.append(f"{len(batch)} trials ({batch[0]}…): {exc}")
                out.last_error = exc
        out.requests = self.requests - before
        return out

    async def search(
        self, terms: Sequence[str], sponsor: str | None = None, max_pages: int = MAX_SEARCH_PAGES
    ) -> list[dict[str, Any]]:
        """Trials whose interventions match any of the names (and the sponsor, when given); `max_pages=1` is one
        request (a lookup)."""
        params = {"query.intr": " OR ".join(_quoted(t) for t in terms if t.strip())}
        if sponsor:
            params["query.spons"] = _quoted(sponsor)
        return await self._pages(params, max_pages)


def _json_object(result: FetchResult) -> dict[str, Any]:
    try:
        data = json.loads(result.body)
    except ValueError:
        raise FetchError(f"ClinicalTrials.gov sent something that is not JSON ({result.content_type})") from None
    if not isinstance(data, dict):
        raise FetchError("ClinicalTrials.gov sent JSON that is not an object")
    return data


def _quoted(term: str) -> str:
    # Essie syntax: a quoted phrase keeps "azer-cel" one term; inner quotes cannot be escaped, so drop them.
    return '"' + term.replace('"', " ").strip() + '"'

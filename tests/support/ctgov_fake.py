"""A local fake of the ClinicalTrials.gov API v2 (aiohttp on 127.0.0.1) and a builder of records in the real shape.

Serves `GET /api/v2/studies` (filter.ids, query.intr, query.spons, pageSize, pageToken) and
`GET /api/v2/studies/{nctId}`; records every request; can page smaller than asked and fail chosen batches.
Also the website's version history in the shape of the real answer (`/api/int/studies/{nctId}?history=true`:
`history.changes` with version, date, status, moduleLabels, and `history.originalData`; and
`/api/int/studies/{nctId}/history/{version}`: the record at that version).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.local_server import serve_app

Failure = Callable[[dict[str, str]], int | None]


def study(
    nct: str,
    *,
    title: str = "A Study of Azer-cel in Relapsed Lymphoma",
    acronym: str | None = None,
    status: str = "RECRUITING",
    why_stopped: str | None = None,
    enrollment: tuple[int, str] | None = (45, "ESTIMATED"),
    start: tuple[str, str] | None = ("2022-06-05", "ACTUAL"),
    primary: tuple[str, str] | None = ("2025-06", "ESTIMATED"),
    completion: tuple[str, str] | None = ("2026-01", "ESTIMATED"),
    phases: list[str] | None = None,
    results_posted: str | None = None,
    locations: int = 1,
    last_update: str = "2025-01-02",
    sponsor: str = "Acme Bio",
    interventions: list[tuple[str, list[str]]] | None = None,
) -> dict[str, Any]:
    """A study record shaped like the real API v2 answer (only the modules the watcher reads, plus a few)."""
    status_module: dict[str, Any] = {
        "statusVerifiedDate": last_update[:7],
        "overallStatus": status,
        "expandedAccessInfo": {"hasExpandedAccess": False},
        "studyFirstSubmitDate": "2022-01-10",
        "lastUpdateSubmitDate": last_update,
        "lastUpdatePostDateStruct": {"date": last_update, "type": "ACTUAL"},
    }
    if why_stopped:
        status_module["whyStopped"] = why_stopped
    for key, value in (("startDateStruct", start), ("primaryCompletionDateStruct", primary),
                       ("completionDateStruct", completion)):
        if value:
            status_module[key] = {"date": value[0], "type": value[1]}
    if results_posted:
        status_module["resultsFirstPostDateStruct"] = {"date": results_posted, "type": "ACTUAL"}
    ident: dict[str, Any] = {
        "nctId": nct, "orgStudyIdInfo": {"id": f"ORG-{nct[-4:]}"},
        "organization": {"fullName": sponsor, "class": "INDUSTRY"}, "briefTitle": title,
    }
    if acronym:
        ident["acronym"] = acronym
    design: dict[str, Any] = {"studyType": "INTERVENTIONAL", "phases": phases or ["PHASE2"]}
    if enrollment:
        design["enrollmentInfo"] = {"count": enrollment[0], "type": enrollment[1]}
    record: dict[str, Any] = {
        "protocolSection": {
            "identificationModule": ident,
            "statusModule": status_module,
            "sponsorCollaboratorsModule": {"responsibleParty": {"type": "SPONSOR"},
                                           "leadSponsor": {"name": sponsor, "class": "INDUSTRY"}},
            "designModule": design,
            "armsInterventionsModule": {"interventions": [
                {"type": "DRUG", "name": name, "otherNames": others}
                for name, others in (interventions or [("azer-cel", ["azercabtagene zapreleucel"])])
            ]},
            "contactsLocationsModule": {"locations": [
                {"facility": f"Site {i}", "city": "Boston", "country": "United States"} for i in range(locations)
            ]},
        },
        "derivedSection": {"miscInfoModule": {"versionHolder": "2025-01-03"}},
        "hasResults": bool(results_posted),
    }
    return record


@dataclass
class FakeCtgov:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_cap: int | None = None  # serve at most this many per page, whatever pageSize says
    max_ids: int | None = None  # more IDs than this in one request → 414
    fail: Failure | None = None  # returns a status to answer with instead, or None
    requests: list[dict[str, str]] = field(default_factory=list)
    # nct → [(version date, record at that version)], oldest first; served by the history endpoints
    histories: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    history_status: int | None = None  # answer every history request with this status instead
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v2"

    @property
    def history_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/int"

    def put(self, *records: dict[str, Any]) -> None:
        for r in records:
            self.records[r["protocolSection"]["identificationModule"]["nctId"]] = r

    async def _studies(self, request: web.Request) -> web.StreamResponse:
        q = dict(request.query)
        self.requests.append({"path": request.path, **q})
        if self.fail and (status := self.fail(q)):
            return web.json_response({"message": "unavailable"}, status=status)
        found = list(self.records.values())
        if "filter.ids" in q:
            ids = [i for i in re.split(r"[,|]", q["filter.ids"]) if i]
            if self.max_ids is not None and len(ids) > self.max_ids:
                return web.Response(status=414, text="URI Too Long")
            found = [self.records[i] for i in ids if i in self.records]
        if "query.intr" in q:
            terms = [t.strip().strip('"').casefold() for t in q["query.intr"].split(" OR ")]
            found = [r for r in found if any(t in n.casefold() for t in terms for n in _names(r))]
        if "query.spons" in q:
            sponsor = q["query.spons"].strip('"').casefold()
            found = [r for r in found if sponsor in _sponsor(r).casefold()]
        size = min(int(q.get("pageSize", "10")), 1000, self.page_cap or 1000)
        offset = int(q.get("pageToken", "tok0")[3:])
        body: dict[str, Any] = {"studies": found[offset : offset + size]}
        if offset + size < len(found):
            body["nextPageToken"] = f"tok{offset + size}"
        return web.json_response(body)

    async def _one(self, request: web.Request) -> web.StreamResponse:
        self.requests.append({"path": request.path})
        record = self.records.get(request.match_info["nct"])
        if record is None:
            return web.json_response({"message": "not found"}, status=404)
        return web.json_response(record)

    async def _history(self, request: web.Request) -> web.StreamResponse:
        self.requests.append({"path": request.path, **dict(request.query)})
        if self.history_status:
            return web.json_response({"message": "unavailable"}, status=self.history_status)
        versions = self.histories.get(request.match_info["nct"])
        if not versions:
            return web.json_response({"message": "not found"}, status=404)
        if "version" in request.match_info:
            number = int(request.match_info["version"])
            if not 0 <= number < len(versions):
                return web.json_response({"message": "not found"}, status=404)
            return web.json_response({"study": versions[number][1]})
        changes = [{"version": i, "date": day, "status": rec["protocolSection"]["statusModule"]["overallStatus"],
                    "moduleLabels": ["Study Status", "Study Design"] if i else []}
                   for i, (day, rec) in enumerate(versions)]
        first = versions[0][1]["protocolSection"]["designModule"].get("enrollmentInfo")
        return web.json_response({"study": versions[-1][1], "history": {
            "changes": changes, "originalData": {"enrollmentInfo": first, "leadSponsorSame": True}}})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/v2/studies", self._studies)
        app.router.add_get("/api/v2/studies/{nct}", self._one)
        app.router.add_get("/api/int/studies/{nct}", self._history)
        app.router.add_get("/api/int/studies/{nct}/history/{version}", self._history)
        # 1,000 IDs make a ~12 kB request line; aiohttp's default limit is 8 kB.
        self._runner, self.port = await serve_app(app, max_line_size=65536)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _names(record: dict[str, Any]) -> list[str]:
    out = []
    for i in record["protocolSection"].get("armsInterventionsModule", {}).get("interventions", []):
        out += [i.get("name", ""), *i.get("otherNames", [])]
    return out


def _sponsor(record: dict[str, Any]) -> str:
    return record["protocolSection"].get("sponsorCollaboratorsModule", {}).get("leadSponsor", {}).get("name", "")

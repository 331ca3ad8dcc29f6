"""Reading a trial's version history over HTTP, tolerantly: the real answer's shape (../shared) served locally with
the per-version records missing, so only the version list is usable; an answer of another shape is a note."""
from __future__ import annotations

import json

from tests.conftest import shared_path
from tests.support.local_server import LocalServer
from watchers.fetch.http import FetchConfig, Fetcher
from watchers.sources.ctgov.client import CtgovClient
from watchers.sources.ctgov.history import fetch_history
from watchers.sources.ctgov.record import snapshot_from_record


async def test_the_real_history_shape_without_version_records_gives_statuses_and_enrollment(
    server: LocalServer,
) -> None:
    doc = json.loads(shared_path("reference", "ctgov", "with_history", "NCT03690141_api_int_history.json").read_text())
    facts = json.loads(
        shared_path("reference", "ctgov", "with_history", "NCT03690141_history_diff_facts.json").read_text())
    server.static("/int/studies/NCT03690141", json.dumps(doc), content_type="application/json")
    current = snapshot_from_record(doc["study"])
    async with Fetcher(FetchConfig(timeout_seconds=2, allow_private_addresses=True)) as fetcher:
        client = CtgovClient(fetcher, server.url("/v2"), interval_seconds=0, max_retries=0)
        result = await fetch_history(client, server.url("/int"), "NCT03690141", current)
    assert result.error is None
    assert [v for v, _, _ in result.versions] == list(range(10))
    statuses = [(day, c.new) for day, c in result.changes if c.field == "overall_status"]
    assert [list(s) for s in statuses] == facts["status_timeline"][1:]
    [enrollment] = [(day, c.old, c.new) for day, c in result.changes if c.field == "enrollment"]
    assert enrollment[1] == {"count": 30, "type": "ESTIMATED"} and enrollment[2] == {"count": 16, "type": "ACTUAL"}


async def test_a_reshaped_or_failing_history_is_a_note(server: LocalServer) -> None:
    server.static("/int/studies/NCT00000001", json.dumps({"versions": "moved elsewhere"}),
                  content_type="application/json")
    async with Fetcher(FetchConfig(timeout_seconds=2, allow_private_addresses=True)) as fetcher:
        client = CtgovClient(fetcher, server.url("/v2"), interval_seconds=0, max_retries=0)
        current = snapshot_from_record({"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}})
        reshaped = await fetch_history(client, server.url("/int"), "NCT00000001", current)
        missing = await fetch_history(client, server.url("/int"), "NCT00000002", current)
    assert reshaped.error == "history of NCT00000001: no versions in the answer" and not reshaped.versions
    assert missing.error is not None and "unavailable" in missing.error

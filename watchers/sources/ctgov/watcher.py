"""The ClinicalTrials.gov source: programme searches, then every other watched trial by ID in batches (fetch);
records → snapshots (parse); each snapshot diffed against its last one into alerts, with the snapshots to save
in the same unit of work (classify)."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.models import ChannelRef, NewEvent, Source
from storage.store import Store, UnitOfWork
from storage.trial_models import ProgramQuery, TrialSnapshot, TrialUpdate, TrialWatch
from watchers.fetch.http import Fetcher, FetchError
from watchers.sources.base import Classified, Fetched, Item
from watchers.sources.ctgov.alerts import change_alert, new_trial_alert, watching_summary
from watchers.sources.ctgov.client import CtgovClient
from watchers.sources.ctgov.diff import DATE_FIELDS, diff_snapshots
from watchers.sources.ctgov.record import snapshot_from_record

log = logging.getLogger(__name__)


@dataclass
class TrialWrites:
    """The registry's part of a poll: snapshots (with their changes) and queries primed, saved with the events."""

    updates: list[TrialUpdate] = field(default_factory=list)
    primed_query_ids: list[int] = field(default_factory=list)

    async def save(self, uow: UnitOfWork, now: datetime) -> None:
        await uow.trials.save_updates(self.updates, self.primed_query_ids, now)


@dataclass
class _Found:
    """What one poll brought back, beside the records themselves."""

    records: dict[str, TrialSnapshot]
    watches: dict[str, TrialWatch]
    queries: list[ProgramQuery]
    found: dict[int, list[str]]  # query id → NCT ids its search returned


class CtgovWatcher:
    kind = "ctgov"
    # Its first poll is a baseline per trial and per query, announced only to whoever asked for it.
    announces_first_poll = True

    def __init__(
        self, fetcher: Fetcher, store: Store, interval_seconds: float = 1.0, **client_options: Any
    ) -> None:
        self._fetcher = fetcher
        self._store = store
        self._interval = interval_seconds
        self._client_options = client_options
        self._clients: dict[str, CtgovClient] = {}

    def client(self, base_url: str) -> CtgovClient:
        # One client per registry URL, kept between polls so the pacing holds across them.
        if base_url not in self._clients:
            self._clients[base_url] = CtgovClient(
                self._fetcher, base_url, self._interval, **self._client_options
            )
        return self._clients[base_url]

    async def fetch(self, source: Source) -> Fetched:
        client = self.client(source.url)
        watches = {w.nct_id: w for w in await self._store.trials.list_watches()}
        queries = await self._store.trials.list_queries()
        records: dict[str, TrialSnapshot] = {}
        errors: list[str] = []
        last_error: FetchError | None = None
        found: dict[int, list[str]] = {}

        for query in queries:
            try:
                hits = await client.search(query.terms, query.sponsor)
            except FetchError as exc:
                errors.append(f"programme {query.program}: {exc}")
                last_error = exc
                continue
            found[query.id] = [s.nct_id for s in _snapshots(hits, records)]

        # Trials a programme search already brought back need no second request.
        by_id = [n for n in watches if n not in records]
        missing: list[str] = []
        if by_id:
            fetched = await client.fetch_ids(by_id)
            _snapshots(fetched.studies, records)
            errors.extend(fetched.errors)
            last_error = fetched.last_error or last_error
            failed = set(fetched.failed_ids)
            missing = [n for n in by_id if n not in records and n not in failed]
            if len(failed) == len(by_id) and not found:
                # Nothing at all came back: a failed poll (back-off, Retry-After, health notices).
                raise FetchError("; ".join(errors)[:900], getattr(last_error, "status", None),
                                 getattr(last_error, "retry_after", None),
                                 network=getattr(last_error, "network", False))
        elif errors and not found:
            raise FetchError("; ".join(errors)[:900], getattr(last_error, "status", None),
                             getattr(last_error, "retry_after", None),
                             network=getattr(last_error, "network", False))
        if missing:
            errors.append("not found on ClinicalTrials.gov: " + ", ".join(missing[:20])
                          + (f" and {len(missing) - 20} more" if len(missing) > 20 else ""))

        return Fetched(_Found(records, watches, queries, found), partial_error="; ".join(errors)[:1000] or None)

    async def parse(self, source: Source, fetched: Fetched) -> list[Item]:
        # Records were read into snapshots while fetching (which IDs came back decides the next request).
        return [Item(None, snap) for snap in fetched.payload.records.values()]

    async def classify(self, source: Source, fetched: Fetched, items: list[Item]) -> Classified:
        ctx: _Found = fetched.payload
        outcome = Classified(writes=TrialWrites())
        await self._diff_all({i.data.nct_id: i.data for i in items}, ctx.watches, ctx.queries, ctx.found, outcome)
        return outcome

    async def _diff_all(
        self,
        records: dict[str, TrialSnapshot],
        watches: dict[str, TrialWatch],
        queries: list[ProgramQuery],
        found: dict[int, list[str]],
        outcome: Classified,
    ) -> None:
        writes = outcome.writes
        assert isinstance(writes, TrialWrites)
        ids = list(records)
        previous = await self._store.trials.snapshots(ids)
        slips = await self._store.trials.slip_counts(ids)
        finder: dict[str, ProgramQuery] = {}
        for query in queries:
            for nct in found.get(query.id, []):
                finder.setdefault(nct, query)
        first_sight: dict[tuple[str, str], list[TrialSnapshot]] = defaultdict(list)

        for nct, snap in records.items():
            watch = watches.get(nct)
            query = None if watch else finder.get(nct)
            if watch is None and query is None:
                continue  # not asked for (a server answering more than the IDs requested)
            prev = previous.get(nct)
            if query is not None and query.primed and prev is not None:
                continue  # seen before and unwatched since: a programme search does not bring it back
            program = watch.program if watch else query.program if query else None
            update = TrialUpdate(snapshot=snap, query_id=query.id if query else None,
                                 program=program if query else None)
            if query is not None and query.primed:
                # A programme search turned up a trial nobody watched yet: that is the news.
                outcome.events.append(new_trial_alert(snap, query.program))
            if prev is None:
                writes.updates.append(update)
                if watch and watch.requested_by and watch.query_id is None:
                    ref = watch.requested_by
                    first_sight[(ref.platform, ref.channel_id)].append(snap)
                continue
            counts = {field: slips.get((nct, field), 0) for field, _ in DATE_FIELDS}
            update.changes = diff_snapshots(prev, snap, counts)
            if update.changes:
                outcome.events.append(change_alert(snap, update.changes, program))
            if update.changes or snap != prev or query is not None:
                writes.updates.append(update)

        for (platform, channel), snaps in first_sight.items():
            self._address(outcome, watching_summary(snaps, f"{platform}:{channel}"),
                          ChannelRef(platform=platform, channel_id=channel))
        for query in queries:
            if query.id in found and not query.primed:
                # First search: the trials found are the baseline, announced once to whoever asked.
                hits = [records[n] for n in found[query.id]]
                if query.requested_by:
                    ref = query.requested_by
                    self._address(outcome, watching_summary(hits, f"{ref.platform}:{ref.channel_id}",
                                                            query.program), ref)
                writes.primed_query_ids.append(query.id)

    @staticmethod
    def _address(outcome: Classified, event: NewEvent, ref: ChannelRef) -> None:
        outcome.events.append(event)
        outcome.audiences[event.dedupe_key] = [ref]


def _snapshots(studies: list[dict[str, Any]], into: dict[str, TrialSnapshot]) -> list[TrialSnapshot]:
    out = []
    for study in studies:
        try:
            snap = snapshot_from_record(study)
        except ValueError as exc:  # RecordError, or a value the snapshot model refuses
            log.warning("skipping a ClinicalTrials.gov record: %s", exc)
            continue
        into[snap.nct_id] = snap
        out.append(snap)
    return out

"""The trials repository: watches, programme queries, snapshots saved with the poll, addressed events."""
from __future__ import annotations

from datetime import timedelta

from storage.models import ChannelRef, NewEvent, SubscriptionFilters, utcnow
from storage.store import DuplicateError, Store
from storage.trial_models import TrialChange, TrialSnapshot, TrialUpdate
from watchers.record import add_events, record_outcome
from watchers.sources.base import PollOutcome
from watchers.sources.ctgov.watcher import TrialWrites

ASKER = ChannelRef(platform="discord", channel_id="42")


async def test_watch_unwatch_and_relabel(store: Store) -> None:
    added, already = await store.trials.add_watches(["NCT00000001", "NCT00000002"], None, ASKER, "u1")
    assert (added, already) == (["NCT00000001", "NCT00000002"], [])
    added, already = await store.trials.add_watches(["NCT00000002"], "Azer-cel")
    assert (added, already) == ([], ["NCT00000002"])
    watches = {w.nct_id: w for w in await store.trials.list_watches()}
    assert watches["NCT00000002"].program == "Azer-cel"
    assert watches["NCT00000001"].requested_by == ASKER
    assert await store.trials.remove_watches(["NCT00000001", "NCT09999999"]) == ["NCT00000001"]
    assert [w.nct_id for w in await store.trials.list_watches()] == ["NCT00000002"]


async def test_program_query_duplicate_and_removal_drops_its_trials(store: Store) -> None:
    q = await store.trials.add_query("Azer-cel", ["azer-cel", "azercabtagene"], "Acme", ASKER)
    try:
        await store.trials.add_query("Azer-cel", ["x"])
        raise AssertionError("duplicate accepted")
    except DuplicateError:
        pass
    source = await store.sources.add("ctgov", "https://example.org/api/v2", "ClinicalTrials.gov")
    await store.trials.add_watches(["NCT00000009"])  # explicit: survives the query's removal
    outcome = PollOutcome(
        source_id=source.id,
        writes=TrialWrites(
            updates=[
                TrialUpdate(snapshot=TrialSnapshot(nct_id=n), query_id=q.id, program=q.program)
                for n in ("NCT00000008", "NCT00000009")
            ],
            primed_query_ids=[q.id],
        ),
    )
    await record_outcome(store, outcome, utcnow() + timedelta(minutes=10))
    assert (await store.trials.get_query(q.id)).primed
    assert {w.nct_id: w.query_id for w in await store.trials.list_watches()} == {
        "NCT00000008": q.id, "NCT00000009": None,
    }
    assert await store.trials.remove_query(q.id) == 1
    assert [w.nct_id for w in await store.trials.list_watches()] == ["NCT00000009"]


async def test_snapshots_changes_and_events_commit_together(store: Store) -> None:
    source = await store.sources.add("ctgov", "https://example.org/api/v2", "ClinicalTrials.gov")
    await store.subscriptions.ensure("console", "stdout")
    slip = TrialChange(field="primary_completion_date", old="2025-06", new="2025-12", change="slip",
                       slip_months=6, slip_count=1)
    snap = TrialSnapshot(nct_id="NCT00000001", primary_completion_date="2025-12", last_update_posted="2025-01-02")
    event = NewEvent(dedupe_key="k1", kind="enrollment", title="t", trial="NCT00000001")
    outcome = PollOutcome(source_id=source.id, events=[event],
                          writes=TrialWrites(updates=[TrialUpdate(snapshot=snap, changes=[slip])]),
                          partial_error="batch 2: HTTP 503")
    ids = await record_outcome(store, outcome, utcnow())
    assert len(ids) == 1
    assert (await store.trials.snapshots(["NCT00000001"]))["NCT00000001"] == snap
    assert await store.trials.slip_counts(["NCT00000001"]) == {("NCT00000001", "primary_completion_date"): 1}
    history = await store.trials.changes("NCT00000001")
    assert [h.change for h in history] == [slip]
    assert (await store.sources.get(source.id)).last_error == "batch 2: HTTP 503"


async def test_addressed_event_reaches_only_the_asking_channel_once(store: Store) -> None:
    everyone = await store.subscriptions.ensure("console", "stdout")
    await store.subscriptions.add("discord", "42", SubscriptionFilters(kinds=["readout"]))
    unfiltered = await store.subscriptions.add("discord", "42", SubscriptionFilters())
    await store.subscriptions.add("discord", "7", SubscriptionFilters())
    event = NewEvent(dedupe_key="watching", kind="other", title="Now watching NCT00000001")
    [event_id] = await add_events(store, [event], None, {"watching": [ASKER]})
    pending = await store.outbox.due(["console", "discord"], utcnow() + timedelta(seconds=1))
    assert [(p.event.id, p.subscription.id) for p in pending] == [(event_id, unfiltered.id)]
    assert everyone.id != unfiltered.id

"""The trial store mixin: watches, programme queries, snapshots saved with the poll, addressed events."""
from __future__ import annotations

from datetime import timedelta

from storage.models import NewEvent, PollOutcome, SubscriptionFilters, utcnow
from storage.store import DuplicateError, Store
from storage.trial_models import ChannelRef, TrialChange, TrialSnapshot, TrialUpdate

ASKER = ChannelRef(platform="discord", channel_id="42")


async def test_watch_unwatch_and_relabel(store: Store) -> None:
    added, already = await store.add_trial_watches(["NCT00000001", "NCT00000002"], None, ASKER, "u1")
    assert (added, already) == (["NCT00000001", "NCT00000002"], [])
    added, already = await store.add_trial_watches(["NCT00000002"], "Azer-cel")
    assert (added, already) == ([], ["NCT00000002"])
    watches = {w.nct_id: w for w in await store.list_trial_watches()}
    assert watches["NCT00000002"].program == "Azer-cel"
    assert watches["NCT00000001"].requested_by == ASKER
    assert await store.remove_trial_watches(["NCT00000001", "NCT09999999"]) == ["NCT00000001"]
    assert [w.nct_id for w in await store.list_trial_watches()] == ["NCT00000002"]


async def test_program_query_duplicate_and_removal_drops_its_trials(store: Store) -> None:
    q = await store.add_program_query("Azer-cel", ["azer-cel", "azercabtagene"], "Acme", ASKER)
    try:
        await store.add_program_query("Azer-cel", ["x"])
        raise AssertionError("duplicate accepted")
    except DuplicateError:
        pass
    source = await store.add_source("ctgov", "https://example.org/api/v2", "ClinicalTrials.gov")
    await store.add_trial_watches(["NCT00000009"])  # explicit: survives the query's removal
    outcome = PollOutcome(
        source_id=source.id,
        trial_updates=[
            TrialUpdate(snapshot=TrialSnapshot(nct_id=n), query_id=q.id, program=q.program)
            for n in ("NCT00000008", "NCT00000009")
        ],
        primed_query_ids=[q.id],
    )
    await store.record_poll(outcome, utcnow() + timedelta(minutes=10))
    assert (await store.get_program_query(q.id)).primed
    assert {w.nct_id: w.query_id for w in await store.list_trial_watches()} == {
        "NCT00000008": q.id, "NCT00000009": None,
    }
    assert await store.remove_program_query(q.id) == 1
    assert [w.nct_id for w in await store.list_trial_watches()] == ["NCT00000009"]


async def test_snapshots_changes_and_events_commit_together(store: Store) -> None:
    source = await store.add_source("ctgov", "https://example.org/api/v2", "ClinicalTrials.gov")
    await store.ensure_subscription("console", "stdout")
    slip = TrialChange(field="primary_completion_date", old="2025-06", new="2025-12", change="slip",
                       slip_months=6, slip_count=1)
    snap = TrialSnapshot(nct_id="NCT00000001", primary_completion_date="2025-12", last_update_posted="2025-01-02")
    event = NewEvent(dedupe_key="k1", kind="enrollment", title="t", trial="NCT00000001")
    outcome = PollOutcome(source_id=source.id, events=[event],
                          trial_updates=[TrialUpdate(snapshot=snap, changes=[slip])], partial_error="batch 2: HTTP 503")
    ids = await store.record_poll(outcome, utcnow())
    assert len(ids) == 1
    assert (await store.trial_snapshots(["NCT00000001"]))["NCT00000001"] == snap
    assert await store.slip_counts(["NCT00000001"]) == {("NCT00000001", "primary_completion_date"): 1}
    history = await store.trial_changes("NCT00000001")
    assert [h.change for h in history] == [slip]
    assert (await store.get_source(source.id)).last_error == "batch 2: HTTP 503"


async def test_addressed_event_reaches_only_the_asking_channel_once(store: Store) -> None:
    everyone = await store.ensure_subscription("console", "stdout")
    await store.add_subscription("discord", "42", SubscriptionFilters(kinds=["readout"]))
    unfiltered = await store.add_subscription("discord", "42", SubscriptionFilters())
    await store.add_subscription("discord", "7", SubscriptionFilters())
    event = NewEvent(dedupe_key="watching", kind="other", title="Now watching NCT00000001")
    [event_id] = await store.add_events([event], None, {"watching": [ASKER]})
    pending = await store.due_deliveries(["console", "discord"], utcnow() + timedelta(seconds=1))
    assert [(p.event.id, p.subscription.id) for p in pending] == [(event_id, unfiltered.id)]
    assert everyone.id != unfiltered.id

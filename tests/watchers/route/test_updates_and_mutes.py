"""Mutes in routing and which posted alerts a new report updates: pure functions, no store."""
from __future__ import annotations

from datetime import UTC, datetime

from storage.models import (
    CatalystDate,
    Designation,
    Event,
    LedgerSource,
    NewEvent,
    OpenCatalyst,
    Subscription,
    SubscriptionFilters,
)
from watchers.route.ledger import LedgerState, plan_ledger
from watchers.route.subscriptions import recipients
from watchers.route.updates import Update, confirmed, ledger_updates, registry_updates

NOW = "2026-12-07T00:00:00.000000+00:00"
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def ev(**kw: object) -> NewEvent:
    return NewEvent(**{"dedupe_key": "k", "kind": "regulatory", "subtype": "other", "title": "t", **kw})  # type: ignore[arg-type]


def sub(sub_id: int, channel: str) -> Subscription:
    return Subscription(id=sub_id, platform="discord", channel_id=channel, filters=SubscriptionFilters(),
                        created_at=WHEN)


def test_a_muted_programme_skips_that_channel_only() -> None:
    subs = [sub(1, "a"), sub(2, "b")]
    mutes = {("discord", "a", "azercel")}
    assert [t.channel_id for t in recipients(subs, ev(programs=["Azer-cel"]), None, None, mutes)] == ["b"]
    # About the muted programme and another one: still news for channel a.
    both = ev(programs=["Azer-cel", "Zetolimab"])
    assert [t.channel_id for t in recipients(subs, both, None, None, mutes)] == ["a", "b"]
    assert [t.channel_id for t in recipients(subs, ev(programs=[]), None, None, mutes)] == ["a", "b"]


def test_a_second_source_confirms_the_first_alert() -> None:
    assert confirmed(7, 3, "FDA") == Update(7, "source:3", "Also reported by FDA.")


def test_a_repeated_designation_confirms_the_first_report() -> None:
    event = ev(subtype="fast_track", programs=["Azer-cel"])
    plan = plan_ledger(event, 12, LedgerState(designation_id=4), NOW)
    known = [Designation(id=4, program="Azer-cel", designation="fast_track", first_seen_at=WHEN,
                         sources=[LedgerSource(event_id=9, reported_by="company", seen_at=WHEN)])]
    assert ledger_updates(event, 12, plan, known, "FDA") == [
        Update(9, "confirm:12", "Fast track confirmed by FDA.")]
    new_plan = plan_ledger(event, 12, LedgerState(designation_id=None), NOW)
    assert ledger_updates(event, 12, new_plan, [], "FDA") == []  # the first report updates nothing


def test_a_moved_date_updates_the_alert_that_gave_the_old_one() -> None:
    cat = CatalystDate(kind="pdufa", label="PDUFA date", date="2027-06-30")
    event = ev(subtype="pdufa_date", programs=["Azer-cel"], catalysts=[cat])
    before = OpenCatalyst(id=1, kind="pdufa", date="2027-03-01",
                          history=[{"date": "2027-03-01", "event_id": "5", "seen_at": NOW}])
    plan = plan_ledger(event, 8, LedgerState(open_catalysts={"pdufa": before}), NOW)
    assert ledger_updates(event, 8, plan, [], None) == [
        Update(5, "moved:pdufa:2027-06-30", "PDUFA date: date moved 2027-03-01 → 2027-06-30 (alert #8).")]


def stored(event_id: int, **kw: object) -> Event:
    return Event(**{"id": event_id, "dedupe_key": f"k{event_id}", "kind": "enrollment", "subtype": "other",
                    "title": "t", "detected_at": WHEN, "reported_by": "registry", "trial": "NCT01", **kw})  # type: ignore[arg-type]


def test_a_registry_field_changed_again_updates_the_latest_alert_that_reported_it() -> None:
    def changes(*fields: str) -> dict[str, object]:
        return {"changes": [{"field": f, "old": 1, "new": 2} for f in fields]}
    event = ev(kind="enrollment", trial="NCT01", reported_by="registry", title="NCT01: enrollment 120 → 90",
               facts=changes("enrollment"))
    earlier = [stored(7, facts=changes("overall_status")), stored(5, facts=changes("enrollment")),
               stored(3, facts=changes("enrollment"))]
    assert registry_updates(event, 9, earlier) == [
        Update(5, "registry:9", "Changed again in the registry: enrollment 120 → 90 (alert #9).")]
    assert registry_updates(event.model_copy(update={"reported_by": "company"}), 9, earlier) == []
    assert registry_updates(event, 9, [stored(4, trial="NCT02", facts=changes("enrollment"))]) == []


def test_filters_and_mutes_made_with_a_merged_name_follow_the_programme_kept() -> None:
    from watchers.route.subscriptions import filter_names, under_current_names
    by_old_name = Subscription(id=3, platform="discord", channel_id="c", created_at=WHEN,
                               filters=SubscriptionFilters(programs=["VT-88"]))
    subs, mutes = [sub(1, "a"), by_old_name], {("discord", "a", "vt88")}
    event = ev(programs=["velotinib"])  # what events carry once VT-88 was merged into velotinib
    assert filter_names(subs, mutes) == ["vt88"]
    assert [t.channel_id for t in recipients(subs, event, None, None, mutes)] == ["a"]  # before: both wrong
    known = {"vt88": (5, "velotinib")}
    now_subs, now_mutes = under_current_names(subs, mutes, known)
    assert [t.channel_id for t in recipients(now_subs, event, None, None, now_mutes)] == ["c"]
    assert by_old_name.filters.programs == ["VT-88"]  # the stored subscription is not rewritten
    # Names no programme knows are compared as they are.
    assert under_current_names(subs, mutes, {}) == (subs, mutes)

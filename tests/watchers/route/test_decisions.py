"""The routing decisions as pure functions: no store, only the event and what is already known."""
from __future__ import annotations

from datetime import UTC, datetime

from storage.models import CatalystDate, ChannelRef, NewEvent, OpenCatalyst, Subscription, SubscriptionFilters
from watchers.route.ledger import LedgerState, plan_ledger
from watchers.route.programs import program_norms, resolve_programs
from watchers.route.subscriptions import recipients

NOW = "2026-12-07T00:00:00.000000+00:00"


def ev(**kw: object) -> NewEvent:
    return NewEvent(**{"dedupe_key": "k", "kind": "regulatory", "subtype": "other", "title": "t", **kw})  # type: ignore[arg-type]


def sub(sub_id: int, platform: str = "discord", channel: str = "1", **filters: list[str]) -> Subscription:
    return Subscription(id=sub_id, platform=platform, channel_id=channel,  # type: ignore[arg-type]
                        filters=SubscriptionFilters(**filters), created_at=datetime(2026, 1, 1, tzinfo=UTC))


def test_aliases_resolve_to_the_registry_name_once() -> None:
    event = ev(programs=["Azercabtagene zapreleucel", "azer-cel", "XYZ-1"])
    known = {"azercabtagenezapreleucel": (7, "azer-cel"), "azercel": (7, "azer-cel")}
    assert program_norms(event) == ["azercabtagenezapreleucel", "azercel", "xyz1"]
    ids, resolved = resolve_programs(event, known)
    assert ids == [7] and resolved.programs == ["azer-cel", "XYZ-1"]


def test_a_first_designation_is_new_and_a_repeat_is_suppressed() -> None:
    first = plan_ledger(ev(subtype="fast_track", programs=["azer-cel"]), 1, LedgerState(), NOW)
    assert (first.designation, first.new_designation, first.suppress) == ("fast_track", True, False)
    again = plan_ledger(ev(subtype="fast_track", programs=["azer-cel"]), 2, LedgerState(designation_id=3), NOW)
    assert (again.new_designation, again.designation_id, again.suppress) == (False, 3, True)


def test_a_moved_pdufa_date_is_a_move_with_old_and_new() -> None:
    open_pdufa = OpenCatalyst(id=5, kind="pdufa", date="2027-03-14", history=[{"date": "2027-03-14"}])
    cat = CatalystDate(kind="pdufa", label="PDUFA date", date="2027-06-14")
    plan = plan_ledger(ev(subtype="pdufa_date", catalysts=[cat]), 9, LedgerState(open_catalysts={"pdufa": open_pdufa}),
                       NOW)
    assert plan.new_catalysts == [] and [(i, c.date) for i, c, _ in plan.moved_catalysts] == [(5, "2027-06-14")]
    assert plan.facts["date_change"] == {"what": "PDUFA date", "old": "2027-03-14", "new": "2027-06-14",
                                         "months": 3, "times_moved": 1}
    same = plan_ledger(ev(subtype="pdufa_date", catalysts=[cat.model_copy(update={"date": "2027-03-14"})]), 9,
                       LedgerState(open_catalysts={"pdufa": open_pdufa}), NOW)
    assert same.suppress and not same.moved_catalysts


def test_an_approval_meets_the_open_pdufa_date() -> None:
    assert plan_ledger(ev(subtype="approval"), 1, LedgerState(), NOW).close_pdufa == "approval"
    assert plan_ledger(ev(subtype="submission"), 1, LedgerState(), NOW).close_pdufa is None


def test_recipients_by_filters_or_by_address() -> None:
    subs = [sub(1, kinds=["readout"]), sub(2, programs=["azer-cel"]), sub(3, channel="2"), sub(4, channel="2",
                                                                                                 kinds=["other"])]
    event = ev(programs=["azer-cel"])
    assert [t.subscription_ids for t in recipients(subs, event, None, None)] == [[2], [3]]
    addressed = {"k": [ChannelRef(platform="discord", channel_id="2")]}
    assert [t.subscription_ids for t in recipients(subs, event, None, addressed)] == [[3]]


def test_one_delivery_per_channel_however_many_subscriptions_match() -> None:
    # Issue scenario: programme, kind and keyword subscriptions plus the console's implicit one, all in one channel.
    subs = [sub(1, programs=["azer-cel"]), sub(2, kinds=["regulatory"]), sub(3, keywords=["fast track"]),
            sub(4), sub(5, channel="9", kinds=["regulatory"]), sub(6, platform="slack", channel="1")]
    event = ev(programs=["azer-cel"], title="Azer-cel gets Fast Track")
    targets = recipients(subs, event, None, None)
    assert [(t.platform, t.channel_id, t.lane, t.subscription_ids) for t in targets] == [
        ("discord", "1", "instant", [1, 2, 3, 4]), ("discord", "9", "instant", [5]), ("slack", "1", "instant", [6]),
    ]


def test_a_digest_keeps_its_own_delivery_beside_the_channels_instant_one() -> None:
    digest = sub(2).model_copy(update={"mode": "digest", "digest_hour": 7})
    targets = recipients([sub(1), digest, sub(3, kinds=["regulatory"])], ev(), None, None)
    assert [(t.lane, t.subscription_ids) for t in targets] == [("instant", [1, 3]), ("digest:2", [2])]

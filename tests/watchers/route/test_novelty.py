"""The pure decisions about a poll's items: new, edited or known; announced or recorded silently; fused."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import FeedHistory, FusionCandidate, NewEvent, SeenItem, Subscription, SubscriptionFilters
from watchers.route.fusion import fused_recipients, fusion_target
from watchers.route.novelty import Candidate, edited_event, plan_announcements, rows_to_write, triage

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_triage_new_known_by_content_and_edited() -> None:
    known = [SeenItem(item_key="guid:a", content_key="c:a", classified_as="other/other"),
             SeenItem(item_key="guid:old", content_key="c:rot"),
             SeenItem(item_key="guid:legacy")]
    got = triage([Candidate("guid:a", "c:a2"), Candidate("guid:new-rot", "c:rot"), Candidate("guid:b", "c:b"),
                  Candidate("guid:legacy", "c:l")], known)
    assert got.new == ["guid:b"]  # the rotated GUID is known by content; the legacy row just takes its key
    assert got.edited == {"guid:a": "other/other"}


def test_same_text_as_an_item_still_in_the_feed_is_a_distinct_new_item() -> None:
    known = [SeenItem(item_key="guid:1", content_key="c:weekly")]
    got = triage([Candidate("guid:1", "c:weekly"), Candidate("guid:2", "c:weekly")], known)
    assert got.new == ["guid:2"]


def test_plan_quiets_old_items_and_floods() -> None:
    history = FeedHistory(newest_published_at=T0, primed_at=T0 + timedelta(days=30))
    new = [Candidate(f"old{i}", None, T0 - timedelta(days=400 + i)) for i in range(200)]
    new += [Candidate("fresh", None, T0 + timedelta(days=1)), Candidate("undated")]
    plan = plan_announcements(new, history)
    assert plan.announce == ["fresh", "undated"] and len(plan.quiet) == 200 and plan.needs_notice
    small = plan_announcements([Candidate("a", None, T0 - timedelta(days=30))], history)
    assert small.quiet == ["a"] and not small.needs_notice
    flood = plan_announcements([Candidate(str(i), None, T0) for i in range(21)], history)
    assert flood.announce == [] and len(flood.quiet) == 21 and flood.needs_notice
    assert plan_announcements([Candidate("x", None, T0 - timedelta(days=999))], FeedHistory()).announce == ["x"]


def test_edit_alerts_only_when_the_classification_changes_to_an_event() -> None:
    ev = NewEvent(dedupe_key="link:x", kind="readout", subtype="topline", title="t")
    changed = edited_event("other/other", ev)
    assert changed is not None and changed.dedupe_key == "link:x#readout/topline"
    assert edited_event(None, ev) is not None
    assert edited_event("readout/topline", ev) is None
    assert edited_event("readout/topline", ev.model_copy(update={"kind": "other", "subtype": "other"})) is None


def test_fusion_picks_the_earliest_recent_event() -> None:
    cands = [FusionCandidate(event_id=1, source_id=1, detected_at=T0 - timedelta(days=60)),
             FusionCandidate(event_id=5, source_id=2, detected_at=T0 - timedelta(hours=2)),
             FusionCandidate(event_id=4, source_id=3, detected_at=T0 - timedelta(hours=3))]
    assert fusion_target(cands, T0) == cands[2]
    assert fusion_target(cands[:1], T0) is None


def test_fused_event_reaches_only_channels_limited_to_the_new_source() -> None:
    def sub(i: int, sources: list[int]) -> Subscription:
        return Subscription(id=i, platform="console", channel_id=f"c{i}", created_at=T0,
                            filters=SubscriptionFilters(source_ids=sources))

    target = FusionCandidate(event_id=1, source_id=1, detected_at=T0)
    matching = [sub(1, []), sub(2, [2]), sub(3, [1, 2]), sub(4, [2, 7])]
    assert [s.id for s in fused_recipients(matching, 2, target)] == [2, 4]
    assert fused_recipients(matching, 2, target.model_copy(update={"suppressed": True})) == []


def test_first_poll_after_upgrade_announces_only_new_guids() -> None:
    legacy = FeedHistory(newest_published_at=T0, legacy=True)
    new = [Candidate("guid:new", "c:1", T0), Candidate("link:https://a.test/x", "c:2", T0),
           Candidate("content:3", "content:3", T0), Candidate("openfda:1", None, None)]
    assert plan_announcements(new, legacy).announce == ["guid:new", "openfda:1"]


def test_rows_to_write_are_those_a_write_would_change() -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    stored = [SeenItem(item_key="a", content_key="ca", published_at=t0, classified_as="readout/topline"),
              SeenItem(item_key="b", content_key=None),  # recorded before content keys were kept
              SeenItem(item_key="c", content_key="cc")]
    items = [
        SeenItem(item_key="a", content_key="ca", published_at=t0),  # as stored (no classification: kept)
        SeenItem(item_key="a2", content_key="ca"),  # a new key for known content
        SeenItem(item_key="b", content_key="cb"),  # takes its content key
        SeenItem(item_key="c", content_key="cc", published_at=t0),  # its date, not stored yet
        SeenItem(item_key="c", content_key="cc", classified_as="other/other"),
        SeenItem(item_key="a", content_key="ca2", published_at=t0),  # edited
        SeenItem(item_key="a", content_key="ca", published_at=t0 + timedelta(hours=1)),  # re-dated
    ]
    assert [i.item_key for i in rows_to_write(items, stored)] == ["a2", "b", "c", "c", "a", "a"]
    assert rows_to_write([SeenItem(item_key="a", content_key="ca", published_at=t0, classified_as="readout/topline")],
                         stored) == []

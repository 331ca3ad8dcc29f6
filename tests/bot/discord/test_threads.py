"""Follow-ups in threads and edits when facts change, through discord.py against the local mock: the first alert
about a programme starts the conversation, later ones reply in its thread; a changed event edits the posted
alert and replies with what changed; a crash mid-reply neither replies nor edits twice."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.dispatcher import Dispatcher
from storage.models import CatalystDate, NewEvent, ProgramIn, SubscriptionFilters
from tests.support.discord_mock import FORUM
from tests.support.discord_support import CHANNEL_ID, DiscordHarness, discord_harness
from watchers.record import add_events

FORUM_ID = 1400000000000000077


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[DiscordHarness]:
    async with discord_harness(tmp_path, seed_defaults=False) as harness:
        store = harness.app.store
        await store.programs.add(ProgramIn(name="Azer-cel", aliases=["azercabtagene"]))
        await store.programs.add(ProgramIn(name="Zetolimab"))
        await store.subscriptions.add("discord", str(CHANNEL_ID), SubscriptionFilters())
        yield harness


def ev(key: str, program: str | None = "Azer-cel", **kw: Any) -> NewEvent:
    return NewEvent.model_validate({
        "dedupe_key": key, "kind": "readout", "subtype": "interim", "title": f"News {key}",
        "url": f"https://news.test/{key}", "programs": [program] if program else [], **kw})


async def deliver(h: DiscordHarness, *events: NewEvent) -> None:
    await add_events(h.app.store, list(events))
    await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0).drain()


def top_level(h: DiscordHarness, channel: int = CHANNEL_ID) -> list[dict[str, Any]]:
    return h.mock.messages[channel]


def titles(messages: list[dict[str, Any]]) -> list[str]:
    return [m["embeds"][0]["title"] if m["embeds"] else m["content"] for m in messages]


async def test_later_alerts_about_a_programme_reply_in_the_first_ones_thread(h: DiscordHarness) -> None:
    await deliver(h, ev("a1"))
    [root] = top_level(h)
    await deliver(h, ev("a2"))
    await deliver(h, ev("z1", "Zetolimab"), ev("a3"))
    assert titles(top_level(h)) == ["News a1", "News z1"]  # another programme starts its own conversation
    thread = int(root["id"])
    assert h.mock.threads_created == [(CHANNEL_ID, thread, "Azer-cel")]  # one thread, on the first alert
    assert titles(h.mock.messages[thread]) == ["News a2", "News a3"]
    replies = [c.body for c in h.mock.calls_to("POST", f"/channels/{thread}/messages")]
    assert all(r["nonce"].startswith("d") and r["enforce_nonce"] for r in replies)
    rows = await h.app.store.db.all("SELECT thread_id FROM deliveries ORDER BY id")
    assert [r[0] for r in rows] == [None, str(thread), None, str(thread)]


async def test_a_trial_without_a_programme_has_its_own_conversation(h: DiscordHarness) -> None:
    await deliver(h, ev("t1", None, trial="NCT01234567"), ev("t2", None, trial="nct01234567"))
    [root] = top_level(h)
    assert titles(h.mock.messages[int(root["id"])]) == ["News t2"]


async def test_a_deleted_thread_makes_the_next_follow_up_a_new_conversation(h: DiscordHarness) -> None:
    await deliver(h, ev("a1"), ev("a2"))
    [root] = top_level(h)
    h.mock.delete_channel(int(root["id"]))  # someone deleted the thread
    await deliver(h, ev("a3"))
    assert titles(top_level(h)) == ["News a1", "News a3"]
    await deliver(h, ev("a4"))  # … which is now the conversation's start
    assert titles(h.mock.messages[int(top_level(h)[1]["id"])]) == ["News a4"]


async def test_an_archived_thread_makes_the_next_follow_up_top_level(h: DiscordHarness) -> None:
    await deliver(h, ev("a1"), ev("a2"))
    [root] = top_level(h)
    h.mock.archive(int(root["id"]))
    await deliver(h, ev("a3"))
    assert titles(top_level(h)) == ["News a1", "News a3"]
    assert titles(h.mock.messages[int(root["id"])]) == ["News a2"]


async def test_a_deleted_first_alert_makes_the_next_follow_up_top_level(h: DiscordHarness) -> None:
    await deliver(h, ev("a1"))
    [root] = top_level(h)
    h.mock.delete_message(CHANNEL_ID, int(root["id"]))
    await deliver(h, ev("a2"))
    assert titles(top_level(h)) == ["News a2"]
    assert h.mock.threads_created == []


async def test_forum_channel_one_post_per_programme_with_replies(h: DiscordHarness) -> None:
    h.mock.add_channel(FORUM_ID, kind=FORUM)
    await h.app.store.subscriptions.add("discord", str(FORUM_ID), SubscriptionFilters())
    await deliver(h, ev("a1"), ev("a2"))
    [created] = h.mock.calls_to("POST", f"/channels/{FORUM_ID}/threads")  # one post for the programme …
    assert created.body["name"] == "Azer-cel"
    [post] = [c for c, v in h.mock.channels.items() if v.get("parent_id") == str(FORUM_ID)]
    assert titles(h.mock.messages[post]) == ["News a1", "News a2"]  # … and the later alert is a reply in it


def pdufa(key: str, date: str) -> NewEvent:
    return ev(key, kind="regulatory", subtype="pdufa_date", title=f"PDUFA date {date} ({key})",
              catalysts=[CatalystDate(kind="pdufa", label="PDUFA date", date=date)])


async def test_a_moved_date_edits_the_alert_and_replies_what_changed(h: DiscordHarness) -> None:
    await deliver(h, pdufa("p1", "2027-03-01"))
    [root] = top_level(h)
    await deliver(h, pdufa("p2", "2027-06-30"))
    [(channel, message, body)] = h.mock.edits
    assert (channel, message) == (CHANNEL_ID, int(root["id"]))
    fields = {f["name"]: f["value"] for f in body["embeds"][0]["fields"]}
    assert "2027-03-01 → 2027-06-30" in fields["Updated"]
    assert body["components"]  # the buttons stay on the edited alert
    thread = h.mock.messages[int(root["id"])]
    # The update was queued with the event that moved the date, so it comes first, then that event's alert.
    assert [m["content"] or m["embeds"][0]["title"] for m in thread] == [
        "Update: PDUFA date: date moved 2027-03-01 → 2027-06-30 (alert #2).", "PDUFA date 2027-06-30 (p2)"]


async def test_a_second_source_confirming_a_designation_edits_the_first_report(h: DiscordHarness) -> None:
    company = await h.app.store.sources.add("rss", "https://ir.test/feed", "Acme IR")
    fda = await h.app.store.sources.add("rss", "https://fda.test/feed", "FDA")
    designation = {"kind": "regulatory", "subtype": "fast_track"}
    await add_events(h.app.store, [ev("d1", **designation, title="Fast track for azer-cel")], company.id)
    await add_events(h.app.store, [ev("d2", **designation, title="FDA grants fast track")], fda.id)
    await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0).drain()
    [root] = top_level(h)  # the repeat is not alerted again …
    [(_, message, body)] = h.mock.edits  # … it edits the first report
    assert message == int(root["id"])
    assert {"name": "Updated", "value": "Fast track confirmed by FDA.", "inline": False} in body["embeds"][0]["fields"]
    assert h.mock.messages[int(root["id"])][0]["content"] == "Update: Fast track confirmed by FDA."


async def crash_during_reply(h: DiscordHarness) -> None:
    """Drain until Discord has created the reply, then kill the drain before it learns the message id (a crash
    between Discord accepting the reply and the store recording it)."""
    h.mock.create_delay = lambda: 30.0
    drain = asyncio.create_task(Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0).drain())
    for _ in range(500):
        if h.mock.inflight:
            break
        await asyncio.sleep(0.01)
    assert h.mock.inflight
    drain.cancel()
    with pytest.raises(asyncio.CancelledError):
        await drain
    h.mock.create_delay = None


async def test_a_retried_thread_reply_is_posted_once(h: DiscordHarness) -> None:
    await deliver(h, ev("a1"))
    [root] = top_level(h)
    await add_events(h.app.store, [ev("a2")])
    await crash_during_reply(h)
    row = await h.app.store.db.one("SELECT status, sending_at FROM deliveries WHERE id = 2")
    assert row is not None and row[0] == "pending" and row[1] is not None
    await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0).drain()
    thread = int(root["id"])
    assert titles(h.mock.messages[thread]) == ["News a2"]  # one reply
    assert len(h.mock.threads_created) == 1  # the thread made before the crash is used, not made again
    assert h.mock.nonce_repeats == 1
    row = await h.app.store.db.one("SELECT status, platform_message_id FROM deliveries WHERE id = 2")
    assert row is not None and tuple(row) == ("sent", h.mock.messages[thread][0]["id"])


async def test_a_retried_update_edits_once_and_replies_once(h: DiscordHarness) -> None:
    await deliver(h, pdufa("p1", "2027-03-01"))
    [root] = top_level(h)
    await deliver(h, ev("other"))  # the thread exists already
    await add_events(h.app.store, [pdufa("p2", "2027-06-30")])
    # The update goes first: the edit, then the reply, killed mid-way.
    await crash_during_reply(h)
    assert len(h.mock.edits) == 1
    await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0).drain()
    assert len(h.mock.edits) == 1
    thread = h.mock.messages[int(root["id"])]
    updates = [m for m in thread if m["content"].startswith("Update:")]
    assert len(updates) == 1
    rows = await h.app.store.db.all("SELECT lane, status, progress FROM deliveries WHERE lane LIKE 'update:%'")
    assert [tuple(r) for r in rows] == [("update:moved:pdufa:2027-06-30", "sent", "edited")]


async def test_the_same_release_from_a_second_source_edits_the_alert(h: DiscordHarness) -> None:
    ir = await h.app.store.sources.add("rss", "https://ir.test/feed", "Acme IR")
    wire = await h.app.store.sources.add("rss", "https://wire.test/feed", "Newswire")
    await add_events(h.app.store, [ev("r1", fingerprint="same-release")], ir.id)
    await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0).drain()
    await add_events(h.app.store, [ev("r2", fingerprint="same-release", title="NEWS R1.")], wire.id)
    await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0).drain()
    [root] = top_level(h)  # one alert …
    [(_, message, _body)] = h.mock.edits  # … edited once …
    assert message == int(root["id"])
    # … and a reply in its thread saying who else told it.
    assert [m["content"] for m in h.mock.messages[int(root["id"])]] == ["Update: Also reported by Newswire."]


async def test_without_thread_permission_follow_ups_stay_top_level_and_nothing_is_disabled(
    h: DiscordHarness,
) -> None:
    h.mock.threads_forbidden = True
    await deliver(h, ev("a1"), ev("a2"))
    assert titles(top_level(h)) == ["News a1", "News a2"]
    assert not any(s.disabled for s in await h.app.store.subscriptions.list())


async def test_a_registry_value_changed_again_edits_the_alert_that_reported_it(h: DiscordHarness) -> None:
    def change(key: str, old: int, new: int) -> NewEvent:
        return ev(key, kind="enrollment", subtype="other", trial="NCT01234567", reported_by="registry",
                  title=f"NCT01234567: enrollment {old} → {new}",
                  facts={"changes": [{"field": "enrollment", "old": {"count": old}, "new": {"count": new}}]})
    await deliver(h, change("r1", 100, 120))
    [root] = top_level(h)
    await deliver(h, change("r2", 120, 90))
    [(_, message, body)] = h.mock.edits
    assert message == int(root["id"])
    fields = {f["name"]: f["value"] for f in body["embeds"][0]["fields"]}
    assert fields["Updated"] == "Changed again in the registry: enrollment 120 → 90 (alert #2)."
    assert [m["content"] or m["embeds"][0]["title"] for m in h.mock.messages[int(root["id"])]] == [
        "Update: Changed again in the registry: enrollment 120 → 90 (alert #2).", "NCT01234567: enrollment 120 → 90"]


async def test_page_facts_after_the_alert_edit_it_and_reply_what_was_added(h: DiscordHarness) -> None:
    # Past RELEASE_PAGE_WAIT_SECONDS the alert went with the lede's facts; the page's come later.
    from watchers.record import apply_page_facts

    lede = ev("f1")
    await deliver(h, lede)
    [root] = top_level(h)
    [event] = await h.app.store.events.latest()
    page = lede.model_copy(update={"facts": {"results": [
        {"measure": "ORR", "value": 93, "unit": "%", "population": "indolent", "n": 14}],
        "safety": [{"text": "no grade ≥3 CRS", "event": "CRS", "grade": "≥3", "rate": 0}]}})
    await apply_page_facts(h.app.store, event.id, lede, page)
    await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0).drain()
    [(channel, message, body)] = h.mock.edits
    assert (channel, message) == (CHANNEL_ID, int(root["id"]))
    shown = " ".join(f["value"] for f in body["embeds"][0]["fields"])
    assert "ORR 93% (indolent, n=14)" in shown and "no grade ≥3 CRS" in shown
    thread = h.mock.messages[int(root["id"])]
    assert [m["content"] for m in thread] == ["Update: From the release page: results, safety findings."]
    # The same facts again (a re-read) change nothing and queue nothing.
    await apply_page_facts(h.app.store, event.id, lede, page)
    await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0).drain()
    assert len(h.mock.edits) == 1 and len(h.mock.messages[int(root["id"])]) == 1


async def test_page_facts_before_the_alert_is_sent_queue_no_update(h: DiscordHarness) -> None:
    from watchers.record import apply_page_facts

    lede = ev("f2")
    await add_events(h.app.store, [lede])  # queued, not yet sent
    [event] = await h.app.store.events.latest()
    page = lede.model_copy(update={"facts": {"results": [{"measure": "ORR", "value": 67, "unit": "%"}]}})
    await apply_page_facts(h.app.store, event.id, lede, page)
    await Dispatcher(h.app.store, [h.front.sink], base_delay_seconds=0).drain()
    assert h.mock.edits == []
    [root] = top_level(h)
    assert "ORR 67%" in " ".join(f["value"] for f in root["embeds"][0]["fields"])  # the alert has them
    assert int(root["id"]) not in h.mock.messages  # no reply

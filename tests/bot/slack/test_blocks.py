"""Block Kit rendering: same content as the console, Slack's limits, and feed text that cannot ping anyone."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.core.lookup import ProgramCard, TrialLine
from bot.delivery.digest import build_digest
from bot.slack.blocks import (
    HEADER_CHARS,
    MAX_BLOCKS,
    SECTION_CHARS,
    alert_message,
    card_message,
    clip,
    digest_message,
    esc,
    safe_mention,
)
from storage.models import Catalyst, Designation, Event, LedgerSource, Program, Subscription

WHEN = datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
# Anything Slack would turn into a ping or a link if it reached mrkdwn unescaped.
LIVE_MARKUP = re.compile(r"<(!channel|!here|!everyone|@U|!subteam|#C|https?:)")


def event(**kw: object) -> Event:
    base: dict[str, object] = {
        "id": 42, "dedupe_key": "k", "kind": "readout", "subtype": "topline",
        "title": "Azer-cel topline data", "url": "https://example.org/pr?id=1", "published_at": WHEN,
        "detected_at": WHEN, "programs": ["azer-cel"], "sponsor": "Precigen", "source_name": "GlobeNewswire",
        "facts": {"endpoint": "ORR", "patients": 24},
    }
    base.update(kw)
    return Event.model_validate(base)


def sub(mention: str | None = None) -> Subscription:
    return Subscription(id=1, platform="slack", channel_id="C1", mention=mention, created_at=WHEN)


def texts(blocks: list[dict]) -> list[str]:
    """Every mrkdwn string in the blocks (section text, fields, context elements)."""
    out = []
    for b in blocks:
        if b["type"] == "section":
            if "text" in b:
                out.append(b["text"]["text"])
            out.extend(f["text"] for f in b.get("fields", []))
        elif b["type"] == "context":
            out.extend(e["text"] for e in b["elements"])
    return out


def test_alert_has_header_fields_context_and_button() -> None:
    msg = alert_message(event())
    types = [b["type"] for b in msg.blocks]
    assert types == ["header", "section", "context", "actions"]
    assert msg.blocks[0]["text"] == {"type": "plain_text", "text": "Readout · topline: Azer-cel topline data",
                                     "emoji": False}
    fields = [f["text"] for f in msg.blocks[1]["fields"]]
    assert fields == ["*Programme*\nazer-cel", "*Sponsor*\nPrecigen", "*Endpoint*\nORR", "*Patients*\n24"]
    ctx = [e["text"] for e in msg.blocks[2]["elements"]]
    assert ctx[0] == "Source: GlobeNewswire"
    assert ctx[1] == f"<!date^{int(WHEN.timestamp())}^{{date_short}} {{time}}|2026-03-02 13:30 UTC>"
    assert "/milestones why 42" in ctx[2]
    button = msg.blocks[3]["elements"][0]
    assert button["url"] == "https://example.org/pr?id=1" and button["type"] == "button"
    assert msg.text == "Readout · topline: Azer-cel topline data"


def test_feed_text_cannot_mention_anyone() -> None:
    hostile = "Results <!channel> <@U123ABC> <!subteam^S1> <https://evil.example|click> & more"
    msg = alert_message(event(title=hostile, sponsor="<!here>", facts={"note": "<@W999>"}, source_name="<#C1>"))
    for text in [*texts(msg.blocks), msg.text]:
        assert not LIVE_MARKUP.search(text), text
    assert "&lt;!channel&gt;" in msg.text and "&amp; more" in msg.text
    # The header is plain_text: shown literally, never parsed.
    assert msg.blocks[0]["text"]["type"] == "plain_text"


def test_only_the_subscriptions_own_mention_is_placed() -> None:
    msg = alert_message(event(), "<!subteam^S0123ABC>")
    assert msg.blocks[1]["text"]["text"] == "<!subteam^S0123ABC>"
    assert msg.text.startswith("<!subteam^S0123ABC> ")
    # A mention that is not exactly a Slack mention (e.g. set by hand in the CLI) is dropped, not escaped into text.
    for bad in ("@channel-ish", "<!subteam^S1> <!channel>", "<https://x|y>", "hello"):
        assert safe_mention(bad) is None
        assert "<!" not in alert_message(event(), bad).text


def test_merged_subscriptions_place_each_mention_once() -> None:
    # One delivery per channel carries every matching subscription's mention; bad ones are still dropped.
    msg = alert_message(event(), ["<!subteam^S1>", "<@U2>", "<!subteam^S1>", "<!subteam^S1> <!channel>"])
    assert msg.blocks[1]["text"]["text"] == "<!subteam^S1> <@U2>"
    assert msg.text.startswith("<!subteam^S1> <@U2> ")


def test_limits_hold_for_huge_input() -> None:
    long_title = "<!channel>" * 200
    msg = alert_message(event(title=long_title, facts={f"f{i}": "x" * 5000 for i in range(30)},
                              url="https://example.org/" + "a" * 4000))
    assert len(msg.blocks[0]["text"]["text"]) <= HEADER_CHARS
    assert len(msg.blocks[1]["fields"]) == 10
    assert all(len(f["text"]) <= 2000 for f in msg.blocks[1]["fields"])
    # A URL over 3,000 characters gets no link button (the Why? button stays).
    assert all("url" not in e for b in msg.blocks if b["type"] == "actions" for e in b["elements"])
    assert len(msg.text) <= 3000 and msg.text
    for text in texts(msg.blocks):
        assert len(text) <= SECTION_CHARS
        assert not LIVE_MARKUP.search(text)


def test_digest_stays_within_50_blocks_and_links_each_alert() -> None:
    events = [event(id=i, title=f"Item {i} <!channel>", programs=[f"prog-{i % 60}"]) for i in range(300)]
    msg = digest_message(build_digest(sub("<!subteam^S9>"), events))
    assert len(msg.blocks) <= MAX_BLOCKS
    assert msg.blocks[0]["text"]["text"] == "Daily digest: 300 alerts"
    assert msg.blocks[1]["text"]["text"] == "<!subteam^S9>"
    body = "\n".join(texts(msg.blocks))
    assert "<https://example.org/pr?id=1|Item 0 &lt;!channel&gt;>" in body
    assert "<!channel>" not in body
    assert "more" in texts(msg.blocks)[-1]
    json.dumps(msg.blocks)  # serialisable as sent


def test_card_renders_the_same_content_as_the_console() -> None:
    program = Program(id=1, name="azer-cel", aliases=["PRGN-3006"], sponsors=["Precigen"], ticker="PGEN",
                      indication="r/r ALL <@U1>", created_at=WHEN)
    card = ProgramCard(
        program=program, trials=[TrialLine(nct_id="NCT01234567", phase="Phase 1")],
        readouts=[event(id=7)], recent=[event(id=7), event(id=8, title="Second <!here>")],
        upcoming=[Catalyst(id=1, program="azer-cel", kind="pdufa", label="PDUFA date", date="2026-09-01",
                           precision="day", event_id=7,
                           history=[{"date": "2026-06-01"}, {"date": "2026-09-01"}])],
        designations=[Designation(id=1, program="azer-cel", designation="fast_track", first_seen_at=WHEN, sources=[
            LedgerSource(event_id=7, source_name="GlobeNewswire", reported_by="company",
                         url="https://example.org/ft", seen_at=WHEN)])],
    )
    msg = card_message(card)
    assert msg.blocks[0]["text"]["text"] == "azer-cel"
    body = "\n".join(texts(msg.blocks))
    for needle in ("PRGN-3006", "Precigen", "PGEN", "r/r ALL &lt;@U1&gt;", "NCT01234567 · Phase 1",
                   "*Latest readouts*", "endpoint: ORR", "*Upcoming*",
                   "*2026-09-01* (day) azer-cel: PDUFA date (moved 1×, first 2026-06-01) · #7",
                   "fast track · first seen 2026-03-02 · company-reported: <https://example.org/ft|GlobeNewswire>",
                   "*Recent events*", "Second &lt;!here&gt;"):
        assert needle in body, needle
    assert "<https://clinicaltrials.gov/study/NCT01234567|" in body


@given(st.text(max_size=400))
def test_escaped_text_never_contains_markup(text: str) -> None:
    out = esc(text)
    assert "<" not in out and ">" not in out
    assert out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


@given(st.text(alphabet="a&<>", max_size=60), st.integers(min_value=2, max_value=40))
def test_clip_never_cuts_through_an_entity(text: str, limit: int) -> None:
    out = clip(esc(text), limit)
    assert len(out) <= limit
    assert not re.search(r"&[a-z]{0,3}(…|$)", out)

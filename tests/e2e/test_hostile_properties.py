"""Issue 9: property tests on the feed-item → event path (the classifier's own are in test_classifier_properties):
whatever bytes or items a feed holds, parsing either yields items or one FeedParseError, and every item becomes
a valid event."""
from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.models import NewEvent, Source
from storage.taxonomy import SUBTYPES
from tests.support.feeds import Item, atom, rss
from watchers.classify.item_events import event_from_item
from watchers.parse.feed import FeedParseError, parse_feed

SOURCE = Source(id=1, kind="rss", url="https://news.test/feed.xml", name="test", created_at=datetime.now(UTC))
NASTY = st.sampled_from([
    "@everyone", "<@123>", "<!channel>", "**bold**", "<script>alert(1)</script>", "&amp;", "&lt;b&gt;", "&#0;",
    "&bogus;", "]]>", "<![CDATA[x]]>", "\x00", "\x1b[31m", "\ufeff", "\ud7ff", "😀", "İ", "FDA approval",
    "Phase 3 topline", "PDUFA date of March 3, 2027", "NCT05531279", "'; DROP TABLE events; --", "\r\n", "\t",
])
TEXT = st.one_of(st.text(max_size=300), st.lists(NASTY, max_size=20).map(" ".join))
ITEM = st.builds(
    Item, title=TEXT, guid=st.one_of(st.none(), TEXT), link=st.one_of(st.none(), TEXT), summary=TEXT,
    published=st.one_of(st.none(), st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                                                timezones=st.just(UTC))),
)


def check_event(event: NewEvent) -> None:
    assert event.kind in SUBTYPES and event.subtype in SUBTYPES[event.kind]
    assert event.title and len(event.title) <= 500 and len(event.summary) <= 2000
    assert event.published_at is None or event.published_at <= datetime.now(UTC).replace(year=datetime.now().year + 1)
    NewEvent.model_validate_json(event.model_dump_json())  # it round-trips through the store's JSON


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=st.lists(ITEM, max_size=8), as_atom=st.booleans())
def test_any_items_parse_to_valid_events_or_one_clear_error(entries: list[Item], as_atom: bool) -> None:
    body = (atom(entries) if as_atom else rss(entries)).encode("utf-8", errors="surrogatepass")
    try:
        feed = parse_feed(body)
    except FeedParseError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    keys = [i.key for i in feed.items]
    assert len(keys) == len(set(keys))  # duplicate identities are one item
    for item in feed.items:
        check_event(event_from_item(item, SOURCE))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(
    st.binary(max_size=2000),
    st.lists(st.sampled_from([b"<rss>", b"<channel>", b"<item>", b"<title>", b"</title>", b"</item>", b"<!DOCTYPE x [",
                              b"<!ENTITY a \"aaaa\">", b"]>", b"&a;", b"<?xml version='1.0' encoding='utf-16'?>",
                              b"\xff\xfe", b"\x00", b"<feed xmlns='http://www.w3.org/2005/Atom'>", b"<entry>",
                              b"Phase 3 topline", b"\xc3("]), max_size=40).map(b"".join),
))
def test_arbitrary_bytes_never_escape_as_anything_but_feed_parse_error(body: bytes) -> None:
    try:
        feed = parse_feed(body)
    except FeedParseError:
        return
    for item in feed.items:
        check_event(event_from_item(item, SOURCE))

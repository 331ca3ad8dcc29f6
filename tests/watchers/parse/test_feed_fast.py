"""The ElementTree fast path must give exactly what feedparser gives, or step aside (None)."""
from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import shared_path
from tests.support.feeds import Item, atom, items, rss
from watchers.parse.feed import FeedParseError, clean_text, parse_feed, parse_with_feedparser
from watchers.parse.feed_fast import fast_parse


def assert_same(body: bytes) -> bool:
    """True when the fast path took the body, after checking it gave exactly feedparser's items."""
    if fast_parse(body, clean_text) is None:
        return False
    assert parse_feed(body) == parse_with_feedparser(body)  # parse_feed took the fast path
    return True


@pytest.mark.parametrize("make", [rss, atom])
def test_fixture_feeds_take_the_fast_path_and_agree(make: object) -> None:
    assert assert_same(make(items(5)).encode())  # type: ignore[operator]


def test_markup_entities_and_odd_items_agree() -> None:
    base = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    entries = [
        Item("<b>Acme</b> &amp; Co wins <i>big</i>", guid="1", link="https://a.test/1", summary="<p>Line<br/>two</p>",
             published=base),
        Item("Title only, no guid", link="https://a.test/2"),
        Item("Bare title, no link or guid", guid=None, link=None, published=base + timedelta(days=1)),
        Item("", guid="4", link="https://a.test/4", summary="summary only"),
        Item("Dup", guid="5", link="https://a.test/5"),
        Item("Dup again", guid="5", link="https://a.test/5b"),
        Item("Ünïcødé — “quotes” ™ ®", guid="6", link="https://a.test/6"),
        Item("Far future", guid="7", link="https://a.test/7", published=datetime(2099, 1, 1, tzinfo=UTC)),
    ]
    assert assert_same(rss(entries).encode())
    assert assert_same(atom([e for e in entries if e.guid]).encode())


@pytest.mark.parametrize("body", [
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><item><title>x</title>"
    b"<guid>https://a.test/permalink</guid></item></channel></rss>",  # guid used as the link
    b"<rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.1/'><channel><item><title>x</title>"
    b"<link>https://a.test/1</link><dc:date>2026-01-01T00:00:00Z</dc:date></item></channel></rss>",
    b"<rss version='2.0'><channel><item><title>x</title><link>/relative</link></item></channel></rss>",
    b"<rss version='2.0'><channel><item><title>x</title><link>https://a.test/1</link>"
    b"<pubDate>sometime next week</pubDate></item></channel></rss>",
    b"<rss version='0.91'><channel><item><title>x</title></item></channel></rss>",
    b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>",
    b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><title type='xhtml'><div>x</div></title></entry></feed>",
    b"<rss version='2.0'><channel><item><title>broken</title></channel></rss>",
    b"<!DOCTYPE rss><rss version='2.0'><channel/></rss>",
])
def test_anything_doubtful_is_left_to_feedparser(body: bytes) -> None:
    assert fast_parse(body, clean_text) is None
    try:  # and the general path answers: items, or its one clear error
        parse_feed(body)
    except FeedParseError as exc:
        assert str(exc).startswith("not an RSS/Atom feed")


def test_real_corpus_feeds_agree_and_mostly_take_the_fast_path() -> None:
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    by_ticker: dict[str, list[dict[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            by_ticker[row["ticker"]].append(row)
    fast = total = 0
    for ticker, rows in by_ticker.items():
        entries = []
        for i, r in enumerate(rows[:50]):
            when = datetime.fromisoformat(r["published_eastern"]).astimezone(UTC) if r["published_eastern"] else None
            entries.append(Item(r["title"], guid=r["link"] or f"{ticker}-{i}", link=r["link"] or None,
                                summary=r["summary"], published=when))
        for body in (rss(entries, title=f"{ticker} releases").encode(), atom(entries).encode()):
            total += 1
            fast += assert_same(body)
    assert total > 100
    assert fast == total  # real press-release feeds in the plain shapes never need the fallback

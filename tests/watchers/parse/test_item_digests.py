"""Items not read again (issue 19): a changed feed's window is mostly items already recorded, so the fast path
digests each item and gives only the key of one whose digest the source's last recorded poll kept. What it gives
must be what reading the item in full gives: the same keys, the same rows for the items it reads, and no item
taken as unchanged when anything that decides its row changed."""
from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

import pytest

from tests.conftest import shared_path
from tests.support.feeds import Item, atom, items, rss
from tests.support.paths import ROOT
from watchers.parse.feed import ParsedFeed, parse_feed, parse_with_feedparser

FDA_SHAPE = ROOT / "tests" / "data" / "feeds" / "fda_shape_press_releases.xml"
_URL = "https://news.test/feeds/rss?lang=en"
_CONTENT_NS = ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
_ENCODED = "<content:encoded><![CDATA[<p>the whole release</p>]]></content:encoded>"


def _blob(feed: ParsedFeed) -> bytes:
    return b"".join(feed.digests.values())


def _relative(links: list[str], base: str = ' xml:base="https://cms.test/news/"', extra: str = "") -> bytes:
    body = "".join(f"<item><title>Acme reports {n}</title><link>{link}</link>"
                   f"<pubDate>Sat, 10 Jan 2026 06:30:00 GMT</pubDate><description>lede {n}</description>{extra}</item>"
                   for n, link in enumerate(links))
    return (f'<?xml version="1.0"?><rss version="2.0"{_CONTENT_NS}{base}><channel><title>t</title>{body}'
            "</channel></rss>").encode()


def _shapes() -> list[tuple[str, bytes]]:
    keyless = [Item(f"Acme note {n}", summary=f"Lede {n}.") for n in range(3)]  # keyed by their content
    links_only = [Item(f"Acme update {n}", link=f"https://news.test/a/{n}?utm_source=x") for n in range(3)]
    return [
        ("rss", rss(items(6)).encode()),
        ("atom", atom(items(6)).encode()),
        ("rss, links only", rss(links_only).encode()),
        ("atom, links only", atom(links_only).encode()),
        ("rss, keyless", rss(keyless).encode()),
        ("fda shape (time markup)", FDA_SHAPE.read_bytes()),
        ("relative links under xml:base", _relative(["/p/1", "p/2", "../p/3", "https://abs.test/4"])),
        ("content:encoded", _relative([f"https://a.test/{n}" for n in range(4)], base="", extra=_ENCODED)),
    ]


@pytest.mark.parametrize(("name", "body"), _shapes(), ids=[n for n, _ in _shapes()])
def test_a_feed_read_again_with_its_digests_gives_the_same_items(name: str, body: bytes) -> None:
    full = parse_feed(body, _URL, b"")
    plain = parse_feed(body, _URL)
    assert (full.title, full.items) == (plain.title, plain.items), name  # digesting changes nothing read
    assert full.unchanged == [] and set(full.digests) == {i.key for i in full.items}, name
    again = parse_feed(body, _URL, _blob(full))
    read = {i.key: i for i in again.items}
    keyless = {i.key for i in full.items if i.key.startswith("content:")}
    # Every item is there once, by the key reading it gives; only those keyed by their content are read again.
    assert sorted([*read, *again.unchanged]) == sorted(i.key for i in full.items), name
    assert set(read) == keyless, name
    assert all(read[k] == i for i in full.items if (k := i.key) in read), name
    assert again.digests == full.digests, name  # what the next poll is told is what this one was


def test_an_edited_item_is_read_again_and_the_others_are_not() -> None:
    before = parse_feed(rss(items(5)).encode(), _URL, b"")
    edited = items(5)
    edited[2].title = "Acme Bio announces a corrected update"
    after = parse_feed(rss(edited).encode(), _URL, _blob(before))
    assert [i.title for i in after.items] == ["Acme Bio announces a corrected update"]
    assert len(after.unchanged) == 4 and after.items[0].key == before.items[2].key  # same GUID: an edit
    assert after.digests[after.items[0].key] != before.digests[before.items[2].key]


@pytest.mark.parametrize("change", ["date", "summary", "link", "attribute", "element"])
def test_whatever_decides_an_items_row_changes_its_digest(change: str) -> None:
    base = items(2)
    body = rss(base)
    changed = {
        "date": body.replace(format_datetime(base[0].published), format_datetime(base[0].published + timedelta(1))),
        "summary": body.replace("Summary of update 1.", "Summary of update 1, revised."),
        "link": body.replace("https://news.test/Acme Bio/1", "https://news.test/Acme Bio/1b"),
        "attribute": body.replace('<guid isPermaLink="false">Acme Bio-1<', '<guid isPermaLink="true">Acme Bio-1<'),
        # The same tags and text in another shape (the guid inside the title): feedparser's to read.
        "element": body.replace("<title>Acme Bio announces update number 1</title>",
                                "<title>Acme Bio announces update number 1<b>!</b></title>"),
    }[change]
    assert changed != body
    known = _blob(parse_feed(body.encode(), _URL, b""))
    again = parse_feed(changed.encode(), _URL, known)
    assert len(again.unchanged) == (1 if change != "element" else 0)
    if change == "element":
        assert again == parse_with_feedparser(changed.encode(), _URL)  # the whole feed went to feedparser
    else:
        assert again.items == parse_feed(changed.encode(), _URL).items[:1]


def test_relative_links_are_read_again_when_their_base_changes() -> None:
    body = _relative(["/p/1", "p/2"])
    known = _blob(parse_feed(body, _URL, b""))
    assert len(parse_feed(body, _URL, known).unchanged) == 2
    # Under an absolute xml:base the fetched URL does not matter; another xml:base does.
    assert len(parse_feed(body, "https://other.test/feed", known).unchanged) == 2
    moved = _relative(["/p/1", "p/2"], base=' xml:base="https://cms.test/archive/"')
    assert parse_feed(moved, _URL, known).unchanged == []
    # Without one, links resolve against the fetched URL: fetched from elsewhere (a redirect), read again.
    bare = _relative(["/p/1", "p/2"], base="")
    known = _blob(parse_feed(bare, _URL, b""))
    assert len(parse_feed(bare, _URL, known).unchanged) == 2
    assert parse_feed(bare, "https://other.test/feed", known).unchanged == []
    # A feed read with absolute links only, then in feedparser's way because one item has a relative link: the
    # old items' digests no longer hold (the feed's mode is part of them).
    absolute = _relative(["https://cms.test/p/1"], base="")
    known = _blob(parse_feed(absolute, _URL, b""))
    mixed = _relative(["https://cms.test/p/1", "/p/2"], base="")
    assert parse_feed(mixed, _URL, known).unchanged == []


def test_a_date_too_far_ahead_is_always_read_again() -> None:
    """Read as no date until its time comes closer, so its row can still change: no digest is kept for it."""
    ahead = items(2)
    ahead[0].published = datetime.now(UTC) + timedelta(days=30)
    feed = parse_feed(rss(ahead).encode(), _URL, b"")
    assert feed.items[0].published_at is None
    assert set(feed.digests) == {feed.items[1].key}
    assert [i.key for i in parse_feed(rss(ahead).encode(), _URL, _blob(feed)).items] == [feed.items[0].key]


def test_a_duplicate_guid_keeps_the_first_item_and_only_its_digest() -> None:
    """Two items under one GUID are one item, the first; if the first goes, the second is read (an edit of what is
    stored), never taken as unchanged."""
    first, second = Item("First text", guid="g-1", summary="one"), Item("Second text", guid="g-1", summary="two")
    both = parse_feed(rss([first, second]).encode(), _URL, b"")
    assert [i.title for i in both.items] == ["First text"] and len(both.digests) == 1
    again = parse_feed(rss([first, second]).encode(), _URL, _blob(both))
    assert again.items == [] and again.unchanged == ["guid:g-1"]
    alone = parse_feed(rss([second]).encode(), _URL, _blob(both))
    assert [i.title for i in alone.items] == ["Second text"] and alone.unchanged == []


def test_feedparsers_feeds_keep_no_digests() -> None:
    body = (f'<?xml version="1.0"?><!DOCTYPE rss><rss version="2.0"><channel><title>t</title>'
            f"<item><title>{escape('Acme & co')}</title><link>https://a.test/1</link></item></channel></rss>").encode()
    feed = parse_feed(body, _URL, b"")
    assert feed.items and feed.digests == {} and feed.unchanged == []


def test_malformed_digests_are_harmless() -> None:
    """A stored value that is not a whole number of digests (or random bytes): items are read, nothing lost."""
    body = rss(items(3)).encode()
    full = parse_feed(body, _URL, b"")
    assert parse_feed(body, _URL, b"\x01\x02\x03") == full
    assert parse_feed(body, _URL, b"\xff" * 64) == full
    assert len(parse_feed(body, _URL, _blob(full) + b"xyz").unchanged) == 3


def _assert_read_alike(body: bytes, url: str | None, name: object) -> int:
    """Read in full, then again with its digests: the same items by key; returns how many were not read again."""
    full = parse_feed(body, url, b"")
    again = parse_feed(body, url, _blob(full))
    assert sorted([*(i.key for i in again.items), *again.unchanged]) == sorted(i.key for i in full.items), name
    assert all(i in full.items for i in again.items), name
    return len(again.unchanged)


def test_link_base_and_guid_variants_give_the_same_keys_when_not_read_again() -> None:
    """The key an unchanged item is given (from its GUID or its link, resolved as reading it resolves it) is the
    key reading it gives, across bases, relative and odd links, permalink and opaque GUIDs."""
    bases = ["", ' xml:base="https://cms.test/a/b/"', ' xml:base="sub/"', ' xml:base="https://cms.test"']
    links = ["/p/1", "p/1", "../p", "https://abs.test/p", " /p/2 ", "?q=2", "", "p%20q/1"]
    guids = ["", "<guid>https://abs.test/p</guid>", '<guid isPermaLink="false">k-1</guid>', "<guid>/p/1</guid>"]
    skipped = 0
    for base in bases:
        for link in links:
            for guid in guids:
                for extra in ("", _ENCODED):
                    item = (f"<item><title>Acme {escape(link)}</title><link>{escape(link)}</link>{guid}"
                            f"<description>the lede</description>{extra}</item>")
                    body = (f'<?xml version="1.0"?><rss version="2.0"{_CONTENT_NS}{base}><channel><title>t</title>'
                            f"{item}</channel></rss>").encode()
                    for url in (_URL, None):
                        skipped += _assert_read_alike(body, url, (base, link, guid, extra, url))
    assert skipped > 100


def test_real_feed_samples_read_again_give_the_same_items() -> None:
    folder = shared_path("reference", "feeds")
    samples = sorted(folder.glob("*.xml"))
    assert samples, f"no real feed samples in {folder}"
    for sample in samples:
        body = sample.read_bytes()
        assert _assert_read_alike(body, _URL, sample.name) == len(parse_feed(body, _URL).items), sample.name


def _dc_feed(build_date: str, dc_uri: str = "http://purl.org/dc/elements/1.1/", description: str = "lede") -> bytes:
    body = "".join(f"<item><title>Acme reports {n}</title><link>https://a.test/{n}</link>"
                   f"<description>{description} {n}</description><dc:date>2026-01-0{n + 1}T06:30:00Z</dc:date></item>"
                   for n in range(3))
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="{dc_uri}"><channel><title>t</title>'
            f"<lastBuildDate>{build_date}</lastBuildDate>{body}</channel></rss>").encode()


def test_the_channels_own_changing_text_keeps_the_digests() -> None:
    """Feeds re-stamp `lastBuildDate` at every update: the items' digests do not depend on it."""
    known = _blob(parse_feed(_dc_feed("Sat, 10 Jan 2026 06:30:00 GMT"), _URL, b""))
    assert len(parse_feed(_dc_feed("Sun, 11 Jan 2026 07:00:00 GMT"), _URL, known).unchanged) == 3


def test_the_namespaces_declared_are_part_of_every_digest() -> None:
    """The same item bytes under another namespace URI are other elements (here: no longer dates)."""
    known = _blob(parse_feed(_dc_feed("x"), _URL, b""))
    other = _dc_feed("x", dc_uri="https://example.test/not-dublin-core/")
    again = parse_feed(other, _URL, known)
    assert again.unchanged == [] and again == parse_with_feedparser(other, _URL)


def test_item_tags_inside_cdata_or_comments_turn_digests_off_for_that_feed() -> None:
    """Items are found in the bytes by their start tags; where one is only text, no digest is trusted."""
    for lede in ("<![CDATA[see <item> list]]>", "<!-- <item> -->"):
        body = _dc_feed("x", description=lede)
        feed = parse_feed(body, _URL, b"")
        assert len(feed.items) == 3 and feed.digests == {}, lede
        assert parse_feed(body, _URL, b"\x00" * 8) == feed


def test_the_last_item_is_read_again_only_when_it_changed() -> None:
    """An item's bytes end at its end tag, so the item that becomes the last of a shorter window is unchanged,
    while a change in the last item's last element (its date, after the lede) is seen."""
    window = items(4)
    known = _blob(parse_feed(rss(window).encode(), _URL, b""))
    assert len(parse_feed(rss(window[:3]).encode(), _URL, known).unchanged) == 3
    window[3].published = window[3].published + timedelta(hours=1)  # type: ignore[operator]
    again = parse_feed(rss(window).encode(), _URL, known)
    assert len(again.unchanged) == 3 and [i.published_at for i in again.items] == [window[3].published]


def test_real_press_release_feeds_slid_by_new_items_read_only_the_new_ones() -> None:
    """Real corpus items (their titles, ledes, links and dates) as RSS and Atom feeds whose window slides by two
    new items: read again with the last window's digests, only the two new ones are read, and the keys and items
    are what reading every item gives."""
    path = shared_path("corpus", "globenewswire_biotech_items.csv")
    by_ticker: dict[str, list[dict[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            by_ticker[row["ticker"]].append(row)
    feeds = 0
    for ticker, rows in by_ticker.items():
        if len(rows) < 12:
            continue
        entries = [Item(r["title"], guid=r["link"] or f"{ticker}-{i}", link=r["link"] or None, summary=r["summary"],
                        published=datetime.fromisoformat(r["published_eastern"]).astimezone(UTC)
                        if r["published_eastern"] else None)
                   for i, r in enumerate(rows[:32])]
        for build in (rss, atom):
            before, after = build(entries[2:32]).encode(), build(entries[:30]).encode()
            known = _blob(parse_feed(before, _URL, b""))
            full, again = parse_feed(after, _URL, b""), parse_feed(after, _URL, known)
            assert sorted([*(i.key for i in again.items), *again.unchanged]) == sorted(i.key for i in full.items)
            assert all(i in full.items for i in again.items), ticker
            new_keys = {i.key for i in parse_feed(build(entries[:2]).encode(), _URL).items}
            assert {i.key for i in again.items} == new_keys, ticker  # the new items, and nothing else, were read
            feeds += 1
    assert feeds > 50

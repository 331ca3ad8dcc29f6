from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.feeds import Item, atom, items, rss
from watchers.parse.feed import FeedParseError, parse_feed


def test_rss2_items_keep_order_identity_and_dates() -> None:
    feed = parse_feed(rss(items(3)).encode())
    assert feed.title == "Acme Bio press releases"
    assert [i.key for i in feed.items] == ["guid:Acme Bio-1", "guid:Acme Bio-2", "guid:Acme Bio-3"]
    assert feed.items[0].published_at == datetime(2026, 11, 1, 13, tzinfo=UTC)
    assert feed.items[0].link == "https://news.test/Acme Bio/1"


def test_atom_entries_parse() -> None:
    feed = parse_feed(atom(items(2)).encode())
    assert [i.title for i in feed.items] == ["Acme Bio announces update number 1", "Acme Bio announces update number 2"]
    assert feed.items[1].key == "guid:Acme Bio-2"


def test_identity_falls_back_to_link_then_content() -> None:
    feed = parse_feed(rss([Item("With link", link="https://a.test/x"), Item("Bare title")]).encode())
    assert feed.items[0].key == "link:https://a.test/x"
    assert feed.items[1].key.startswith("content:") and feed.items[1].key == feed.items[1].content_key
    again = parse_feed(rss([Item("Bare title")]).encode())
    assert again.items[0].key == feed.items[1].key


def test_duplicate_guids_are_one_item() -> None:
    feed = parse_feed(rss([Item("one", guid="g"), Item("two", guid="g")]).encode())
    assert [i.title for i in feed.items] == ["one"]


def test_html_in_titles_is_stripped_and_unescaped() -> None:
    feed = parse_feed(rss([Item("<b>Acme</b> &amp; Co wins", guid="1", summary="<p>Line<br/>two</p>")]).encode())
    assert feed.items[0].title == "Acme & Co wins"
    assert feed.items[0].summary == "Line two"


def test_future_and_nonsense_dates_become_unknown() -> None:
    body = rss([Item("far future", guid="1", published=datetime(2099, 1, 1, tzinfo=UTC))]).encode()
    assert parse_feed(body).items[0].published_at is None
    nonsense = body.replace(b"Thu, 01 Jan 2099 00:00:00 +0000", b"not a date at all")
    assert parse_feed(nonsense).items[0].published_at is None


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(FeedParseError, match="HTML page"):
        parse_feed(b"<!DOCTYPE html><html><head><title>Abuse detection</title></head><body>no</body></html>")


@pytest.mark.parametrize("body", [b"", b"this is not xml", b"<?xml version='1.0'?><unclosed"])
def test_garbage_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(FeedParseError, match="not an RSS/Atom feed"):
        parse_feed(body)


def test_truncated_feed_keeps_complete_items() -> None:
    body = rss(items(3)).encode()
    cut = body[: body.index(b"<item>", body.index(b"<item>") + 1) + 30]
    feed = parse_feed(cut)
    assert feed.items[0].title == "Acme Bio announces update number 1"


async def test_parse_in_worker_processes_matches_the_thread() -> None:
    from watchers.parse.pool import FeedParser

    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>Acme &amp; Co doses first patient</title><link>https://x.test/1</link>"
        b"<pubDate>Mon, 02 Nov 2026 09:30:00 GMT</pubDate></item></channel></rss>"
    )
    in_thread = FeedParser(0)
    in_process = FeedParser(1)
    try:
        assert await in_process.parse(body) == await in_thread.parse(body)
        with pytest.raises(FeedParseError, match="HTML page"):
            await in_process.parse(b"<!DOCTYPE html><html><body>nope</body></html>")
    finally:
        in_process.close()


@pytest.mark.parametrize("prolog", [
    "<!DOCTYPE r [ <!-- <x --> {bomb} ]>",
    "<!-- <x --><!DOCTYPE r [ {bomb} ]>",
    "<?pi <x ?><!DOCTYPE r [ {bomb} ]>",
    "<!DOCTYPE r [ <?pi <x ?> {bomb} ]>",
    '<!DOCTYPE r SYSTEM "<x" [ {bomb} ]>',
    "<!DOCTYPE r [ <!ATTLIST r a CDATA '<x'> {bomb} ]>",
    "<!-- {bomb} --><!DOCTYPE r []>",  # feedparser's regular expression would re-insert it as a real one
])
def test_entity_declarations_behind_a_fake_first_element_are_refused(prolog: str) -> None:
    bomb = '<!ENTITY a "' + "A" * 10_000 + '">'
    body = ('<?xml version="1.0"?>' + prolog.format(bomb=bomb) +
            '<rss version="2.0"><channel><item><title>' + "&a;" * 100 + "</title></item></channel></rss>").encode()
    with pytest.raises(FeedParseError, match="declares XML entities"):
        parse_feed(body)


def test_comments_and_instructions_in_the_prolog_do_not_refuse_a_plain_feed() -> None:
    body = ('<?xml version="1.0"?><!-- <x> a comment --><?xml-stylesheet href="<s>"?>'
            '<!DOCTYPE rss [ <!-- note --> <!ENTITY nbsp "&#160;"> ]>'
            '<rss version="2.0"><channel><item><title>A&nbsp;B</title><guid>g</guid></item></channel></rss>')
    assert parse_feed(body.encode()).items[0].title == "A B"


RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"
LYING = f"Acme topline: see https://evil.test/{RLO}moc.elgoog{PDI} {LRI}now{PDI} \u200fmark&#x202E;"


@pytest.mark.parametrize("path", ["fast", "feedparser"])
def test_bidi_controls_are_stripped_from_text_and_encoded_in_links(path: str) -> None:
    body = rss([Item(LYING, guid="g1", summary=LYING, link=f"https://evil.test/{RLO}gro.elgoog")])
    if path == "feedparser":  # a DOCTYPE sends the feed to feedparser
        body = body.replace("<rss", "<!DOCTYPE rss>\n<rss", 1)
    [item] = parse_feed(body.encode()).items
    for text in (item.title, item.summary):
        assert not set(text) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), ascii(text)
        assert "https://evil.test/moc.elgoog now" in text
        assert "\u200f" in text  # the right-to-left mark is kept: it cannot reverse a run
    assert item.link == "https://evil.test/%E2%80%AEgro.elgoog"

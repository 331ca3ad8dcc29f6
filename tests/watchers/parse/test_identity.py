"""One identity for both parsers: canonical links, content keys, and the key each item is recorded under."""
from __future__ import annotations

from tests.support.feeds import Item, rss
from watchers.parse.feed import parse_feed, parse_with_feedparser
from watchers.parse.identity import canonical_link, content_key, fingerprint, item_key


def test_canonical_link_drops_tracking_and_fragment_and_folds_scheme_and_host() -> None:
    assert canonical_link("HTTPS://News.Example.COM/pr/1?id=7&utm_source=rss&UTM_Medium=x&fbclid=a&gclid=b#top") == (
        "https://news.example.com/pr/1?id=7")
    assert canonical_link("https://a.test/x?mc_cid=1&mc_eid=2") == "https://a.test/x"
    assert canonical_link("https://a.test/Path/Case?q=%20a&b=") == "https://a.test/Path/Case?q=%20a&b="
    assert canonical_link("not a url") == "not a url"


def test_keys_prefer_guid_then_canonical_link_then_content() -> None:
    assert item_key(" g1 ", "https://a.test/x", "T", "") == "guid:g1"
    assert item_key("", "https://A.test/x?utm_campaign=9", "T", "") == "link:https://a.test/x"
    assert item_key("", None, "Acme Bio: Update!", "Lede.") == content_key("acme bio update", "lede")


def test_content_key_ignores_case_punctuation_spacing_and_the_summary_tail() -> None:
    lede = "Acme today announced results. " * 8
    assert content_key("Acme  Wins!", lede + "tail one") == content_key("acme wins", lede.upper() + "tail two")
    assert content_key("Acme wins", "a") != content_key("Acme wins", "b")


def test_fingerprint_only_for_distinctive_text() -> None:
    assert fingerprint("Corporate presentation", "") is None
    assert fingerprint("Acme Announces Positive Topline Results from Phase 2 Trial", "") is not None


def test_both_parsers_give_the_same_keys_for_tracked_links_and_keyless_items() -> None:
    body = rss([Item("Tracked", link="https://a.test/1?utm_source=x#frag", summary="S"),
                Item("Bare", summary="No guid, no link")]).encode()
    fast, slow = parse_feed(body).items, parse_with_feedparser(body).items
    assert [(i.key, i.content_key) for i in fast] == [(i.key, i.content_key) for i in slow]
    assert fast[0].key == "link:https://a.test/1" and fast[0].link == "https://a.test/1?utm_source=x#frag"

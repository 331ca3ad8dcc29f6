"""A fast path for plain, well-formed RSS 2.0 and Atom feeds, with feedparser as the fallback for everything else.

feedparser is most of the cost of a changed feed (bench/bench_poll_cycle.py: ~4.7 ms of ~7.4 ms per feed), while
ElementTree reads the same fields from the same bytes ~20× faster. This module only handles the subset whose
meaning is unambiguous — the fields the bot reads, as plain text, with RFC 822 / ISO 8601 dates — and answers
None for anything else (a DOCTYPE, broken XML, XHTML content, an unparsable date, a guid or id standing in for
the link, an item element outside the short list feedparser is known to read harmlessly, an ISO date outside the
extended form with a zone, ...), so feedparser decides every doubtful case. `dc:date` dates an item without a
pubDate, as feedparser's `updated` does. One piece of markup is read here too,
because the FDA's feeds (two of the three default sources) use it: a `<pubDate>` holding one `<time datetime="…">`
(Drupal's rendering), whose attribute is the item's date on both paths (feed.py reads it from feedparser's entry).
tests/watchers/parse/test_feed_fast.py checks that both paths give identical items on the real samples in
../shared/reference/feeds, on real corpus items and on the project's own fixtures (tests/data/feeds/).

Two RSS shapes that feedparser alone used to read are read here too (issue 19: ~13-19 ms a feed on feedparser,
~2.5 ms here), each as feedparser reads it: an item with `content:encoded` beside its
`description` (feedparser's summary is then the description, whichever comes first), and relative links under
`xml:base` (resolved by feedparser's own URL functions, along the same chain of bases). A feed in either shape was
read by feedparser until now, so its items' identities must stay feedparser's: in such a feed every link and
permalink GUID is resolved as feedparser resolves it, and a GUID that resolving would change sends the feed back
to feedparser (`_Strict`). Feeds this path read before are read exactly as before.

Items already recorded are not read again (issue 19): a changed feed's ~35 items are mostly the ~33 of its last
poll, and reading them (clean text, content key, date, link) was about half of a changed feed's cost in the parse
worker. Each item's bytes are digested (`_digests`); an item whose digest the source's last recorded poll kept
is given only its key, found from its GUID or link exactly as reading it finds it (`_cheap_key`); the checks that
would send the feed to feedparser passed for those very bytes then. tests/watchers/parse/test_item_digests.py
checks that reading a feed again with its digests gives the same keys and the same items.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from hashlib import blake2b

# feedparser's own URL resolution (the private `_urljoin` included), so a resolved link is the one feedparser gave.
from feedparser.urls import _urljoin, make_safe_absolute_uri

from watchers.parse.bidi import inert_link
from watchers.parse.identity import content_key, item_key

_ATOM = "{http://www.w3.org/2005/Atom}"
_DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
_FUTURE_SLACK = timedelta(days=2)
_DC = "{http://purl.org/dc/elements/1.1/}"
# The one ISO 8601 spelling both parsers read alike: extended date and time, seconds optional, a zone.
_W3CDTF = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})")
# The item children whose meaning to feedparser is known not to touch the fields the bot reads (or, for pubDate
# and dc:date, is read here the same way). Anything else may: feedparser takes a date from `atom:updated` (.NET's
# SyndicationFeed writes it), `dcterms:modified`, `dcterms:issued` or an item's `lastBuildDate`, a summary from
# `content:encoded` or `dc:description`, a title from `dc:title` or `media:title`; so anything else is its call.
_RSS_CHILDREN = frozenset({
    "title", "link", "description", "guid", "pubDate", "category", "author", "comments", "enclosure", "source",
    *(f"{_DC}{name}" for name in ("date", "creator", "subject", "identifier", "language", "publisher",
                                  "contributor", "rights", "format", "type")),
})
_CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_ATOM_CHILDREN = frozenset(f"{_ATOM}{name}" for name in (
    "id", "title", "link", "summary", "content", "published", "updated", "author", "category", "contributor",
    "rights", "source"))


class _Unsure(Exception):
    """Outside the subset this parser is sure about: let feedparser decide."""


Row = tuple[str, str, str, str | None, datetime | None, str]
# One item of a feed: (its key, its row or None when its digest says it is unchanged, its digest or None).
Entry = tuple[str, Row | None, bytes | None]

# Part of every item digest: bump it when this module or the identity functions read an item differently, and
# every feed is read in full once more (its digests, stored with the source, no longer match).
DIGEST_VERSION = b"fast-1"


def fast_parse(body: bytes, clean_text: Callable[[str, int], str], base_url: str | None = None,
               known: frozenset[bytes] | None = None) -> tuple[str, list[Entry]] | None:
    """(feed title, [(key, row, digest)]) with rows (key, title, summary, link, published, content key), or None
    when feedparser should parse instead. `base_url`: where the feed was fetched from (feedparser's
    Content-Location, the base of relative links when the document sets none).

    `known`: digests of the items the source's last recorded poll kept (None: no digests wanted). Each item is
    digested (`_digests`: its bytes, with what else decides its fields); an item whose digest is known is only
    given its key (row None), not read again: its title, lede, date and link are what its stored row holds."""
    head = body[:1024]
    if b"<!DOCTYPE" in head or b"<!doctype" in head:
        return None
    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError):
        return None
    try:
        if root.tag == "rss" and root.get("version", "").startswith("2."):
            return _rss(root, clean_text, base_url or "", known, body)
        if root.tag == f"{_ATOM}feed":
            return _atom(root, clean_text, known, body)
    except _Unsure:
        return None
    return None


_ITEM = (re.compile(rb"<item[\s/>]"), b"</item")
_ENTRY = (re.compile(rb"<entry[\s/>]"), b"</entry")
_TAG = re.compile(rb"<[^!][^>]*>")  # a start or end tag, an XML declaration or a processing instruction


def _digests(body: bytes, tags: tuple[re.Pattern[bytes], bytes], context: str,
             count: int) -> list[bytes] | None:
    """Each item's digest: its bytes, hashed with what else decides its fields: `context` (the feed's kind, its
    mode, the base its links resolve against) and the tags before the first item (the encoding declared, the
    namespaces in scope; not their text, which a feed's `lastBuildDate` changes at every update).

    ElementTree keeps no byte offsets, so items are found by their start tags; when those do not match the items
    ElementTree found one for one (a prefixed `<x:item>`, `<item` inside a comment or CDATA, items outside the
    channel), None: no digests, every item read. An item's bytes end at the last end tag before the next item
    (the last item: before the end of the document): never short of its own end tag, at worst past it."""
    start, end_tag = tags
    starts = [m.start() for m in start.finditer(body)]
    if len(starts) != count:
        return None
    if not starts:
        return []
    head = b"".join(_TAG.findall(body, 0, starts[0]))
    base = blake2b(context.encode() + b"\x00" + head + b"\x00", digest_size=8, person=DIGEST_VERSION)
    view, out = memoryview(body), []
    for begin, bound in zip(starts, [*starts[1:], len(body)], strict=True):
        end = body.rfind(end_tag, begin, bound)
        h = base.copy()
        h.update(view[begin:end if end > begin else bound])
        out.append(h.digest())
    return out


def _cheap_key(guid: str, link: str) -> str | None:
    """An unchanged item's key when its GUID or link decides it (as `_finish` gives it); None when its content
    does (then it is read in full)."""
    if guid.strip():
        return item_key(guid, None, "", "")
    link_c = inert_link(link.strip())
    return item_key("", link_c, "", "") if link_c else None


def _kept_digest(digest: bytes | None, when: datetime | None, row: Row) -> bytes | None:
    # A date too far ahead is read as none (`_finish`), which changes as time passes: such an item is always read
    # in full.
    return None if when is not None and row[4] is None else digest


def _text(el: ET.Element | None) -> str:
    if el is None:
        return ""
    if len(el):
        raise _Unsure  # markup as child elements (XHTML): feedparser's rendering rules apply
    return el.text or ""


def _finish(key_guid: str, link: str, title: str, summary: str, when: datetime | None,
            clean_text: Callable[[str, int], str], now: datetime) -> Row | None:
    title_c = clean_text(title, 500)
    summary_c = clean_text(summary, 2000)
    if not title_c and not summary_c:
        return None
    link_c = inert_link(link.strip()) or None
    if when is not None and when > now + _FUTURE_SLACK:
        when = None
    return (item_key(key_guid, link_c, title_c, summary_c), title_c or summary_c[:200], summary_c, link_c, when,
            content_key(title_c, summary_c))


class _Strict:
    """How a feed feedparser alone read until now is read here: its links and permalink GUIDs resolved as
    feedparser resolves them (along the chain of xml:base from the fetched URL), so its items keep the identities
    feedparser gave them."""

    def __init__(self, base: str) -> None:
        self.base = base

    def link(self, raw: str) -> str:
        text = raw.strip()
        return _urljoin(self.base, text) if text else ""

    def guid(self, guid_el: ET.Element | None, raw: str) -> str:
        text = raw.strip()
        if guid_el is not None and guid_el.get("isPermaLink", "true") == "true" and text:
            # feedparser resolves a permalink GUID like a link; a GUID that changes is left to it.
            if _urljoin(self.base, text) != text:
                raise _Unsure
        return raw


def _declared_base(el: ET.Element, current: str) -> str:
    """The base in effect inside `el`, as feedparser's start of an element works it out."""
    for name in el.attrib:
        if name != _XML_BASE and name.lower().rpartition("}")[2].rpartition(":")[2] == "base":
            raise _Unsure  # a plain `base` attribute, or another namespace's: feedparser's rules, not ours
    return _resolved_base(current, el.get(_XML_BASE) or current)


@lru_cache(maxsize=256)
def _resolved_base(current: str, declared: str) -> str:
    # Asked for the item, its link and its GUID, each with the feed's one base: one resolution a feed, not three
    # an item (they were a third of a strict feed's parse).
    if current:
        return make_safe_absolute_uri(current, declared) or current
    return _urljoin(current, declared)


def _needs_strict(items: list[ET.Element]) -> bool:
    """Whether the feed is in a shape only feedparser read until now: relative links, or `content:encoded`."""
    for item in items:
        if item.find(_CONTENT_ENCODED) is not None:
            return True
        link = _text(item.find("link")).strip()
        if link and not link.startswith(("http://", "https://")):
            return True
    return False


def _rss(root: ET.Element, clean_text: Callable[[str, int], str], base_url: str = "",
         known: frozenset[bytes] | None = None, body: bytes = b"") -> tuple[str, list[Entry]]:
    channel = root.find("channel")
    if channel is None:
        raise _Unsure
    now = datetime.now(UTC)
    items: list[Entry] = []
    entries = list(channel.iterfind("item"))
    strict: _Strict | None = None
    if _needs_strict(entries):
        strict = _Strict(_declared_base(channel, _declared_base(root, base_url)))
    digests = None if known is None else _digests(
        body, _ITEM, f"rss\x00{strict.base if strict is not None else ''}", len(entries))
    for n, item in enumerate(entries):
        digest = digests[n] if digests is not None else None
        if known and digest in known:
            # Read exactly so before (same elements, same base, same mode), and every check passed then.
            guid_text, link_text = _text(item.find("guid")), _text(item.find("link"))
            if (key := _cheap_key(guid_text, strict.link(link_text) if strict else link_text)) is not None:
                items.append((key, None, digest))
                continue
        if any(child.tag not in _RSS_CHILDREN and (strict is None or child.tag != _CONTENT_ENCODED)
               for child in item):
            raise _Unsure  # an element feedparser may read a date, title or summary from
        guid_el = item.find("guid")
        link_el = item.find("link")
        if guid_el is not None and link_el is None and guid_el.get("isPermaLink", "true").lower() != "false":
            raise _Unsure  # feedparser then uses the guid as the link
        link = _text(link_el)
        if strict is not None:
            _check_content(item)
            for el in (item, link_el, guid_el):
                if el is not None and _declared_base(el, strict.base) != strict.base:
                    raise _Unsure  # a base of its own: feedparser's chain of bases, not ours
            resolved = strict.link(link)
            if link.strip().startswith(("http://", "https://")) and resolved != link.strip():
                raise _Unsure
            link = resolved
            if not link.startswith(("http://", "https://")):
                raise _Unsure  # unresolved, or no link at all (feedparser may then take a permalink GUID)
        elif link.strip() and not link.strip().startswith(("http://", "https://")):
            raise _Unsure  # relative links: feedparser's base resolution applies
        pub_date = item.find("pubDate")
        if (times := list(item.iter("time"))):
            when = _time_markup(pub_date, times)
        elif (raw_date := _text(pub_date)).strip():
            when = _rfc822(raw_date)
        else:
            when = _dc_date(item)
        guid = _text(guid_el) if strict is None else strict.guid(guid_el, _text(guid_el))
        done = _finish(guid, link, _text(item.find("title")), _text(item.find("description")),
                       when, clean_text, now)
        if done is not None:
            items.append((done[0], done, _kept_digest(digest, when, done)))
    return clean_text(_text(channel.find("title")), 200), items


def _check_content(item: ET.Element) -> None:
    """`content:encoded` beside one non-empty `description`: feedparser's summary is the description (before the
    content, the content's copy to the summary finds it set; after it, the description replaces the copy). Without
    one, feedparser's summary is the content: its call. Markup as child elements is its call too."""
    encoded = item.findall(_CONTENT_ENCODED)
    if not encoded:
        return
    descriptions = item.findall("description")
    if len(descriptions) != 1 or not _text(descriptions[0]).strip() or any(len(el) for el in encoded):
        raise _Unsure


def _atom(root: ET.Element, clean_text: Callable[[str, int], str],
          known: frozenset[bytes] | None = None, body: bytes = b"") -> tuple[str, list[Entry]]:
    now = datetime.now(UTC)
    items: list[Entry] = []
    entries = list(root.iterfind(f"{_ATOM}entry"))
    digests = None if known is None else _digests(body, _ENTRY, "atom", len(entries))
    for n, entry in enumerate(entries):
        digest = digests[n] if digests is not None else None
        if known and digest in known:
            if (key := _cheap_key(_text(entry.find(f"{_ATOM}id")), _alternate(entry))) is not None:
                items.append((key, None, digest))
                continue
        if any(child.tag not in _ATOM_CHILDREN for child in entry):
            raise _Unsure  # e.g. dc:date, Atom 0.3's issued/created: feedparser may date the entry by them
        if entry.find(f".//{_ATOM}time") is not None or entry.find(".//time") is not None:
            raise _Unsure  # feedparser would take the <time> markup's date (feed.py)
        for name in ("title", "summary"):
            el = entry.find(f"{_ATOM}{name}")
            if el is not None and el.get("type") == "xhtml":
                raise _Unsure
        summary_el = entry.find(f"{_ATOM}summary")
        if summary_el is None and entry.find(f"{_ATOM}content") is not None:
            raise _Unsure  # feedparser may take the content as the summary
        link = _alternate(entry)
        if link.strip() and not link.strip().startswith(("http://", "https://")):
            raise _Unsure
        if not link.strip() and _text(entry.find(f"{_ATOM}id")).strip():
            raise _Unsure  # feedparser then takes the id for the link (as it does an RSS guid)
        when = None
        for name in ("published", "updated"):
            raw = _text(entry.find(f"{_ATOM}{name}"))
            if raw.strip():
                when = _iso(raw)
                break
        done = _finish(_text(entry.find(f"{_ATOM}id")), link, _text(entry.find(f"{_ATOM}title")),
                       _text(summary_el), when, clean_text, now)
        if done is not None:
            items.append((done[0], done, _kept_digest(digest, when, done)))
    return clean_text(_text(root.find(f"{_ATOM}title")), 200), items


def _alternate(entry: ET.Element) -> str:
    """The entry's first `alternate` link (a link without `rel` is one)."""
    for link_el in entry.iterfind(f"{_ATOM}link"):
        if link_el.get("rel", "alternate") == "alternate":
            return link_el.get("href", "")
    return ""


def markup_date(value: object) -> datetime | None:
    """The date of `<time datetime="2019-05-03T19:21:28Z">`: ISO 8601 with a zone, in UTC to the second, or None."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when.astimezone(UTC).replace(microsecond=0) if when.tzinfo is not None else None


def _time_markup(pub_date: ET.Element | None, times: list[ET.Element]) -> datetime:
    """`<pubDate><time datetime="…">Fri, 05/03/2019 - 15:21</time></pubDate>` (the FDA's feeds): the attribute is
    the date; the text is a local time without a zone. feedparser keeps the attributes of the item's last `<time>`
    wherever it is, so only the one shape is read here: a single `<time>`, the pubDate's only child."""
    if pub_date is None or len(times) != 1 or len(pub_date) != 1 or pub_date[0] is not times[0]:
        raise _Unsure
    when = markup_date(times[0].get("datetime"))
    if when is None:
        raise _Unsure
    return when


def _dc_date(item: ET.Element) -> datetime | None:
    """An item without a pubDate dated by `dc:date` (W3C-DTF, which feedparser reads as its `updated`)."""
    dates = item.findall(_DC_DATE)
    if not dates:
        return None
    if len(dates) > 1:
        raise _Unsure  # which one feedparser keeps is its business
    raw = _text(dates[0])
    return _iso(raw) if raw.strip() else None


def _rfc822(text: str) -> datetime:
    try:
        when = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        raise _Unsure from None  # feedparser knows many more date dialects
    if when.tzinfo is None:
        raise _Unsure  # "-0000" and zone-less dates: leave them to feedparser's rules
    return when.astimezone(UTC).replace(microsecond=0)  # feedparser keeps whole seconds


def _iso(text: str) -> datetime:
    text = text.strip()
    if not _W3CDTF.fullmatch(text):
        raise _Unsure  # basic format, week or ordinal dates, "+0530": Python and feedparser read them differently
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise _Unsure from None
    if when.tzinfo is None:
        raise _Unsure
    return when.astimezone(UTC).replace(microsecond=0)

"""RSS/Atom bytes → feed items (feedparser), with a stable identity per item."""
from __future__ import annotations

import calendar
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import feedparser

from watchers.parse.bidi import inert_link, strip_bidi_controls
from watchers.parse.feed_fast import Entry, Row, fast_parse, markup_date
from watchers.parse.identity import content_key, item_key


class FeedParseError(Exception):
    """The body is not a usable RSS/Atom feed."""


class FeedItem(NamedTuple):
    # A tuple, not a dataclass: a changed feed's items cross from the parse worker to the bot's process (pool.py),
    # and as tuples a feed's ~35 unpickle a quarter faster (112 → 84 µs on the bench's feeds).
    key: str
    title: str
    summary: str
    link: str | None
    published_at: datetime | None
    content_key: str = ""  # normalised title + lede: the identity that survives rotated GUIDs and tracking links


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    items: list[FeedItem]
    # With digests asked for (`parse_feed(known=…)`): the keys of the items whose digest was known, not read again,
    # and each kept item's digest by key (what the source records for its next poll).
    unchanged: list[str] = field(default_factory=list)
    digests: dict[str, bytes] = field(default_factory=dict)


_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
# A feed date more than this far ahead is treated as unknown rather than trusted.
_FUTURE_SLACK = timedelta(days=2)


def clean_text(value: str, limit: int) -> str:
    value = value or ""
    if "<" in value:  # most titles and summaries carry no markup: skip the scan
        value = _TAGS.sub(" ", value)
    # str.split() splits on exactly the characters `\s` matches (str.isspace), about 3× faster than the regex.
    # Bidi controls go after unescaping, so `&#x202E;` goes too.
    text = " ".join(strip_bidi_controls(html.unescape(value)).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_feed(body: bytes, base_url: str | None = None, known: bytes | None = None) -> ParsedFeed:
    """Parse a feed body. Raises FeedParseError when it is not RSS/Atom (an HTML page, broken XML). Relative links
    resolve against the document's xml:base, else `base_url` (where the feed was fetched from).

    `known`: the digests (8 bytes each, `ParsedFeed.digests` of the last recorded poll) of items not to read again
    (feed_fast.py: a changed feed's window is mostly items already recorded, and reading them was most of its
    parse); b"" asks for digests with none known. Only the fast path digests; feedparser reads every item."""
    refuse_entity_declarations(body)
    body = _fix_mislabelled_utf8(body)
    wanted = None if known is None else frozenset(known[i:i + 8] for i in range(0, len(known) - 7, 8))
    fast = fast_parse(body, clean_text, base_url, wanted)
    if fast is not None:
        title, entries = fast
        return _unique_entries(title, entries)
    return parse_with_feedparser(body, base_url)


def _unique_entries(title: str, entries: list[Entry]) -> ParsedFeed:
    """`_unique` over read and unchanged items alike: the first of each key, in feed order."""
    first: dict[str, tuple[Row | None, bytes | None]] = {}
    for key, row, digest in entries:
        first.setdefault(key, (row, digest))
    return ParsedFeed(title=title, items=[FeedItem(*row) for row, _ in first.values() if row is not None],
                      unchanged=[key for key, (row, _) in first.items() if row is None],
                      digests={key: digest for key, (_, digest) in first.items() if digest is not None})


def _unique(items: Iterable[FeedItem]) -> list[FeedItem]:
    """The first item of each identity, in feed order (duplicate GUIDs are one item)."""
    out: dict[str, FeedItem] = {}
    for item in items:
        out.setdefault(item.key, item)
    return list(out.values())


def parse_with_feedparser(body: bytes, base_url: str | None = None) -> ParsedFeed:
    """The general path: feedparser copes with every dialect, encoding and breakage."""
    # The fetched URL stands in for the HTTP Content-Location feedparser would see fetching it itself: the base of
    # relative links when the document sets no xml:base. (resolve_relative_uris concerns links inside HTML.)
    headers = {"content-location": base_url} if base_url else None
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False, response_headers=headers)
    version = parsed.get("version") or ""
    entries = parsed.get("entries") or []
    # A broken feed that still yielded items keeps them (real feeds are messy); one with none is an error.
    if not entries and (not version or parsed.get("bozo")):
        reason = parsed.get("bozo_exception")
        head = body.lstrip()[:200].lower()
        if head.startswith(b"<!doctype html") or head.startswith(b"<html"):
            raise FeedParseError("not an RSS/Atom feed: the server sent an HTML page")
        detail = f" ({_one_line(reason)})" if reason else ""
        raise FeedParseError(f"not an RSS/Atom feed: malformed or unrecognised XML{detail}")
    now = datetime.now(UTC)
    items = _unique(item for entry in entries if (item := _item(entry, now)) is not None)
    if not items and parsed.get("bozo"):
        raise FeedParseError(f"not an RSS/Atom feed: malformed XML ({_one_line(parsed.get('bozo_exception'))})")
    return ParsedFeed(title=clean_text(parsed.get("feed", {}).get("title", ""), 200), items=items)


# -- hostile XML ------------------------------------------------------------------------------------------
#
# feedparser strips a DOCTYPE's entity declarations but re-inserts "safe" ones (a plain literal value), and when
# expat refuses a document (its billion-laughs limit) it falls back to a loose parser that expands those same
# entities itself: a 100 KB body declaring one 100 KB entity used 1,000 times became a 100 MB title and ~300 MB
# of memory. External entities are never fetched by feedparser, but nothing a feed needs is lost by refusing
# entity declarations outright, so they are refused before parsing: only a declaration whose value is one
# character reference (`<!ENTITY nbsp "&#160;">`, seen in old RSS) or a short plain literal is let through.

_ENTITY_DECL = re.compile(r"<!ENTITY\b[^>]*>?", re.S)
_HARMLESS_ENTITY = re.compile(r'<!ENTITY\s+[\w.-]+\s+(?:"(?:&#x?[0-9A-Fa-f]+;|[^"&%<]{0,16})"'
                              r"|'(?:&#x?[0-9A-Fa-f]+;|[^'&%<]{0,16})')\s*>")
# "ENTITY" as UTF-8/Latin-1, UTF-16 (either order), UTF-32 (either order) and EBCDIC bytes.
_ENTITY_NEEDLES = (b"ENTITY", b"E\x00N\x00T", b"E\x00\x00\x00N\x00\x00\x00T", b"\xc5\xd5\xe3\xc9\xe3\xe8")
# The characters that can open or close something in a DOCTYPE: quotes and angle brackets.
_MARKUP = re.compile(r"[\"'<>]")
_BOMS = [
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le"), (b"\x4c\x6f\xa7\x94", "cp037"),
]


def _prolog(body: bytes) -> str:
    """The text before the first element (XML declaration, comments, processing instructions, DOCTYPE), in
    whatever encoding feedparser would detect from the first bytes; bytes-compatible encodings are read as Latin-1
    (ASCII is all we need)."""
    encoding = next((name for bom, name in _BOMS if body.startswith(bom)), "latin-1")
    text = body.decode(encoding, errors="replace")
    return text[: _first_element(text)]


def _first_element(text: str) -> int:
    """Where the first element starts. A `<x` inside a comment, a processing instruction or the DOCTYPE (its
    quoted literals and internal subset included) does not count: stopping there hid every declaration after it
    (`<!DOCTYPE r [ <!-- <x --> <!ENTITY …> ]>`). Anything left unterminated runs to the end, so in doubt the
    prolog is longer and more is checked."""
    i, n = 0, len(text)
    while (i := text.find("<", i)) != -1:
        if text.startswith("<!--", i):
            i = _after(text, "-->", i + 4)
        elif text.startswith("<?", i):
            i = _after(text, "?>", i + 2)
        elif text.startswith("<!", i):
            i = _after_declaration(text, i + 2)
        else:
            return i
    return n


def _after(text: str, end: str, start: int) -> int:
    found = text.find(end, start)
    return len(text) if found == -1 else found + len(end)


def _after_declaration(text: str, i: int) -> int:
    """The end of a `<!…>` declaration begun before `i`, nested declarations, comments, PIs and literals included."""
    depth, n = 1, len(text)
    while depth and (match := _MARKUP.search(text, i)) is not None:
        i = match.start()
        char = text[i]
        if char in "\"'":
            i = _after(text, char, i + 1)
        elif text.startswith("<!--", i):
            i = _after(text, "-->", i + 4)
        elif text.startswith("<?", i):
            i = _after(text, "?>", i + 2)
        else:
            depth += 1 if char == "<" else -1
            i += 1
    return i if depth == 0 else n


def refuse_entity_declarations(body: bytes) -> None:
    """Raise FeedParseError when the prolog declares XML entities (expansion bombs, external entities)."""
    if not any(needle in body for needle in _ENTITY_NEEDLES):
        return  # the cheap common case: no "ENTITY" anywhere, in any encoding we read
    # Declarations inside comments count too: feedparser finds them with a regular expression and re-inserts the
    # "safe" ones as real declarations.
    for decl in _ENTITY_DECL.findall(_prolog(body)):
        if not _HARMLESS_ENTITY.fullmatch(decl):
            raise FeedParseError(
                "refused: the feed declares XML entities (<!ENTITY …>), which are used for entity-expansion "
                "and external-entity attacks; real feeds do not need them"
            )


_DECLARED = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._-]+)([\"'])", re.I)
_LATIN = {b"iso-8859-1", b"latin-1", b"latin1", b"windows-1252", b"cp1252", b"us-ascii", b"ascii"}


def _fix_mislabelled_utf8(body: bytes) -> bytes:
    """A body declared Latin-1/ASCII that is valid UTF-8 with non-ASCII text is UTF-8 (Latin-1 text almost never
    forms valid multi-byte sequences): relabel it, so "Café" does not turn into "CafÃ©"."""
    match = _DECLARED.match(body[:200])
    if match is None or match.group(2).lower() not in _LATIN or body.isascii():
        return body
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    return body[: match.start(2)] + b"utf-8" + body[match.end(2):]


def _item(entry: feedparser.FeedParserDict, now: datetime) -> FeedItem | None:
    # Plain dict lookups: for these keys FeedParserDict.get resolves to the same entry, only slower.
    title = clean_text(dict.get(entry, "title", ""), 500)
    summary = clean_text(dict.get(entry, "summary", ""), 2000)
    link = inert_link((dict.get(entry, "link") or "").strip()) or None
    if not title and not summary:
        return None
    published = _date(entry, now)
    key = item_key(dict.get(entry, "id") or "", link, title, summary)
    return FeedItem(key=key, title=title or summary[:200], summary=summary, link=link, published_at=published,
                    content_key=content_key(title, summary))


def _date(entry: feedparser.FeedParserDict, now: datetime) -> datetime | None:
    # `<pubDate><time datetime="…">Fri, 05/03/2019 - 15:21</time></pubDate>` (the FDA's feeds): feedparser keeps
    # the attributes of an unknown element as a dict under its name, and cannot parse the text (a zone-less local
    # time), so the machine-readable attribute is the date. feed_fast.py reads the same attribute.
    markup = dict.get(entry, "time")  # a string when the <time> had no attributes
    if isinstance(markup, dict) and (when := markup_date(markup.get("datetime"))) is not None:
        return when if when <= now + _FUTURE_SLACK else None
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, name)  # plain lookup: feedparser maps updated→published with a warning
        if value:
            try:
                when = datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
            return when if when <= now + _FUTURE_SLACK else None
    return None


def _one_line(value: object) -> str:
    return _SPACE.sub(" ", str(value)).strip()[:200]

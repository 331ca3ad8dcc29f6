"""The shapes the poll benchmark's feeds come in: real feed layouts, filled with real press-release items.

The bot polls wires, company IR sites, the FDA and EDGAR, and their feeds differ in exactly the ways that decide
which parser reads them (watchers/parse/feed_fast.py or feedparser): CDATA HTML descriptions, `dc:date` instead of
`pubDate`, `content:encoded` bodies, relative links under `xml:base`, `<time>` markup inside `pubDate`, Atom with
XML content. Each shape renders a feed from (title, summary, link, date) rows.

Real samples: every `*.xml` in ../shared/reference/feeds (the FDA's recalls RSS today) is read at run time and used
as a template: its first item is repeated with each row's text, link and date put where the sample has them, so
the bytes around them (namespaces, indentation, markup) are the real feed's. The samples are never copied into
the project; when ../shared is absent the benchmark says so and uses the hand-built FDA-shaped fixture in
tests/data/feeds/ instead. The other shapes are written here from the public layouts of those feeds (field names
and markup, not any real feed's text); they are labelled "-like" because no real sample of them is stored.
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "reference" / "feeds"
FDA_FIXTURE = ROOT / "tests" / "data" / "feeds" / "fda_shape_press_releases.xml"

Row = tuple[str, str, str, datetime]  # title, summary, absolute link, published (UTC)
Render = Callable[[int, list[Row], str], str]  # feed number, rows, server base URL → document


@dataclass(frozen=True)
class Shape:
    name: str
    weight: int  # feeds of this shape per 100
    render: Render


def _rss(channel_extra: str, items: list[str], i: int, namespaces: str = "", root_extra: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"{namespaces}{root_extra}><channel>'
            f"<title>Bench feed {i}</title><link>https://news.test/feed/{i}</link>"
            f"<description>Press releases</description>{channel_extra}{''.join(items)}</channel></rss>")


def globenewswire_like(i: int, rows: list[Row], base: str) -> str:
    """A wire's RSS: opaque guid, CDATA HTML description, RFC 822 GMT date, Dublin Core metadata (no dc:date)."""
    items = [
        f"<item><guid isPermaLink=\"false\">{zlib.crc32(link.encode())}-{i}</guid>"
        f"<link>{escape(link)}</link><category domain=\"https://news.test/rss/subjectcode\">Clinical Study</category>"
        f"<title>{escape(title)}</title><description><![CDATA[<p>{summary.replace(']]>', '')}</p>]]></description>"
        f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate><dc:identifier>{i}</dc:identifier>"
        "<dc:language>en</dc:language><dc:publisher>Wire</dc:publisher><dc:contributor>Issuer</dc:contributor>"
        "</item>"
        for title, summary, link, when in rows
    ]
    return _rss("<language>en</language>", items, i, ' xmlns:dc="http://purl.org/dc/elements/1.1/"')


def edgar_atom(i: int, rows: list[Row], base: str) -> str:
    """EDGAR's company filings Atom: HTML summary, an XML `content` of filing fields, a local-offset `updated`.
    A filing's accession number is its own (in its id, summary and content), so a filing reads the same in every
    later version of the feed; until 2026-12-08 the summary and content carried the entry's position instead,
    which made every entry of a changed feed an edit (re-read, re-classified, re-written) at each change."""
    entries = []
    for title, summary, link, when in rows:
        local = when.astimezone(UTC) - timedelta(hours=4)
        accession = f"0001-{i:05d}-{zlib.crc32(link.encode()):010d}"
        entries.append(
            f'<entry><category label="form type" scheme="https://www.sec.gov/" term="8-K"/>'
            f'<content type="text/xml"><accession-number>{accession}</accession-number>'
            f"<filing-type>8-K</filing-type><items-desc>items 7.01 and 9.01</items-desc></content>"
            f"<id>urn:tag:sec.gov,2008:accession-number={accession}</id>"
            f'<link href={quoteattr(link)} rel="alternate" type="text/html"/>'
            f'<summary type="html">{escape(f"<b>Filed:</b> {when:%Y-%m-%d} <b>AccNo:</b> {accession} {summary}")}'
            "</summary>"
            f"<title>{escape(title)}</title>"
            f"<updated>{local.strftime('%Y-%m-%dT%H:%M:%S')}-04:00</updated></entry>"
        )
    doc = ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
           f"<author><email>webmaster@sec.test</email><name>Webmaster</name></author>"
           f"<id>urn:tag:sec.gov,2008:company={i}</id><title>Bench filer {i}</title>"
           f"<updated>2026-01-01T00:00:00-04:00</updated>{''.join(entries)}</feed>")
    # Declared ISO-8859-1 like EDGAR's: anything beyond ASCII goes as character references, so the bytes the
    # server writes (UTF-8) say what the declaration says.
    return doc.encode("ascii", "xmlcharrefreplace").decode("ascii")


def content_encoded_like(i: int, rows: list[Row], base: str) -> str:
    """A wire or IR feed that carries the whole release in `content:encoded` beside a short description."""
    items = [
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        f'<guid isPermaLink="true">{escape(link)}</guid><pubDate>{format_datetime(when)}</pubDate>'
        f"<description>{escape(summary[:300])}</description>"
        f"<content:encoded><![CDATA[<p>{summary.replace(']]>', '')}</p><p>About the company ...</p>]]>"
        "</content:encoded></item>"
        for title, summary, link, when in rows
    ]
    return _rss("", items, i, ' xmlns:content="http://purl.org/rss/1.0/modules/content/"')


def dc_date_like(i: int, rows: list[Row], base: str) -> str:
    """An IR site's feed dated with `dc:date` (ISO 8601) and no pubDate."""
    items = [
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>{escape(summary)}</description>"
        f"<dc:date>{when.strftime('%Y-%m-%dT%H:%M:%SZ')}</dc:date></item>"
        for title, summary, link, when in rows
    ]
    return _rss("", items, i, ' xmlns:dc="http://purl.org/dc/elements/1.1/"')


def relative_links_like(i: int, rows: list[Row], base: str) -> str:
    """A CMS feed whose links are relative to `xml:base`."""
    items = [
        f"<item><title>{escape(title)}</title><link>{escape(link.removeprefix(base))}</link>"
        f"<pubDate>{format_datetime(when)}</pubDate><description>{escape(summary)}</description></item>"
        for title, summary, link, when in rows
    ]
    return _rss("", items, i, root_extra=f" xml:base={quoteattr(base + '/')}")


# -- real samples as templates ----------------------------------------------------------------------------------

_FIELDS = {  # (regex with three groups: before, value, after; how the row's value is written there)
    "title": re.compile(r"(<title[^>]*>\s*)(.*?)(\s*</title>)", re.S),
    "link": re.compile(r"(<link>\s*)(.*?)(\s*</link>)", re.S),
    "atom_link": re.compile(r"(<link\b[^>]*\bhref=\")([^\"]*)(\")", re.S),
    "description": re.compile(r"(<description[^>]*>\s*)(.*?)(\s*</description>)", re.S),
    "summary": re.compile(r"(<summary[^>]*>\s*)(.*?)(\s*</summary>)", re.S),
    "guid": re.compile(r"(<guid[^>]*>\s*)(.*?)(\s*</guid>)", re.S),
    "id": re.compile(r"(<id>\s*)(.*?)(\s*</id>)", re.S),
    "time": re.compile(r"(<time\b[^>]*\bdatetime=\")([^\"]*)(\"[^>]*>)([^<]*)(</time>)", re.S),
    "pubDate": re.compile(r"(<pubDate>\s*)([^<]*?)(\s*</pubDate>)", re.S),
    "updated": re.compile(r"(<(?:updated|published)>\s*)(.*?)(\s*</(?:updated|published)>)", re.S),
}
_ITEM = re.compile(r"<(item|entry)\b.*?</\1>", re.S)


def template_shape(path: Path, weight: int, name: str | None = None) -> Shape | None:
    """A shape that repeats the sample's first item with each row put in its fields, or None (with the reason
    printed) when the sample has no item with a title and a link or id to fill."""
    text = path.read_text(encoding="utf-8", errors="replace")
    items = list(_ITEM.finditer(text))
    if not items:
        print(f"note: {path.name} has no <item>/<entry> to repeat; not served")
        return None
    head, tail = text[: items[0].start()], text[items[-1].end():]
    template = items[0].group(0)
    if not _FIELDS["title"].search(template) or not any(
            _FIELDS[f].search(template) for f in ("link", "atom_link", "guid", "id")):
        print(f"note: {path.name}: its first item has no title and link/id to fill; not served")
        return None

    def fill(title: str, summary: str, link: str, when: datetime) -> str:
        out = template
        values = {"title": escape(title), "link": escape(link), "atom_link": escape(link), "guid": escape(link),
                  "id": escape(link), "description": escape(summary), "summary": escape(summary),
                  "pubDate": format_datetime(when), "updated": when.isoformat()}
        for field, value in values.items():
            out = _FIELDS[field].sub(lambda m, v=value: m.group(1) + v + m.group(3), out, count=1)
        # `<time datetime="UTC">local text</time>`: the attribute in UTC, the text as the site prints it.
        local = (when - timedelta(hours=5)).strftime("%a, %m/%d/%Y - %H:%M")
        return _FIELDS["time"].sub(lambda m: f"{m.group(1)}{when.strftime('%Y-%m-%dT%H:%M:%SZ')}{m.group(3)}"
                                             f"{local}{m.group(5)}", out, count=1)

    def render(i: int, rows: list[Row], base: str) -> str:
        return head + "\n".join(fill(*row) for row in rows) + tail

    return Shape(name or f"{path.stem} (real sample)", weight, render)


def shapes() -> list[Shape]:
    """Every shape served, with its weight; the real samples' shapes first."""
    real = [s for p in sorted(SAMPLES.glob("*.xml")) if (s := template_shape(p, 10)) is not None]
    if not real:
        print(f"note: no real feed samples in {SAMPLES} (../shared is absent?); the FDA shape comes from the "
              f"hand-built fixture {FDA_FIXTURE.relative_to(ROOT)}")
        real = [s for s in [template_shape(FDA_FIXTURE, 10, "fda (hand-built fixture)")] if s is not None]
    return [
        *real,
        Shape("globenewswire-like RSS (CDATA, dc:*)", 40, globenewswire_like),
        Shape("edgar-like Atom (XML content)", 20, edgar_atom),
        Shape("content:encoded RSS", 10, content_encoded_like),
        Shape("dc:date RSS", 10, dc_date_like),
        Shape("relative links + xml:base", 10, relative_links_like),
    ]


def assign(shapes_: list[Shape], n_feeds: int) -> list[int]:
    """Feed number → shape index, spread by weight (deterministic: the same run serves the same mix)."""
    order = [k for k, s in enumerate(shapes_) for _ in range(s.weight)]
    return [order[(i * 37) % len(order)] for i in range(n_feeds)]

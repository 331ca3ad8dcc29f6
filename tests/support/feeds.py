"""Hand-built feeds in the real RSS 2.0 and Atom shapes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape


@dataclass
class Item:
    title: str
    guid: str | None = None
    link: str | None = None
    summary: str = ""
    published: datetime | None = None


def items(n: int, prefix: str = "Acme Bio", start: int = 1) -> list[Item]:
    base = datetime(2026, 11, 1, 12, tzinfo=UTC)
    return [
        Item(f"{prefix} announces update number {i}", guid=f"{prefix}-{i}", link=f"https://news.test/{prefix}/{i}",
             summary=f"Summary of update {i}.", published=base + timedelta(hours=i))
        for i in range(start, start + n)
    ]


def rss(entries: list[Item], title: str = "Acme Bio press releases") -> str:
    parts = []
    for it in entries:
        fields = [f"<title>{escape(it.title)}</title>"]
        if it.link:
            fields.append(f"<link>{escape(it.link)}</link>")
        if it.guid:
            fields.append(f'<guid isPermaLink="false">{escape(it.guid)}</guid>')
        if it.summary:
            fields.append(f"<description>{escape(it.summary)}</description>")
        if it.published:
            fields.append(f"<pubDate>{format_datetime(it.published)}</pubDate>")
        parts.append("<item>" + "".join(fields) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://news.test/</link><description>Releases</description>"
        + "".join(parts)
        + "</channel></rss>"
    )


def atom(entries: list[Item], title: str = "Acme Bio filings") -> str:
    parts = []
    for it in entries:
        updated = (it.published or datetime(2026, 1, 1, tzinfo=UTC)).isoformat()
        link = f'<link href="{escape(it.link)}"/>' if it.link else ""
        ident = f"<id>{escape(it.guid)}</id>" if it.guid else ""
        parts.append(
            f"<entry><title>{escape(it.title)}</title>{link}{ident}<updated>{updated}</updated>"
            f"<summary>{escape(it.summary)}</summary></entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:test:feed</id><updated>2026-11-01T00:00:00Z</updated>"
        + "".join(parts)
        + "</feed>"
    )

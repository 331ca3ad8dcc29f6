"""A feed item's identity: its guid, else its link, else a hash of its title and date as written.

One function for both parsers (the ElementTree fast path and feedparser), so an item keeps its identity whichever
path reads its feed — a changed key would announce the item a second time.
"""
from __future__ import annotations

import hashlib


def item_key(guid: str, link: str | None, title: str, raw_date: str) -> str:
    guid = guid.strip()
    if guid:
        key = f"guid:{guid}"
    elif link:
        key = f"link:{link}"
    else:
        raw = f"{title}\x1f{raw_date.strip()}"
        key = "hash:" + hashlib.sha1(raw.encode("utf-8", "replace")).hexdigest()
    return key[:1000]

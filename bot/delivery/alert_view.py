"""What every renderer (console, Discord, Slack) shows of an alert's facts and links, formatted once."""
from __future__ import annotations

import json
from typing import Any


def fact_value(value: Any) -> str:
    """A fact as text: booleans as yes/no, lists joined, objects as compact JSON."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(fact_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def http_url(url: str | None, max_length: int) -> str | None:
    """The URL if it is http(s) and fits; chat platforms reject (or turn into links) anything else."""
    if url and url.startswith(("https://", "http://")) and len(url) <= max_length:
        return url
    return None

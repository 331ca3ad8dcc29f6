"""Unicode bidirectional controls: the embeddings, overrides and isolates that reorder how text is displayed.

In a feed title, a programme name or a sponsor they make text read as something it is not: U+202E turns
`evil.test/moc.elgoog` into what looks like a google.com link in Discord and Slack. They are removed from text, and
percent-encoded in links (the link still goes where it went, and reads as what it is). The marks U+200E/U+200F
(LRM/RLM) are kept: they only settle the direction of neutral characters next to them, cannot reverse a run of
letters, and right-to-left languages need them to punctuate correctly.
"""
from __future__ import annotations

from urllib.parse import quote

# U+202A–U+202E: LRE, RLE, PDF, LRO, RLO; U+2066–U+2069: LRI, RLI, FSI, PDI.
BIDI_CONTROLS = frozenset(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_REMOVE = {ord(c): None for c in BIDI_CONTROLS}
_ENCODE = {ord(c): quote(c) for c in BIDI_CONTROLS}


def _has_controls(text: str) -> bool:
    # The controls are not ASCII; and str.translate with a dict walks a non-ASCII text character by character
    # (~100 ns each: 66 µs for a 660-character lede with one curly quote), ten substring searches do not.
    return not text.isascii() and any(c in text for c in BIDI_CONTROLS)


def strip_bidi_controls(text: str) -> str:
    return text.translate(_REMOVE) if _has_controls(text) else text


def inert_link(link: str) -> str:
    """The link with any bidi control percent-encoded (as a browser would send it)."""
    return link.translate(_ENCODE) if _has_controls(link) else link

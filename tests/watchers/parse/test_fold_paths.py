"""The faster paths for non-ASCII text (issue 19) give exactly what str.translate gives: an item's content key
that changed would make every stored item look new."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from watchers.parse.bidi import _ENCODE, _REMOVE, BIDI_CONTROLS, inert_link, strip_bidi_controls
from watchers.parse.identity import _FOLD, _FOLDED, _normalise

# Every character the folding or the bidi filter treats specially, with letters and spaces of several scripts.
SPECIAL = st.sampled_from(list(_FOLDED) + sorted(BIDI_CONTROLS) + list("aZ9 \t\néßİﬁΣ\u2028\u3000\u200e"))
TEXT = st.lists(st.one_of(SPECIAL, st.characters()), max_size=60).map("".join)


@settings(max_examples=2000)
@given(TEXT)
def test_folding_is_translate_on_any_text(text: str) -> None:
    assert _normalise(text) == " ".join(text.casefold().translate(_FOLD).split())


@settings(max_examples=2000)
@given(TEXT)
def test_bidi_controls_go_as_translate_removes_them(text: str) -> None:
    assert strip_bidi_controls(text) == text.translate(_REMOVE)
    assert inert_link(text) == text.translate(_ENCODE)

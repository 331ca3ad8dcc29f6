"""The one normalisation of drug and programme names, used by the store, matcher and filters alike."""
from __future__ import annotations

import re

_NOT_ALNUM = re.compile(r"[\W_]+")


def fold_name(text: str) -> str:
    """Case-fold and drop everything but letters and digits: 'Azer-cel®' == 'azer cel' == 'AZERCEL'."""
    return _NOT_ALNUM.sub("", text.casefold())

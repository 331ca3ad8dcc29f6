"""The learned label model: a multinomial logistic regression scored in plain Python.

It is trained by ``bench/train_classifier.py`` on the ``train`` split of ``tests/data/stream_labels.csv`` and
shipped as JSON (``model/label_model.json``: feature -> one weight per label, biases, and a temperature fitted
on cross-validated probabilities so that the probability it gives is calibrated). scikit-learn is needed only to
train; scoring here is a dictionary lookup per feature.

Features (:func:`features`), all lower-cased, digits folded to ``0``:

* ``t:w`` / ``t:w1 w2`` — title words and word pairs; ``l:w`` / ``l:w1 w2`` — the same for the lede head;
* ``r:<rule>@<where>`` and ``rl:<label>`` — the rule that fired and its label, so the model learns how far to
  trust each rule (a weak rule hit can be vetoed, a miss can be rescued by the words).

The shipped file holds no words: each feature is stored as the CRC-32 of its UTF-8 text (:func:`hashed`), so
no text of the training corpus is part of the repository.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any
from zlib import crc32

MODEL_PATH = Path(__file__).with_name("model") / "label_model.json"
LABELS: tuple[str, ...] = ("enrollment", "other", "readout", "regulatory")
TITLE_CHARS = 300
LEDE_CHARS = 300

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
_DIGITS = re.compile(r"\d")


def _words_plain(text: str) -> list[str]:
    """The model's words: lower-cased, digits folded to ``0``, runs of letters/digits joined by ``-`` or ``'``."""
    return _WORD.findall(_DIGITS.sub("0", text.lower()))


# One C pass over the bytes of a lower-cased ASCII text does what the two regex passes do: digits -> "0", every
# character that is not a letter, digit, "-" or "'" -> space (upper-case letters -> lower-case, for safety).
_TOKEN_TABLE = bytes(
    c + 32 if 65 <= c <= 90 else 48 if 48 <= c <= 57 else c if 97 <= c <= 122 or c in (39, 45) else 32
    for c in range(256)
)
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
# a character outside ASCII that the word pattern reads as part of a word (é, ü, a Unicode digit, ...)
_WIDE_WORD_CHAR = re.compile(r"(?=[^\x00-\x7f])[^\W_]")


def _words(text: str) -> list[str]:
    """:func:`_words_plain`, about twice as fast: ``str.split`` on a translated copy instead of two regex scans.

    Exact: in ASCII, ``[^\\W_]`` is ``[a-z0-9]`` after lower-casing; characters outside ASCII that are not word
    characters (®, ™, dashes, quotes) separate words as a space does, so they become ``?`` (then a space); a
    text with a word character outside ASCII takes the plain path. Tokens holding ``-`` or ``'`` are re-read
    with the word pattern (``a--b``, ``-a``, ``a'`` are not one word).
    """
    low = text.lower()
    if low.isascii():
        s = low.encode().translate(_TOKEN_TABLE).decode()
    elif _WIDE_WORD_CHAR.search(low) is None:
        s = low.encode("ascii", "replace").translate(_TOKEN_TABLE).decode()
    else:
        return _WORD.findall(_DIGITS.sub("0", low))
    tokens = s.split()
    if "-" not in s and "'" not in s:
        return tokens
    out: list[str] = []
    for w in tokens:
        if w.isalnum():
            out.append(w)
        else:
            out.extend(_ASCII_WORD.findall(w))
    return out


def _grams(prefix: str, words: list[str]) -> list[str]:
    uni = [prefix + w for w in words]
    # "t:a b": the prefix rides on the first word
    return uni + [f"{a} {b}" for a, b in zip(uni, words[1:], strict=False)]


def features(title: str, lede: str, rule: str | None, rule_label: str | None) -> list[str]:
    """Feature names for a prepared title and lede and the rule that decided (``name@where``), if any."""
    feats = _grams("t:", _words(title[:TITLE_CHARS]))
    feats.extend(_grams("l:", _words(lede[:LEDE_CHARS])))
    feats.append(f"r:{rule}" if rule else "r:none")
    feats.append(f"rl:{rule_label or 'none'}")
    return feats


class _HashCache(dict[str, int]):
    """Feature -> CRC-32, computed once per distinct feature."""

    LIMIT = 200_000  # a long-running bot sees ever new words: start again rather than grow without bound

    def __missing__(self, key: str) -> int:
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[key] = crc32(key.encode())
        return value


_HASHES = _HashCache()


def hashed(feats: list[str]) -> list[int]:
    """The features as the integers the shipped model is keyed by (CRC-32 of the UTF-8 text; stable)."""
    return list(map(_HASHES.__getitem__, feats))


class _RowCache(dict[str, "tuple[float, ...] | None"]):
    """Feature text -> its weight row in the model (or None), looked up by hash once per distinct feature."""

    LIMIT = 200_000

    def __init__(self, weights: dict[int, tuple[float, ...]]) -> None:
        super().__init__()
        self.weights = weights

    def __missing__(self, key: str) -> tuple[float, ...] | None:
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[key] = self.weights.get(crc32(key.encode()))
        return value


class _KeyedRows(dict[Any, "tuple[float, ...] | None"]):
    """A word (or a word pair, as a tuple) of one text -> the weight row of its feature, or None.

    The same mapping as :class:`_RowCache` (feature text -> CRC-32 -> row), keyed by what the tokenizer gives
    directly, so :meth:`LabelModel.predict_text` builds no feature strings for words it has seen before.
    """

    LIMIT = 200_000

    def __init__(self, weights: dict[int, tuple[float, ...]], prefix: str) -> None:
        super().__init__()
        self.weights = weights
        self.prefix = prefix

    def __missing__(self, key: Any) -> tuple[float, ...] | None:
        if len(self) >= self.LIMIT:
            self.clear()
        text = self.prefix + (key if isinstance(key, str) else f"{key[0]} {key[1]}")
        value = self[key] = self.weights.get(crc32(text.encode()))
        return value


class LabelModel:
    """Weights and calibration loaded from JSON; :meth:`predict` gives calibrated label probabilities."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.labels: tuple[str, ...] = tuple(data["labels"])
        self.bias: list[float] = [float(b) for b in data["bias"]]
        self.weights: dict[int, tuple[float, ...]] = {
            int(k): tuple(float(x) for x in v) for k, v in data["weights"].items()
        }
        self.temperature: float = float(data.get("temperature", 1.0))
        th = data.get("thresholds", {})
        self.thresholds: tuple[float, float, float] = (
            float(th.get("event", 0.5)), float(th.get("veto", 0.9)), float(th.get("rescue", 0.1))
        )
        self._rows = _RowCache(self.weights)
        self._title_rows = _KeyedRows(self.weights, "t:")
        self._lede_rows = _KeyedRows(self.weights, "l:")
        self.meta: dict[str, Any] = dict(data.get("meta", {}))

    def scores(self, feats: list[str]) -> list[float]:
        # each distinct feature's weight row (None when the model does not know it), cached per feature text;
        # then transpose the rows and sum each label's column: all in C, no Python loop per feature
        rows = list(filter(None, map(self._rows.__getitem__, set(feats))))
        if not rows:
            return list(self.bias)
        return [b + sum(col) for b, col in zip(self.bias, zip(*rows, strict=True), strict=True)]

    def text_scores(self, title: str, lede: str, rule: str | None, rule_label: str | None) -> list[float]:
        """:meth:`scores` of ``features(title, lede, rule, rule_label)``, without building the feature list.

        The features of different groups (title/lede, word/pair, rule) never share a text, so removing
        duplicates within each group, as here, is what ``set(features)`` does.
        """
        tw = _words(title[:TITLE_CHARS])
        lw = _words(lede[:LEDE_CHARS])
        t_rows, l_rows = self._title_rows.__getitem__, self._lede_rows.__getitem__
        rows = [
            *map(t_rows, set(tw)), *map(t_rows, set(pairwise(tw))),
            *map(l_rows, set(lw)), *map(l_rows, set(pairwise(lw))),
            self._rows[f"r:{rule}" if rule else "r:none"], self._rows[f"rl:{rule_label or 'none'}"],
        ]
        rows = list(filter(None, rows))
        if not rows:
            return list(self.bias)
        return [b + sum(col) for b, col in zip(self.bias, zip(*rows, strict=True), strict=True)]

    def predict_text(self, title: str, lede: str, rule: str | None, rule_label: str | None) -> dict[str, float]:
        """:meth:`predict` of ``features(title, lede, rule, rule_label)``: the classifier's fast path."""
        return self._calibrated(self.text_scores(title, lede, rule, rule_label))

    def predict(self, feats: list[str]) -> dict[str, float]:
        """Calibrated probability of each label."""
        return self._calibrated(self.scores(feats))

    def _calibrated(self, scores: list[float]) -> dict[str, float]:
        s = [x / self.temperature for x in scores]
        top = max(s)
        e = [math.exp(x - top) for x in s]
        z = sum(e)
        return {lab: v / z for lab, v in zip(self.labels, e, strict=True)}


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> LabelModel | None:
    """The shipped model, or None when it is missing or unreadable (the rules then decide alone)."""
    try:
        return LabelModel(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None

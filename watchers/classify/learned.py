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
from operator import attrgetter, getitem
from pathlib import Path
from threading import Lock
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


# --- the fast path: each word of a text once through a dictionary, every weight row as one integer --------------
# The shipped weights have five decimals (bench/train_classifier.py rounds them), so a weight row is four integers
# (units of 1e-5), and they can be packed into one Python int, one bit field per label: the column sums of the
# rows are then one ``sum`` of ints, and exact (the float sums of the plain path depend on the order of a set).
_UNITS = 100_000
_FIELD = 40  # bits per label; a row's field holds units + _OFFSET (< 2**25), a text has far fewer than 2**15 rows
_OFFSET = 1 << 24
_MASK = (1 << _FIELD) - 1
_ONE_WORD = re.compile(rb"[^-']+(?:[-'][^-']+)*")  # a token that the word pattern reads as one word
_SPACED_WORD = re.compile(rb"[^-' ]+(?:[-'][^-' ]+)*")  # the same words in tokens joined by spaces


class _NotOneWord(Exception):
    """A token the word pattern splits (``a--b``, ``-a``, ``a'``): the text's tokens are re-read."""


def _tokens(text: str) -> list[bytes]:
    """The model's words of ``text`` (:func:`_words_plain`) as UTF-8 bytes, except that a token holding ``-`` or
    ``'`` may still have to be split (:class:`_NotOneWord`).

    ASCII text: ``_TOKEN_TABLE`` lower-cases and folds digits as ``str.lower`` + the digit pattern do. Other text
    without a word character outside ASCII: a character outside ASCII becomes a space (via ``?``), as it
    separates words. With one (é, ü, a Unicode digit): the plain path, encoded.
    """
    if text.isascii():
        return text.encode().translate(_TOKEN_TABLE).split()
    low = text.lower()
    if _WIDE_WORD_CHAR.search(low) is None:  # ("?" per character: a lone surrogate has no UTF-8)
        return low.encode("ascii", "replace").translate(_TOKEN_TABLE).split()
    return [w.encode() for w in _WORD.findall(_DIGITS.sub("0", low))]


class _Word:
    """One word of the table: its bytes, the packed rows of ``t:w`` and ``l:w``, and the pairs it starts."""

    __slots__ = ("lede", "lede_next", "title", "title_next", "token")

    def __init__(self, tables: _Tables, token: bytes) -> None:
        self.token = token
        self.title = tables.pack(b"t:" + token)
        self.lede = tables.pack(b"l:" + token)
        self.title_next = _NextRows(tables, b"t:" + token)
        self.lede_next = _NextRows(tables, b"l:" + token)


class _NextRows(dict["_Word", int]):
    """The word pairs that start with one word: the next word (its table object) -> the pair's packed row (0: no
    weight). Keyed by the object itself, so a lookup hashes and compares by identity: no string is read."""

    __slots__ = ("prefix", "tables")

    def __init__(self, tables: _Tables, prefix: bytes) -> None:
        super().__init__()
        self.tables = tables
        self.prefix = prefix

    def __missing__(self, key: _Word) -> int:
        tables = self.tables
        with tables.lock:  # (see _Tables.__missing__)
            if key not in self:
                self[key] = tables.pack(self.prefix + b" " + key.token)
                tables.size += 1
            return self[key]


class _Tables(dict[bytes, _Word]):
    """Token -> its :class:`_Word`: the packed rows of its features (``t:w``, ``l:w``) and of the pairs it starts.

    Every feature text gets its own packed row, with a serial number above the label fields: the rows of a text's
    features can be deduplicated with one ``set`` (two features never share a row, even when their weights are
    equal or their hashes collide) and the serials' sum lands above the fields, where it changes nothing. One
    object per word holds all of its rows, so a word costs one lookup and few memory reads.
    """

    def __init__(self, weights: dict[int, tuple[int, ...]]) -> None:
        super().__init__()
        self.weights = weights
        self.serial = 0
        self.lock = Lock()  # the misses only: a text's features must each get one row, even with threads
        self.size = 0  # words and pairs held: the model starts a new table past LIMIT
        self.rules: dict[str, int] = {}

    def pack(self, feature: bytes) -> int:
        fields = self.weights.get(crc32(feature))
        if fields is None:
            return 0
        self.serial += 1
        value = self.serial << (_FIELD * len(fields))
        for k, units in enumerate(fields):
            value |= (units + _OFFSET) << (_FIELD * k)
        return value

    def rule(self, feature: str) -> int:
        value = self.rules.get(feature)
        if value is None:
            with self.lock:
                value = self.rules.get(feature)
                if value is None:
                    value = self.rules[feature] = self.pack(feature.encode())
        return value

    def __missing__(self, token: bytes) -> _Word:
        if (b"-" in token or b"'" in token) and _ONE_WORD.fullmatch(token) is None:
            raise _NotOneWord
        with self.lock:  # one word object per token, even should two threads meet the token at once
            word = self.get(token)
            if word is None:
                word = self[token] = _Word(self, token)
                self.size += 1
            return word

    def words(self, text: str) -> list[_Word]:
        """The table's words for ``text``'s words (:func:`_words_plain`), in order."""
        tokens = _tokens(text)
        try:
            return list(map(self.__getitem__, tokens))
        except _NotOneWord:  # (tokens hold no space)
            return list(map(self.__getitem__, _SPACED_WORD.findall(b" ".join(tokens))))


_TITLE, _LEDE = attrgetter("title"), attrgetter("lede")
_TITLE_NEXT, _LEDE_NEXT = attrgetter("title_next"), attrgetter("lede_next")


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
        # the fast path's weights in units of 1e-5, when every weight and bias is such a number (else: None)
        units = _as_units(self.weights)
        bias = _as_units({0: tuple(self.bias)})
        self._bias_units: tuple[int, ...] | None = bias[0] if units is not None and bias is not None else None
        self._tables = _Tables(units or {})
        self.meta: dict[str, Any] = dict(data.get("meta", {}))

    def scores(self, feats: list[str]) -> list[float]:
        # each distinct feature's weight row (None when the model does not know it), cached per feature text;
        # then transpose the rows and sum each label's column: all in C, no Python loop per feature
        rows = list(filter(None, map(self._rows.__getitem__, set(feats))))
        if not rows:
            return list(self.bias)
        return [b + sum(col) for b, col in zip(self.bias, zip(*rows, strict=True), strict=True)]

    LIMIT = 200_000  # words and pairs held by the fast path's table: a long-running bot sees ever new words

    def text_scores(self, title: str, lede: str, rule: str | None, rule_label: str | None) -> list[float]:
        """:meth:`scores` of ``features(title, lede, rule, rule_label)``, without building the feature list.

        Each word is looked up once (its :class:`_Word`); a unigram's row is its attribute, a pair's row an item of
        the first word's :class:`_NextRows` keyed by the second word. The features of different groups (title/lede,
        word/pair, rule) never share a text, and each feature text has its own packed row, so one ``set`` of the
        rows removes the duplicates that ``set(features)`` removes. The sums are exact (integers, in units of
        1e-5): equal to the plain path's float sums up to their rounding.
        """
        bias_units = self._bias_units
        if bias_units is None:  # a model whose weights are not five-decimal numbers: the plain path
            return self.scores(features(title, lede, rule, rule_label))
        tables = self._tables
        if tables.size > self.LIMIT:  # a new table between two texts, never during one (the rows' identities)
            tables = self._tables = _Tables(tables.weights)
        tw = tables.words(title[:TITLE_CHARS])
        lw = tables.words(lede[:LEDE_CHARS])
        rows = {
            *map(_TITLE, tw), *map(getitem, map(_TITLE_NEXT, tw), tw[1:]),
            *map(_LEDE, lw), *map(getitem, map(_LEDE_NEXT, lw), lw[1:]),
            tables.rule(f"r:{rule}" if rule else "r:none"), tables.rule(f"rl:{rule_label or 'none'}"),
        }
        rows.discard(0)  # the features the model has no weight for
        total = sum(rows)
        offset = len(rows) * _OFFSET
        return [(b + ((total >> (_FIELD * k)) & _MASK) - offset) / _UNITS for k, b in enumerate(bias_units)]

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


def _as_units(weights: dict[int, tuple[float, ...]]) -> dict[int, tuple[int, ...]] | None:
    """The weights in units of 1e-5 when each is exactly such a number (as the trainer rounds them), else None."""
    out: dict[int, tuple[int, ...]] = {}
    for key, row in weights.items():
        units = tuple(round(x * _UNITS) for x in row)
        if any(u / _UNITS != x or abs(u) >= _OFFSET for u, x in zip(units, row, strict=True)):
            return None
        out[key] = units
    return out


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> LabelModel | None:
    """The shipped model, or None when it is missing or unreadable (the rules then decide alone)."""
    try:
        return LabelModel(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None

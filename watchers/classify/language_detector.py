"""langdetect's detection with its per-language loops done by numpy: the same result, bit for bit.

``langdetect`` (seeded, so deterministic) samples the text's n-grams at random and, for each one, multiplies
the probability of every language (55) by that n-gram's weight, in a Python loop; every fifth step it divides
them by their sum. Here each of those loops is one numpy operation on the whole row. The float operations are
the same ones, each on the same two numbers (``p * (weight + w)``, ``p / total``, ``acc + p / trials``), and the
total is still summed left to right in Python, so every probability is the one langdetect computes, and so is
the language (``tests/watchers/classify/test_speed_paths.py`` compares both on every corpus text that reaches
langdetect and on generated ones). The random draws are langdetect's own, in its order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import init_factory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException

_ROWS: dict[str, Any] = {}  # n-gram -> its weights as an array, made the first time the n-gram is drawn


class FastDetector(Detector):  # type: ignore[misc]
    """A langdetect ``Detector`` whose ``_detect_block`` works on numpy rows (see the module docstring)."""

    def _detect_block(self) -> None:
        self.cleaning_text()
        ngrams = self._extract_ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        rows = _ROWS
        weights = self.word_lang_prob_map
        langprob = np.zeros(len(self.langlist))
        self.random.seed(self.seed)
        for _ in range(self.n_trial):
            prob = np.array(self._init_probability(), dtype=np.float64)
            alpha = self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            weight = alpha / self.BASE_FREQ  # what _update_lang_prob computes on each call
            i = 0
            while True:
                word = self.random.choice(ngrams)  # every n-gram kept is in the map: _update_lang_prob applies
                row = rows.get(word)
                if row is None:
                    row = rows[word] = np.array(weights[word], dtype=np.float64)
                prob *= weight + row
                if i % 5 == 0:
                    prob /= sum(prob.tolist())  # langdetect's sum: left to right
                    # its running maximum skips NaN (a comparison with NaN is false) and starts at 0.0
                    maxp = max(0.0, float(np.fmax.reduce(prob)))
                    if maxp > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                        break
                i += 1
            langprob += prob / self.n_trial
        self.langprob = langprob.tolist()


def detect(text: str) -> str:
    """``langdetect.detect(text)``, faster (the factory's profiles and seed, a :class:`FastDetector`)."""
    init_factory()
    from langdetect import detector_factory

    detector = FastDetector(detector_factory._factory)
    detector.append(text)
    return str(detector.detect())

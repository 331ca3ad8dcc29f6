"""One pass over a text for many literals: which rules' speed gates (see :data:`.rules.GATES`) are open.

A rule's gate is a tuple of lowercase substrings, one of which must occur before its regex is worth running.
Checking each rule's gate on its own costs one ``in`` per literal per rule (about 400 per text); here every
literal of every gate goes into one Aho-Corasick automaton (``pyahocorasick``, in C), and a single scan of the
lower-cased text yields, as a bit mask over the rule table, the rules whose gate is open. The automaton reports
overlapping matches, so the mask is exactly what the per-rule checks give. Without the package, the per-rule
checks are used (same result, slower).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol


class Gated(Protocol):
    @property
    def gate(self) -> tuple[str, ...]: ...


class GateScan:
    """Bit ``i`` of :meth:`open_mask` is set when rule ``i`` has no gate or one of its literals occurs."""

    def __init__(self, rules: Sequence[Gated]) -> None:
        self.ungated = sum(1 << i for i, r in enumerate(rules) if not r.gate)
        masks: dict[str, int] = {}
        for i, rule in enumerate(rules):
            for literal in rule.gate:
                masks[literal] = masks.get(literal, 0) | (1 << i)
        self.masks = masks
        self._automaton = None
        try:
            import ahocorasick
        except ImportError:  # optional speed-up: the plain checks below give the same mask
            return
        automaton = ahocorasick.Automaton()
        for literal, mask in masks.items():
            automaton.add_word(literal, mask)
        automaton.make_automaton()
        self._automaton = automaton

    def open_mask(self, low: str) -> int:
        """The mask of rules worth trying on ``low`` (the lower-cased text)."""
        mask = self.ungated
        if self._automaton is not None:
            for _end, m in self._automaton.iter(low):
                mask |= m
            return mask
        for literal, m in self.masks.items():
            if literal in low:
                mask |= m
        return mask


def literal_scan(literals: Iterable[str]):  # type: ignore[no-untyped-def]
    """An Aho-Corasick automaton of ``literals``, each valued by its length (a match starts at end - length + 1);
    None without pyahocorasick: the callers' plain searches find the same."""
    try:
        import ahocorasick
    except ImportError:
        return None
    automaton = ahocorasick.Automaton()
    for literal in literals:
        automaton.add_word(literal, len(literal))
    automaton.make_automaton()
    return automaton

"""Finds known programmes in text: one token-level automaton over every alias, built once per registry version.

Text is split into words (letters and digits); a match is a run of whole words whose concatenation equals an
alias with its spaces, hyphens and marks removed. So "azer-cel", "azer cel", "Azercel®" and "AZER‑CEL" all match
the alias "azer-cel", while "cel" inside "azercelosis" never does. At each word the longest alias wins
(overlapping aliases resolve to the longer one) and its words are consumed.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from storage.names import fold_name

_WORD = re.compile(r"[^\W_]+")
_MAX_WORDS = 8  # longest alias, in words, that the automaton follows


@dataclass(frozen=True)
class _Target:
    program: str
    needs_sponsor: bool
    sponsors: tuple[str, ...]


class ProgramMatcher:
    def __init__(self, table: Iterable[tuple[str, str, bool, list[str]]]) -> None:
        """`table`: (programme name, alias, needs sponsor nearby, sponsors) rows, as the store lists them."""
        self._targets: dict[str, _Target] = {}
        self._prefixes: set[str] = set()
        for program, alias, needs_sponsor, sponsors in table:
            norm = fold_name(alias)
            if not norm:
                continue
            self._targets[norm] = _Target(program, needs_sponsor, tuple(s.casefold() for s in sponsors if s))
            # Every character prefix, so a word boundary inside the alias may fall anywhere ("abc123" ~ "abc 123").
            self._prefixes.update(norm[:i] for i in range(1, len(norm)))
        self.size = len(self._targets)

    def find(self, text: str) -> list[str]:
        """Programme names found in the text, in order of first appearance."""
        if not self._targets or not text:
            return []
        lowered = text.casefold()
        words = _WORD.findall(lowered)
        targets, prefixes = self._targets, self._prefixes
        found: list[str] = []
        i, n = 0, len(words)
        while i < n:
            key = words[i]
            best: _Target | None = None
            best_end = i
            j = i
            while True:
                target = targets.get(key)
                if target is not None and (not target.needs_sponsor or _sponsor_near(target, lowered)):
                    best, best_end = target, j
                j += 1
                if j >= n or j - i >= _MAX_WORDS or key not in prefixes:
                    break
                key += words[j]
            if best is None:
                i += 1
                continue
            if best.program not in found:
                found.append(best.program)
            i = best_end + 1
        return found


def _sponsor_near(target: _Target, lowered_text: str) -> bool:
    return any(s in lowered_text for s in target.sponsors)


class MatcherCache:
    """The matcher for the store's current registry, rebuilt only when the registry's version changes."""

    def __init__(self, registry: ProgramRegistry) -> None:
        self._registry = registry
        self._version: str | None = None
        self._matcher = ProgramMatcher([])

    async def get(self) -> ProgramMatcher:
        version = await self._registry.version()
        if version != self._version:
            self._matcher = ProgramMatcher(await self._registry.alias_table())
            self._version = version
        return self._matcher


class ProgramRegistry(Protocol):
    """The part of the store the matcher reads (storage.repositories.programs)."""

    async def version(self) -> str: ...

    async def alias_table(self) -> list[tuple[str, str, bool, list[str]]]: ...

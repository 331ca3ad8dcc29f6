"""Finds known programmes in text: one token-level automaton over every alias, built once per registry version.

Text is split into words (letters and digits); a match is a run of whole words whose concatenation equals an
alias with its spaces, hyphens and marks removed. So "azer-cel", "azer cel", "Azercel®" and "AZER‑CEL" all match
the alias "azer-cel", while "cel" inside "azercelosis" never does. At each word the longest alias wins
(overlapping aliases resolve to the longer one) and its words are consumed.
"""
from __future__ import annotations

import re
import time
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
        made: dict[tuple[str, bool], _Target] = {}  # one target per programme, shared by its aliases
        for program, alias, needs_sponsor, sponsors in table:
            norm = fold_name(alias)
            if not norm:
                continue
            target = made.get((program, needs_sponsor))
            if target is None:
                target = made[program, needs_sponsor] = _Target(
                    program, needs_sponsor, tuple(s.casefold() for s in sponsors if s))
            self._targets[norm] = target
            # The prefixes ending where a text may break the alias into words: at its own spaces and hyphens and
            # where letters meet digits ("azer-cel" ~ "azer cel", "abc123" ~ "abc 123"). Not every character
            # prefix: at 200,000 learned aliases those are 2.4 million strings, ~130 MB and seconds to build.
            self._prefixes.update(_boundary_prefixes(alias))
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


_PIECE = re.compile(r"[^\W\d_]+|\d+")


def _boundary_prefixes(alias: str) -> list[str]:
    pieces = _PIECE.findall(alias.casefold())
    if len(pieces) < 2:
        return []
    out, acc = [], ""
    for piece in pieces[:-1]:
        acc += piece
        out.append(acc)
    return out


def _sponsor_near(target: _Target, lowered_text: str) -> bool:
    return any(s in lowered_text for s in target.sponsors)


class MatcherCache:
    """The matcher for the store's current registry: rebuilt when a registered programme changes, and when the
    stream has taught new names, at most once per `learned_refresh_seconds` (a rebuild at 200,000 learned aliases
    takes about a second; in between, a learned drug-shaped name still resolves through the store, since the
    classifier finds it on its own)."""

    def __init__(self, registry: ProgramRegistry, learned_refresh_seconds: float = 300.0) -> None:
        self._registry = registry
        self._version: str | None = None
        self._learned: str | None = None
        self._built_at = float("-inf")
        self._refresh = learned_refresh_seconds
        self._matcher = ProgramMatcher([])

    async def get(self) -> ProgramMatcher:
        version, learned = await self._registry.versions()  # one read: asked before every changed feed
        now = time.monotonic()
        if version != self._version or (learned != self._learned and now - self._built_at >= self._refresh):
            self._matcher = ProgramMatcher(await self._registry.alias_table())
            self._version, self._learned, self._built_at = version, learned, now
        return self._matcher


class ProgramRegistry(Protocol):
    """The part of the store the matcher reads (storage.repositories.programs)."""

    async def versions(self) -> tuple[str, str]: ...

    async def alias_table(self) -> list[tuple[str, str, bool, list[str]]]: ...

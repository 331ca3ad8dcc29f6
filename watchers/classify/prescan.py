"""One pass over a text for many literals: which rules' speed gates (see :data:`.rules.GATES`) are open.

A rule's gate is a tuple of lowercase substrings, one of which must occur before its regex is worth running.
Checking each rule's gate on its own costs one ``in`` per literal per rule (about 400 per text); here every
literal of every gate goes into one Aho-Corasick automaton (``pyahocorasick``, in C), and a single scan of the
lower-cased text yields, as a bit mask over the rule table, the rules whose gate is open. The automaton reports
overlapping matches, so the mask is exactly what the per-rule checks give. Without the package, the per-rule
checks are used (same result, slower).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import reduce
from itertools import starmap
from operator import add, itemgetter, or_
from typing import Any, Protocol

_VALUE = itemgetter(1)


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
        self._strings = string_scan(masks)  # (see string_scan: the literals that occur, as a list)
        try:
            import ahocorasick
        except ImportError:  # optional speed-up: the plain checks below give the same mask
            return
        automaton = ahocorasick.Automaton()
        for literal in frequent_first(masks):
            automaton.add_word(literal, masks[literal])
        automaton.make_automaton()
        self._automaton = automaton

    def open_mask(self, low: str) -> int:
        """The mask of rules worth trying on ``low`` (the lower-cased text)."""
        mask = self.ungated
        if self._strings is not None and (found := rs_hits(self._strings, low)) is not None:
            return reduce(or_, map(self.masks.__getitem__, set(found)), mask)  # the literals found, masks or-ed
        if self._automaton is not None:  # the distinct masks of the hits, gathered in C, then or-ed
            return reduce(or_, set(map(_VALUE, self._automaton.iter(low))), mask)
        for literal, m in self.masks.items():
            if literal in low:
                mask |= m
        return mask


# pyahocorasick finds a node's child for the next character by a linear search over the children, in the order
# they were added (and a character with no child there tries the fail node's children, down to the root's). Most
# characters of a text only pass through the root and its first level, so adding the literals in the order of
# their letters' frequency in English text puts the child of a common letter first: the same automaton (the
# same matches, values and order of hits), fewer comparisons per character.
_FREQUENT = " etaoinsrhldcumfpgwybvkxjqz"
_RANK = {ch: i for i, ch in enumerate(_FREQUENT)}


def _frequency_key(literal: str) -> tuple[tuple[int, int], ...]:
    return tuple((_RANK.get(ch, len(_RANK)), ord(ch)) for ch in literal)


def frequent_first(literals: Iterable[str]) -> list[str]:
    """``literals`` (each once) sorted by their characters' frequency ranks, position by position: the order in
    which adding them to an automaton gives every node its children in frequency order."""
    return sorted(set(literals), key=_frequency_key)


# ahocorasick_rs (Rust's aho-corasick) scans a text several times faster than pyahocorasick's iterator (which steps
# through the automaton one character per call, and looks each one up among a node's children in a row): it skips
# ahead with a prefilter and hands all the hits back at once. Overlapping, it reports every occurrence of every
# literal, as pyahocorasick does; its positions are character indexes (tests/watchers/classify/test_speed_paths.py
# compares both on the corpus and on generated texts). Without the package, pyahocorasick is used, and for a text
# that has no UTF-8 (a lone surrogate: the Rust scan raises UnicodeEncodeError).
def _rs_automaton(literals: Iterable[str], dfa: bool = False):  # type: ignore[no-untyped-def]
    try:
        import ahocorasick_rs
    except ImportError:
        return None
    unique = list(dict.fromkeys(literals))
    if not unique or "" in unique:
        return None
    implementation = ahocorasick_rs.Implementation.DFA if dfa else None
    return ahocorasick_rs.AhoCorasick(unique, store_patterns=True, implementation=implementation)


def string_scan(literals: Iterable[str]):  # type: ignore[no-untyped-def]
    """``find(text, overlapping=True)``: the list of the ``literals`` that occur in ``text``, one item per
    occurrence (ahocorasick_rs), or None without the package."""
    automaton = _rs_automaton(literals)
    return None if automaton is None else automaton.find_matches_as_strings


def start_scan(literals: Iterable[str], dfa: bool = False):  # type: ignore[no-untyped-def]
    """``find(text, overlapping=True)``: a list of (index, start, end) per occurrence of one of the ``literals`` in
    ``text``, in the order of their ends (ahocorasick_rs; ``dfa``: its DFA, faster where the literals' first
    characters are frequent), or None without the package."""
    automaton = _rs_automaton(literals, dfa)
    return None if automaton is None else automaton.find_matches_as_indexes


HIT_START = itemgetter(1)  # an (index, start, end) hit's start (start_scan)


def rs_hits(scan: Any, text: str) -> list[Any] | None:
    """``scan(text, overlapping=True)`` of a `string_scan` or `start_scan`, or None for a text without UTF-8 (a
    lone surrogate: the Rust scan raises), which the caller then scans with pyahocorasick."""
    try:
        return scan(text, overlapping=True)  # type: ignore[no-any-return]
    except UnicodeEncodeError:
        return None


def literal_scan(literals: Iterable[str], start_offset: bool = False, itself: bool = False):  # type: ignore[no-untyped-def]
    """An Aho-Corasick automaton of ``literals``, each valued by its length (a match starts at end - length + 1),
    or with ``start_offset`` by 1 - length (a match starts at end + value), or with ``itself`` by the literal;
    None without pyahocorasick: the callers' plain searches find the same."""
    try:
        import ahocorasick
    except ImportError:
        return None
    automaton = ahocorasick.Automaton()
    for literal in frequent_first(literals):
        automaton.add_word(literal, literal if itself else 1 - len(literal) if start_offset else len(literal))
    automaton.make_automaton()
    return automaton


def matches_at(rx: re.Pattern[str], text: str, starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """``rx.finditer(text)`` when every match starts at one of ``starts`` (ascending; repeats allowed): the match
    at each position from the end of the last one on, as finditer goes (a match is never empty here)."""
    pos = 0
    for start in starts:
        if start >= pos and (m := rx.match(text, start)) is not None:
            yield m
            pos = m.end()


# --- where a regex can start: its leading literals, read from the parsed pattern ----------------------------------
_MAX_START_LITERALS = 200
_SMALL_SET = 8  # a character class of at most this many characters is spelled out


def _case_sensitive_parse(pattern: str) -> Any:
    """``pattern``'s parse tree, or None when it does not parse or is case-insensitive/verbose (their literals are
    not the text's)."""
    from re import _parser  # type: ignore[attr-defined]

    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    return parsed


def start_literals(pattern: str, length: int = 4) -> tuple[str, ...] | None:
    """Literals (up to ``length`` characters) one of which every match of ``pattern`` begins with, or None when
    the parse shows none (a match may begin with any character, a large class, a case-insensitive group, ...).

    Read from the pattern's parse tree: literals and small classes are spelled out, alternatives give one
    literal each, an optional item gives both readings, zero-width assertions (``\\b``, look-arounds, anchors)
    are stepped over (a literal that a match must begin with stays one when an assertion is ignored), and
    anything else ends the literal where it stands. Every literal returned is a prefix of the text a match
    consumes from its start, so a match can only start where one occurs.
    """
    from re import _constants as c  # type: ignore[attr-defined]

    parsed = _case_sensitive_parse(pattern)
    if parsed is None:
        return None

    def run(items, states: set[tuple[str, bool]]) -> set[tuple[str, bool]] | None:  # type: ignore[no-untyped-def]
        for op, av in items:
            if not any(open_ and len(p) < length for p, open_ in states):
                break
            out: set[tuple[str, bool]] = set()
            for p, open_ in states:
                if not open_ or len(p) >= length:
                    out.add((p, False))
                    continue
                got = step(op, av, p)
                if got is None:
                    return None
                out |= got
            if len(out) > _MAX_START_LITERALS:
                return None
            states = out
        return states

    def step(op, av, p: str) -> set[tuple[str, bool]] | None:  # type: ignore[no-untyped-def]
        if op is c.LITERAL:
            return {(p + chr(av), True)}
        if op is c.IN:
            chars: list[str] = []
            for kind, value in av:
                if kind is c.LITERAL:
                    chars.append(chr(value))
                elif kind is c.RANGE and value[1] - value[0] < _SMALL_SET:
                    chars.extend(map(chr, range(value[0], value[1] + 1)))
                else:  # a category, a negation, a large range
                    return {(p, False)}
            return {(p + ch, True) for ch in chars} if len(chars) <= _SMALL_SET else {(p, False)}
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):  # zero-width: the next item still begins there
            return {(p, True)}
        if op is c.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if add_flags & (re.IGNORECASE | re.VERBOSE):
                return {(p, False)}
            return run(sub.data, {(p, True)})
        if op is c.ATOMIC_GROUP:
            return run(av.data, {(p, True)})
        if op is c.BRANCH:
            out: set[tuple[str, bool]] = set()
            for alternative in av[1]:
                got = run(alternative.data, {(p, True)})
                if got is None:
                    return None
                out |= got
            return out
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, sub = av
            once = run(sub.data, {(p, True)})
            if once is None:
                return None
            # after one pass more may follow: the literal ends there (unless the item is at most one pass)
            out = once if high == 1 else {(q, False) for q, _ in once}
            return out | {(p, True)} if low == 0 else out
        return {(p, False)}  # any character, a category, a back-reference, a conditional group

    states = run(parsed.data, {("", True)})
    if states is None:
        return None
    literals = {p for p, _ in states}
    if "" in literals:
        return None
    # a literal that begins with a shorter one adds no start: keep the shorter
    kept = sorted(literals, key=len)
    short: list[str] = []
    for lit in kept:
        if not any(lit.startswith(s) for s in short):
            short.append(lit)
    return tuple(sorted(short))


class StartSearch:
    """``rx.search(text)``, trying ``rx`` only where one of its start literals occurs (one Aho-Corasick pass).

    Every match begins with one of the literals, so the pattern cannot match anywhere else; the first position,
    in text order, where it matches is where ``search`` finds it, and ``match`` there gives the same match
    (look-behinds and ``\\b`` still see the text before it; ``^`` matches only at the text's real start).
    """

    __slots__ = ("_scan", "_starts", "ascii", "pattern", "rx")

    def __init__(self, rx, literals: Iterable[str]) -> None:  # type: ignore[no-untyped-def]
        self.rx = rx
        self.ascii = ascii_twin(rx) or rx  # for all-ASCII texts (see ascii_twin)
        self.pattern = rx.pattern
        literals = tuple(literals)
        self._starts = start_scan(literals)
        self._scan = literal_scan(literals, start_offset=True)

    def search(self, text: str):  # type: ignore[no-untyped-def]
        rx = self.ascii if text.isascii() else self.rx
        match = rx.match
        if self._starts is not None:
            # (rs_hits inline: the hottest scan, one per open rule twin and text)
            try:
                hits = self._starts(text, overlapping=True)
            except UnicodeEncodeError:  # a lone surrogate (see rs_hits)
                hits = None
            if hits is not None:
                for start in sorted(set(map(HIT_START, hits))):
                    m = match(text, start)
                    if m is not None:
                        return m
                return None
        if self._scan is None:
            return rx.search(text)
        for start in sorted(set(starmap(add, self._scan.iter(text)))):  # end + (1 - length): where a literal starts
            m = match(text, start)
            if m is not None:
                return m
        return None


def required_literal(pattern: str) -> str | None:
    """The longest run of literal characters at the top level of ``pattern`` (not inside a group, a repeat or an
    alternation), which every match therefore holds; None when there is none."""
    from re import _constants as c  # type: ignore[attr-defined]

    parsed = _case_sensitive_parse(pattern)
    if parsed is None:
        return None
    best, run = "", ""
    for op, av in parsed.data:
        if op is c.LITERAL:
            run += chr(av)
            best = max(best, run, key=len)
        elif op not in (c.AT, c.ASSERT, c.ASSERT_NOT):  # zero-width items do not break a run's text
            run = ""
    return best or None


class AnySearch:
    """Whether ``rx`` matches anywhere in a text, for a yes/no check (``search(text) is None`` or not; the match
    returned is *a* match, not necessarily the leftmost).

    A pattern matches somewhere when one of its top-level alternatives does (``alternatives``: the pattern split at
    its top-level ``|``); each is tried on its own, as a :class:`StartSearch` when it has start literals, else only
    when the text holds its :func:`required_literal`. The whole pattern tries every alternative at every position.
    """

    __slots__ = ("parts", "pattern")

    def __init__(self, rx, alternatives: Sequence[str]) -> None:  # type: ignore[no-untyped-def]
        self.pattern = rx.pattern
        parts: list[tuple[str | None, Any]] = []
        for alternative in alternatives:
            part = re.compile(alternative, rx.flags)
            literals = start_literals(alternative)
            if literals is not None:
                parts.append((None, StartSearch(part, literals)))
            else:
                parts.append((required_literal(alternative), part))
        self.parts = tuple(parts)

    def search(self, text: str):  # type: ignore[no-untyped-def]
        for need, part in self.parts:
            if need is not None and need not in text:
                continue
            m = part.search(text)
            if m is not None:
                return m
        return None


# --- "\b" moved behind the literal a match begins with, so that re's own prefix search applies ---------------------
# re finds where a match may begin by the pattern's leading literal (or, for an alternation, the set of the
# alternatives' first characters) and tries only there. A leading "\b" hides that literal, so the pattern is tried
# at every character of the text (about ten times slower on a lede). Before a word character, "\b" at a position
# means "no word character just before it"; after the literal L has matched, that is the look-behind (?<!\wL):
# the same matches, found from the literal on.
_LITERAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '-")
_QUANTIFIERS = frozenset("?*+{")


def _class_end(p: str, j: int) -> int:
    """The index of the "]" that closes the class opened at ``p[j]``, or -1 ("]" first in it is a literal)."""
    j += 2 if p.startswith("[^", j) else 1
    j += p[j : j + 1] == "]"
    while j < len(p) and p[j] != "]":
        j += 2 if p[j] == "\\" else 1
    return j if j < len(p) else -1


def _close(p: str, i: int) -> int:
    """The index of the ")" that closes the group opened at ``p[i]``, or -1 (escapes and classes skipped)."""
    depth, j = 0, i
    while j < len(p):
        ch = p[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "[":
            j = _class_end(p, j)
            if j < 0:
                return -1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def top_level_alternatives(p: str) -> list[str] | None:
    """``p`` split at its top-level ``|`` (outside groups, classes and escapes), or None when its groups do not
    balance."""
    parts, start, j = [], 0, 0
    while j < len(p):
        ch = p[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "(":
            end = _close(p, j)
            if end < 0:
                return None
            j = end + 1
            continue
        if ch == "[":
            j = _class_end(p, j)
            if j < 0:
                return None
        if ch == "|":
            parts.append(p[start:j])
            start = j + 1
        j += 1
    parts.append(p[start:])
    return parts


def _literal_head(alt: str) -> int:
    """How many leading characters of ``alt`` are plain literals that a match must begin with (0: none)."""
    n = 0
    while n < len(alt) and alt[n] in _LITERAL_CHARS:
        n += 1
    if n < len(alt) and alt[n] in _QUANTIFIERS:
        n -= 1  # the quantifier applies to the last one
    return n


def _behind(alt: str) -> str | None:
    """``alt`` (which follows a "\\b") led by its literal, with the boundary as a look-behind; None if it cannot."""
    n = _literal_head(alt)
    if n == 0 or not (alt[0].isalnum() or alt[0] == "_"):
        return None
    return f"{alt[:n]}(?<!\\w{alt[:n]}){alt[n:]}"


_GROUP = re.compile(r"(?<!\\)\((?!\?[:=!]|\?<[=!])")  # a capturing group's "(" (not "(?:", look-arounds)


def _boundary_led(alt: str) -> list[str] | None:
    """``alt`` as alternatives that each begin with a literal (see :func:`boundary_last`), or None."""
    if not alt.startswith("\\b"):
        return [alt] if _literal_head(alt) else None  # already led by a literal, or not rewritable
    rest = alt[2:]
    if not rest.startswith("(?:"):
        led = _behind(rest)
        return None if led is None else [led]
    end = _close(rest, 0)
    inner = top_level_alternatives(rest[3:end]) if end > 0 else None
    tail = rest[end + 1 :]
    if inner is None or tail[:1] in _QUANTIFIERS:
        return None
    heads = [_behind(a) for a in inner]
    if any(h is None for h in heads):
        return None
    if _GROUP.search(tail):  # the tail once, so that its groups keep their numbers
        return ["(?:" + "|".join(heads) + ")" + tail]  # type: ignore[arg-type]
    # "(?:A|B)T" is "AT|BT" (tried in the same order): each alternative now begins with its literal
    return [f"(?:{h}){tail}" for h in heads]


def boundary_last(pattern: str) -> str:
    """``pattern`` with each top-level alternative's leading ``\\b`` + literal (or ``\\b(?:L1|L2...)``) rewritten
    as the literal followed by ``(?<!\\w...)``: the same matches (spans, groups), found by re's prefix search. The
    pattern unchanged unless every alternative then begins with a literal (else re could not use the prefix)."""
    parts = top_level_alternatives(pattern)
    if parts is None or not any(p.startswith("\\b") for p in parts):
        return pattern
    led = [_boundary_led(p) for p in parts]
    if any(p is None for p in led):
        return pattern
    new = "|".join(a for alts in led for a in alts)  # type: ignore[union-attr]
    try:  # a safety net: the same groups (a "(" the scan misread would show here)
        old_rx, new_rx = re.compile(pattern), re.compile(new)
    except re.error:
        return pattern
    return new if (new_rx.groups, new_rx.groupindex) == (old_rx.groups, old_rx.groupindex) else pattern


# --- ASCII twins: the same pattern with re.ASCII, for texts that are all ASCII -------------------------------------
# On a str pattern, \w, \d and \b ask the Unicode database for every character they test (a good share of the
# classifier's regex time); with re.ASCII they read a table. On a text that is all ASCII both read the same
# characters as letters, digits and word boundaries; only \s differs (Unicode also counts \x1c-\x1f), so the
# twin spells those four out. str.isascii() is a flag read, so choosing the twin per text costs nothing.
_UNICODE_SPACES = "\\x1c-\\x1f"


def ascii_source(pattern: str) -> str | None:
    """``pattern`` with ``\\s``/``\\S`` widened to the whitespace Unicode reads in ASCII; None if unsure."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            esc = pattern[i : i + 2]
            if esc == "\\s":
                out.append(f"\\s{_UNICODE_SPACES}" if in_class else f"[\\s{_UNICODE_SPACES}]")
            elif esc == "\\S":
                if in_class:
                    return None
                out.append(f"[^\\s{_UNICODE_SPACES}]")
            else:
                out.append(esc)
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):  # a literal "]" first in the class
                out.append("]")
                i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def ascii_twin(rx: re.Pattern[str]) -> re.Pattern[str] | None:
    """``rx`` for all-ASCII texts, compiled with re.ASCII (the same matches there), or None when it cannot be."""
    source = ascii_source(rx.pattern) if isinstance(rx.pattern, str) else None
    if source is None:
        return None
    try:
        twin = re.compile(source, (rx.flags & ~re.UNICODE) | re.ASCII)
    except re.error:
        return None
    return twin if (twin.groups, twin.groupindex) == (rx.groups, rx.groupindex) else None


class AsciiSplit:
    """A pattern and its :func:`ascii_twin`: ``search``/``match`` run the twin on an all-ASCII text."""

    __slots__ = ("ascii", "pattern", "rx")

    def __init__(self, rx: re.Pattern[str], twin: re.Pattern[str]) -> None:
        self.rx, self.ascii, self.pattern = rx, twin, rx.pattern

    def search(self, text: str, *pos: int) -> re.Match[str] | None:
        return (self.ascii if text.isascii() else self.rx).search(text, *pos)

    def match(self, text: str, *pos: int) -> re.Match[str] | None:
        return (self.ascii if text.isascii() else self.rx).match(text, *pos)

"""Detailed facts from a lede or a whole release body: results, safety findings, regulator meetings, trial design.

Keys (each present only when the text states it):

=================  ==========================================================================================
``results``        list of {"measure": "ORR"|"CR"|"PFS"|"OS"|"DoR"|"EFS"|"MRD"|"DCR"|"PR"|a responder scale as
                   written ("PASI 75", "ACR 20"), "value": number,
                   "unit": "%"|"months"|"weeks"|"days"|"years", "population": str|None, "n": int|None}
``safety``         list of {"text": the phrase, "event": "CRS"|"ICANS"|"neutropenia"|...|None,
                   "grade": "≥3"|"3"|...|None, "rate": number|None} ("no grade ≥3 CRS" → CRS, "≥3", 0)
``meeting``        {"type": "Type A"|"Type B"|"Type C"|"Type D"|"End-of-Phase 2"|"Pre-NDA"|"Pre-BLA"|"Pre-IND"|
                   "Scientific Advice"|"SPA", "outcome": short text|None}
``design``         {"randomised": bool|None, "pivotal": bool|None, "single_trial": bool|None,
                   "line_of_therapy": "third-line"|...|None, "phase": "3"|...|None}
=================  ==========================================================================================

:func:`body_text` turns a release page (HTML or plain text) into text with a real HTML parser (selectolax's lexbor).
Everything here is regular expressions over at most :data:`MAX_BODY_CHARS` characters, found by cheap
substring gates first, so a 30 KB page takes about a millisecond.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

from .prescan import matches_at
from .rules import fold_lower, gate_lower

MAX_BODY_HTML = 400_000
MAX_BODY_CHARS = 60_000
MAX_RESULTS = 20
MAX_SAFETY = 10

_I = re.IGNORECASE

# --- HTML -> text ----------------------------------------------------------------------------------------------
_LOOKS_HTML = re.compile(r"<(?:html|body|p|div|br|span|table|h[1-6]|li|ul|article|section|head)\b", _I)
_BLOCKS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table", "ul",
           "ol", "blockquote")


def body_text(body: str | None) -> str:
    """Plain text of a release body: HTML is parsed (scripts, styles and navigation dropped), text kept as is."""
    if not body or not isinstance(body, str):
        return ""
    body = body[:MAX_BODY_HTML]
    if _LOOKS_HTML.search(body[:5_000]) is None:
        return " ".join(body.split())[:MAX_BODY_CHARS]
    try:
        from selectolax.lexbor import LexborHTMLParser
    except ImportError:  # pragma: no cover - selectolax is a dependency; crude fallback
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())[:MAX_BODY_CHARS]
    tree = LexborHTMLParser(body)
    tree.strip_tags(["script", "style", "noscript", "nav", "header", "footer", "svg", "form", "iframe"])
    root = tree.body or tree.root
    if root is None:
        return ""
    text = root.text(separator=" ", strip=True)
    return " ".join(text.split())[:MAX_BODY_CHARS]


# --- results ---------------------------------------------------------------------------------------------------
_PCT_MEASURES: tuple[tuple[str, str], ...] = (
    ("ORR", r"(?:confirmed |overall |objective )*(?:c?ORR|(?:objective|overall) response rate|objective response)s?"),
    ("CR", r"(?:complete (?:response|remission|metabolic response)s?(?: rate)?|CRR|CR rate|CR)"),
    ("MRD", r"(?:MRD[- ]negativ\w*|minimal residual disease[- ]negativ\w*)"),
    ("DCR", r"(?:disease control rate|DCR)"),
    ("PR", r"(?:partial response(?: rate)?)"),
    # Responder scales, reported as the share of patients reaching a threshold ("PASI 75", "EASI-75", "ACR20"):
    # the measure is the scale as written (see _measure); their names only in capitals (cheaper: fewer starts)
    ("SCALE", r"(?-i:PASI|EASI|ACR|SALT|ASAS|HiSCR|BVAS|vIGA-AD|IGA|PGA|SRI|DAS28)(?:[- ]?\d{1,3})?"),
)
_MEASURE_PCT = "|".join(f"(?P<{name}>{p})" for name, p in _PCT_MEASURES)
_NUM = r"(?P<value>\d{1,3}(?:\.\d+)?)\s?%"
_PCT_FIRST = re.compile(_NUM + r"\s*(?:\([^)]{0,30}\)\s*)?(?:" + _MEASURE_PCT + r")\b", _I)
_PCT_AFTER = re.compile(
    r"\b(?:" + _MEASURE_PCT + r")\)?\s*(?:\([^)]{0,20}\)\s*)?(?:response\s+)?(?:rate\s+)?(?:of|was|were|reached|"
    r":|=|at|(?:was\s+|were\s+)?(?:achieved|reached|attained|observed|seen)\s+(?:by|in))\s+"
    r"(?:approximately\s+)?" + _NUM, _I,
)
# "45% (9/20) of patients with DLBCL achieved a complete response", "and 80% achieved an objective response"
_PCT_OF = re.compile(
    _NUM + r"\s*(?:\(\s*\d{1,5}\s*/\s*(?P<of>\d{1,5})\s*\)\s*)?(?:of\s+(?:the\s+|all\s+)?(?:(?P<n>\d{1,5})\s+)?"
    r"(?:evaluable\s+|treated\s+|enrolled\s+)?(?:patients|participants|subjects)\b(?P<mid>[^.;%]{0,80}?)\s+)?"
    r"(?:achiev\w*|reach\w*|attain\w*|had|showed)\s+(?:an?\s+|the\s+)?(?:" + _MEASURE_PCT + r")\b", _I,
)
# Every _PCT_OF match holds one of its verbs (lower-cased as IGNORECASE reads them: gate_lower)
_PCT_OF_VERBS = ("achiev", "reach", "attain", "had", "showed")
_WITH = re.compile(r"^\s*(?:with|who had|who have)\s+(?P<post>[^,;]{2,80}?)\s*,?\s*$", _I)
_TIME_MEASURES: tuple[tuple[str, str], ...] = (
    ("PFS", r"(?:progression[- ]free survival|r?PFS)"),
    ("OS", r"(?:overall survival|OS)"),
    ("DoR", r"(?:duration of (?:response|remission)|m?DoR|DOR)"),
    ("EFS", r"(?:event[- ]free survival|EFS)"),
)
_MEASURE_TIME = "|".join(f"(?P<{name}>{p})" for name, p in _TIME_MEASURES)
_TIME = r"(?P<value>\d{1,3}(?:\.\d+)?)\s?(?P<unit>months?|weeks?|days?|years?)"
_TIME_AFTER = re.compile(
    r"\b(?:median\s+)?(?:" + _MEASURE_TIME + r")\)?\s*(?:\([^)]{0,20}\)\s*)?(?:\w+\s+){0,2}?(?:of|was|were|"
    r"reached|:|=|at|exceeding|exceeded|beyond|surpass\w*)\s+(?:approximately\s+|over\s+|more than\s+)?" + _TIME,
    _I,
)
_TIME_FIRST = re.compile(r"\b" + _TIME + r"\s+(?:of\s+)?(?:median\s+)?(?:" + _MEASURE_TIME + r")\b", _I)

_POPULATION = re.compile(
    r"^\s*(?:\([^)]{0,30}\)\s*)?(?:was |were )?(?:observed |achieved |seen |reported )?(?:in|across|among|for|of)\s+"
    r"(?:the\s+|all\s+|a\s+)?(?:(?P<n>\d{1,5})\s+)?(?:evaluable\s+|treated\s+|enrolled\s+|efficacy-evaluable\s+)?"
    r"(?P<pre>(?:(?!patients|participants|subjects)[A-Za-z/][\w/+-]*\s+){0,4}?)"
    r"(?:patients|participants|subjects|people|adults|children)?\s*"
    r"(?:(?:with|who had|who have)\s+(?P<post>[^,;.()]{2,60}?))?(?=\s*(?:[,;.()]|\band\b|\bwho\b|\bat\b|"
    r"\btreated\b|\bacross\b|\bcompared\b|\bversus\b|\bvs\b|$))",
    _I,
)
_N_NEAR = re.compile(r"\b(?:n\s?=\s?(\d{1,5})|(\d{1,5})\s+(?:evaluable\s+)?(?:patients|participants|subjects)|"
                     r"\d{1,5}\s*/\s*(\d{1,5})\s*\))", _I)


# "In 14 patients with indolent lymphoma, … an ORR of 93%": the population leads its sentence.
_LEAD_POPULATION = re.compile(
    r"\b(?:in|among|across)\s+(?:the\s+|all\s+)?(?:(?P<n>\d{1,5})\s+)?(?:evaluable\s+|treated\s+|enrolled\s+)?"
    r"(?:patients|participants|subjects)\s+(?:with|who had|who have)\s+(?P<post>[^,;]{2,80}?)\s*,",
    _I,
)
_LAST_SENTENCE = re.compile(r"[.;!?]\s+(?=[A-Z(])")
_ABBREVIATION = re.compile(r"\(([A-Z][A-Za-z0-9/-]{1,11})\)\s*$")


def _short(population: str) -> str:
    """"diffuse large B-cell lymphoma (DLBCL)" → "DLBCL": the abbreviation a reader scans for."""
    m = _ABBREVIATION.search(population)
    return m.group(1) if m else population


def _leading_population(before: str) -> tuple[str | None, int | None]:
    """The population named at the start of the sentence a figure ends, if the figure itself names none."""
    ends = list(_LAST_SENTENCE.finditer(before))
    sentence = before[ends[-1].end():] if ends else before
    found = list(_LEAD_POPULATION.finditer(sentence))
    if not found:
        return None, None
    m = found[-1]
    return _short(m.group("post").strip()), (int(m.group("n")) if m.group("n") else None)


def _population(after: str) -> tuple[str | None, int | None]:
    m = _POPULATION.match(after[:140])
    if m is None:
        m2 = _N_NEAR.search(after[:60])
        return None, (int(m2.group(1) or m2.group(2) or m2.group(3)) if m2 else None)
    n = int(m.group("n")) if m.group("n") else None
    pop = (m.group("post") or m.group("pre") or "").strip(" -")
    if pop.lower() in {"", "the", "all", "this", "those", "these", "total"}:
        pop = ""
    if n is None:
        m2 = _N_NEAR.search(after[:60])
        if m2:
            n = int(m2.group(1) or m2.group(2) or m2.group(3))
    return (pop or None), n


def _measure(m: re.Match[str], names: tuple[tuple[str, str], ...]) -> str:
    name = next(name for name, _ in names if m.group(name))
    if name != "SCALE":
        return name
    scale, number = _SCALE_PARTS.match(m.group(name)).groups()  # type: ignore[union-attr]
    return f"{scale} {number}" if number else scale


_SCALE_PARTS = re.compile(r"(.*?)[- ]?(\d*)$")


def _unit(u: str) -> str:
    u = u.lower()
    return u if u.endswith("s") else u + "s"


def _value(s: str) -> float | int:
    v = float(s)
    return int(v) if v.is_integer() else v


_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z0-9(\"'])")


class Sentences:
    """A text split once into sentences (with their lower-cased twins), for :meth:`only`."""

    __slots__ = ("lows", "sents", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.sents = _SENTENCE_END.split(text) if len(text) > 1_500 else [text]
        self.lows = [s.lower() for s in self.sents]

    def only(self, keys: tuple[str, ...]) -> str:
        """The sentences that contain one of ``keys`` (lower-case), joined: all a pattern need scan."""
        if len(self.sents) == 1:
            return self.text if any(k in self.lows[0] for k in keys) else ""
        return " ".join(s for s, low in zip(self.sents, self.lows, strict=True) if any(k in low for k in keys))


def _only(text: str | Sentences, keys: tuple[str, ...]) -> str:
    return (text if isinstance(text, Sentences) else Sentences(text)).only(keys)


def extract_results(text: str | Sentences) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, float, str | None]] = set()
    spans_in: dict[int, list[tuple[int, int]]] = {}

    def add(measure: str, value: str, unit: str, end: int, span: tuple[int, int], src: str,
            stated: tuple[str | None, int | None] = (None, None)) -> None:
        spans = spans_in.setdefault(id(src), [])
        if len(out) >= MAX_RESULTS or any(a < span[1] and span[0] < b for a, b in spans):  # same words again
            return
        pop, n = stated if stated != (None, None) else _population(src[end:])
        if pop is None and n is None:
            pop, n = _leading_population(src[max(0, span[0] - 240) : span[0]])
        v = _value(value)
        key = (measure, float(v), pop)
        if key in seen or len(out) >= MAX_RESULTS:
            return
        seen.add(key)
        spans.append(span)
        out.append({"measure": measure, "value": v, "unit": unit, "population": pop, "n": n})

    pct = _only(text, ("%",))
    pct_low = gate_lower(pct) if pct else ""
    for m in _PCT_OF.finditer(pct) if any(verb in pct_low for verb in _PCT_OF_VERBS) else ():
        if len(out) >= MAX_RESULTS:
            break
        within = _WITH.match(m.group("mid") or "")
        count = m.group("of") or m.group("n")
        add(_measure(m, _PCT_MEASURES), m.group("value"), "%", m.end(), m.span(), pct,
            (_short(within.group("post")) if within else None, int(count) if count else None))
    for rx in (_PCT_FIRST, _PCT_AFTER) if pct else ():
        for m in rx.finditer(pct):
            if len(out) >= MAX_RESULTS:
                break
            add(_measure(m, _PCT_MEASURES), m.group("value"), "%", m.end(), m.span(), pct)
    times = _only(text, ("month", "week", "year", " day"))
    for rx in (_TIME_AFTER, _TIME_FIRST) if times else ():
        for m in rx.finditer(times):
            if len(out) >= MAX_RESULTS:
                break
            add(_measure(m, _TIME_MEASURES), m.group("value"), _unit(m.group("unit")), m.end(), m.span(), times)
    # a headline figure repeated in the lede with its population: keep the fuller statement only
    def fuller(r: dict[str, Any]) -> bool:
        return any(o is not r and o["measure"] == r["measure"] and o["value"] == r["value"] and o["unit"] == r["unit"]
                   and (o["population"] or o["n"]) for o in out)
    return [r for r in out if r["population"] or r["n"] or not fuller(r)]


# --- safety ----------------------------------------------------------------------------------------------------
_EVENTS: tuple[tuple[str, str], ...] = (
    ("CRS", r"cytokine release syndrome|CRS"),
    ("ICANS", r"immune effector cell[- ]associated neurotoxicity syndrome|ICANS|neurotoxicit(?:y|ies)"),
    ("neutropenia", r"(?:febrile )?neutropenia"),
    ("thrombocytopenia", r"thrombocytopenia"),
    ("anemia", r"ana?emia"),
    ("infection", r"infections?"),
    ("DLT", r"dose[- ]limiting toxicit(?:y|ies)|DLTs?"),
    ("TRAE", r"treatment[- ]related adverse events?|TRAEs?"),
    ("SAE", r"serious adverse events?|SAEs?"),
    ("TEAE", r"treatment[- ]emergent adverse events?|TEAEs?"),
    ("AE", r"adverse events?|AEs?"),
    ("death", r"treatment[- ]related deaths?|deaths?"),
    ("hepatotoxicity", r"hepatotoxicity|liver toxicity"),
    ("discontinuation", r"discontinuations? (?:due to|because of) adverse events?"),
)
_EVENT = "|".join(f"(?P<{name}>{p})" for name, p in _EVENTS)
_GRADE = (r"(?:grade\s*(?P<g1>(?:≥|>=|>|≧)\s*\d|\d\s*(?:or|and)\s*(?:higher|greater|above|more)|\d\s*\+|"
          r"\d(?:\s*[-/]\s*\d)?)|(?P<g2>high)[- ]grade|(?P<g3>severe|serious(?!\s+adverse)))\s+")
_NO_EVENT = re.compile(r"\b(?:no|zero|without(?: any)?|absence of)\s+(?:cases? of\s+)?(?:new\s+)?" r"(?:" + _GRADE
                       + r")?(?:" + _EVENT + r")\b", _I)
_RATE_EVENT = re.compile(
    r"(?P<rate>\d{1,3}(?:\.\d+)?)\s?%\s+(?:of (?:patients|participants|subjects)\s+)?(?:(?:had|experienced|"
    r"reported|developed|with)\s+)?(?:" + _GRADE + r")?(?:" + _EVENT + r")\b", _I)
_EVENT_RATE = re.compile(
    r"\b(?:" + _GRADE + r")?(?:" + _EVENT + r")\b[^.;%]{0,40}?\b(?:in|of|was|were|occurred in|rate of|at)\s+"
    r"(?P<rate>\d{1,3}(?:\.\d+)?)\s?%", _I)
_TOLERATED = re.compile(r"\b(?:well[- ]tolerated|favou?rable (?:safety|tolerability) profile|"
                        r"manageable safety profile|no new safety signals?)\b", _I)


def _grade(m: re.Match[str]) -> str | None:
    g = m.group("g1")
    if g:
        g = g.replace(" ", "")
        num = re.search(r"\d", g)
        if num and (g[0] in "≥>≧" or g.endswith("+") or re.search(r"or|and", g)):
            return f"≥{num.group(0) if g[0] != '>' or g[1:2] == '=' else int(num.group(0)) + 1}"
        return g
    if m.group("g2") or m.group("g3"):
        return "≥3"
    return None


_SAFETY_WORDS = ("grade", "crs", "icans", "adverse", "toxicit", "tolerat", "safety", "penia", "death", "cytokine",
                 "infection", "sae", "trae", "teae", "anemia", "anaemia", "discontinu", "dlt")


# Every match of _EVENT_RATE starts (after its \b) with its grade or its event: one of these, lower-cased (each
# alternative of _GRADE and _EVENTS begins with one; `ana?emia` is anemia or anaemia). Its matches are looked for
# only where one of them stands (`_finditer_at`): on a long page, a few hundred tries instead of the whole pattern
# tried at every word.
_EVENT_RATE_STARTS = (
    "grade", "high", "severe", "serious", "cytokine", "crs", "immune", "icans", "neurotoxicit", "febrile",
    "neutropenia", "thrombocytopenia", "anemia", "anaemia", "infection", "dose", "dlt", "treatment", "trae", "sae",
    "teae", "adverse", "ae", "death", "hepatotoxicity", "liver", "discontinuation",
)


# The same for _NO_EVENT (its first word) and _TOLERATED (each phrase's first word; favorable or favourable).
_NO_EVENT_STARTS = ("no", "zero", "without", "absence")
_TOLERATED_STARTS = ("well", "favo", "manageable", "no")


def _starts(text: str, literals: tuple[str, ...]) -> list[int] | None:
    """Every position where one of ``literals`` stands, case-insensitively as IGNORECASE reads it, in order; None
    when the text cannot be lower-cased position for position (then the pattern is tried everywhere)."""
    low = fold_lower(text)
    if low is None:
        return None
    found: set[int] = set()
    for literal in literals:
        i = low.find(literal)
        while i >= 0:
            found.add(i)
            i = low.find(literal, i + 1)
    return sorted(found)


def _finditer_at(rx: re.Pattern[str], text: str, starts: list[int] | None) -> Iterator[re.Match[str]]:
    """``rx.finditer(text)`` when every match starts at one of ``starts``: the leftmost match from each position
    on, then on from its end, as finditer goes (a match is never empty here)."""
    return rx.finditer(text) if starts is None else matches_at(rx, text, starts)


def extract_safety(text: str | Sentences) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[tuple[str | None, str | None, float | None]] = set()

    def add(m: re.Match[str], rate: float | int | None) -> None:
        event = next((name for name, _ in _EVENTS if m.group(name)), None)
        grade = _grade(m)
        key = (event, grade, rate)
        if key in seen or len(out) >= MAX_SAFETY:
            return
        seen.add(key)
        out.append({"text": " ".join(m.group(0).split()), "event": event, "grade": grade, "rate": rate})

    text = _only(text, _SAFETY_WORDS)
    if not text:
        return out
    for m in _finditer_at(_NO_EVENT, text, _starts(text, _NO_EVENT_STARTS)):
        if len(out) >= MAX_SAFETY:
            break
        add(m, 0)
    rated = _only(text, ("%",))
    for rx in (_RATE_EVENT, _EVENT_RATE) if rated else ():
        found = _finditer_at(rx, rated, _starts(rated, _EVENT_RATE_STARTS)) if rx is _EVENT_RATE else rx.finditer(rated)
        for m in found:
            if len(out) >= MAX_SAFETY:
                break
            add(m, _value(m.group("rate")))
    if not out:
        m = next(_finditer_at(_TOLERATED, text, _starts(text, _TOLERATED_STARTS)), None)
        if m:
            out.append({"text": m.group(0), "event": None, "grade": None, "rate": None})
    return out


# --- regulator meetings ----------------------------------------------------------------------------------------
_MEETING = re.compile(
    r"\b(?P<type>Type\s+[ABCD]|End[- ]of[- ]Phase\s*(?:2|II|3|III)|EOP\s?[23]|pre-?\s?(?:NDA|BLA|IND|MAA|sNDA|sBLA)|"
    r"scientific advice|special protocol assessment|SPA)\b(?:\s+(?:meeting|procedure|consultation|"
    r"agreement|feedback))?", _I)
_OUTCOME = re.compile(
    r"\b(?:agreed|agreement|aligned|alignment|concurred|confirmed|supports?|supported|supporting|feedback|advised|"
    r"indicated|acknowledged|recommended)\b[^.;]{0,200}", _I)


def _meeting_type(t: str) -> str:
    low = " ".join(t.lower().replace("-", " ").split())
    if low.startswith("type"):
        return "Type " + low[-1].upper()
    if low.startswith(("end of phase", "eop")):
        return "End-of-Phase " + ("3" if low.endswith(("3", "iii")) else "2")
    if low.startswith("pre"):
        return "Pre-" + low.replace("pre", "").strip().upper().replace("SNDA", "sNDA").replace("SBLA", "sBLA")
    if low.startswith("scientific"):
        return "Scientific Advice"
    return "SPA"


def extract_meeting(text: str) -> dict[str, Any] | None:
    m = _MEETING.search(text)
    if m is None:
        return None
    o = _OUTCOME.search(text, m.end(), m.end() + 400) or _OUTCOME.search(text, max(0, m.start() - 300), m.start())
    outcome = None
    if o:
        outcome = " ".join(o.group(0).split())
        outcome = outcome if len(outcome) <= 160 else outcome[:157].rsplit(" ", 1)[0] + "..."
    return {"type": _meeting_type(m.group("type")), "outcome": outcome}


# --- trial design ----------------------------------------------------------------------------------------------
_RANDOMISED = re.compile(r"\b(?<!non-)(?<!non)randomi[sz]ed\b", _I)
_NON_RANDOMISED = re.compile(r"\b(?:non-?randomi[sz]ed|single[- ]arm|open[- ]label,? single[- ]arm)\b", _I)
_PIVOTAL = re.compile(r"\b(?:pivotal|registrational|registration[- ]enabling)\b", _I)
# "a single, open-label, registrational study"; not "single and multiple ascending dose study", "single-centre"
_SINGLE = re.compile(r"\b(?:single|one|a sole),?\s+(?!(?:and|or|ascending|dose|doses|center|centre|site|arm|agent|"
                     r"patient|cohort)\b)(?:[\w-]+,?\s+){0,4}?(?:trial|study)\b(?!\s+(?:site|arm))", _I)
_LINE = re.compile(
    r"\b(?P<line>first|second|third|fourth|fifth|later|1st|2nd|3rd|4th|[1-5]L|[1-5])\s?[- ]?(?:line|L)\b"
    r"(?:\s*\+|\s+(?:or|and)\s+(?:later|beyond))?", _I)
_LINE_WORDS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "1": "first", "2": "second",
               "3": "third", "4": "fourth", "5": "fifth"}
_PHASE = re.compile(r"\bphase\s*([1-4]|I{1,3}V?|IV)([abAB])?(?:\s*/\s*([1-4]|I{1,3}|IV)([abAB])?)?\b", _I)
_ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4"}


def _line(m: re.Match[str]) -> str:
    raw = m.group("line").lower().rstrip("l")
    word = _LINE_WORDS.get(raw, raw)
    suffix = "+" if m.group(0).rstrip().endswith("+") or re.search(r"later|beyond", m.group(0), _I) else ""
    return f"{word}-line{suffix}"


def extract_design(text: str) -> dict[str, Any] | None:
    low = gate_lower(text)  # the substring gates see ı/ſ as IGNORECASE does (i/s)
    design: dict[str, Any] = {"randomised": None, "pivotal": None, "single_trial": None, "line_of_therapy": None,
                              "phase": None}
    if "randomi" in low or "single" in low:
        if _NON_RANDOMISED.search(text):
            design["randomised"] = False
        elif _RANDOMISED.search(text):
            design["randomised"] = True
    if ("pivotal" in low or "registrat" in low) and _PIVOTAL.search(text):
        design["pivotal"] = True
    if ("single" in low or "one " in low) and _SINGLE.search(text):
        design["single_trial"] = True
    if "line" in low or re.search(r"\d\s?l\b", low):
        m = _LINE.search(text)
        if m:
            design["line_of_therapy"] = _line(m)
    if "phase" in low:
        m = _PHASE.search(text)
        if m:
            a = _ROMAN.get(m.group(1).upper(), m.group(1))
            p = a + (m.group(2) or "").lower()
            if m.group(3):
                p += "/" + _ROMAN.get(m.group(3).upper(), m.group(3)) + (m.group(4) or "").lower()
            design["phase"] = p
    stated = [k for k in ("randomised", "pivotal", "single_trial", "line_of_therapy") if design[k] is not None]
    return design if stated else None


# --- all together ----------------------------------------------------------------------------------------------
def detail_facts(text: str, label: str, subtype: str, detailed: bool = False) -> dict[str, Any]:
    """The detailed facts stated in ``text`` (a lede, or a lede plus a body: ``detailed``).

    A lede of a release that is not an event is not searched (nothing to report); a body always is."""
    facts: dict[str, Any] = {}
    if not text or (label == "other" and not detailed):
        return facts
    sents = Sentences(text)
    results = extract_results(sents)
    if results:
        facts["results"] = results
    low = gate_lower(text)  # the substring gates see ı/ſ as IGNORECASE does (i/s)
    if any(k in low for k in _SAFETY_WORDS):
        safety = extract_safety(sents)
        if safety:
            facts["safety"] = safety
    if label == "regulatory" or subtype == "meeting_agreement" or "meeting" in low or "advice" in low:
        meeting = extract_meeting(text)
        if meeting:
            facts["meeting"] = meeting
    if label in ("regulatory", "readout", "enrollment"):
        design = extract_design(text)
        if design:
            facts["design"] = design
    return facts

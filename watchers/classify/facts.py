"""Extract the facts a reader wants without opening the link.

Keys (all snake_case; values are JSON-serialisable str / int / float / bool / list[str]); a key is present
only when the text states it:

=================  ==========================================================================================
``designation``    list of designations named as granted: "fast_track", "breakthrough", "orphan", "rmat",
                   "prime", "priority_review", "accelerated_approval", "rare_pediatric_disease"
``indication``     the disease, from "for the treatment of …", "for …", "in …" after the drug or designation
``pdufa_date``     the PDUFA / target action date as written ("April 30, 2024")
``decision``       "approved" or "crl" (regulatory decisions only)
``endpoint_met``   True / False when the primary endpoint is said to be met or not met
``orr``            objective response rate as written ("32%")
``cr_rate``        complete response rate as written ("20%")
``n_patients``     number of patients / participants / subjects (int, first stated)
``hazard_ratio``   hazard ratio (float)
``p_value``        p-value as written ("p<0.001")
``phase``          trial phase as written, normalised to arabic numerals ("1/2", "2b", "3")
``trial_name``     trial acronym ("LELANTOS-2", "GEMINI-1")
``enrollment_count`` number of patients enrolled (int) for enrollment events
``guidance``       forward-looking timing phrase ("topline data expected in 2H 2026")
``hold_status``    "imposed", "partial" or "lifted" for clinical holds
``nct_id``         ClinicalTrials.gov identifier
=================  ==========================================================================================
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Any

from .prescan import HIT_START, ascii_twin, boundary_last, literal_scan, rs_hits, start_scan, string_scan
from .rules import gate_lower, lower_pattern

_I = re.IGNORECASE

_DESIGNATIONS = (
    ("fast_track", re.compile(r"\bfast[- ]track\b", _I)),
    ("breakthrough", re.compile(r"\bbreakthrough (?:therapy|device)\b|\bBTD\b", _I)),
    ("orphan", re.compile(r"\borphan\b", _I)),
    ("rmat", re.compile(r"\bRMAT\b|regenerative medicine advanced? therapy", _I)),
    ("prime", re.compile(r"\bPRIME\b|(?i:priority medicines)")),
    ("priority_review", re.compile(r"\bpriority review\b(?! voucher)", _I)),
    ("accelerated_approval", re.compile(r"\baccelerated approval\b(?! pathway)", _I)),
    ("rare_pediatric_disease", re.compile(r"\brare pediatric\b", _I)),
)

_INDICATION = re.compile(
    r"\b(?:for the (?:treatment|prevention|management) of|for (?:patients with|people with|adults with|"
    r"children "
    r"with)|to treat|in (?:patients|adults|children|people|participants|subjects) with)\s+(?:\w+\s+){0,2}?"
    r"(?:with\s+)?([^,.;:–—\[\]\n]{3,90}?)(?=\s*(?:[,.;:–—\n]|\(\w*\d|$|\bat\b|\bunder\b|\bfollowing\b|\band "
    r"(?:provides|announces|reports)|\bwith (?:a |an )|\bin (?:the|a|an|Europe|Japan|China|the U\.?S)\b))",
    _I,
)
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE = _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
_PDUFA = re.compile(
    r"\b(?:PDUFA|target action|action|goal)\b[^.;]{0,60}?\b(?:date|goal)\b[^.;]{0,30}?\b(" + _DATE + r"|"
    + _MONTH + r"\s+\d{4}|(?:Q[1-4]|first|second|third|fourth) (?:quarter )?(?:of )?\d{4})", _I,
)
_APPROVED = re.compile(
    r"\bapprov(?:es|ed|al)\b(?!\s+(?:to initiate|to begin|to start|of (?:the |a |an )?(?:IND|CTA|"
    r"protocol)))", _I
)
_CRL = re.compile(r"\bcomplete response letter\b|\bCRL\b", _I)
_ENDPOINT_NOT = re.compile(
    r"\b(?:did not|does not|didn['’]t|failed to|fails to|not)\s+(?:meet|achieve|reach|hit|met|"
    r"achieved)\b[^.;]{0,40}"
    r"\bprimary\b|\bprimary (?:efficacy )?end-?points? (?:was |were )?not (?:met|achieved|reached)\b|"
    r"\bmiss(?:es|ed)\b[^.;]{0,30}\bprimary\b", _I,
)
_ENDPOINT_MET = re.compile(
    r"\b(?:met|meets|achiev(?:es|ed)|hit|hits|reach(?:es|ed))\b[^.;]{0,40}\bprimary (?:\w+ )?end-?points?\b|"
    r"\bprimary (?:efficacy )?end-?points? (?:was |were )?(?:met|achieved|reached)\b", _I,
)
_ORR = re.compile(
    r"\b(\d{1,3}(?:\.\d+)?\s?%)\s*(?:\([^)]{0,20}\)\s*)?(?:confirmed\s+)?(?:objective|overall) response rate|"
    r"\b(\d{1,3}(?:\.\d+)?\s?%)\s*(?:confirmed\s+)?c?ORR\b|"
    r"\b(?:objective|overall) response rate\s*\(?c?ORR\)?\s*(?:of|was|:|=)?\s*(\d{1,3}(?:\.\d+)?\s?%)|"
    r"\bc?ORR\)?\s*(?:of|was|:|=)\s*(\d{1,3}(?:\.\d+)?\s?%)", _I,
)
_CR = re.compile(
    r"\b(\d{1,3}(?:\.\d+)?\s?%)\s*(?:\([^)]{0,20}\)\s*)?(?:complete (?:response|remission)s?(?: rate)?|"
    r"CR(?: rate)?)\b|"
    r"\b(?:complete (?:response|remission)(?: rate)?|CR rate)\s*(?:\(CR\)\s*)?(?:of|was|:|=)\s*"
    r"(\d{1,3}(?:\.\d+)?\s?%)",
)
_N = re.compile(
    r"\b(?:n\s?=\s?(\d[\d,]*)|(?<!phase )(?<!phase)(?<![-\w])(\d[\d,]{0,6})[- ]"
    r"(?:(?!trial|study|phase|for|of|with|in)\w+[- ]){0,2}?(?:patients?|participants?|subjects?|"
    r"volunteers?|people|individuals|adults|children|infants|women|men))\b", _I,
)
_HR = re.compile(r"\b(?:hazard ratio|HR)\b[^0-9]{0,12}(0?\.\d+|[0-2]\.\d+)", _I)
# "[pP](?<!\w[pP])" is "\b[pP]" with the boundary checked after the letter: the search can then skip to p/P.
_P = re.compile(r"[pP](?<!\w[pP])\s?(?:-value\s?)?([<=≤>])\s?(0?\.\d+(?:\s?[x×]\s?10\s?[-−]\s?\d+)?|"
    r"\d(?:\.\d+)?[eE][-−]\d+)")
_ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4"}
_PHASE = re.compile(
    r"\bphase\s*([1-4]|I{1,3}V?|IV)([abAB])?(?:\s*/\s*([1-4]|I{1,3}|IV)([abAB])?)?\b", _I
)
_TRIAL_NAME = re.compile(
    r"(?:\b(?i:phase\s*[\dIV]+\w*(?:/[\dIV]+\w*)?|pivotal|registrational|randomi[sz]ed)\s+)"
    r"([A-Z][A-Za-z0-9α-ω]*[A-Z][A-Za-z0-9α-ω]*(?:-[A-Z0-9][A-Za-z0-9]{0,4}| (?:\d{1,2}|I{1,3}|IV)\b)?)"
    r"(?=\s+(?:\w+\s+){0,3}?(?i:trial|study|program|portion|extension)s?\b)|"
    r"\b([A-Z][A-Z0-9α-ω]{3,}(?:-[A-Z0-9]{1,4}| (?:\d{1,2}|I{1,3}|IV)\b)?)(?=\s+(?:\w+\s+){0,2}?"
    r"(?i:phase\s*[\dIV]|pivotal|registrational|clinical|trial|study)s?\b)"
)
_NOT_TRIAL = frozenset({
    "FDA", "EMA", "NDA", "BLA", "MAA", "IND", "CTA", "PDUFA", "GLOBE", "NEWSWIRE", "NASDAQ", "NYSE", "ASCO",
    "ESMO",
    "DSMB", "IDMC", "RMAT", "PRIME", "CEO", "CAR", "AML", "NSCLC", "SCLC", "DMD", "ALS", "COPD", "MASH",
    "NASH",
    "HIV", "COVID", "PHASE", "TRIAL", "STUDY", "THE", "AND", "FOR", "FIRST", "DATA", "TOPLINE", "POSITIVE",
    "PATIENT", "PATIENTS", "CLINICAL", "RANDOMIZED", "PIVOTAL", "INTERIM", "FINAL", "RESULTS", "GPP", "HLHS",
    "HBV", "DME", "AMD", "SMA", "IGAN", "GBS", "ASGCT", "ASH", "AACR", "CRL", "RWE", "TCAR", "PET", "MRI",
})
_ENROLL = re.compile(
    r"\b(?:enrol\w*|randomi[sz]\w*|recruit\w*)\b[^.;]{0,40}?(?<![-\w])(\d[\d,]{0,6})\s+(?:\w+\s+){0,2}?"
    r"(?:patients?|participants?|subjects?|people|individuals|adults|children|evaluable)\b|"
    r"(?<![-\w])(\d[\d,]{0,6})\s+(?:\w+\s+){0,2}?(?:patients?|participants?|subjects?)\s+(?:\w+\s+){0,2}?"
    r"(?:enrol\w*|randomi[sz]ed|recruited)\b", _I,
)
_PERIOD = (r"(?:(?:the\s+)?(?:first|second|1st|2nd|early|mid|late|end of|end|beginning of|1H|2H|H1|H2|Q[1-4]|"
           r"fourth|third)[\s-]*(?:half|quarter)?(?:\s+of)?\s+(?:calendar\s+|fiscal\s+)?(?:year\s+)?\d{4}|"
           r"(?:1H|2H|H1|H2|Q[1-4])\s?'?\d{2,4}|(?:in\s+)?\d{4}|" + _MONTH + r"\s+\d{4}|year[- ]end|"
           r"(?:mid|late|early)[- ]\d{4}|the (?:coming|next) (?:weeks|months|quarter))")
_GUIDANCE = re.compile(
    r"((?:top[- ]?line|interim|final|initial|preliminary|pivotal|phase \w+)?\s?(?:safety,?\s+(?:\w+\s+){0,4"
    r"})?"
    r"(?:data|results|readout|read-out|approval|decision|submission|filing|launch|enrol\w* completion|"
    r"enrol\w*)\s+(?:(?:is|are|now|remains?|currently|still)\s+){0,2}(?:expected|anticipated|planned|"
    r"on track|"
    r"projected|guided|scheduled)\s+(?:\w+\s+){0,4}?(?:in|by|for|during|around|before|at|to be\s+\w+\s+in)\s+"
    + _PERIOD + r")",
    _I,
)
_GUIDANCE2 = re.compile(
    r"((?:expect\w*|anticipat\w*|plan\w*|on track)\s+to\s+(?:report|announce|complete|initiate|submit|file|"
    r"share|present|release|begin|start|read out)\s+(?:\w+\s+){0,6}?(?:in|by|during|around|"
    r"before)\s+" + _PERIOD
    + r")", _I,
)
_HOLD_LIFT = re.compile(r"\b(?:lift\w*|remov\w*|releas\w*|resolv\w*)\b[^.;]{0,40}\bhold\b|\bhold\b[^.;]{0,30}"
                        r"\b(?:lifted|removed|released|resolved)\b", _I)
_HOLD_PARTIAL = re.compile(r"\bpartial (?:clinical )?hold\b", _I)
_NCT = re.compile(r"\bNCT\d{8}\b")


# Looser: the trigger far from its noun ("Topline data from the Phase 3 ALPINE trial expected in 2H 2027",
# "Expects Topline Data from Phase 2 Study of X in the Second Half of 2027").
_GUIDANCE3 = re.compile(
    r"((?:(?:top[- ]?line|interim|final|initial|pivotal)\s+)?(?:data|results|readout)\b[^.;]{0,80}?\b(?:expected|"
    r"anticipated|planned|on track)\s+(?:\w+\s+){0,3}?(?:in|by|for|during|around|before)\s+" + _PERIOD + r"|"
    r"(?:expect\w*|anticipat\w*)\s+(?:[\w-]+\s+){0,2}?(?:data|results|readout)\b[^.;]{0,80}?\b(?:in|by|during|"
    r"around|before)\s+" + _PERIOD + r")", _I,
)

_GUIDANCE_TRIGGER = re.compile(r"\b(?:expected|anticipated|planned|on track|projected|guided|scheduled)\b")


def _guidance(text: str, low: str) -> _Match | re.Match[str] | None:
    """Find guidance around its trigger word only (the full pattern is slow to scan a whole release with)."""
    for i, t in enumerate(_GUIDANCE_TRIGGER.finditer(low)):
        if i >= 4:
            break
        a, b = max(0, t.start() - 90), t.end() + 90
        m = _GUIDANCE_F.search(text[a:b], low[a:b] if len(low) == len(text) else None)
        if m:
            return m
    return None


class _Fast:
    """A case-insensitive pattern plus its lower-cased twin, run on lower-cased text (faster in ``re``).

    ``search`` returns a match-like object whose groups are taken from the original text. ``starts``: literals
    one of which every match begins with; the twin is then tried only where they occur (a literal scan), not
    at every character (the guidance patterns begin with optional words, which ``re`` cannot skip ahead to).
    """

    __slots__ = ("fast", "fast_ascii", "orig", "start_scan", "starts")

    def __init__(self, rx: re.Pattern[str], starts: tuple[str, ...] = ()) -> None:
        self.orig = rx
        self.fast = re.compile(boundary_last(lower_pattern(rx.pattern)))  # (prescan: the same matches, faster)
        self.fast_ascii = ascii_twin(self.fast) or self.fast  # for all-ASCII texts (prescan.ascii_twin)
        self.starts = literal_scan(starts) if starts else None
        self.start_scan = start_scan(starts) if starts else None  # (the same starts, faster: prescan.start_scan)

    def search(self, text: str, low: str | None) -> _Match | re.Match[str] | None:
        if low is None or len(low) != len(text):
            return self.orig.search(text)
        fast = self.fast_ascii if low.isascii() else self.fast
        if self.starts is None:
            m = fast.search(low)
        elif self.start_scan is not None and (hits := rs_hits(self.start_scan, low)) is not None:
            m = None  # the first position, in text order, where the twin matches
            for start in sorted(set(map(HIT_START, hits))):
                m = fast.match(low, start)
                if m is not None:
                    break
        else:  # the first position, in text order, where the twin matches: what search finds
            m = None
            for start in sorted({end - n + 1 for end, n in self.starts.iter(low)}):
                m = fast.match(low, start)
                if m is not None:
                    break
        return _Match(m, text) if m else None



class _Match:
    __slots__ = ("m", "text")

    def __init__(self, m: re.Match[str], text: str) -> None:
        self.m, self.text = m, text

    def group(self, i: int = 0) -> str | None:
        a, b = self.m.span(i)
        return None if a < 0 else self.text[a:b]

    def groups(self) -> tuple[str | None, ...]:
        return tuple(self.group(i) for i in range(1, (self.m.re.groups or 0) + 1))


def _num(s: str) -> int | None:
    try:
        return int(s.replace(",", ""))
    except ValueError:
        return None


def _phase(m: re.Match[str]) -> str:
    a = _ROMAN.get(m.group(1).upper(), m.group(1))
    out = a + (m.group(2) or "").lower()
    if m.group(3):
        out += "/" + _ROMAN.get(m.group(3).upper(), m.group(3)) + (m.group(4) or "").lower()
    return out


def _first(m: _Match | re.Match[str] | None) -> str | None:
    if not m:
        return None
    return next((g for g in m.groups() if g), None)


_ORR_F, _N_F, _ENROLL_F = (_Fast(rx) for rx in (_ORR, _N, _ENROLL))
# These begin with one of a few words (after \b): tried only where one occurs (a release body is 8,000 characters)
_INDICATION_F = _Fast(_INDICATION, starts=(
    "for the treatment of", "for the prevention of", "for the management of", "for patients with", "for people with",
    "for adults with", "for children with", "to treat", "in patients with", "in adults with", "in children with",
    "in people with", "in participants with", "in subjects with"))
_PDUFA_F = _Fast(_PDUFA, starts=("pdufa", "target action", "action", "goal"))
_ENDPOINT_NOT_F = _Fast(_ENDPOINT_NOT, starts=("did not", "does not", "didn", "failed to", "fails to", "not", "primary",
                                               "miss"))
_ENDPOINT_MET_F = _Fast(_ENDPOINT_MET, starts=("met", "meets", "achiev", "hit", "reach", "primary"))
_HR_F = _Fast(_HR, starts=("hazard ratio", "hr"))
# whole-lede scans and the windows around guidance triggers: the twins take about half the time
# _GUIDANCE2 begins with its trigger verb; _GUIDANCE3 with a qualifier ("top" of top-line/topline), its noun or
# its verb. (_GUIDANCE may begin with a space or "safety": it runs on short windows, whole.)
_GUIDANCE_F = _Fast(_GUIDANCE)
_GUIDANCE2_F = _Fast(_GUIDANCE2, starts=("expect", "anticipat", "plan", "on track"))
_GUIDANCE3_F = _Fast(_GUIDANCE3, starts=("top", "interim", "final", "initial", "pivotal", "data", "results",
                                         "readout", "expect", "anticipat"))


# Speed gates (each a superset of what its pattern can match, so a gate only skips searches that cannot match):
#: _INDICATION needs one of its lead phrases (each written with single spaces in the pattern).
_INDICATION_GATE = ("for the treatment of", "for the prevention of", "for the management of", "to treat",
                    "for patients with", "for people with", "for adults with", "for children with", "in patients with",
                    "in adults with", "in children with", "in people with", "in participants with", "in subjects with")
#: _PDUFA needs one of its lead words and then "date" or "goal" ("date" alone is in "update", "candidate").
_PDUFA_LEAD = ("pdufa", "action", "goal")
_PDUFA_DATE = ("date", "goal")
#: _N needs a digit and "=" or one of its nouns ("men" always follows a space or hyphen there).
_N_GATE = ("=", "patient", "participant", "subject", "volunteer", "people", "individuals", "adults", "children",
           "infants", "women", " men", "-men")
_DIGIT = re.compile(r"\d")
#: _GUIDANCE3 needs one of its trigger words ("plan" alone, which _GUIDANCE2 needs, is not one of them).
_GUIDANCE3_GATE = ("expect", "anticipat", "planned", "on track")


def _indication(part: str, low: str | None = None) -> _Match | re.Match[str] | None:
    low = gate_lower(part) if low is None else low
    return _INDICATION_F.search(part, low) if any(map(low.__contains__, _INDICATION_GATE)) else None


_P_MARKS = ("p<", "p=", "p ", "p-", "p≤")
_ENDPOINT_WORDS = ("end-point", "endpoint")
_HR_WORDS = ("hazard", "hr")
_TRIAL_WORDS = ("trial", "stud", "phase")
_GUIDANCE_WORDS = ("expect", "anticipat", "planned", "on track", "project", "guided", "schedul")
_GUIDANCE2_WORDS = ("expect", "anticipat", "plan", "on track")
#: Every literal a gate below asks the lower-cased text for: one literal scan gives the set of those present (each
#: ``literal in low`` becomes ``literal in present``), instead of some forty substring searches.
_GATE_LITERALS = frozenset((*_PDUFA_LEAD, *_PDUFA_DATE, *_INDICATION_GATE, *_ENDPOINT_WORDS, *_N_GATE, *_HR_WORDS,
                            *_P_MARKS, *_TRIAL_WORDS, *_GUIDANCE_WORDS, *_GUIDANCE2_WORDS, *_GUIDANCE3_GATE))
_GATE_SCAN = literal_scan(_GATE_LITERALS, itself=True)
_GATE_STRINGS = string_scan(sorted(_GATE_LITERALS))  # (the same literals, faster: prescan.string_scan)


def _present(low: str) -> set[str]:
    """The literals of :data:`_GATE_LITERALS` that occur in ``low`` (the scan reports overlapping matches)."""
    if _GATE_STRINGS is not None and (found := rs_hits(_GATE_STRINGS, low)) is not None:
        return set(found)
    if _GATE_SCAN is None:
        return {lit for lit in _GATE_LITERALS if lit in low}
    return set(map(itemgetter(1), _GATE_SCAN.iter(low)))


_N_NOUNS = frozenset(_N_GATE) - {"="}
#: A copy of an ASCII-read text where the characters a match of _N's second alternative holds before its noun
#: (word characters, "-", " " and "," of the number; any character outside ASCII, read as "?") are "c".
_N_CHAIN = bytes(ord("c") if (c < 128 and (chr(c).isalnum() or chr(c) in "_- ,?")) else 32 for c in range(256))


def _n_patients(text: str, low: str | None, present: set[str]) -> _Match | re.Match[str] | None:
    """``_N_F.search(text, low)``, the lower-cased twin started where its match can first begin.

    The first alternative ("n = 12") holds "="; without one, a match is the second: a number, then up to two
    words, then its noun (one of :data:`_N_NOUNS` occurs where the noun is), all joined by "-"/" ", so no
    character outside the chain characters lies between its start and its noun. A match starting before the
    last non-chain character ahead of the first noun literal would have to cross it: the search starts after
    it (a sentence's worth, not the whole lede, for the pattern to try at every position).
    """
    if low is None or "=" in present:
        return _N_F.search(text, low)
    first = min(low.find(noun) for noun in present.intersection(_N_NOUNS))
    chain = low.encode("ascii", "replace").translate(_N_CHAIN)
    m = _N_F.fast.search(low, chain.rfind(b" ", 0, first) + 1)
    return _Match(m, text) if m else None


def extract_facts(
    title: str, lede: str, label: str, subtype: str, not_trials: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Facts stated in the title and lede; ``not_trials`` (drug codes, sponsor words) are not trial names."""
    text = f"{title}\n{lede}"
    low = gate_lower(text)  # ı/ſ folded: the gates and lower-cased twins see what IGNORECASE sees
    llow: str | None = low if len(low) == len(text) else None
    present = _present(low)
    facts: dict[str, Any] = {}

    if label == "regulatory":
        desig = [name for name, rx in _DESIGNATIONS if rx.search(title)]
        if not desig and subtype in {"fast_track", "breakthrough", "orphan", "rmat", "prime",
            "priority_review",
                                     "accelerated_approval"}:
            desig = [name for name, rx in _DESIGNATIONS if rx.search(lede)]
        if desig:
            facts["designation"] = desig
        if subtype in {"approval", "accelerated_approval"} or (subtype != "crl" and _APPROVED.search(title)
                                                                 and subtype not in {"other",
                                                                     "meeting_agreement",
                                                                                     "clinical_hold"}):
            facts["decision"] = "approved"
        if subtype == "crl" or (subtype != "approval" and _CRL.search(title)
                                and subtype not in {"other", "meeting_agreement"}):
            facts["decision"] = "crl"
        if subtype == "clinical_hold":
            if _HOLD_LIFT.search(text):
                facts["hold_status"] = "lifted"
            elif _HOLD_PARTIAL.search(text):
                facts["hold_status"] = "partial"
            else:
                facts["hold_status"] = "imposed"
    pdufa = not present.isdisjoint(_PDUFA_LEAD) and not present.isdisjoint(_PDUFA_DATE)
    m = _PDUFA_F.search(text, llow) if pdufa else None
    if m:
        facts["pdufa_date"] = m.group(1)

    m = None
    if not present.isdisjoint(_INDICATION_GATE):  # in neither part without one in the whole (none holds "\n")
        if llow is not None:  # the parts' lower-cased texts are slices of the whole one (same lengths)
            m = _indication(title, llow[: len(title)]) or _indication(lede, llow[len(title) + 1 :])
        else:
            m = _indication(title) or _indication(lede)
    if m:
        facts["indication"] = m.group(1).strip()

    if not present.isdisjoint(_ENDPOINT_WORDS):
        if _ENDPOINT_NOT_F.search(text, llow):
            facts["endpoint_met"] = False
        elif _ENDPOINT_MET_F.search(text, llow):
            facts["endpoint_met"] = True

    if "%" in text:
        v = _first(_ORR_F.search(text, llow))
        if v:
            facts["orr"] = v.replace(" ", "")
        v = _first(_CR.search(text))
        if v:
            facts["cr_rate"] = v.replace(" ", "")
    m = _n_patients(text, llow, present) if not present.isdisjoint(_N_GATE) and _DIGIT.search(text) else None
    if m:
        n = _num(m.group(1) or m.group(2))
        if n is not None and 0 < n < 10_000_000 and not 1990 <= n <= 2039:  # not a year
            facts["n_patients"] = n
    m = _HR_F.search(text, llow) if not present.isdisjoint(_HR_WORDS) else None
    if m:
        try:
            facts["hazard_ratio"] = float(m.group(1))
        except ValueError:
            pass
    m = _P.search(text) if not present.isdisjoint(_P_MARKS) else None
    if m:
        facts["p_value"] = f"p{m.group(1)}{m.group(2)}"
    m = _PHASE.search(text) if "phase" in present else None
    if m:
        facts["phase"] = _phase(m)
    trial_text = lede if title.isupper() else text  # an all-caps headline has no recognisable acronyms
    for m in _TRIAL_NAME.finditer(trial_text) if not present.isdisjoint(_TRIAL_WORDS) else ():
        name = m.group(1) or m.group(2)
        if (name and name.split("-")[0].split(" ")[0].upper() not in _NOT_TRIAL and not name.isdigit()
                and name.casefold() not in not_trials):
            facts["trial_name"] = name
            break
    if label == "enrollment":
        m = _ENROLL_F.search(text, llow)
        if m:
            n = _num(m.group(1) or m.group(2))
            if n:
                facts["enrollment_count"] = n
    m = None
    if not present.isdisjoint(_GUIDANCE_WORDS):
        m = _guidance(text, low)
    if m is None and not present.isdisjoint(_GUIDANCE2_WORDS):
        m = _GUIDANCE2_F.search(text, llow)
        if m is None and not present.isdisjoint(_GUIDANCE3_GATE):
            m = _GUIDANCE3_F.search(text, llow)
    if m:
        facts["guidance"] = " ".join(m.group(1).split())
    m = _NCT.search(text) if "NCT" in text else None
    if m:
        facts["nct_id"] = m.group(0)
    return facts

"""Classifier for biotech press releases: concept rules plus a learned label model.

``classify(title, summary, source, programs, *, body=None)`` returns a :class:`Classification`:

* ``label`` / ``subtype`` — from the taxonomy in ``shared/corpus/README.md`` (see :data:`storage.taxonomy.SUBTYPES`).
  The first rule of the precedence table in :mod:`.rules` that fires on the title, else the lede, proposes; the
  label model (:mod:`.learned`) decides the label with it (:func:`combine`: a specific rule stands unless the
  model is very sure there is no event, weak or missing hits are the model's call, an explicit ``other.*`` rule
  yields only to a lede the model reads as an event); the subtype comes from the rules of the chosen label.
  Releases not in English go to the keyword rules of their language (:mod:`.languages`);
* ``programs`` — names from the optional :class:`ProgramFinder` first, then drug names recognised on their own
  (:mod:`.drug_names`: INN stems, code names, ®/™ brands), deduplicated case-insensitively; a company named
  in the text is never one;
* ``sponsor`` — the announcing company (:mod:`.sponsor`), never a drug name standing first in the headline;
* ``facts`` — see :mod:`.facts` for the keys (``designation``, ``indication``, ``pdufa_date``, ``decision``,
  ``endpoint_met``, ``orr``, ``cr_rate``, ``n_patients``, ``hazard_ratio``, ``p_value``, ``phase``,
  ``trial_name``, ``enrollment_count``, ``guidance``, ``hold_status``, ``nct_id``), :mod:`.detail_facts` for
  ``results``, ``safety``, ``meeting``, ``design`` (from the lede, and from ``body`` when given), and
  ``language`` when the release is not in English;
* ``evidence`` — the rule(s) that decided, each with the phrase it matched and where (``title``/``lede``);
  ``model.<label>`` when the model overruled the rules, ``language.unsupported`` for a language we do not read;
* ``confidence`` — the calibrated probability of the label (a fixed modest figure for other languages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from storage.models import Evidence
from storage.taxonomy import SUBTYPES as TAXONOMY

from .detail_facts import body_text, detail_facts
from .drug_names import dedupe, find_drug_names
from .facts import extract_facts
from .languages import SUPPORTED, detect_language, first_language_rule
from .learned import load_model
from .prescan import GateScan, literal_scan
from .rules import (
    DEFAULT_SUBTYPE,
    LEDE_UPGRADES,
    RULES,
    RULES_BY_NAME,
    SUBTYPE_REFINER_TWINS,
    SUBTYPE_REFINERS,
    Rule,
    fires,
    fires_open,
    fold_lower,
)
from .sponsor import find_sponsor, is_company

__all__ = ["Analysis", "Classification", "Evidence", "ProgramFinder", "analyse", "classify"]

Label = Literal["readout", "enrollment", "regulatory", "other"]

MAX_TITLE = 1_000
MAX_SUMMARY = 2_000  # the lede, facts and drug names only look at the start of a release
LEDE_CHARS = 500  # how much of the (boilerplate-stripped) summary the label rules look at
DRUG_CHARS = 1_000  # how much of the summary is searched for drug names
FACT_CHARS = 1_000  # how much of the lede is searched for facts


class Classification(BaseModel):
    label: Label = "other"
    subtype: str = "other"
    programs: list[str] = Field(default_factory=list)
    sponsor: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)
    confidence: float = 1.0


class ProgramFinder(Protocol):
    """Finds names of known programmes (from the store) in a text."""

    def find(self, text: str) -> list[str]: ...


# --- text preparation ------------------------------------------------------------------------------------
_REPLACEMENTS = tuple({
    "’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " ", "\u2009": " ", "\u202f": " ", "‐": "-", "‑": "-",
    "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8", "₉": "9",
}.items())
_FDA_DOTS = re.compile(r"\bF\.\s?D\.\s?A\.?|\b(?:U\.S\.\s+)?Food and Drug Administration(?:\s*\((?:U\.S\.\s"
    r"*)?FDA\))?")
_EMA_LONG = re.compile(r"\bEuropean Medicines Agency(?:\s*\(EMA\))?")
_BOILERPLATE_END = re.compile(
    r"\b(?:today|has|have)\s+(?:announced|announces|reported|reports|presented|provided|confirmed|shared|"
    r"released|published)\b|\b(?:announced|announces|reported|reports|presented|provides|confirmed|"
    r"shared)\s+today\b"
)
_DATELINE = re.compile(r"\((?:GLOBE NEWSWIRE|BUSINESS WIRE|PR NEWSWIRE|ACCESSWIRE)\)|NEWSWIRE|NewMediaWire|"
                       r"^\s*[A-Z][A-Za-z .,&;]{2,60}\d{4}", re.IGNORECASE)


def _prepare(s: str, limit: int) -> str:
    if not isinstance(s, str):
        s = "" if s is None else str(s)
    s = s[:limit]
    if not s.isascii():  # str.replace per character is much faster than str.translate with a dict
        for a, b in _REPLACEMENTS:
            if a in s:
                s = s.replace(a, b)
    if "F." in s or "Food and" in s:
        s = _FDA_DOTS.sub("FDA", s)
    if "European Medicines" in s:
        s = _EMA_LONG.sub("EMA", s)
    return " ".join(s.split())


# _DATELINE as a yes/no on ASCII text: its literal alternatives as substrings ("(GLOBE NEWSWIRE)" and
# "(PR NEWSWIRE)" hold "newswire"), its anchored one as a match at the start
_DATELINE_WORDS = ("newswire", "newmediawire", "(business wire)", "(accesswire)")
_DATELINE_START = re.compile(r"\s*[A-Z][A-Za-z .,&;]{2,60}\d{4}", re.IGNORECASE)


def _has_dateline(head: str) -> bool:
    """``_DATELINE.search(head) is not None``, without trying the alternation at every character.

    IGNORECASE reads a few letters outside ASCII as ASCII ones: ı and ſ (folded by ``fold_lower``), the Kelvin
    sign (``lower`` makes it k) and İ (read as i, but ``lower`` makes it two characters: the regex decides).
    """
    low = fold_lower(head)
    if low is None:
        return _DATELINE.search(head) is not None
    return any(map(low.__contains__, _DATELINE_WORDS)) or _DATELINE_START.match(head) is not None


# Every match of _BOILERPLATE_END holds one of these verbs (none holds another)
_BOILERPLATE_VERBS = ("announced", "announces", "reported", "reports", "presented", "provided", "provides",
                      "confirmed", "shared", "released", "published")



_VERB_SCAN = literal_scan(_BOILERPLATE_VERBS)


def _boilerplate_end(summary: str, end: int = 900) -> re.Match[str] | None:
    """``_BOILERPLATE_END.search(summary, 0, end)``, started where its match can first begin.

    A match is "today/has/have, whitespace, verb" or "verb, whitespace, today": it holds a verb. The first verb
    in the text (the automaton's first hit: no verb holds another) is the match's verb, or the match starts
    after it (the words before a verb are too short to hold one). So no match starts before that verb's
    whitespace and the five characters of "today" before it; the regex alone tries every character up to the
    match (a dateline and a company name, about 150 characters).
    """
    if _VERB_SCAN is None:
        return _BOILERPLATE_END.search(summary, 0, end)
    for verb_end, n in _VERB_SCAN.iter(summary, 0, min(end, len(summary))):
        start = verb_end - n + 1
        while start and summary[start - 1].isspace():
            start -= 1
        return _BOILERPLATE_END.search(summary, max(0, start - 5), end)
    return None


def _lede(summary: str, title: str) -> str:
    """The summary without the dateline/company boilerplate, and without a repeat of the title."""
    if not summary or summary == title:
        return ""
    if _has_dateline(summary[:200]):
        m = _boilerplate_end(summary, 900)
        if m:
            summary = summary[m.end():]
    return summary.strip(" -–—:,")


# --- rule engine -----------------------------------------------------------------------------------------
def _lowered(s: str) -> str | None:
    return fold_lower(s)  # None when a few characters change length when lower-cased


def _first_rule(
    text: str, context: str, in_title: bool, low_context: str | None = None, label: str | None = None
) -> tuple[Rule, str] | None:
    """The first rule (of ``label``'s rules, if given) that fires on ``text``, and the phrase it matched."""
    if not text:
        return None
    low = _lowered(text)
    if low_context is None:
        low_context = _lowered(context)
    if low is None or low_context is None:
        low = low_context = None
    if low is None:
        for rule in RULES:
            if (rule.title_only and not in_title) or (label is not None and rule.label != label):
                continue
            span = fires(rule, text, context)
            if span is not None:
                return rule, text[span[0] : span[1]]
        return None
    # one literal scan opens the gates of the rules worth trying (see .prescan); the rest are skipped unread
    mask = _GATES.open_mask(low) & (_ALL_RULES if in_title else _LEDE_RULES)
    if label is not None:
        mask &= _LABEL_RULES.get(label, 0)
    while mask:  # the open rules in table order, lowest bit first (about 4 of 56: not a walk over the table)
        bit = mask & -mask
        rule = RULES[bit.bit_length() - 1]
        span = fires_open(rule, text, context, low, low_context)
        if span is not None:
            return rule, text[span[0] : span[1]]
        mask ^= bit
    return None


_GATES = GateScan(RULES)
_ALL_RULES = (1 << len(RULES)) - 1
_LEDE_RULES = sum(1 << i for i, r in enumerate(RULES) if not r.title_only)
_LABEL_RULES: dict[str, int] = {}
for _i, _r in enumerate(RULES):
    _LABEL_RULES[_r.label] = _LABEL_RULES.get(_r.label, 0) | 1 << _i


def _phrase(m: re.Match[str] | str) -> str:
    p = (m if isinstance(m, str) else m.group(0)).strip()
    return p if len(p) <= 200 else p[:197] + "..."


def _refine(label: str, part: str) -> tuple[str, str] | None:
    """The subtype of the first of ``label``'s refiners that matches ``part``, and the phrase it matched: their
    lower-cased twins on the lower-cased text (as the rules run), the refiners themselves when it cannot be."""
    low = _lowered(part)
    for (sub, rx), (_, twin) in zip(SUBTYPE_REFINERS.get(label, ()), SUBTYPE_REFINER_TWINS.get(label, ()),
                                    strict=True):
        if low is not None and twin is not None:
            m = twin.search(low)
            if m is not None:
                return sub, part[m.start() : m.end()]
        else:
            r = rx.search(part)
            if r is not None:
                return sub, r.group(0)
    return None


def decide(title: str, lede: str) -> tuple[str, str, list[Evidence]]:
    """Label, subtype and evidence for a prepared title and lede."""
    lede_head = lede[:LEDE_CHARS]
    context = f"{title}\n{lede_head}"
    where = "title"
    low_context = _lowered(context)
    hit = _first_rule(title, context, True, low_context)
    if hit is None:
        where = "lede"
        hit = _first_rule(lede_head, context, False, low_context)
    if hit is None:
        return "other", "other", [Evidence(rule="default.no_rule_matched", phrase="")]
    rule, m = hit
    label, subtype = rule.label, rule.subtype
    evidence = [Evidence(rule=f"{rule.name}@{where}", phrase=_phrase(m))]

    if subtype is None:  # generic rule: refine the subtype from the rest of the text
        for part_name, part in (("title", title), ("lede", lede_head)):
            found = _refine(label, part)
            if found is not None:
                subtype, phrase = found
                evidence.append(Evidence(rule=f"subtype.{subtype}@{part_name}", phrase=_phrase(phrase)))
                break
        if subtype is None:
            subtype = DEFAULT_SUBTYPE[label]
    else:
        for upgrade in LEDE_UPGRADES.get((label, subtype), ()):
            up = RULES_BY_NAME[upgrade]
            span = fires(up, lede_head, context) if where == "title" else None
            if span is not None:
                subtype = up.subtype or subtype
                phrase = _phrase(lede_head[span[0] : span[1]])
                evidence.append(Evidence(rule=f"{up.name}@lede", phrase=phrase))
                break

    if subtype not in TAXONOMY.get(label, ()):  # defensive: never return an invalid pair
        subtype = DEFAULT_SUBTYPE[label]
    return label, subtype, evidence


def subtype_for(label: str, title: str, lede: str) -> tuple[str, Evidence | None]:
    """The subtype of ``label`` from the first rule of that label that fires (title, then lede), else the default."""
    if label == "other":
        return "other", None
    lede_head = lede[:LEDE_CHARS]
    context = f"{title}\n{lede_head}"
    low_context = _lowered(context)
    for where, text in (("title", title), ("lede", lede_head)):
        # the gates and lower-cased twins, as in decide (test_speed_paths: the same spans as the plain patterns)
        hit = _first_rule(text, context, where == "title", low_context, label)
        if hit is not None:
            rule, phrase = hit
            sub = rule.subtype
            if sub is None:
                for s, rx in SUBTYPE_REFINERS.get(label, ()):
                    if rx.search(context):
                        sub = s
                        break
            sub = sub if sub in TAXONOMY[label] else DEFAULT_SUBTYPE[label]
            return sub, Evidence(rule=f"{rule.name}@{where}", phrase=_phrase(phrase))
    return DEFAULT_SUBTYPE[label], None


#: Broad concepts whose hits the model may overrule as freely as a miss (see :func:`rule_strength`).
WEAK_RULES = frozenset({
    "readout.generic", "readout.presentation", "readout.interim", "readout.final", "readout.endpoint",
    "regulatory.update", "regulatory.meeting", "enrollment.other",
})


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Where the model may overrule the rules (fitted by cross-validation on train, shipped with the model).

    * no rule fired, or a weak rule (title-only or generic): an event when P(other) < ``event``;
    * a specific event rule fired: it stands unless P(other) >= ``veto``;
    * an explicit ``other.*`` rule fired (earnings, financing, "to present", ...): it stands unless there is a
      lede (the words the rule did not judge) and P(other) < ``rescue``.
    """

    event: float = 0.5
    veto: float = 0.9
    rescue: float = 0.1


def rule_strength(rule_name: str | None) -> str:
    """"none", "other" (an explicit other.* rule), "weak" or "strong" for the rule that decided."""
    if not rule_name:
        return "none"
    name = rule_name.split("@", 1)[0]
    if name.startswith("other."):
        return "other"
    rule = RULES_BY_NAME.get(name)
    if rule is None or rule.subtype is None or name in WEAK_RULES:
        return "weak"
    return "strong"


def combine(
    title: str, lede: str, label: str, subtype: str, evidence: list[Evidence], probs: dict[str, float],
    thresholds: Thresholds = Thresholds(),
) -> tuple[str, str, list[Evidence], float]:
    """Label by the rules and the model together (see :class:`Thresholds`), subtype by the rules.

    When the model agrees with the rules, the rules' subtype and evidence stand. When it overrules them, the
    subtype comes from the first rule of the model's label that fires (else the label's default) and the
    evidence says the model decided, with its probability and what the rules had said.
    """
    p_other = probs.get("other", 0.0)
    best_event = max((lab for lab in probs if lab != "other"), key=lambda lab: probs[lab])
    strength = rule_strength(None if evidence[0].rule.startswith("default.") else evidence[0].rule)
    if strength == "strong":
        new = "other" if p_other >= thresholds.veto else label
    elif strength == "other":
        new = best_event if lede and p_other < thresholds.rescue else "other"
    else:
        new = "other" if p_other >= thresholds.event else best_event
    if new == label:
        confidence = probs.get(label, 0.0) if strength != "strong" else max(probs.get(label, 0.0), 1 - p_other)
        return label, subtype, evidence, confidence
    confidence = probs.get(new, 0.0) if new == "other" else 1 - p_other
    new_sub, ev = subtype_for(new, title, lede)
    out = [Evidence(rule=f"model.{new}", phrase=f"p={confidence:.2f}; rules said {label}/{subtype}")]
    if ev is not None:
        out.append(ev)
    return new, new_sub, out, confidence


def _learned(
    title: str, lede: str, label: str, subtype: str, evidence: list[Evidence]
) -> tuple[str, str, list[Evidence], float]:
    """Let the shipped label model decide the label (see :func:`combine`); rules alone when it is missing."""
    model = load_model()
    if model is None:
        return label, subtype, evidence, 0.5 if evidence[0].rule.startswith("default.") else 0.8
    rule = None if evidence[0].rule.startswith("default.") else evidence[0].rule
    probs = model.predict_text(title, lede, rule, label if rule else None)  # = predict(features(...)), faster
    return combine(title, lede, label, subtype, evidence, probs, Thresholds(*model.thresholds))


def _decide_foreign(language: str, title: str, lede: str) -> tuple[str, str, list[Evidence], float]:
    """Label a release not in English: the keyword rules of its language, or say we do not understand it.

    The learned model is English-only, so it is not asked; the confidence is a fixed, modest figure.
    """
    if language not in SUPPORTED:
        # The English rules still catch what is written in English inside (acronyms such as "FDA" rarely
        # suffice on their own, so a hit is reported with low confidence).
        label, subtype, evidence = decide(title, lede)
        note = Evidence(rule="language.unsupported", phrase=language)
        if label == "other":
            return "other", "other", [note], 0.3
        return label, subtype, [*evidence, note], 0.4
    hit = first_language_rule(language, title, lede[:LEDE_CHARS])
    if hit is None:
        return "other", "other", [Evidence(rule=f"language.{language}.no_rule_matched", phrase="")], 0.6
    rule, phrase, where = hit
    return rule.label, rule.subtype or DEFAULT_SUBTYPE[rule.label], [
        Evidence(rule=f"language.{rule.name}@{where}", phrase=_phrase(phrase))
    ], 0.7


#: Core facts also taken from a body when the title and lede do not state them.
BODY_FACT_KEYS = ("endpoint_met", "hazard_ratio", "p_value", "orr", "cr_rate", "n_patients", "pdufa_date", "nct_id",
                  "phase", "indication")


BODY_CORE_CHARS = 8_000  # core facts are stated near the top of a release; the rest is detail and boilerplate


@dataclass(frozen=True, slots=True)
class Analysis:
    """What :func:`classify` works out from the title and lede; :meth:`finish` adds what a body states.

    The release page of an event is read after the event is known, so the pipeline analyses the title and lede
    once, and finishes the same analysis a second time with the page instead of classifying the item again.
    """

    title: str  # prepared (normalised quotes, "FDA", spaces)
    lede: str
    label: Label
    subtype: str
    evidence: tuple[Evidence, ...]
    confidence: float
    programs: tuple[str, ...]
    sponsor: str | None
    language: str
    lede_facts: dict[str, Any]  # core facts of the title and lede (never mutated)
    not_trials: frozenset[str]

    def finish(self, body: str | None = None) -> Classification:
        """The classification; ``body`` (the release page, HTML or text) adds results, safety, meeting, design
        and core facts the lede does not state."""
        facts = dict(self.lede_facts)
        text_b = body_text(body) if body else ""
        if text_b:
            body_facts = extract_facts(self.title, text_b[:BODY_CORE_CHARS], self.label, self.subtype, self.not_trials)
            for key, value in body_facts.items():
                if key in BODY_FACT_KEYS and key not in facts:
                    facts[key] = value
        head = f"{self.title}\n{self.lede[:FACT_CHARS]}"
        facts.update(detail_facts(f"{head}\n{text_b}" if text_b else head, self.label, self.subtype,
                                  detailed=bool(text_b)))
        if self.language != "en":
            facts["language"] = self.language
        # every field is built here with its declared type: skip pydantic's validation (a measurable share per item)
        return _construct({
            "label": self.label,
            "subtype": self.subtype,
            "programs": list(self.programs),
            "sponsor": self.sponsor,
            "facts": facts,
            "evidence": list(self.evidence),
            "confidence": round(self.confidence, 4),
        })


_FIELDS = frozenset(Classification.model_fields)
_set = object.__setattr__


def _construct(values: dict[str, Any]) -> Classification:
    """``Classification.model_construct(**values)`` for a value of every field, in field order: the four attributes
    it sets, without its walk over the fields' aliases and defaults (``test_speed_paths``: equal objects)."""
    c = Classification.__new__(Classification)
    _set(c, "__dict__", values)
    _set(c, "__pydantic_fields_set__", set(_FIELDS))
    _set(c, "__pydantic_extra__", None)
    _set(c, "__pydantic_private__", None)
    return c


_NAME_WORD = re.compile(r"[\w\-]+")


def analyse(
    title: str, summary: str = "", source: str | None = None, programs: ProgramFinder | None = None,
) -> Analysis:
    """Label, subtype, programmes, sponsor and lede facts of one release (see :func:`classify`)."""
    title_p = _prepare(title, MAX_TITLE)
    summary_p = _prepare(summary, MAX_SUMMARY)
    lede = _lede(summary_p, title_p)

    language = detect_language(title_p, lede)
    if language == "en":
        label, subtype, evidence = decide(title_p, lede)
        label, subtype, evidence, confidence = _learned(title_p, lede, label, subtype, evidence)
    else:
        label, subtype, evidence, confidence = _decide_foreign(language, title_p, lede)

    sponsor = None
    try:
        sponsor = find_sponsor(title_p, summary_p)
    except Exception:  # pragma: no cover - defensive, sponsor is best effort
        sponsor = None

    text = f"{title_p}\n{summary_p[:DRUG_CHARS]}"
    names: list[str] = []
    if programs is not None:
        try:
            names.extend(str(n) for n in programs.find(f"{title}\n{summary}"))
        except Exception:  # a faulty store must not break classification
            pass
    exclude = frozenset(w.casefold() for w in _NAME_WORD.findall(sponsor or "") if len(w) > 3)
    found = find_drug_names(text, exclude, head=f"{title_p}\n{lede[:300]}")
    # a company named in the text (suffix, ticker, partner, the lede's company) is never a programme
    names.extend(n for n in found if not is_company(n, title_p, summary_p))

    programs_found = dedupe(names)
    not_trials = frozenset(p.casefold() for p in programs_found) | frozenset(
        w.casefold() for w in (sponsor or "").split()
    )
    facts = extract_facts(title_p, lede[:FACT_CHARS], label, subtype, not_trials)
    return Analysis(title_p, lede, label, subtype, tuple(evidence), confidence,  # type: ignore[arg-type]
                    tuple(programs_found), sponsor, language, facts, not_trials)


def classify(
    title: str, summary: str = "", source: str | None = None, programs: ProgramFinder | None = None,
    *, body: str | None = None,
) -> Classification:
    """Classify one release from its title and summary (the lede); ``body``, the release page as HTML or plain
    text, adds facts (results, safety, meeting, design, and core facts the lede does not state)."""
    return analyse(title, summary, source, programs).finish(body)

"""Rule-based classifier for biotech press-release headlines.

``classify(title, summary, source, programs)`` returns a :class:`Classification`:

* ``label`` / ``subtype`` — from the taxonomy in ``shared/corpus/README.md`` (see :data:`rules.TAXONOMY`),
  decided by the first rule of the precedence table in :mod:`.rules` that fires on the title, else on the lede;
* ``programs`` — names from the optional :class:`ProgramFinder` first, then drug names recognised on their own
  (:mod:`.drug_names`: INN stems, code names, ®/™ brands), deduplicated case-insensitively;
* ``sponsor`` — the announcing company (:mod:`.sponsor`);
* ``facts`` — see :mod:`.facts` for the keys (``designation``, ``indication``, ``pdufa_date``, ``decision``,
  ``endpoint_met``, ``orr``, ``cr_rate``, ``n_patients``, ``hazard_ratio``, ``p_value``, ``phase``,
  ``trial_name``, ``enrollment_count``, ``guidance``, ``hold_status``, ``nct_id``);
* ``evidence`` — the rule(s) that decided, each with the phrase it matched and where (``title``/``lede``).
"""

from __future__ import annotations

import re
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from .drug_names import dedupe, find_drug_names
from .facts import extract_facts
from .rules import DEFAULT_SUBTYPE, LEDE_UPGRADES, RULES, RULES_BY_NAME, SUBTYPE_REFINERS, TAXONOMY, Rule
from .sponsor import find_sponsor

__all__ = ["Classification", "Evidence", "ProgramFinder", "classify"]

Label = Literal["readout", "enrollment", "regulatory", "other"]

MAX_TITLE = 1_000
MAX_SUMMARY = 6_000
LEDE_CHARS = 700  # how much of the (boilerplate-stripped) summary the label rules look at


class Evidence(BaseModel):
    rule: str
    phrase: str


class Classification(BaseModel):
    label: Label = "other"
    subtype: str = "other"
    programs: list[str] = Field(default_factory=list)
    sponsor: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)


class ProgramFinder(Protocol):
    """Finds names of known programmes (from the store) in a text."""

    def find(self, text: str) -> list[str]: ...


# --- text preparation ------------------------------------------------------------------------------------
_TRANSLATE = str.maketrans({
    "’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " ", "\u2009": " ", "\u202f": " ", "‐": "-", "‑": "-",
    "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8", "₉": "9",
})
_FDA_DOTS = re.compile(r"\bF\.\s?D\.\s?A\.?|\b(?:U\.S\.\s+)?Food and Drug Administration(?:\s*\((?:U\.S\.\s*)?FDA\))?")
_EMA_LONG = re.compile(r"\bEuropean Medicines Agency(?:\s*\(EMA\))?")
_WS = re.compile(r"\s+")
_BOILERPLATE_END = re.compile(
    r"\b(?:today|has|have)\s+(?:announced|announces|reported|reports|presented|provided|confirmed|shared|"
    r"released|published)\b|\b(?:announced|announces|reported|reports|presented|provides|confirmed|shared)\s+today\b"
)
_DATELINE = re.compile(r"\((?:GLOBE NEWSWIRE|BUSINESS WIRE|PR NEWSWIRE|ACCESSWIRE)\)|NEWSWIRE|NewMediaWire|"
                       r"^\s*[A-Z][A-Za-z .,&;]{2,60}\d{4}", re.IGNORECASE)


def _prepare(s: str, limit: int) -> str:
    if not isinstance(s, str):
        s = "" if s is None else str(s)
    s = s[:limit].translate(_TRANSLATE)
    s = _FDA_DOTS.sub("FDA", s)
    s = _EMA_LONG.sub("EMA", s)
    return _WS.sub(" ", s).strip()


def _lede(summary: str, title: str) -> str:
    """The summary without the dateline/company boilerplate, and without a repeat of the title."""
    if not summary or summary == title:
        return ""
    if _DATELINE.search(summary[:200]):
        m = _BOILERPLATE_END.search(summary, 0, 900)
        if m:
            summary = summary[m.end():]
    return summary.strip(" -–—:,")


# --- rule engine -----------------------------------------------------------------------------------------
def _fires(rule: Rule, text: str, context: str) -> re.Match[str] | None:
    m = rule.pattern.search(text)
    if m is None:
        return None
    if rule.requires is not None and rule.requires.search(context) is None:
        return None
    if rule.unless is not None and rule.unless.search(context) is not None:
        return None
    return m


def _first_rule(text: str, context: str, in_title: bool) -> tuple[Rule, re.Match[str]] | None:
    if not text:
        return None
    for rule in RULES:
        if rule.title_only and not in_title:
            continue
        m = _fires(rule, text, context)
        if m is not None:
            return rule, m
    return None


def _phrase(m: re.Match[str]) -> str:
    p = m.group(0).strip()
    return p if len(p) <= 200 else p[:197] + "..."


def decide(title: str, lede: str) -> tuple[str, str, list[Evidence]]:
    """Label, subtype and evidence for a prepared title and lede."""
    lede_head = lede[:LEDE_CHARS]
    context = f"{title}\n{lede_head}"
    where = "title"
    hit = _first_rule(title, context, True)
    if hit is None:
        where = "lede"
        hit = _first_rule(lede_head, context, False)
    if hit is None:
        return "other", "other", [Evidence(rule="default.no_rule_matched", phrase="")]
    rule, m = hit
    label, subtype = rule.label, rule.subtype
    evidence = [Evidence(rule=f"{rule.name}@{where}", phrase=_phrase(m))]

    if subtype is None:  # generic rule: refine the subtype from the rest of the text
        for part_name, part in (("title", title), ("lede", lede_head)):
            for sub, rx in SUBTYPE_REFINERS.get(label, ()):
                r = rx.search(part)
                if r is not None:
                    subtype = sub
                    evidence.append(Evidence(rule=f"subtype.{sub}@{part_name}", phrase=_phrase(r)))
                    break
            if subtype is not None:
                break
        if subtype is None:
            subtype = DEFAULT_SUBTYPE[label]
    else:
        for upgrade in LEDE_UPGRADES.get((label, subtype), ()):
            up = RULES_BY_NAME[upgrade]
            r = _fires(up, lede_head, context) if where == "title" else None
            if r is not None:
                subtype = up.subtype or subtype
                evidence.append(Evidence(rule=f"{up.name}@lede", phrase=_phrase(r)))
                break

    if subtype not in TAXONOMY.get(label, ()):  # defensive: never return an invalid pair
        subtype = DEFAULT_SUBTYPE[label]
    return label, subtype, evidence


def classify(
    title: str, summary: str = "", source: str | None = None, programs: ProgramFinder | None = None
) -> Classification:
    title_p = _prepare(title, MAX_TITLE)
    summary_p = _prepare(summary, MAX_SUMMARY)
    lede = _lede(summary_p, title_p)

    label, subtype, evidence = decide(title_p, lede)

    sponsor = None
    try:
        sponsor = find_sponsor(title_p, summary_p)
    except Exception:  # pragma: no cover - defensive, sponsor is best effort
        sponsor = None

    text = f"{title_p}\n{summary_p}"
    names: list[str] = []
    if programs is not None:
        try:
            names.extend(str(n) for n in programs.find(f"{title}\n{summary}"))
        except Exception:  # a faulty store must not break classification
            pass
    exclude = frozenset(w.casefold() for w in re.findall(r"[\w\-]+", sponsor or "") if len(w) > 3)
    names.extend(find_drug_names(text, exclude))

    facts = extract_facts(title_p, lede, label, subtype)
    return Classification(
        label=label,  # type: ignore[arg-type]
        subtype=subtype,
        programs=dedupe(names),
        sponsor=sponsor,
        facts=facts,
        evidence=evidence,
    )

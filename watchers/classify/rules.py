"""The rule table: one row per concept, in precedence order.

Each :class:`Rule` says "if this pattern matches, the event is <label>/<subtype>". The table is read top to
bottom and the first rule that fires decides; the title is tried first, then the lede (the summary with the
wire-service boilerplate removed). Rules higher in the table therefore override rules lower down, which is how
the corpus conventions are encoded:

* framing rules for financing, earnings, investor events and "to present" announcements come first, because
  the primary event decides ("an earnings release that mentions a past designation is ``other``");
* regulatory *requests*, advisory committees, CHMP opinions, IND/CTA clearances and Rare Pediatric Disease
  designations (``regulatory/other``) come before the grants they resemble;
* clinical holds (imposed, partial, lifted) and meeting agreements come before approvals, because their
  headlines contain words like "Approval Pathway";
* priority review comes before acceptance ("Acceptance with Priority Review" is ``priority_review``);
* enrollment events come before readouts, because enrollment headlines often mention expected data;
* readouts are last, with subtype-specific rows before the generic one.

``requires`` and ``unless`` are optional extra patterns checked against the whole text (title + lede):
the rule fires only if ``requires`` matches and ``unless`` does not. ``title_only`` rules are weak concepts
(generic "new data", "regulatory update", "updated results") that decide only from the headline: in a lede
they are too often background ("… with preliminary data from …") rather than the news.

A rule whose ``subtype`` is ``None`` is *generic*: the label is decided, but the subtype is then refined from
the rest of the text with :data:`SUBTYPE_REFINERS` (falling back to :data:`DEFAULT_SUBTYPE`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .prescan import (
    AnySearch,
    AsciiSplit,
    StartSearch,
    ascii_twin,
    boundary_last,
    start_literals,
    top_level_alternatives,
)

FLAGS = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    label: str
    subtype: str | None
    pattern: re.Pattern[str]
    requires: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None
    title_only: bool = False
    gate: tuple[str, ...] = ()
    # Lower-cased twins of the case-insensitive patterns, run on lower-cased text: Python's ``re`` is about
    # twice as fast without IGNORECASE. ``None`` for case-sensitive rules.
    # A twin listed in START_SCANS is a StartSearch: the same search, tried only where its start literals occur.
    fast: re.Pattern[str] | StartSearch | None = None
    fast_requires: re.Pattern[str] | StartSearch | AnySearch | None = None  # (yes/no checks: see YES_NO_SPLITS)
    fast_unless: re.Pattern[str] | StartSearch | AnySearch | None = None
    # The lower-cased twin split into its top-level alternatives, each with its own gate (see PART_GATES);
    # empty when the rule's twin runs whole.
    fast_parts: tuple[tuple[tuple[str, ...], re.Pattern[str] | StartSearch], ...] = ()


def fires(
    rule: Rule, text: str, context: str, low: str | None = None, low_context: str | None = None
) -> tuple[int, int] | None:
    """Span of the rule's match in ``text`` if the rule fires, else None.

    ``low``/``low_context`` are the lower-cased texts (same length as the originals), used by the faster
    lower-cased patterns; without them the case-insensitive originals are used.
    """
    if low is not None and rule.gate and not any(map(low.__contains__, rule.gate)):
        return None
    return fires_open(rule, text, context, low, low_context)


def fires_open(
    rule: Rule, text: str, context: str, low: str | None = None, low_context: str | None = None
) -> tuple[int, int] | None:
    """:func:`fires` for a rule whose gate is known to be open."""
    if rule.fast is not None and low is not None and low_context is not None:
        if rule.fast_parts:
            span = _parts_search(rule, low)
            if span is None:
                return None
        else:
            m = rule.fast.search(low)
            if m is None:
                return None
            span = m.span()
        if rule.fast_requires is not None and rule.fast_requires.search(low_context) is None:
            return None
        if rule.fast_unless is not None and rule.fast_unless.search(low_context) is not None:
            return None
        return span
    m = rule.pattern.search(text)
    if m is None:
        return None
    if rule.requires is not None and rule.requires.search(context) is None:
        return None
    if rule.unless is not None and rule.unless.search(context) is not None:
        return None
    return m.span()


def _parts_search(rule: Rule, low: str) -> tuple[int, int] | None:
    """The span ``rule.fast.search(low)`` gives, from the alternatives whose literals occur (see PART_GATES)."""
    best: tuple[int, int] | None = None
    for gate, rx in rule.fast_parts:
        if any(map(low.__contains__, gate)):
            m = rx.search(low)
            if m is not None and (best is None or m.start() < best[0]):
                best = m.span()
    return best


def _c(p: str, flags: int = FLAGS) -> re.Pattern[str]:
    return re.compile(p, flags)


def lower_pattern(p: str) -> str:
    """Lower-case a regex source without touching escapes (``\\S`` must not become ``\\s``)."""
    out: list[str] = []
    i = 0
    while i < len(p):
        ch = p[i]
        if ch == "\\" and i + 1 < len(p):
            out.append(p[i : i + 2])
            i += 2
            continue
        out.append(ch.lower())
        i += 1
    return "".join(out)


def fold_lower(s: str) -> str | None:
    """``s`` lower-cased for the lower-cased twins and the speed gates, or None when they cannot be used on it.

    None when lower-casing changes the length (spans would not line up). Dotless ı and long ſ are the only
    letters that IGNORECASE matches to an ASCII letter (i, s) but ``str.lower`` leaves alone: they are folded
    to i and s (same length), so a twin on this text matches exactly where the case-insensitive pattern
    matches on the original, and a gate sees the letter the pattern sees.
    """
    low = gate_lower(s)
    return low if len(low) == len(s) else None


def gate_lower(s: str) -> str:
    """``s`` lower-cased with ı and ſ folded to i and s, for substring gates before case-insensitive patterns."""
    low = s.lower()
    if not low.isascii() and ("ı" in low or "ſ" in low):
        low = low.replace("ı", "i").replace("ſ", "s")
    return low


def _fast(p: str | None) -> re.Pattern[str] | None:
    # a leading "\b" moved behind the literal it guards (prescan.boundary_last: the same matches, found faster)
    return re.compile(boundary_last(lower_pattern(p))) if p else None


def R(
    name: str, label: str, subtype: str | None, pattern: str, requires: str | None = None,
    unless: str | None = None, flags: int = FLAGS, title_only: bool = False,
) -> Rule:
    case_insensitive = bool(flags & re.IGNORECASE)
    return Rule(
        name, label, subtype, _c(pattern, flags),
        _c(requires) if requires else None, _c(unless) if unless else None, title_only,
        fast=_fast(pattern) if case_insensitive else None,
        fast_requires=_fast(requires) if case_insensitive else None,
        fast_unless=_fast(unless) if case_insensitive else None,
    )


# --- shared fragments -----------------------------------------------------------------------------------
REG = (r"(?:FDA|Food and Drug Administration|EMA|European Medicines Agency|MHRA|PMDA|Health Canada|NMPA|TGA|"
       r"regulator\w*|SFDA|MFDS|TFDA|ANVISA|COFEPRIS|Swissmedic|Medsafe|"
       r"(?:Food and Drug|Medicines?|Health Products?|Regulatory|Health) (?:Regulatory )?(?:Authority|"
       r"Agency)|"
       # national regulators named in their own terms: Japan's ministry, EU member states' agencies, China's CDE
       r"MHLW|Ministry of Health,? Labou?r and Welfare|AEMPS|BfArM|Paul[- ]Ehrlich[- ]Institu\w+|ANSM|AIFA|"
       r"Agency (?:of|for) Medicines(?: and (?:Health|Medical) Products)?|competent authorit(?:y|ies)|"
       r"Center for Drug Evaluation|Ministry of (?:Public )?Health)")
APP = (r"(?:s?NDA|s?BLA|MAA|ANDA|NDS|PMA|510\s?\(k\)|De Novo|(?:new drug|biologics? license|"
    r"marketing authori[sz]ation|"
       r"supplemental \w+|premarket approval)\s+application|application|filing|dossier|submission|"
       r"supplement|(?:CMC )?technical section|type I{1,2}B? variation)")
APP_SPECIFIC = (r"\b(?:s?NDA|s?BLA|MAA|ANDA|PMA|510\s?\(k\)|De Novo|new drug application|"
    r"biologics? license application|"
                r"marketing authori[sz]ation application|premarket approval|UKCA|CE mark(?:ing)?)\b")
DESIG = (r"(?:fast[- ]track|breakthrough(?: therapy| device)?|orphan(?: drug)?|RMAT|regenerative medicine|"
         r"PRIME|priority medicines?)")
#: Approvals given by others than a regulator of the product: a stock exchange's listing, a payer's coverage.
NOT_A_REGULATOR = (r"\bapprov\w*\s+(?:of\s+|for\s+)?(?:\w+\s+){0,2}(?:listing|coverage|reimbursement)\b|"
                   r"\bapprov\w* to (?:list|trade)\b|"
                   r"\b(?:CMS|Medicare|Medicaid|stock exchange|CSE|TSX)\s+(?:\w+\s+){0,2}approv\w*")
FUTURE = r"(?:expected|anticipated|planned|on track|due|slated|to be (?:reported|announced|presented))"

MEETING = (
    r"(?:(?:type[- ][ABCD]|end[- ]of[- ]phase(?: \w+)?|EOP\d|pre-?(?:NDA|BLA|IND|MAA|submission)|"
    r"scientific advice|CMC|advice|guidance|BPD \w+|biosimilar \w+)\s+meeting|"
    r"meetings? with (?:the )?(?:U\.?S\.? )?" + REG + r"|(?:FDA|EMA|regulatory) meetings?|meeting request|"
    # Japan's PMDA (and others) hold "consultations": the same step as a meeting
    r"(?:PMDA|FDA|EMA|MHRA|regulatory|scientific|Agency) consultations?|consultations? with (?:the )?" + REG + r")"
)
OUTCOME = (
    r"(?:positive|successful|productive|constructive|favou?rable|agreement|alignment|aligned|agree[sd]?|"
    r"feedback|minutes|outcome|clarity|clarif\w+|confirm\w*|supportive|update (?:from|on)|results? of|"
    r"written responses?|supports?|supported|path forward|clear path)"
)

# Medical congresses where data are presented.
CONGRESS = (
    r"(?:meeting|congress|conference|symposium|sessions|summit|week|forum|ASCO|ESMO\S*|ASH|AACR|EHA|AAN|ADA|"
    r"EASL|AASLD|SITC|ASGCT|IDWeek|ACR|EULAR|AAD|ERS|ATS|ESC|ACC|AHA|CTAD|AAIC|ISTH|WCLC|SABCS|ASN|TCT|ENDO|"
    r"ObesityWeek|SNO|ECTRIMS|AES|ASRS|AAO|ARVO|DDW|UEGW|ACG|CROI|IAS|ESCMID)"
)

# Investor / financial conferences (as opposed to medical congresses where data are presented).
INVESTOR_CONF = (
    r"(?:health\s?care|investor|investment|growth|biotech\w*|life sciences?|healthcare|securities|capital|"
    r"j\.?\s?p\.? morgan|jefferies|cowen|evercore|wainwright|piper|stifel|guggenheim|leerink|truist|needham|"
    r"oppenheimer|bofa|bank of america|morgan stanley|goldman|citi|ubs|barclays|chardan|ladenburg|"
    r"lake street|"
    r"maxim|roth|b\.? riley|canaccord|baird|raymond james|wells fargo|william blair|bmo|jmp|kempen|degroof|"
    r"partnering|bio-europe|bio international|bio ceo)"
)

RULES: tuple[Rule, ...] = (
    # ---------------------------------------------------------------- other: framing of the whole release
    R("other.roundup", "other", "other",
      r"\bdaily dose\b|\bround[- ]?up\b|\bstocks? to watch\b|\bbiotech stock movers\b|\bweek in review\b"),
    R("other.earnings", "other", "other",
      # "\b" before the look-behinds: the same assertions at the same place, but it fails fast inside words
      r"\b(?<!in )(?<!by )(?<!in the )(?<!by the )(?<!during the )(?<!until the )(?<!end of the )(?<!expected )"
      r"(?:first|second|third|fourth|1st|2nd|3rd|4th)[- ]quarter\b|"
      r"\b(?<!in )(?<!by )(?<!during )(?<!until )(?<!expected )(?<!anticipated )(?<!planned )(?<!for )"
      r"Q[1-4]\s?(?:FY)?\s?'?\d{2,4}\b|\bresults for Q[1-4]\b|"
      r"\b(?:full[- ]year|fiscal(?: year)?|half[- ]year|annual|quarterly|year[- ]end)\s+"
      r"(?:\d{4}\s+)?(?:financial\s+)?(?:results|report|activities report)\b|"
      r"\bfinancial results\b|\bresults for the (?:\w+ ){0,3}(?:quarter|year|period)\b|\bearnings\b|"
      r"\b(?:preliminary|record|total|product|net) (?:\w+ ){0,3}revenues?\b|\brevenue (?:results|guidance)\b|"
      r"\bannual report\b|\bquarterly activities\b|\bjaarverslag\b|\brapport (?:annuel|financier)\b"),
    # Trials discontinued, paused or stopped are news even when announced inside a strategic or corporate update.
    R("enrollment.discontinued_in_update", "enrollment", "status_change",
      r"\b(?:discontinu\w*|terminat(?:es|ed|ing|ion of)|halt(?:s|ed|ing)?|stop(?:s|ped|ping)|paus(?:es|ed|ing)|"
      r"wind(?:s|ing)? down|clos(?:es|ed|ing) (?:out )?)\s+(?:the\s+|its\s+|two\s+|three\s+|all\s+|"
      r"several\s+|ongoing\s+)?(?:[\w/-]+\s+){0,3}?(?:clinical\s+)?(?:trials?|stud(?:y|ies)|programs?|"
      r"programmes?)\b",
      requires=r"\b(?:update|strategic|strategy|(?:re)?priorit\w*|restructur\w*|pipeline|reorgani[sz]\w*|"
      r"focus\w*)\b",
      unless=r"\bterminat\w* (?:\w+ ){0,2}agreement\b"),
    # "<Company> Provides Corporate Update ..." frames the release; "<Company> Announces Topline Results ...
    # and Provides Corporate Update" does not (the update is not the main verb).
    R("other.corporate_update", "other", "other",
      r"^\S+(?:\s+\S+){0,5}?\s+(?:to\s+)?(?:provides?|issues?|gives?|shares?|announces?)\s+(?:a |an |its )?"
      r"(?:[\w-]+ ){0,3}(?:corporate|business|strategic|shareholder|operational|pipeline) (?:update|"
      r"highlights)\b"),
    R("other.financing", "other", "other",
      r"\b(?<!concurrent )(?:public|secondary|registered direct|follow-on|underwritten|"
      r"bought deal|equity|initial public|ATM|at-the-market|share)\s+offering\b|"
      r"\b(?<!concurrent )private placement\b|\bpricing of\b|\bprices? (?:\$|upsized|its|public|offering)|"
      r"\brais(?:es|ed)\s+(?:up to\s+|approximately\s+|gross proceeds of\s+)?(?:US)?[$€£]|"
      r"\bfinancing\b|\b(?:debt|credit|loan|term loan)\s+(?:facility|agreement)\b|\bconvertible notes?\b|"
      r"\bwarrants? (?:exercise|inducement)\b|\broyalt(?:y|ies)\b.{0,60}\b(?:agreement|interest|sale|"
      r"monetiz)|"
      r"\b(?:sells?|sale of) (?:its |a )?(?:rare pediatric disease )?priority review voucher\b|\bIPO\b|"
      r"\bgross proceeds\b|\bshelf registration\b|\bcash runway\b|\bprospectus\b"),
    R("other.investor_event", "other", "other",
      r"\b(?:to|will) (?:participate|speak|ring)\b|\bto (?:present|host|hold)\b(?:(?!\b(?:data|"
      r"results)\b).){0,80}\b(?:conference|summit|forum|symposium|"
      r"fireside|event|day|webinar|webcast|call|bell|meeting)\b(?!.{0,40}\b(?:data|results)\b.{0,40}\d+\s?%)|"
      r"\b(?:participat\w+|present\w*) (?:at|in) (?:the |a |two |three |several |upcoming )?.{0,40}"
      + INVESTOR_CONF + r".{0,60}\b(?:conference|summit|forum|symposium|meeting|event)s?\b|"
      r"\b(?:conference call|webcast|webinar|fireside chat|investor day|r&d day|kol event)\b"
      r"(?!.{0,60}\b(?:data|results)\b)|\bupcoming investor\b|\binvestor conferences?\b"),
    R("other.future_results_event", "other", "other",
      r"\bto (?:report|announce|release|present|share|highlight|showcase|unveil)\b|"
      r"\bwill (?:present|report|announce|host|share)\b|"
      r"\b(?:to|will) (?:provide|give|deliver|offer) (?:an? )?(?:\w+ )?(?:update|overview|review)\b|"
      r"\b(?:to|will) (?:hold|host)\b.{0,40}\b(?:update|review)\b|"
      r"\bto be (?:presented|highlighted|featured|reported|shared|showcased|announced|discussed)\b|"
      r"\b(?:abstracts?|data|poster|presentation|trial|study|results)s?\b.{0,120}\b(?:accepted|selected) for "
      r"(?:[\w-]+ ){0,3}?(?:oral |"
      r"poster )?"
      r"(?:presentation|publication)|\bupcoming (?:oral |poster )?presentations?\b|"
      r"\bpresentations? at upcoming\b|\bat (?:the )?upcoming\b|\bacceptance of (?:[\w-]+ ){0,3}abstracts?\b|"
      r"^[^;,.–—]*\b(?:data|results|readout)\b[^;,.–—]{0,60}\b(?:expected|anticipated|slated|due (?:in|by|on|"
      r"next|this|later))\b|"
      # Guidance headlines: "X Expects Topline Data from ... in 2H 2027" announces timing, not data.
      r"\b(?:expects?|anticipates?|plans to report|on track to report)\s+(?:[\w-]+\s+){0,3}?(?:data|results|"
      r"readout)\b|"
      r"\b(?:timeline|timing|schedule) (?:for|of) (?:[\w'-]+ ){0,6}?(?:data|results|readout|submission|filing|"
      r"application)\b|\b(?:webcast|conference call|call|webinar) to (?:discuss|review)\b|"
      r"\b(?:data|results|readout) (?:release |announcement )?(?:timing|timeline|postpone\w*|delay\w*)\b",
      unless=r"\b(?<!expects )(?<!expect )(?<!anticipates )(?<!anticipate )(?<!to report )(?<!to announce )"
      r"(?<!to release )(?<!to present )(?<!to share )(?<!will report )(?<!will announce )(?<!will present )"
      r"top[- ]?line (?:results|data)\b(?![^;,.–—]{0,60}\b(?:expected|anticipated|planned|slated|"
          r"due|"
      r"on track)\b)|"
      r"\b(?:met|achieved|did not meet|failed to meet|missed) (?:its |the |both |all )?(?:co-)?primary|"
      r"\d+(?:\.\d+)?\s?%(?! (?:owned|interest|stake|of (?:the )?(?:shares|outstanding)))|"
      r"\bp\s?[<=≤]\s?0?\.\d"),
    R("other.baseline", "other", "other",
      r"\b(?:protocol|study|trial) design\b|\bdesign of (?:the |its |an? )?(?:upcoming|planned|ongoing|new)\b|"
      r"\bbaseline (?:\w+ ){0,2}(?:characteristics|demographics)\b|\b(?:patient|participant|subject) "
      r"(?:demographics|characteristics)\b",
      unless=r"\b(?:feedback|agree\w*|align\w*|advice|guidance|concurrence)\b.{0,60}\b" + REG + r"\b|\b"
      + REG + r"\b.{0,60}\b(?:feedback|agree\w*|align\w*|advice|guidance|concurrence)\b"),
    R("other.preclinical", "other", "other",
      r"\b(?:pre-?clinical|non-?clinical|in vivo|in vitro|animal|murine|mouse|primate)\b",
      unless=r"\b(?:phase [\dI]|(?<!pre-)(?<!pre)(?<!non-)(?<!non)clinical (?:and (?:pre-?clinical|translational) )?"
      r"(?:data|results|trial|study|findings)|"
      r"first-in-human)"),
    # Data presented that are not clinical results, or presentations announced without their results.
    R("other.presentation_without_results", "other", "other",
      r"\b(?:present\w*|highlight\w*|showcas\w*|shar\w*|featur\w*)\b.{0,100}\b(?:data|results|findings)\b",
      requires=r"\b(?:non-?clinical|IND-enabling|mouse models?|murine|in vivo|animal models?)\b|"
      r"^(?![\s\S]*\d\s?%)[\s\S]*\b(?:will (?:present|be presenting|share|highlight)|to be presented|upcoming|"
      r"will be (?:given|presented|delivered|featured)|(?:to be|will be) held)\b"),
    R("regulatory.review_response", "regulatory", "other",
      r"\b(?:respon\w+|answer\w*|repl\w+)\s+(?:to\s+)?(?:\w+\s+){0,5}?(?:questions|queries|requests? for information|"
      r"list of (?:questions|outstanding issues))\b",
      requires=REG + r"|\bCHMP\b|" + APP_SPECIFIC + r"|\bnew drug submission\b|\bunder review\b"),
    R("other.people", "other", "other",
      r"\bappoint\w*\b|\b(?:names|named|hires|elects|promotes)\b.{0,60}\b(?:chief|officer|president|director|"
      r"CEO|CFO|CMO|COO|CSO|chair\w*|head|board)\b|\bjoins\b.{0,40}\b(?:board|team)\b|\bsuccession\b|"
      r"\b(?:leadership|management|board) (?:changes?|transition|update)\b|\bretire(?:s|ment)\b|"
      r"\bresign\w*\b|"
      r"\bscientific advisory board\b|\bboard of directors\b|\bsteps down\b"),
    R("other.corporate", "other", "other",
      r"\b(?:license|licensing|collaboration|partnership|commerciali[sz]ation|distribution|supply|"
      r"co-development|"
      r"development|option|research|merger|asset purchase|purchase|definitive|strategic|"
      r"exclusive)\s+(?:agreement|deal)\b|"
      r"\b(?:partners|collaborates|teams up) with\b|\b(?:strategic )?(?:collaboration|partnership) with\b|"
      r"\bletter of intent\b|\b(?:to )?acquir(?:e|es|ed|ing|ition)\b|\bmerger\b|\bmerge\b|"
      r"\bmilestone payments?\b|\bawards? (?:\$[\d.]+\s?\w*\s+(?:in\s+)?)?(?:funding|grants?|contract)\b|"
      r"\bfunding (?:for|to support)\b|\bclinical (?:trial )?(?:collaboration|supply)\b|"
      r"\b(?:national |public )?reimbursement\b|\bformulary\b|"
      r"\b(?:exclusive|worldwide|global|commercial|non-exclusive)(?:,? (?:global|worldwide|commercial|exclusive))*"
      r" licen[cs]e\b|\b(?:in|out)-licens\w*|\blicen[cs]es? (?:to|from|for) (?!the FDA)|"
      r"\bdivest\w*\b|\b(?:sale|sells?|sold|selling) (?:of )?(?:its |the |an? |all )?(?:\w+ ){0,4}?"
      r"(?:product|asset|rights|business|portfolio|franchise|unit|subsidiary)s?\b|\bcarve-?out\b|\bspin-?off\b|"
      r"\bbusiness combination\b|"
      r"\bpatents?\b|\bnasdaq (?:listing|minimum|compliance|notice|biotech(?:nology)? index)\b|"
      r"\b(?:regains?|regained) compliance\b|\blisting (?:rule|requirements?)\b|\binducement grants?\b|"
      r"\binducement (?:grants?|awards?)\b|\bvoting rights\b|\bshareholders?\b|\bstockholders?\b|"
      r"\bgeneral meeting\b|\breverse (?:stock |share )?split\b|"
      r"\bshare (?:repurchase|buyback)\b|\bworkforce\b|\brestructur\w*\b|\bstrategic (?:alternatives|review|"
      r"reprioriti[sz]ation)\b|\bcorporate (?:name|rebrand\w*)\b|\bname change\b|\bdividend\b|"
      r"\bcommercial launch\b|\blaunch price\b|\b(?:U\.?S\.?|commercial|product|market) launch\b|"
      r"\bgrant application\b|\bgrant (?:funding|award)\b|\b(?:company |corporate |strategic |"
      r"\d{4} )(?:priorities|milestones|outlook|goals)\b|"
      r"\boutlook for \d{4}\b|\blaunch(?:es|ed)? (?:\w+ ){0,3}(?:in|across) (?:the )?(?:U\.?S|Europe|EU|"
      r"Japan|China)|"
      r"\bgrants? (?:from|awarded)\b|\bawarded (?:a )?(?:\$[\d.]+ ?\w*|grant|contract)\b|\bcontract\b"),

    # ---------------------------------------------------------------- regulatory/other: look-alikes of grants
    R("regulatory.designation_request", "regulatory", "other",
      r"\b(?:submi\w+|request\w*|appl(?:y|ies|ied|ication) for|seek\w*|files?|filed)\s+"
      r"(?:(?!under\b|with\b|following\b|after\b|granted\b)\w+\s+){0,4}?(?:a |an |for )?"
      + DESIG + r"(?:\s+(?:drug|therapy|device))?(?:\s+(?:designation|status))?\b|"
      + DESIG + r"(?:\s+(?:drug|therapy))?\s+(?:designation\s+)?(?:request|application|submission)\b",
      unless=r"\b(?:grants?|granted|approv(?:es|ed))\s+(?:[\w']+\s+){0,3}?request\b"),
    R("regulatory.advisory_committee", "regulatory", "other",
      r"\badvisory committee\b|\bAdComm?\b|\bODAC\b|\bVRBPAC\b|"
      r"\b(?:FDA|agency|expert|advisory|outside)\s+(?:panel|advis[eo]rs)\b.{0,40}\b(?:vot\w*|backs?|"
      r"recommend\w*|"
      r"endorse\w*|rejects?|against)\b|\bpanel (?:votes?|backs|rejects|recommends|endorses)\b"),
    R("regulatory.chmp_opinion", "regulatory", "other",
      r"\bCHMP\b|\bpositive opinion\b|\bCommittee for (?:Medicinal|Orphan) Products\b|\bCOMP\b|"
      r"\b(?:EU|European|EMA) (?:regulators?|committee|panel)\b.{0,30}\b(?:recommend\w*|backs?|"
      r"endorse\w*)\b"),
    R("regulatory.ind_clearance", "regulatory", "other",
      r"\b(?:IND|CTA|CTN|investigational (?:new drug|device exemption)|clinical trial application|IDE)\b.{0,60}"
      r"\b(?:clear\w*|"
      r"authori[sz]\w*|"
      r"approv\w*|accept\w*|allow\w*|go[- ]ahead|active|effective|submi\w*|fil\w*)\b|"
      r"\b(?:clear\w*|authori[sz]\w*|approv\w*|accept\w*|submi\w*|fil(?:es|ed|ing))\b.{0,40}\b(?:IND|CTA|CTN|"
      r"investigational (?:new drug|device exemption)|clinical trial application|IDE)s?\b|"
      r"\b(?:approval|clearance|authori[sz]ation|permission|green light|nod)(?: (?:from|by) [^,;:]{0,60}?)? "
      r"to (?:initiate|begin|start|commence|conduct|proceed|enroll|launch|open)\b|\bmay proceed\b|"
      r"\b(?:authori[sz]es|clears|allows)\b.{0,30}\b(?:phase [\dI]\w* |clinical )?(?:trial|study)\b|"
      r"\b(?:regulatory )?(?:clearance|approval|authori[sz]ation)\b.{0,30}\b(?:for|"
      r"of)\b.{0,20}\b(?:phase [\dI]\w*|"
      r"clinical (?:trial|study)|first-in-human|(?:\w+ )?(?:trial|study))\b",
      requires=r"\b(?:IND|CTA|CTN|IDE|FDA|EMA|MHRA|regulator\w*|clinical|trials?|stud(?:y|ies)|first-in-human|"
      r"Health Canada|PMDA|NMPA|TGA|agency|authority)\b",
      unless=r"\bclinical hold\b|\bon (?:partial )?hold\b|\b(?:anticipat\w*|expect\w*|plan\w*|intend\w*|on track)\s+"
      r"(?:to\s+)?(?:submit\w*|fil(?:e|ing)|open\w*)\s+(?:\w+\s+){0,3}(?:IND|CTA|CTN)s?\b|" + NOT_A_REGULATOR),
    # A regulator allowing an expanded access programme (or more patients in it) is not a product approval.
    R("regulatory.expanded_access", "regulatory", "other",
      r"\b(?:approv\w*|clear\w*|accept\w*|allow\w*|authori[sz]\w*)\b.{0,80}\bexpanded access\b|"
      r"\bexpanded access (?:program|protocol)s?\b.{0,40}\b(?:approv\w*|clear\w*|allow\w*|authori[sz]\w*)\b",
      requires=REG),
    # A regulator refusing to file an application, and a regulator's inspection or GMP audit of a product's site
    # (and its findings: a Form 483, a warning letter) are regulatory steps that are neither a CRL nor an approval.
    R("regulatory.refusal_to_file", "regulatory", "other",
      r"\brefus\w*[- ]to[- ]file\b|\bRTF letter\b|\bwithdr(?:aw|aws|awn|awal|ew)\b(?:\s+\S+){0,4}?\s+"
      + APP_SPECIFIC + r"|"
      # a marketing authorisation revoked or suspended is the regulator's step back, not an approval
      r"\b(?:revok\w*|revocation|suspen\w*)\b.{0,60}\bmarketing authori[sz]ations?\b|"
      r"\bmarketing authori[sz]ations?\b.{0,80}\b(?:revoked|suspended)\b"),
    R("regulatory.inspection", "regulatory", "other",
      r"\b(?:c?GMP|good manufacturing practices?(?: \(c?GMP\))?|pre-?approval|pre-?license|PAI|PLI|regulatory|"
      r"FDA|EMA)\s+(?:\w+\s+)?(?:inspections?|audits?)\b|\bwarning letter\b|\bForm 483\b",
      requires=REG + r"|\bministry\b|\bGMP\b|good manufacturing",
      unless=r"\b(?:upcoming|scheduled|expected|anticipated|planned|to undergo)\b.{0,40}\b(?:inspection|audit)s?\b|"
      r"\b(?:inspection|audit)s?\b.{0,30}\b(?:expected|anticipated|scheduled|planned)\b"),
    R("regulatory.protocol_change", "regulatory", "other",
      r"\b(?:approv\w*|clear\w*|accept\w*)\b.{0,80}\b(?:protocol amendment|protocol|(?<!label )amendment|"
      r"study design|trial design|(?:manufacturing |production )?(?:facility|plant)|"
      r"manufacturing site)\b",
      unless=r"\bclinical hold\b"),
    R("regulatory.dsmb", "enrollment", "status_change",
      r"\b(?:DSMB|iDMC|IDMC|DMC|DSMC|data (?:and )?safety monitoring (?:board|committee)|"
      r"independent data monitoring "
      r"committee|data monitoring committee|safety review committee|SRC|dose escalation committee)\b"),

    # ---------------------------------------------------------------- regulatory actions
    R("regulatory.clinical_hold", "regulatory", "clinical_hold",
      r"\bclinical hold\b|\b(?:put|puts|placed|places|placing)\b.{0,80}\bon (?:a )?(?:partial |full )?"
      r"(?:clinical )?hold\b|\b(?:impos\w*|issu\w*)\b.{0,40}\b(?:partial |full )?hold\b|"
      r"\b(?:lift\w*|remov\w*|releas\w*)\b.{0,30}\bhold\b|\bhold\b.{0,30}\b(?:lifted|"
      r"removed)\b"),
    R("regulatory.meeting_agreement", "regulatory", "meeting_agreement",
      r"\b" + OUTCOME + r"\b.{0,50}\b" + MEETING + r"|\b" + MEETING + r".{0,50}\b" + OUTCOME + r"\b|"
      r"\b(?:alignment|align\w*|agreement|agrees?|agreed|consensus|concurrence)\s+(?:\w+\s+){0,2}with "
      r"(?:the )?(?:U\.?S\.? )?" + REG + r"|\bspecial protocol assessment\b|\bSPA\b|"
      r"\b" + REG + r" (?:meeting )?minutes\b|"
      r"\b(?:positive|favou?rable|supportive|constructive)\s+(?:\w+\s+){0,2}?(?:scientific advice|"
      r"regulatory (?:feedback|advice|guidance))\b|\b(?:outcome|conclusion)s? (?:of|from) (?:the |a |its )?"
      r"(?:\w+ ){0,2}scientific advice\b|\bscientific advice\b.{0,80}\b(?:support\w*|agree\w*|align\w*|"
      r"confirm\w*|endors\w*)\b|"
      r"\b(?:feedback|guidance|advice) from (?:both )?(?:the )?(?:U\.?S\.? )?(?:\w+\s+){0,2}?" + REG
      + r"\b.{0,60}\b(?:path\w*|design|registration|approval|submission|phase|trial|study|plan)|"
      # the agency's written answers in place of a meeting, or the agency itself agreeing to a plan
      r"\bwritten (?:responses?|feedback|answers?) from (?:the )?(?:U\.?S\.? )?" + REG + r"|"
      r"\b" + REG + r"\s+(?:has\s+)?(?:agrees?|agreed|concurs?|concurred|aligns?|aligned)\b(?!\s+to (?:meet|hold))|"
      r"\b" + REG + r"\s+(?:feedback|advice|guidance|agreement|alignment|concurrence)\s+(?:on|for|regarding|"
      r"supporting|confirming)\b",
      unless=r"\bmeeting request\b|\b(?:to|will) (?:hold|have|meet)\b|\bschedul\w+\b"),
    R("regulatory.meeting", "regulatory", "other", MEETING),
    R("regulatory.crl", "regulatory", "crl",
      r"\b(?:receiv\w*|issu\w*|gets?|got|obtain\w*|sent|sends)\s+(?:a |an |the )?(?:\w+\s+){0,2}"
      r"(?:complete response letter|CRL)\b|\b(?:complete response letter|CRL)s?\s+(?:for|on|to|regarding|"
      r"from|"
      r"issued|received)\b|\bCRL\b(?=.{0,10}$)|^(?:\w+\s+){0,3}CRL\b|"
      r"\b(?:FDA|regulators?)\s+(?:rejects|declines to approve|turns down|spurns|refuses to approve)\b"),
    R("regulatory.submission_for_approval", "regulatory", "submission",
      r"\b(?:submi\w+|fil(?:es|ed|ing|ings)|seek\w*|appl(?:y|ies|ied|"
      r"ication)s?)\s+(?:for\s+)?(?:\w+\s+){0,2}?"
      r"(?:marketing |regulatory |FDA |EU )?(?:approval|authori[sz]ation|clearance)\b",
      unless=r"\bclinical hold\b"),
    R("regulatory.accelerated_approval", "regulatory", "accelerated_approval",
      r"\baccelerated approval\b(?!\s+(?:pathway|path|route|strategy|plan|program|submission|application|"
      r"filing))",
      unless=r"\b(?:seek\w*|pursu\w*|support\w*|potential|eligible|plans? to|intend\w*|could|may|would)\s+"
      r"(?:\w+\s+){0,3}accelerated approval"),
    R("regulatory.approval", "regulatory", "approval",
      r"\b(?<!newly )(?<!recently )(?:" + REG + r"|European Commission|EC|Commission|Japan\w*|China)\)?\s+"
      r"(?:has |have )?(?:grants? |granted )?(?:full |conditional |marketing |premarket )?approv(?:es|ed|"
      r"al)\b|"
      r"\bapprov(?:es|ed|al)\b.{0,40}\bby (?:the )?(?:U\.?S\.? )?" + REG + r"|"
      r"\b(?:receiv\w*|grant\w*|obtain\w*|wins?|secur\w*|gains?|announces?)\s+(?:[\w-]+\s+){0,3}"
      r"(?:full |conditional |marketing |regulatory |FDA |EU |European |U\.?S\.? )*(?:approval|"
      r"authori[sz]ation|"
      r"clearance)\b(?!\s+(?:application|request|submission))|"
      # a product's label widened or changed by its regulator is an approval (of the new label)
      r"\bapprov\w*\b.{0,60}\b(?<!open-)(?<!open )label (?:update|expansion|extension|amendment|change)s?\b|"
      r"\b(?:expanded|updated|new|broader) label\b.{0,40}\bapprov\w*|"
      r"\baddition of\b.{0,60}\bto (?:the )?(?:[\w®™-]+ ){0,3}label\b|"
      # a device's CE mark (not its application, renewal or recertification)
      r"\b(?:receiv\w*|grant\w*|obtain\w*|secur\w*|achiev\w*|awarded|wins?|gains?)\s+(?:[\w-]+\s+){0,3}"
      r"CE[- ]mark(?:ing)?\b(?!\s+(?:application|submission|recertification|renewal))|"
      r"\b(?:conditional )?marketing authori[sz]ation\b(?!\s+application)|"
      r"\b510\s?\(k\) clearance\b|\bFDA (?:clears|clearance)\b|\bapproved (?:in|for|by)\b|"
      r"\bnotice of compliance\b|"
      r"\b(?:FDA|EU|European|regulatory|Japanese|Chinese) (?:nod|green light|OK|thumbs[- ]up)\b|"
      r"\b(?:nod|green light) (?:from|by) (?:the )?(?:FDA|EMA|regulators?)\b",
      requires=REG + r"|\b(?:European Commission|EC|Japan\w*|China|Chin\w+|Europe\w*|EU|U\.?S\.?|US|"
      r"Canad\w*|Brazil\w*|Australia\w*|UK|Swiss\w*|Switzerland|Taiwan\w*|Korea\w*|Saudi|Israel\w*|Mexic\w*|"
      r"India|Singapore|Hong Kong|Turk\w*|Argentin\w*|Colombia\w*|Emirates|UAE|"
      r"drugs?|therap\w+|treatments?|vaccines?|devices?|biosimilars?|"
      r"products?|medicines?|indications?|patients|label\w*|s?NDA|s?BLA|MAA|510\s?\(k\)|PMA|De Novo|"
      r"marketing|commerciali[sz]\w*|tests?|assays?|diagnostics?|kits?|systems?|CE[- ]mark\w*)\b|[®™]|"
      r"\b[A-Z]{2,}-?\d",
      unless=r"\b(?:stud(?:y|ies)|trials?|protocol)\s+(?:\w+\s+){0,2}approved by\b|"
      + NOT_A_REGULATOR + r"|"
      r"\b(?:seek\w*|pursu\w*|potential|if approved|support\w*|toward\w*|path(?:way)? to|plans? to|"
      r"intend\w*|expects? to|anticipat\w*)\s+(?:\w+\s+){0,3}(?:approval|"
      r"authori[sz]ation)(?!.{0,80}\b(?:approv(?:es|ed)|"
      r"grants?|granted|receiv\w+)\b)"),
    R("regulatory.priority_review", "regulatory", "priority_review",
      r"\bpriority review\b(?!\s+voucher)",
      unless=r"\b(?:eligible|eligibility|request\w*|seek\w*|may|could|"
          r"potential\w*)\s+(?:\w+\s+){0,3}priority review"),
    R("regulatory.acceptance", "regulatory", "acceptance",
      r"\baccept\w*\b(?:\s+\S+){0,10}?\s+" + APP + r"|\b" + APP + r"\b(?:\s+\S+){0,8}?\s+(?:(?:has been|"
      r"was|is) )?"
      r"(?:accepted|validated|filed by)\b|\bvalidat\w+\b(?:\s+\S+){0,6}?\s+" + APP + r"|\bfiling acceptance"
      r"\b|"
      r"\baccept\w* for (?:filing|review)\b",
      requires=REG + "|" + APP_SPECIFIC),
    R("regulatory.pdufa_date", "regulatory", "pdufa_date",
      r"\bPDUFA\b|\b(?:extend\w*|extension|delay\w*|push\w* back|postpone\w*)\b.{0,40}\b(?:review|action date|"
      r"goal date|"
      r"decision)\b|\breview (?:period |"
      r"clock )?extension\b|"
      r"\b(?:additional|more) time\b.{0,40}\breview\b|\b(?:target )?action date\b|\bgoal date\b"),
    R("regulatory.submission", "regulatory", "submission",
      r"\b(?:submi\w+|fil(?:es|ed|ing)|complet\w+|initiat\w+|start\w*|begin\w*|rolling|"
      r"resubmi\w+)\b(?:\s+\S+){0,8}?\s+"
      + APP + r"\b|\b" + APP + r"\s+(?:\w+\s+){0,3}(?:submitted|submission|filed|resubmi\w+)\b|"
          r"\brolling submission\b",
      requires=REG + "|" + APP_SPECIFIC, unless=r"\bgrant application\b|\bgrant (?:funding|award)\b|"
          r"\b(?:company |corporate |strategic |\d{4} )(?:priorities|milestones|outlook|goals)\b|"
      r"\boutlook for \d{4}\b|\bprospectus\b"),
    # A regulator's determination about a product that is not an approval (classification, regulatory status).
    R("regulatory.determination", "regulatory", "other",
      r"\bproduct classification\b|\bregulatory (?:status )?(?:determination|classification)\b|"
      r"\b(?:determin(?:es|ed)|conclud(?:es|ed)|confirm(?:s|ed)) that\b.{0,80}\b(?:is not|are not|may be|"
      r"is exempt|are exempt|qualif\w+)\b",
      requires=r"\b(?:FDA|SFDA|USDA|APHIS|CFIA|EPA|EMA|MHRA|agency|authority|administration|regulator\w*|"
      r"inspection|ministry)\b"),
    R("regulatory.submitted_to_regulator", "regulatory", "other",
      r"\b(?:submi\w+|fil(?:es|ed|ing)|provid\w+)\s+(?:(?:an?|the|its)\s+)?(?:[\w-]+\s+){0,5}?(?:protocol|response|"
      r"briefing (?:package|document)|package|dossier|data|plan)\s+(?:\w+\s+){0,6}?to (?:the )?(?:U\.?S\.? )?"
      r"(?:FDA|EMA|MHRA|PMDA|CHMP|Health Canada|regulators?|agency)\b|"
      # an expanded access programme named alone, but not patients' results from one (those are a readout)
      r"^(?!.*\b(?:improvements?|results|data|outcomes?|responses?|efficacy|benefit)\b).*"
      r"\bexpanded access (?:protocol|program)\b"),
    R("regulatory.breakthrough", "regulatory", "breakthrough",
      r"\bbreakthrough (?:therapy|device)(?: designation| status)?\b|\bBTD\b|\bbreakthrough designation\b"),
    R("regulatory.rmat", "regulatory", "rmat",
      r"\bRMAT\b|\bregenerative medicine advanced? therapy\b"),
    R("regulatory.prime", "regulatory", "prime",
      r"(?i:\bpriority medicines\b|\bPRIME (?:designation|status|scheme|eligibility|support)\b)|\bPRIME\b",
      requires=r"\bEMA\b|European Medicines Agency|\bPRIME (?:designation|status|scheme)|priority medicines",
      flags=0),
    R("regulatory.orphan", "regulatory", "orphan",
      r"\borphan (?:drug |medicinal product )?(?:designation|status)\b|\borphan drug\b|\bODD\b"),
    R("regulatory.fast_track", "regulatory", "fast_track",
      r"\b(?<!under the )(?<!under )(?<!with )fast[- ]track (?:designation|status)\b|"
      r"\b(?:grant\w*|receiv\w*|award\w*|obtain\w*)\s+(?:\w+\s+){0,3}fast[- ]track\b|\bfast[- ]track\b"
      r"(?!\s+(?:designation|status)?\s*(?:application|request|submission))(?!\s+(?:development|program|"
      r"pathway|process|basis))",
      unless=r"\bunder (?:the |its )?fast[- ]track\b(?!.{0,60}\bgrant)"),
    R("regulatory.rare_pediatric", "regulatory", "other",
      r"\brare pediatric (?:disease |drug )?(?:designation|status)\b|\bRPDD?\b|"
      r"\brare pediatric disease (?:\w+ ){0,2}(?:granted|designated|grant)\b"),
    R("regulatory.other_designation", "regulatory", "other",
      r"\b(?:QIDP|qualified infectious disease product|sakigake|innovation passport|ILAP|"
      r"PRIORITY designation|"
      r"promising innovative medicine|platform technology designation|national priority voucher|Project Orbis|"
      r"Real-Time Oncology Review|RTOR)\b"),
    # ---------------------------------------------------------------- data announced alongside a trial start
    R("readout.data_and_start", "readout", None,
      r"\b(?:positive|interim|top[- ]?line|initial|preliminary|new|updated|final)\s+(?:[\w-]+\s+){0,2}?(?:data|"
      r"results)\b(?!\s+(?:expected|anticipated|due|planned))[^;]{0,160}?\band (?:the )?(?:initiation|start|launch|"
      r"commencement)\b|\bpresentation\b[^;]{0,80}\bfeaturing (?:\w+ ){0,2}(?:data|results)\b[^;]{0,160}?\band "
      r"(?:the )?(?:initiation|start|launch)\b"),
    # ---------------------------------------------------------------- enrollment
    R("enrollment.status_change", "enrollment", "status_change",
      r"\b(?:paus\w*|halt\w*|discontinu\w*|terminat\w*|suspend\w*|stop(?:s|ped|ping)?|resum\w*|deprioriti\w*|"
      r"scrap\w*|shelv\w*|abandon\w*|ax(?:e|es|ed|ing)|drop(?:s|ped)?|"
      r"wind(?:s|ing)? down|end(?:s|ed)?)\b(?:\s+\S+){0,6}?\s+(?:the |its |a )?(?:\w+\s+){0,3}(?:trial|"
      r"study|program|"
      r"programme|enrol\w*|dosing|development|recruitment|cohort|arm)\b|\bfutility\b|"

      r"\b(?:trial|study|program|enrol\w*|dosing)\b.{0,30}\b(?:paused|halted|discontinued|terminated|"
      r"suspended|"
      r"stopped|resumed)\b",
      unless=r"\bterminat\w* (?:\w+ ){0,2}agreement\b|\btermination agreement\b"),
    # A trial (or an arm of it) completed, its last visit done or its database locked: the trial's status changed.
    R("enrollment.study_completed", "enrollment", "status_change",
      r"\b(?<!from )(?<!from the )(?<!of )(?<!of the )(?<!in )(?<!in the )(?<!recently )"
      r"complet(?:es|ed|ion of)\s+(?:the\s+|its\s+)?(?:(?!enrol|recruit|dosing|randomi|screen|data|"
      r"patient|first|last|treatment|vaccination)[\w/-]+\s+){0,4}(?:clinical\s+)?(?:trial|study|arm)\b"
      r"(?!\s+(?:enrol|dosing|recruit|randomi|data|results))|"
      r"\b(?:trial|study)\b.{0,30}\b(?:has been |was |is )completed\b|"
      r"\blast (?:patient|participant|subject)s? (?:\w+ ){0,2}(?:last )?visit\b|\blast (?:patient|"
      r"participant|subject) out\b|\bLPLV\b|\bdatabase lock\b",
      unless=r"\b(?:results|data|findings|readout|end-?points?)\b"),
    R("enrollment.enrollment_complete", "enrollment", "enrollment_complete",
      r"\bcomplet\w*\s+(?:of\s+)?(?:\w+\s+){0,4}(?:enrol\w*|recruit\w*|randomi[sz]ation)\b|"
      r"\b(?:enrol\w*|recruit\w*|randomi[sz]ation)\s+(?:\w+\s+){0,3}(?:complet\w*|closed)\b|"
      r"\b(?:wrap\w* up|finish\w*|clos(?:es|ed|ing))\s+(?:\w+\s+){0,2}(?:enrol\w*|recruit\w*)\b|"
      r"\b(?:final|last)\s+(?:\w+\s+){0,2}(?:enrol\w*|randomi[sz]\w*|recruit\w*)\b|"
      r"\blast (?:patient|subject|participant)s? (?:\w+ ){0,2}(?:enrol\w*|randomi[sz]ed|dosed)\b|"
      r"\b(?:achiev\w*|reach\w*|exceed\w*|hit)\s+(?:\w+\s+){0,2}(?:target(?:ed)? )?(?:patient |subject )?"
      r"enrol\w*\b|\bfully (?:enrolled|recruited)\b|\bcomplet\w* (?:of )?(?:patient |subject )?screening\b|"
      r"\btarget (?:patient )?enrol\w* (?:achieved|reached)\b|"
      r"\b(?:complet\w*|finish\w*)\s+(?:of\s+)?(?:the\s+)?(?:\w+\s+){0,2}?(?:dosing|vaccination|treatment)\s+"
      r"(?:(?:of\s+)?(?:all\s+)?(?:[\w-]+\s+){0,4}?(?:in|of|for)\s+)?(?:the\s+)?(?:\w+\s+){0,2}?cohort\b|"
      r"\b(?:dosing|vaccination) (?:is |was |has been )?complet\w* (?:in|for) (?:the |all )?(?:\w+ ){0,2}?"
      r"(?:cohort|participants|patients|subjects)\b|\bcohort \w*\s?(?:is |was |has been )?fully (?:dosed|enrolled)\b|"
      r"\b(?:primary )?vaccination series complet\w*|\bcomplet\w* (?:of )?(?:the )?(?:primary )?vaccination series\b",
      unless=r"\b(?:expect\w*|anticipat\w*|on track|plan\w*) to complete (?:\w+ ){0,3}enrol\w*|"
      r"\b\d+(?:\.\d+)?\s?%\s+of\s+(?:the\s+|its\s+)?(?:target(?:ed)?|planned|total)\s+(?:patient\s+)?enrol"),
    R("enrollment.first_patient", "enrollment", "first_patient",
      r"\b(?:dos\w+|enrol\w+|treat\w+|randomi[sz]\w+|implant\w*|screen\w*|infus\w*|vaccinat\w*)\s+(?:of |"
      r"for |in )?"
      r"(?:the )?first\b|\bfirst\s+(?:[\w()\-/]+\s+){0,5}?(?:patient|participant|subject|volunteer|cohort|"
      r"person|"
      r"child|infant|adult)s?\b(?:\s+\S+){0,8}?\s+(?:(?:has|have|had) been |was |were |is |are )?(?:dosed|"
      r"enrolled|"
      r"treated|randomi[sz]ed|implanted|screened|infused|vaccinated)\b|\bcommenc\w+ dosing\b|"
      r"\b(?:start|initiat|begin|began|commencement)\w* (?:of )?(?:patient |participant )?dosing\b|"
      r"\bfirst[- ]in[- ](?:human|patient) dosing\b|\bfirst (?:patient|participant|"
      r"subject)s? (?:first visit|in|"
      r"enrolled|randomi[sz]ed|dosed|treated)\b"),
    R("enrollment.initiation", "enrollment", "initiation",
      r"\b(?:initiat\w*|start\w*|launch\w*|commenc\w*|begin\w*|began|kick\w* off)\b(?:\s+\S+){0,6}?\s+"
      r"(?:clinical\s+)?(?:trial|study|phase\s+[\dIV]+\w*)\b|\b(?:trial|study)\s+(?:\w+\s+){0,2}(?:initiated|"
      r"started|launched|commenced|begins|is underway|underway)\b|"
      r"\bactivat(?:es|ed|ion of)\s+(?:the\s+|its\s+)?(?:[\w-]+\s+){0,7}?(?:trial|study)\b|"
      r"\badvanc(?:es|ed|ing)\s+(?:in)?to\s+(?:an?\s+|the\s+|its\s+)?(?:pivotal\s+|registrational\s+)?(?:phase\s+"
      r"[\dIV]+\w*|pivotal)\b(?:\s+\S+){0,3}?\s*(?:trial|study)\b|"
      r"\bfirst (?:clinical )?(?:site|center)s? "
      r"(?:activated|opened|initiated)\b|\bsite activation\b"),
    R("enrollment.other", "enrollment", "other",
      r"\benrol(?:l)?(?:ment|ing)\s+(?:update|accelerat\w*|progress\w*|expan\w*|ahead)\b|"
      r"\binvestigators?'? meeting\b|"
      r"\b(?:safety )?(?:lead-in|run-in)\b.{0,80}\b(?:complet\w*|open\w*|initiat\w*|randomi[sz]\w*)|"
      r"\bopen\w*\s+(?:the\s+)?(?:\w+\s+){0,2}(?:portion|part|stage|segment|arm|cohort)\b|"
      r"\b\d+(?:\.\d+)?\s?%\s+(?:of\s+)?(?:the\s+|its\s+)?(?:target(?:ed)?|planned|total|expected)\s+"
      r"(?:patient\s+|subject\s+)?enrol\w*|\b(?:half|two[- ]thirds|three[- ]quarters|majority) of "
      r"(?:the |its )?(?:target(?:ed)?|planned) (?:patient )?enrol\w*|\benrol\w* (?:is |has )?(?:now )?"
      r"(?:over|more than|above) (?:\d+\s?%|half)|"
      r"\benrolls? (?:\w+ ){0,2}(?:patients|participants|subjects)\b|"
      r"\baccelerat\w*\s+(?:\w+\s+){0,2}enrol\w*\b|\b(?:currently|actively|now) (?:enrolling|recruiting)\b|"
      r"\bexpands?\s+(?:\w+\s+){0,2}enrol\w*\b|\bopens? (?:\w+ ){0,2}enrol\w*\b|\bsites? (?:activated|"
      r"added|expan\w*)\b|"
      r"\blast (?:patient|participant|subject)s? (?:\w+ ){0,2}visit\b|\blast (?:patient|participant|"
      r"subject) out\b|"
      r"\b(?:expands?|expansion of)\b(?:\s+\S+){0,4}?\s+(?:trial|study)\b|"
      r"\bcomplet\w* (?:of )?(?:\w+ )?(?:patient |subject )?"
      r"(?:dosing|treatment phase)\b|\b(?:second|third|fourth|fifth|\d+(?:st|nd|rd|"
      r"th)) (?:\w+ )?(?:patient|participant|"
      r"subject)s? (?:dosed|enrolled|treated|randomi[sz]ed)\b|"
      r"\benrol\w* of (?:the )?\d+(?:st|nd|rd|th)? (?:patient|participant|subject)|\b\d+(?:st|nd|rd|th) "
      r"(?:patient|participant|subject) (?:enrolled|randomi[sz]ed|dosed)\b"),

    # a weak regulatory mention ("Following FDA Review") yields to any enrollment event in the headline
    R("regulatory.update", "regulatory", "other",
      r"\bregulatory (?:update|status|path\w*|progress|feedback|clarity|decision|milestone)s?\b|"
      r"\b(?:FDA|EMA|regulator\w*)\s+(?:decision|feedback|review|inspection|response|action)\b"),

    # ---------------------------------------------------------------- readouts
    R("readout.presentation", "readout", "presentation",
      r"\b(?:present\w*|showcas\w*|unveil\w*|featur\w*|highlight\w*|shar\w*|report\w*)\b(?:\s+\S+){0,14}?\s+"
      r"(?:data|results|findings|analys[ie]s|outcomes)\b.{0,140}\b(?:at|during) (?:the )?[^.;]{0,80}?\b"
      + CONGRESS + r"\b|"
      r"\b(?:presented|presenting|shared|showcased)\s+(?:at|in|during)\s+(?:the |an? )?(?:\w+\s+){0,5}?"
      r"(?:" + CONGRESS + r"|poster|oral|session)\b|\bpresentation of (?:\w+\s+){0,4}(?:data|results)\b|"
      r"\b(?:publication|published|publishes|publish)\b(?:\s+\S+){0,12}?\s+(?:data|results|findings|study|"
      r"trial|"
      r"analysis)\b|\b(?:data|results|findings)\b.{0,60}\bpublished in\b|"
      r"\b(?:data|results|findings)\b.{0,80}\b(?:presented|featured|shared|reported)\b.{0,20}\b(?:in|at|"
      r"during) "
      r"(?:an? |the )?(?:oral|poster|late-breaking)?\s*(?:presentation|session|meeting|congress)|"
      r"\blate[- ]breaking\b(?:\s+\S+){0,4}?\s+"
      r"(?:data|results|abstract|presentation)",
      unless=r"\bpre-?clin\w*\b(?!.{0,40}\bclinical)|\bpublication of (?:\w+ ){0,6}design\b|"
      r"\b(?:non-?clinical|IND-enabling|mouse models?|murine|in vivo|animal models?)\b|"
      r"^(?![\s\S]*\d\s?%)[\s\S]*\b(?:will (?:present|be presenting|share|highlight)|to be presented|upcoming|"
      r"will be (?:given|presented|delivered|featured)|(?:to be|will be) held)\b"),
    R("readout.endpoint", "readout", None,
      r"\b(?:met|meets|achiev\w*|hit|hits|miss\w*|did not (?:meet|achieve)|fail\w* to (?:meet|achieve)|not "
      r"(?:met|achieved)|reach\w*)\b(?:\s+\S+){0,4}?\s+(?:its |the |both |all |key |"
      r"pre-?specified )*(?:co-)?primary "
      r"(?:and (?:\w+ ){0,2})?(?:\w+ ){0,2}end-?points?\b|\bprimary (?:efficacy )?end-?points? "
      r"(?:was |were )?(?:not )?(?:met|achieved|missed)\b|\bstatistically significant\b|"
      r"\b(?:flops?|fails?|failed|falters?|misses|missed|succeeds?|succeeded|tops?|wins?|flunk\w*|"
      r"aces?)\b(?:\s+\S+){0,5}?"
      r"\s+(?:trial|study|test|readout)\b|\b(?:flops?|fails?|failed|falters?|flunk\w*)\s+(?:(?:its|a|the)\s+)?"
      r"(?:phase (?:[1-3]|I{1,3})\b|(?:late|mid)-stage\b)|\b(?:trial|study)s?\b(?:\s+\S+){0,2}?\s+(?:succeeds?|"
      r"fails?|failed|flops?|falters?|misses|hits|flunk\w*)\b|\b(?:main|primary) (?:goal|aim|target)\b|"
      r"\bsuccessful\s+(?:[\w/-]+\s+){0,3}(?:trial|study|readout)\b"),
    R("readout.survival_gain", "readout", "topline",
      r"\b(?:extend\w*|prolong\w*|improv\w*|increas\w*|doubl\w*|length\w*)\s+(?:the\s+)?(?:median\s+)?"
      r"(?:overall |progression[- ]free |event[- ]free |disease[- ]free |relapse[- ]free )?survival\b.{0,40}?"
      r"\b(?:by|to) (?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?:months?|"
      r"years?|weeks?)\b|\b(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve)[- ]"
      r"(?:months?|years?) (?:improvement|gain|extension|increase|benefit) in (?:median )?(?:overall |"
      r"progression[- ]free )?survival\b|\bmedian (?:overall |progression[- ]free )?survival (?:of|was|reached|"
      r"not reached)\b|\b(?:hazard ratio|HR)\s?(?:of|=|:)?\s?0?\.\d"),
    R("readout.follow_up", "readout", "presentation",
      r"\blong[- ]term (?:\w+ ){0,2}?(?:follow[- ]?up|data|results|outcomes|efficacy|durability|benefit|"
      r"safety)\b|\b\d+[- ](?:year|month|week)s? (?:\w+ ){0,2}?follow[- ]?up\b|"
      r"\b(?:new|additional|further|post[- ]hoc|subgroup|exploratory|pooled|secondary) (?:\w+ ){0,2}?"
      r"(?:analys[ie]s|sub-?analys[ie]s)\b(?:\s+\S+){0,6}?\s+(?:from|of|in)\b",
      unless=r"\bpre-?clinical\b|\bnon-?clinical\b|\b(?:plan|design|methodology)\b"),
    R("readout.interim", "readout", "interim",
      r"\binterim\b(?:\s+\S+){0,5}?\s+(?:data|results|analys[ie]s|readout|update|findings|look)\b|"
      r"\b(?:initial|preliminary|early|first|updated)\s+(?:\w+\s+){0,4}(?:data|results|findings|readout)\b",
      unless=r"\binterim (?:financial|report|CEO|chief)\b"),
    R("readout.topline", "readout", "topline",
      r"\btop[- ]?line\b(?:\s+\S+){0,6}?\s+(?:data|results|findings|readout|analys[ie]s)\b"
      r"(?![^;,.–—]{0,60}\b(?:expected|anticipated|planned|slated|due|on track)\b)"),
    R("readout.final", "readout", "final",
      r"\b(?:final|full|complete|comprehensive)\b(?:\s+\S+){0,3}?\s+(?:data|data ?set|results|analys[ie]s|"
      r"findings)\b"),
    R("readout.generic", "readout", None,
      r"\b(?:positive|negative|encouraging|promising|favou?rable|compelling|robust|mixed|disappointing|new|"
      r"additional|clinical|efficacy|safety|pivotal|durable|supportive|strong|"
      r"impressive)\b(?:\s+\S+){0,6}?\s+"
      r"(?:data|results|findings|readout|outcomes|evidence)\b|"
      r"\b(?:data|results|findings)\s+(?:from|of|in)\s+(?:the\s+|its\s+|a\s+|an\s+)?(?:\S+\s+){0,5}?"
      r"(?:phase|trial|study|cohort|patients)\b|\bphase\s+[\dIV]+\w*(?:/[\dIV]+\w*)?\s+(?:\S+\s+){0,5}?"
      r"(?:data|results|readout)\b|\b(?:demonstrat\w*|show\w*|reduc\w*|improv\w*|achiev\w*|induc\w*|"
      r"report\w*|tout\w*)\b"
      r"(?:\s+\S+){0,6}?\s+(?:efficacy|responses?|survival|reductions?|improvements?|benefit|activity|"
      r"remissions?)\b|"
      r"\b(?:present\w*|report\w*|announc\w*|shar\w*|highlight\w*|unveil\w*)\s+(?:\S+\s+){0,4}?(?:data|"
      r"results)\b|"
      r"\breadout\b|\bresponse rates?\b|\b\d+(?:\.\d+)?\s?%\s+of (?:\w+\s+)?(?:patients|participants|"
      r"subjects)\b|"
      r"\b\d+(?:\.\d+)?\s?%\s+(?:(?:still|remain\w*|were|are)\s+)?in (?:complete |durable |ongoing |sustained )?"
      r"(?:remission|response)\b|"
      r"\b(?:shrinks?|shrank|shrunk|cuts?|lowers?|slows?|reduces?|halts?)\s+(?:\w+\s+){0,2}(?:tumou?rs?|"
      r"progression|"
      r"decline|attacks|seizures|weight|LDL|cholesterol|blood pressure|viral load)\b",
      unless=r"^\s*(?:\S+\s+){0,12}?(?:data|results|readout)s?\s+(?:are |is )?" + FUTURE),
)

#: Weak concepts that decide only from the headline (see module docstring).
TITLE_ONLY = frozenset({
    "readout.presentation", "readout.final", "readout.interim", "readout.generic", "readout.follow_up",
    "enrollment.discontinued_in_update", "other.baseline",
    "regulatory.update", "regulatory.meeting", "regulatory.protocol_change", "regulatory.submission",
    "regulatory.inspection",
    "regulatory.submission_for_approval", "regulatory.dsmb", "enrollment.other", "regulatory.submitted_to_regulator",
    "readout.data_and_start", "other.presentation_without_results", "regulatory.determination",
    "other.corporate_update", "other.earnings", "other.investor_event", "other.future_results_event",
    "other.preclinical", "other.people", "other.corporate", "regulatory.review_response",
})
RULES = tuple(replace(r, title_only=True) if r.name in TITLE_ONLY else r for r in RULES)

#: Speed gates: a rule is only tried when one of these lowercase substrings occurs in the lowercased text.
#: Each gate must be a superset of what the rule's pattern can match (a gate never changes a result, it only
#: skips regexes that cannot match); ``tests/watchers/classify/test_rules.py`` checks this on every rule headline.
GATES: dict[str, tuple[str, ...]] = {
    "enrollment.discontinued_in_update": ("discontinu", "terminat", "halt", "stop", "paus", "wind", "clos"),
    "other.presentation_without_results": ("present", "highlight", "showcas", "shar", "featur"),
    "other.baseline": ("baseline", "demographics", "characteristics", "design"),
    "readout.survival_gain": ("survival", "hazard", "hr"),
    "readout.follow_up": ("long", "follow", "analys"),
    "readout.data_and_start": ("data", "results"),
    "other.roundup": ("daily dose", "round", "stocks", "movers", "week in review"),
    "other.investor_event": ("to ", "will ", "participat", "present", "conference call", "webcast", "webinar",
                             "fireside", "investor", "r&d day", "kol event"),
    "other.future_results_event": ("to ", "will ", "abstract", "data", "poster", "presentation", "upcoming",
                                   "accepted for", "selected for", "webcast", "call", "webinar",
                                   "expect", "anticipat", "slated", "due", "timeline", "timing", "schedule",
                                   "postpone", "delay"),
    "other.preclinical": ("clinical", "vivo", "vitro", "animal", "murine", "mouse", "primate"),
    "other.people": ("appoint", "names", "named", "hires", "elects", "promotes", "joins", "succession",
                     "leadership", "management", "board", "retire", "resign", "steps down"),
    "regulatory.dsmb": ("dsmb", "dmc", "idmc", "dsmc", "monitoring", "safety review", "src",
                        "dose escalation"),
    "regulatory.other_designation": ("qidp", "qualified infectious", "sakigake", "innovation passport",
                                     "ilap", "priority designation", "promising innovative", "platform technology",
                                     "national priority voucher", "orbis", "real-time oncology", "rtor"),
    "regulatory.update": ("regulat", "fda", "ema"),
    "enrollment.study_completed": ("complet", "last ", "lplv", "database lock"),
    "enrollment.status_change": ("paus", "halt", "discontinu", "terminat", "suspend", "stop", "resum",
                                 "deprioriti", "wind", "end", "futility", "scrap", "shelv", "abandon", "ax",
                                 "drop"),
    "other.corporate_update": ("update", "highlights"),
    "other.financing": ("offering", "placement", "pric", "rais", "financ", "debt", "credit", "loan",
                        "convertible", "warrant", "royalt", "voucher", "ipo", "proceeds", "shelf", "runway",
                        "prospectus"),
    "other.corporate": ("agreement", "deal", "partner", "collaborat", "teams up", "letter of intent", "acqui",
                        "merge", "business combination", "patent", "nasdaq", "compliance", "listing",
                        "inducement", "voting", "holder", "general meeting", "reverse", "repurchase",
                        "buyback", "workforce", "restructur", "strategic", "corporate", "name change",
                        "dividend", "launch", "grant", "contract", "outlook", "outlines", "priorities",
                        "divest", "sale", "sell", "sold", "carve", "spin", "milestone", "reimburse",
                        "formulary", "licen", "award", "funding", "clinical trial collab", "clinical collab",
                        "clinical supply", "clinical trial supply",
                        "milestones", "goals", "awarded"),
    "other.earnings": ("quarter", "q1", "q2", "q3", "q4", "full", "fiscal", "half", "annual", "interim",
                       "year", "financial", "results for", "earnings", "revenue", "report", "jaarverslag",
                       "rapport"),
    "regulatory.designation_request": ("fast", "breakthrough", "orphan", "rmat", "regenerative", "prime",
                                       "priority medicine"),
    "regulatory.advisory_committee": ("advisory", "adcom", "odac", "vrbpac", "panel", "adviser", "advisor"),
    "regulatory.chmp_opinion": ("chmp", "opinion", "committee for", "comp", "regulator", "committee",
                                "panel"),
    "regulatory.ind_clearance": ("ind", "cta", "ctn", "investigational", "clinical trial application", "ide",
                                 "approv", "clear", "authori", "permission", "green light", "nod",
                                 "may proceed", "allow"),
    "regulatory.protocol_change": ("approv", "clear", "accept"),
    "regulatory.refusal_to_file": ("refus", "rtf", "withdr", "revok", "revocation", "suspen"),
    "regulatory.inspection": ("inspection", "audit", "warning letter", "form 483"),
    "regulatory.clinical_hold": ("hold",),
    "regulatory.meeting_agreement": ("meeting", "align", "agree", "consensus", "concurrence", "responses",
                                     "written", "concur",
                                     "special protocol", "spa", "minutes", "feedback", "guidance", "advice",
                                     "consult"),
    "regulatory.meeting": ("meeting", "consult"),
    "regulatory.expanded_access": ("expanded access",),
    "regulatory.review_response": ("respon", "answer", "repl"),
    "regulatory.crl": ("crl", "complete response", "reject", "declines", "turns down", "spurns", "refuses"),
    "regulatory.submission_for_approval": ("approval", "authori", "clearance"),
    "regulatory.accelerated_approval": ("accelerated approval",),
    "regulatory.approval": ("approv", "authori", "clear", "nod", "green light", " ok", "thumbs", "addition of",
                            "ce mark", "ce-mark", "notice of compliance"),
    "regulatory.priority_review": ("priority review",),
    "regulatory.acceptance": ("accept", "validat"),
    "regulatory.pdufa_date": ("pdufa", "extend", "extension", "time", "action date", "goal date", "delay",
                              "push", "postpone"),
    "regulatory.submission": ("nda", "bla", "maa", "nds", "pma", "510", "de novo", "application", "filing",
                              "dossier", "submission", "supplement", "technical section", "variation"),
    "regulatory.breakthrough": ("breakthrough", "btd"),
    "regulatory.rmat": ("rmat", "regenerative"),
    "regulatory.prime": ("prime", "priority medicines"),
    "regulatory.orphan": ("orphan", "odd"),
    "regulatory.fast_track": ("fast",),
    "regulatory.rare_pediatric": ("rare pediatric", "rpd"),
    "regulatory.submitted_to_regulator": ("submi", "fil", "provid", "expanded access"),
    "regulatory.determination": ("classification", "determin", "conclud", "confirm"),
    "enrollment.enrollment_complete": ("enrol", "recruit", "randomi", "screening", "last ", "dosing", "dosed",
                                       "vaccination"),
    "enrollment.first_patient": ("first", "dosing"),
    "enrollment.initiation": ("initiat", "start", "launch", "commenc", "begin", "began", "kick", "underway", "activat",
                              "advanc",
                              "site"),
    "enrollment.other": ("enrol", "accelerat", "recruit", "expan", "site", "patient", "participant",
                         "subject", "lead-in", "run-in", "open", "dosing", "treatment phase", "investigator"),
    "readout.presentation": ("present", "showcas", "unveil", "featur", "highlight", "shar", "report", "publi",
                             "late"),
    "readout.endpoint": ("endpoint", "end-point", "end point", "statistically significant", "flop", "fail", "flunk",
                         "falter", "miss", "succeed", "top", "win", "ace", "hit", "goal", "aim", "target",
                         "successful"),
    "readout.interim": ("interim", "initial", "preliminary", "early", "first", "updated"),
    "readout.topline": ("top",),
    "readout.final": ("final", "full", "complete", "comprehensive"),
    "readout.generic": ("data", "result", "finding", "readout", "outcome", "evidence", "efficacy", "response",
                        "survival", "reduction", "improvement", "benefit", "activity", "remission", "%",
                        "shr", "cut", "lower", "slow", "reduce", "halt"),
}
RULES = tuple(replace(r, gate=GATES.get(r.name, ())) for r in RULES)


#: Rules whose long alternation is run one alternative at a time, each only when one of its own literals occurs
#: in the lower-cased text (one gate per top-level alternative, in order; each a superset like GATES). The
#: leftmost match wins, and on a tie the earlier alternative, which is what the whole alternation returns.
PART_GATES: dict[str, tuple[tuple[str, ...], ...]] = {
    "other.future_results_event": (
        ("to ",), ("will ",), ("to ", "will "), ("to ", "will "), ("to be",), ("accepted for ", "selected for "),
        ("upcoming",), ("upcoming",), ("upcoming",), ("acceptance of",),
        ("expected", "anticipated", "slated", "due "),
        ("expect", "anticipate", "plans to report", "on track to report"),
        ("timeline ", "timing ", "schedule "), ("to discuss", "to review"), ("timing", "timeline", "postpone", "delay"),
    ),
}


def _alternatives(name: str, pattern: str) -> list[str]:
    parts = top_level_alternatives(pattern)
    if parts is None:
        raise ValueError(f"{name}: its groups do not balance")
    return parts


def _with_parts(rule: Rule) -> Rule:
    gates = PART_GATES.get(rule.name)
    if gates is None or rule.fast is None:
        return rule
    alternatives = _alternatives(rule.name, rule.fast.pattern)
    if len(alternatives) != len(gates):
        raise ValueError(f"{rule.name}: {len(alternatives)} alternatives, {len(gates)} part gates")
    return replace(rule, fast_parts=tuple((g, re.compile(a)) for g, a in zip(gates, alternatives, strict=True)))


RULES = tuple(_with_parts(r) for r in RULES)

#: Twins searched only where one of their start literals occurs (:class:`.prescan.StartSearch`; the literals are
#: read from the pattern by :func:`.prescan.start_literals`): the ones where, measured on the corpus, the literal
#: scan costs clearly less than the regex trying every position (``name.field``, ``name.partN`` for PART_GATES).
START_SCANS = frozenset({
    "other.earnings.fast", "regulatory.meeting_agreement.fast", "regulatory.ind_clearance.fast",
    "regulatory.ind_clearance.fast_unless", "readout.endpoint.fast", "readout.presentation.fast",
    "regulatory.chmp_opinion.fast", "regulatory.approval.fast", "regulatory.approval.fast_unless",
    "enrollment.initiation.fast", "readout.data_and_start.fast", "enrollment.status_change.fast",
    "other.future_results_event.part2", "other.future_results_event.part3", "enrollment.study_completed.fast",
    "regulatory.designation_request.fast", "enrollment.enrollment_complete.fast", "enrollment.first_patient.fast",
    "regulatory.meeting.fast", "other.preclinical.fast_unless", "regulatory.pdufa_date.fast",
    "regulatory.submission.fast", "regulatory.acceptance.fast",
    # round 7: with the Rust literal scan (prescan.start_scan) these became clearly cheaper as start scans too
    # (each at most three quarters of its regex's time on the corpus texts its gate opens)
    "enrollment.discontinued_in_update.fast", "enrollment.discontinued_in_update.fast_requires",
    "other.financing.fast", "other.investor_event.fast", "other.baseline.fast_unless", "other.preclinical.fast",
    "other.people.fast", "regulatory.review_response.fast", "regulatory.review_response.fast_requires",
    "regulatory.designation_request.fast_unless", "regulatory.advisory_committee.fast",
    "regulatory.ind_clearance.fast_requires", "regulatory.expanded_access.fast_requires",
    "regulatory.inspection.fast_requires", "regulatory.clinical_hold.fast", "regulatory.submission_for_approval.fast",
    "regulatory.acceptance.fast_requires", "regulatory.submission.fast_requires",
    "regulatory.determination.fast_requires", "enrollment.study_completed.fast_unless", "readout.follow_up.fast_unless",
})


#: ``requires``/``unless`` twins (yes/no checks: only whether they match counts) tried one top-level alternative at a
#: time (:class:`.prescan.AnySearch`): an alternative with start literals at those only, one without behind the
#: literal it must hold ("%" for a percentage).
YES_NO_SPLITS = frozenset({"other.future_results_event.fast_unless"})


def _start_search(name: str, rx: re.Pattern[str]) -> re.Pattern[str] | StartSearch | AnySearch | AsciiSplit:
    if name in YES_NO_SPLITS:
        return AnySearch(rx, _alternatives(name, rx.pattern))
    if name not in START_SCANS:
        twin = ascii_twin(rx)  # the twin with re.ASCII for all-ASCII texts (prescan: the same matches, faster)
        return rx if twin is None else AsciiSplit(rx, twin)
    literals = start_literals(rx.pattern)
    if literals is None:
        raise ValueError(f"{name}: no start literals")
    return StartSearch(rx, literals)


def _with_starts(rule: Rule) -> Rule:
    changes: dict[str, object] = {}
    for field in ("fast", "fast_requires", "fast_unless"):
        rx = getattr(rule, field)
        if isinstance(rx, re.Pattern):
            changes[field] = _start_search(f"{rule.name}.{field}", rx)
    if rule.fast_parts:
        changes["fast_parts"] = tuple((gate, _start_search(f"{rule.name}.part{i}", rx) if isinstance(rx, re.Pattern)
                                       else rx) for i, (gate, rx) in enumerate(rule.fast_parts))
    return replace(rule, **changes)  # type: ignore[arg-type]


RULES = tuple(_with_starts(r) for r in RULES)

#: Refiners for generic rules: within a decided label, the first of these patterns that matches the text
#: (title first, then lede) gives the subtype.
SUBTYPE_REFINERS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    "readout": tuple(
        (r.subtype, r.pattern) for r in RULES if r.label == "readout" and r.subtype is not None
    ),
    "enrollment": tuple(
        (r.subtype, r.pattern) for r in RULES if r.name == "enrollment.first_patient"
    ),
}

#: The refiners' lower-cased twins (their rules' own, None for a case-sensitive rule), in the same order: run on
#: the lower-cased text as the rules are (``test_speed_paths``: the same spans as the refiners).
SUBTYPE_REFINER_TWINS: dict[str, tuple[tuple[str, re.Pattern[str] | StartSearch | None], ...]] = {
    label: tuple((sub, next(r.fast for r in RULES if r.pattern is rx)) for sub, rx in refiners)  # type: ignore[misc]
    for label, refiners in SUBTYPE_REFINERS.items()
}

DEFAULT_SUBTYPE = {"readout": "topline", "enrollment": "other", "regulatory": "other", "other": "other"}

#: A rule decided from the title may be refined from the lede into a more specific subtype of the same label.
#: key = subtype decided from the title, value = rules whose match in the lede upgrades it.
LEDE_UPGRADES: dict[tuple[str, str], tuple[str, ...]] = {
    ("enrollment", "initiation"): ("enrollment.first_patient",),
}


RULES_BY_NAME = {r.name: r for r in RULES}

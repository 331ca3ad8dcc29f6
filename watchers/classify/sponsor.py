"""Find the announcing company.

In order of trust:

1. the subject of the headline, when it is followed by an announcing verb ("PepGen Receives …",
   "Mylan, Biocon get CRL …", "Vaxcyte Doses First Participants …");
2. the company named in the wire-service lede ("… (GLOBE NEWSWIRE) -- Ocugen, Inc. (NASDAQ: OCGN) …"; Business
   Wire's, PR Newswire's and ACCESSWIRE's datelines too);
3. any company followed by an exchange ticker ("Greenwich Lifesciences (NASDAQ:GLSI)") or by "said".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain

_VERBS = (
    r"announces?|announced|receives?|received|reports?|reported|presents?|presented|completes?|completed|"
    r"initiates?|initiated|doses?|dosed|submits?|submitted|granted|grants?|achieves?|achieved|confirms?|"
    r"confirmed|"
    r"provides?|publishes?|published|enters?|raises?|pauses?|paused|accelerates?|says?|said|has|have|gets?|"
    r"got|"
    r"wins?|secures?|obtains?|launches?|launched|starts?|started|begins?|expands?|advances?|unveils?|"
    r"highlights?|"
    r"shares?|to|will|and|up|down|plunges?|soars?|jumps?|falls?|drops?|gains?|files?|filed|seeks?|appoints?|"
    r"names?|closes?|prices?|signs?|regains?|partners?|doubles?|halts?|stops?|discontinues?|resumes?|"
    r"terminates?|issues?|provides?|posts?|touts?|sees?|nabs?|scores?|lands?|bags?|notches?|earns?|"
    r"is|was|one|inks?|outlines?|showcases?|demonstrates?|shows?|delivers?|expects?|anticipates?|plans?|"
    r"data|results|phase|’s|'s"
)
# The same in the languages real issuers publish in (German, French, Spanish, Italian, Danish, Swedish)
_FOREIGN_VERBS = (
    "erhält meldet gibt startet schließt veröffentlicht berichtet präsentiert beginnt erreicht kündigt "
    "annonce obtient reçoit présente publie lance démarre finalise achève atteint franchit "
    "anuncia recibe obtiene presenta publica inicia completa logra "
    "annuncia riceve ottiene pubblica avvia raggiunge "
    "meddeler modtager offentliggør præsenterer opnår indleder afslutter "
    "meddelar erhåller får tillkännager presenterar offentliggör inleder avslutar rapporterar når"
).split()
_SUFFIX = r"(?:Inc|Ltd|Limited|Corp|Corporation|AG|SA|S\.A|N\.V|NV|plc|PLC|GmbH|LLC|Co|A/S|SE)\.?"
_VERB_SET = frozenset(re.sub(r"(\w+)s\?", r"\1|\1s", _VERBS).split("|")) - {"and"} | frozenset(_FOREIGN_VERBS)
_JOINERS = frozenset({"and", "&"})
_SUBJECT_WORD = re.compile(r"^(?:[A-Z0-9]|[a-z]{1,3}[A-Z])")
_PUNCT = ",;:"


def _title_subject(title: str) -> str | None:
    """Capitalised words before the first announcing verb ("Mylan, Biocon get CRL" -> "Mylan, Biocon")."""
    words: list[str] = []
    for w in title.split(None, 8)[:8]:
        bare = w.strip(_PUNCT).lower()
        if bare in _VERB_SET:
            return " ".join(words) if words and words[-1].lower() not in _JOINERS else None
        if not (_SUBJECT_WORD.match(w) or bare in _JOINERS):
            return None
        words.append(w)
    return None


_POSSESSIVE = re.compile(
    r"\b(?:to|Accepts|Approves|Grants|for|of)\s+([A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,3}?)(?:'s|'|’s|’)\s"
)
_LEDE_COMPANY = re.compile(
    r"(?:NEWSWIRE\)|BUSINESS WIRE\)|/PRNewswire(?:-[A-Za-z]+)*/|ACCESSWIRE\s*/\s*\w+\.? \d{1,2}, \d{4}\s*/|"
    r"NewMediaWire|CET;|CEST;)\s*(?:--|–|—|-)?\s*(?:via NewMediaWire\s*(?:--|–|—|-)\s*)?"
    r"([A-Z0-9][\w&.’'\-™®]*(?:\s+[A-Z0-9][\w&.’'\-™®]*){0,5}?)(?:,?\s+(?:Inc|Ltd|Limited|Corp|Corporation|"
    r"AG|SA|"
    r"S\.A|N\.V|NV|plc|PLC|GmbH|LLC|Holding AG|Co\., Ltd)\.?)?\s*(?:\(|,|–|—|-|today|announced|reported)",
)
# Every _LEDE_COMPANY match starts with one of these; a text without any is not searched (the pattern would try
# each of its many first letters at every position).
_LEDE_MARKS = ("NEWSWIRE)", "NewMediaWire", "CET;", "CEST;", "BUSINESS WIRE)", "/PRNewswire", "ACCESSWIRE")


def _lede_company(text: str) -> re.Match[str] | None:
    """``_LEDE_COMPANY.search(text)``, skipped when the text has no wire's dateline mark."""
    return _LEDE_COMPANY.search(text) if any(mark in text for mark in _LEDE_MARKS) else None


_TICKER_COMPANY = re.compile(
    r"(?:^|[\s,;])((?:[A-Z0-9][\w&.’'\-]*\s+){0,4}?[A-Z0-9][\w&.’'\-]*?)(?:,?\s+(?:Inc|Ltd|Limited|Corp|"
    r"Corporation|"
    r"AG|SA|N\.V|NV|plc|PLC|GmbH|LLC)\.?)?\s*\((?:Nasdaq|NASDAQ|NYSE|ASX|TSX|OTC\w*|Euronext|LSE|AIM|SIX|"
    r"XETRA|"
    r"[A-Z]{2,5}\))[\s:]",
)
# Every _TICKER_COMPANY match ends with this; a text without it is not searched (the full pattern tries every
# word start of the text before giving up, about 20 us for a 2,000-character summary).
_TICKER_MARK = re.compile(r"\((?:Nasdaq|NASDAQ|NYSE|ASX|TSX|OTC\w*|Euronext|LSE|AIM|SIX|XETRA|[A-Z]{2,5}\))[\s:]")


def _ticker_company(text: str) -> re.Match[str] | None:
    """``_TICKER_COMPANY.search(text)``, skipped when the text has no ticker mark."""
    return _TICKER_COMPANY.search(text) if _TICKER_MARK.search(text) else None


_SAID_COMPANY = re.compile(
    r"(?:^|[.;]\s+)([A-Z][\w&.’'\-]*(?:\s+[A-Z][\w&.’'\-]*){0,4}?)(?:\s+(?:Inc|Ltd|SA|AG|PLC|plc|NV)\.?)?\s+"
    r"(?:on \w+ )?said\b"
)
_BAD_SUBJECT = re.compile(
    r"(?i)^(?:FDA|U\.?S\.?|EMA|The|A|An|As|Why|How|What|First|Data|Positive|New|Patient|Interim|Topline|Results|"
    r"Phase|Study|Trial|European|Health|Japan|China|F\.D\.A\.?|Today|Updated|Final|Full|Late|Pivotal|"
    r"Independent|Initial|Preliminary|Cannabis|Biotech|Stocks?|Shares|Drug|Gene|Cell|PRIME|Priority|"
    r"Breakthrough|Fast|Orphan|Clinical|Completion|Enrollment|Enrolment)\b",
)
_TRAILING_JUNK = re.compile(r"(?:,|\s+and|\s*&)$")
_MARKS = re.compile(r"[™®]")


_EXCHANGE = re.compile(r"\((?:Nasdaq|NASDAQ|NYSE|ASX|TSX|OTC|Euronext|LSE|AIM|SIX|XETRA)")
_COMPANY_WORD = re.compile(
    r"\b(?:Inc|Ltd|Limited|Corp|Corporation|AG|SA|NV|plc|PLC|GmbH|LLC|Pharma\w*|Therapeutics|Bio\w*|Medical|"
    r"Sciences|Health|Labs|Genetics|Oncology|Holdings?)\b"
)
_TRAILING_SUFFIX = re.compile(r",?\s+" + _SUFFIX + r"$")
_TRIAL_OR_CODE = re.compile(r"^(?=[A-Z0-9\-]*[\-\d])[A-Z0-9\-]{4,}$")


# What a name must end with for _TRAILING_JUNK / _TRAILING_SUFFIX to match ("$" also matches before a final
# newline; the name is stripped before the suffix check); other names skip the search, which tries every
# character of the name.
_JUNK_ENDINGS = (",", "and", "&", "\n")
_SUFFIX_ENDINGS = ("Inc", "Ltd", "Limited", "Corp", "Corporation", "AG", "SA", "S.A", "N.V", "NV", "plc", "PLC", "GmbH",
                   "LLC", "Co", "A/S", "SE", ".")


def _clean(name: str) -> str:
    name = (_MARKS.sub("", name) if "™" in name or "®" in name else name).strip(" ,–—-")
    if name.endswith(_JUNK_ENDINGS):
        name = _TRAILING_JUNK.sub("", name)
    name = name.strip()
    if name.endswith(_SUFFIX_ENDINGS):
        name = _TRAILING_SUFFIX.sub("", name)
    name = name.strip(" ,")
    words = name.split()
    while len(words) > 1 and _TRIAL_OR_CODE.match(words[-1]):  # "Pliant Therapeutics INTEGRIS-PSC"
        words.pop()
    return " ".join(words)


# Verbs only a company does: a headline subject followed by one of these is a company even if it looks like a
# drug name ("Imugene Announces ..."); a drug-like subject followed by anything else ("Azer-cel Granted Fast
# Track ...") is the product, never the sponsor.
_COMPANY_VERBS = frozenset(
    "announces announced reports reported provides presents to will raises prices enters appoints names "
    "completes completed doses dosed initiates initiated submits submitted signs partners launches closes "
    "files expands issues hosts regains posts outlines unveils highlights says said takes acquires "
    "secures publishes shares".split()
) | frozenset(_FOREIGN_VERBS)
_SUFFIX_WORDS = (r"(?:Inc|Ltd|Limited|Corp|Corporation|AG|SA|N\.V|NV|plc|PLC|GmbH|LLC|A/S|SE|Therapeutics|"
                 r"Pharmaceuticals?|Biosciences|Biotherapeutics|Biopharma|Biotech|Biologics|Pharma)\b")
_EXCHANGES = r"(?:Nasdaq|NASDAQ|NYSE|ASX|TSX|OTC\w*|Euronext|LSE|AIM|SIX|XETRA)\b"


_AFTER_NAME = re.compile(rf"[®™]?(?:,?\s+{_SUFFIX_WORDS}|\s*\({_EXCHANGES})", re.IGNORECASE)
_BEFORE_NAME = re.compile(r"\b(?:partners?|licensee|licensor|collaborator)\s+$", re.IGNORECASE)


class _Release:
    """What :func:`is_company` reads of one release, worked out once for all the names checked in it."""

    __slots__ = ("_lede_company", "low", "summary", "text", "title")

    def __init__(self, title: str, summary: str) -> None:
        self.title, self.summary = title, summary
        self.text = f"{title}\n{summary[:1_500]}"
        self.low = self.text.lower()
        self._lede_company: str | None = None

    def lede_company(self) -> str:
        """The casefolded company of the wire-service lede ("" when there is none)."""
        if self._lede_company is None:
            m = _lede_company(self.summary)
            self._lede_company = _clean(m.group(1)).casefold() if m else ""
        return self._lede_company


# The release last asked about: the classifier asks about every drug name of one release in turn. Reused only
# for the very same title and summary objects (``is``), so it never answers for another text.
_LAST_RELEASE = _Release("", "")


def is_company(name: str, title: str, summary: str) -> bool:
    """Whether ``name`` is written as a company in the text: with a company suffix or an exchange ticker,
    as a partner/licensee, or as the company of the wire-service lede."""
    global _LAST_RELEASE
    if not name:
        return False
    release = _LAST_RELEASE
    if release.title is not title or release.summary is not summary:
        release = _LAST_RELEASE = _Release(title, summary)
    text, low, key = release.text, release.low, name.lower()
    if len(low) != len(text):
        low, key = text, name
    start = low.find(key)
    for _ in range(5):
        if start < 0:
            break
        end = start + len(key)
        boundary = (start == 0 or not (low[start - 1].isalnum() or low[start - 1] == "-")) and (
            end == len(low) or not low[end].isalnum())
        if boundary and (_AFTER_NAME.match(text, end) or _BEFORE_NAME.search(text[max(0, start - 20) : start])):
            return True
        start = low.find(key, end)
    company = release.lede_company()
    return bool(company) and company == name.casefold()


def _is_drug_name(name: str) -> bool:
    from .drug_names import find_drug_names  # here to keep the import graph one-way at module load

    found = find_drug_names(name)
    return any(f.casefold() == name.casefold() for f in found)


# The last word of a subject that is a company's whole name; a subject ending otherwise may run past the company
# into what it announces ("Annovis Bio Interview", "Celularity Human Placental-Derived Advanced Biomaterials").
_NAME_END = re.compile(
    _SUFFIX_WORDS + r"$|(?:Bio|Bioservices|Bioscience|Group|Health|Sciences|Medical|Labs|Holdings)$", re.IGNORECASE)


def _named_company_within(subject: str, summary: str) -> str | None:
    """The company the lede names, when the headline's subject starts with it and goes on past it: the
    subject's first words, as the headline spells them."""
    words = subject.split()
    low = summary.casefold()
    if len(words) < 2 or _NAME_END.search(words[-1]) or words[0].casefold() not in low:
        return None  # (a lede that never names the subject's first word names no company it starts with)
    if subject.casefold() in low:
        return None  # the lede names the whole subject
    folded = [w.casefold() for w in words]
    for named in chain(_lede_names(summary), _first_subject(summary)):
        named_words = named.casefold().split()
        if named_words == folded:
            return None  # the lede names the whole subject: it is the company
        if len(named_words) < len(words) and folded[: len(named_words)] == named_words:
            return " ".join(words[: len(named_words)])
    return None


def _lede_names(summary: str, title: str | None = None) -> Iterator[str]:
    """Companies the lede names, in order of trust (each looked for only when the ones before did not decide):
    the wire's dateline company, one with an exchange ticker (in the title too, when given), one that "said"."""
    for find in (_lede_company, _ticker_company, _SAID_COMPANY.search):
        m = find(summary)
        if m is None and find is _ticker_company and title is not None:
            m = _ticker_company(title)
        if m is None:
            continue
        if find is _ticker_company and not _EXCHANGE.search(m.group(0)) and not _COMPANY_WORD.search(m.group(0)):
            continue  # "(UK)" is not a ticker; "Acme Pharma Inc. (ACME)" is
        name = _clean(m.group(1))
        if name and not _BAD_SUBJECT.match(name):
            yield name


def _first_subject(summary: str) -> Iterator[str]:
    """The subject of the lede's first sentence, when it reads as a company ("Celularity will present …")."""
    first = _title_subject(summary[:200])
    name = _clean(first) if first else ""
    if name and not _BAD_SUBJECT.match(name):
        yield name


def find_sponsor(title: str, summary: str) -> str | None:
    """The announcing company; never a drug name standing as the headline's subject."""
    subject = _title_subject(title)
    if subject:
        name = _clean(subject)
        if name and not _BAD_SUBJECT.match(name) and len(name) <= 80:
            after = title[len(subject):].split(None, 1)
            verb = after[0].strip(_PUNCT).lower() if after else ""
            if verb in _COMPANY_VERBS or not _is_drug_name(name) or is_company(name, title, summary):
                return _named_company_within(name, summary) or name
    m = _POSSESSIVE.search(title)
    if m:
        name = _clean(m.group(1))
        if name and not _BAD_SUBJECT.match(name):
            return name
    return next(_lede_names(summary, title), None)

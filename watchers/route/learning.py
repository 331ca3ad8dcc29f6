"""Programmes learned from the stream: which drug names an event teaches, and what that does to the registry.

A pure decision, no SQL: `plan_learning(event, known)` takes the event's drug names, the pairings its own text
makes ("azercabtagene zapreleucel (azer-cel)", "ABC-123 (Brandix)", "zapotinib, formerly ABC-123") and what the
store knows of those names, and answers which learned programmes to create, which to extend with new aliases and
which two learned programmes the text shows to be one (a merge). A registered programme is never changed: a name
paired with one of its aliases teaches nothing. `watchers/record.py` applies the plan in the poll's transaction.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import lru_cache

from storage.models import LearnedProgram, NewEvent
from storage.names import fold_name
from watchers.classify.drug_names import drug_shape

# The shapes, best first, for the name a learned programme goes by: the INN, then a code, then a short form.
_NAME_RANK = {"inn": 0, "code": 1, "short": 2}

# Gene and target names look like codes (CD19, PD-1, GLP-1, HER2, IL-23, TL1A, B7-H3, CLDN18.2).
_TARGET = re.compile(
    r"^(?:CD|PD|PDL|IL|GLP|GIP|HER|FGFR|EGFR|VEGF|VEGFR|KRAS|NRAS|BRAF|BRCA|TNF|JAK|TYK|BCMA|CTLA|TIGIT|LAG|TIM|"
    r"CCR|CXCR|TLR|TROP|CLDN|DLL|GPRC|FcRn|TL|B7|APOC|ANGPTL|PCSK|LPA|C3|C5|FXI|KLK|TSLP|OX|STAT|IRAK|RIPK|"
    r"NLRP|SMN|HTT|DMPK|SOD|GBA|TTR|ATTR|MASP|CFB|CFD|ROR|MUC|FOLR|NECTIN|HLA|PSMA|MET|ALK|ROS|RET|KIT|FLT|"
    r"IDH|PIK|AKT|MTOR|CDK|PARP|ATR|WEE|MDM|BTK|BCL|MCL|EZH|PRMT|SHP|SOS|MEK|ERK|HIF|ACVR|GDF|ALK|BMP|NaV|Nav|"
    r"KCNQ|TRPV|GABA|NMDA|AMPA|mGlu|mGluR|DRD|HTR|OX|MC|CB|GPR|SSTR|APJ|FSHR|LHR|AR|ER|PR|GR|MR|THR|FXR|PPAR)"
    r"[\-\s.]?[A-Z]?\d{0,2}(?:[.\-][A-Z]?\d{1,2})?[A-Za-z]?$",
    re.IGNORECASE,
)
_DOSAGE = re.compile(
    r"\b(?:\d+(?:\.\d+)?\s*(?:mg|mcg|µg|ug|g|ml|mL|kg|iu|IU|units?)(?:/\w+)?|tablets?|capsules?|injections?|"
    r"infusions?|solution|suspension|doses?|dosing|oral|subcutaneous|intravenous|mg/kg|once|twice|daily|weekly)\b",
    re.IGNORECASE,
)
_COMPANY = re.compile(
    r"\b(?:Inc|Ltd|Limited|Corp|Corporation|AG|SA|NV|plc|GmbH|LLC|A/S|SE|Therapeutics|Biosciences|Bioscience|"
    r"Biotherapeutics|Biotech|Pharma|Pharmaceuticals|Biopharma|Biologics|Holdings|Group|Labs|Sciences|Medical|"
    r"Health|Oncology|Genomics|Medicines)\.?$",
    re.IGNORECASE,
)
# Words that may stand in brackets after a drug name and are never its other name.
_NOT_A_NAME = frozenset("""
the company nasdaq nyse otc tsx asx euronext sec fda ema chmp who orr pfs os dor dcr cr pr sd pd hr ci mg kg
phase trial study data results placebo patients investigational product candidate formerly previously also
known as aka the drug therapy treatment vaccine injection tablet tablets capsule capsules oral dose doses
adults children pediatric pivotal topline interim final once daily weekly monthly brand generic
""".split())
_BRAND = re.compile(r"^[A-Za-z][A-Za-z0-9\-]{3,24}$")
_ABBREVIATION = re.compile(r"^[A-Z]{2,4}$")  # ORR, PFS, NSCLC-like short capitals are not brands
_OTHER = r"(?:(?:formerly|previously)(?:\s+known\s+as)?|also\s+known\s+as|a\.?k\.?a\.?)"
# "NAME (OTHER)", "NAME (formerly OTHER)", "NAME, formerly OTHER": NAME is one or two words, found in one pass
# over the text whatever the event's names are (they are matched against both sides afterwards).
_PAIR_RE = re.compile(
    r"(?<![\w\-])([\w\-]+(?:\s[\w\-]+)?)\s*[®™]?\s*(?:\(\s*" + _OTHER + r"?[:,]?\s*([^()\n;]{2,60}?)\s*[®™]?\s*\)"
    r"|,\s*" + _OTHER + r"\s+([\w\-]+(?:\s[\w\-]+)?)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Extension:
    program_id: int
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Merge:
    kept_id: int
    merged_id: int
    reason: str


@dataclass
class LearningPlan:
    creates: list[LearnedProgram] = field(default_factory=list)
    extends: list[Extension] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.creates or self.extends or self.merges)


def renames(plan: LearningPlan, norms: Set[str]) -> bool:
    """Whether the plan can change what these folded names resolve to (a merge, or a name or alias it creates or
    adds among them): the names subscriptions and mutes were made with are then looked up again."""
    if plan.merges:
        return True
    names = [n for p in plan.creates for n in (p.name, *p.aliases)] + [a for e in plan.extends for a in e.aliases]
    return any(fold_name(n) in norms for n in names)


def is_junk(name: str, sponsor: str | None = None) -> bool:
    """Never a programme: targets and genes, dosage words, company names, the event's own sponsor, short or
    bracket words (ORR, NASDAQ)."""
    clean = name.strip()
    norm = fold_name(clean)
    if len(norm) < 3 or clean.casefold() in _NOT_A_NAME or norm in _NOT_A_NAME:
        return True
    if _TARGET.match(clean) or _DOSAGE.search(clean) or _COMPANY.search(clean):
        return True
    if sponsor and (norm == fold_name(sponsor) or norm in {fold_name(w) for w in sponsor.split() if len(w) > 3}):
        return True
    return ":" in clean or clean.casefold().startswith(("nasdaq", "nyse", "the "))


def learnable(name: str, sponsor: str | None = None) -> str | None:
    """The drug shape of a name that may become a learned programme (None: it may not)."""
    shape = drug_shape(name)
    return shape if shape and not is_junk(name, sponsor) else None


def _brand_like(name: str, sponsor: str | None) -> bool:
    """An other name in brackets that is no drug shape may still be a brand: one word, not an abbreviation."""
    word = name.strip()
    return bool(_BRAND.match(word)) and not _ABBREVIATION.match(word) and not word.isdigit() and not is_junk(
        word, sponsor) and not word.islower()


def text_pairings(text: str, names: Sequence[str]) -> list[tuple[str, str]]:
    """(name, other name) pairs the text states for these names: "NAME (OTHER)", "OTHER (NAME)", "NAME, formerly
    OTHER", "NAME (formerly OTHER)"."""
    if "(" not in text and "," not in text:
        return []
    by_norm = {fold_name(n): n for n in names if fold_name(n)}
    if not by_norm:
        return []  # every pair needs one of the names: most events name no programme (no scan, issue 19)
    pairs: list[tuple[str, str]] = []
    for heads, head_norms, other, other_norm in _pair_candidates(text):
        for norm in head_norms:
            if (name := by_norm.get(norm)) is not None:
                pairs.append((name, other))
        if (name := by_norm.get(other_norm)) is not None:
            pairs.extend((name, candidate) for candidate in heads)
    return pairs


@lru_cache(maxsize=1024)
def _pair_candidates(text: str) -> tuple[tuple[tuple[str, ...], tuple[str, ...], str, str], ...]:
    """Every "HEAD (OTHER)"-shaped statement of the text, with the folded names: the scan depends on the text
    alone, and one event's text is asked up to three times (the batch's read-ahead, its learning, its plan)."""
    out = []
    for m in _PAIR_RE.finditer(text):
        head = m.group(1).strip()
        other = (m.group(2) or m.group(3) or "").strip(" ,.")
        if not other:
            continue
        heads = (head, head.rsplit(" ", 1)[1]) if " " in head else (head,)  # "announces zapotinib (ABC-123)"
        out.append((heads, tuple(fold_name(h) for h in heads), other, fold_name(other)))
    return tuple(out)


def plan_learning(
    event: NewEvent, known: Mapping[str, tuple[int, str, str]], text: str | None = None
) -> LearningPlan:
    """What this event teaches. `known` maps folded names to (programme id, name, kind) for every name of the
    event and of its pairings that the store knows."""
    sponsor = event.sponsor
    text = text if text is not None else f"{event.title}\n{event.summary or ''}"
    names = [n for n in dict.fromkeys(event.programs) if fold_name(n)]
    shapes = {fold_name(n): s for n in names if (s := learnable(n, sponsor))}
    # Every name by its folded form; a pairing's other name joins only if it is a drug shape or brand-like.
    spelled: dict[str, str] = {fold_name(n): n for n in names}
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for name, other in text_pairings(text, [n for n in names if fold_name(n) in shapes or fold_name(n) in known]):
        a, b = fold_name(name), fold_name(other)
        if not b or a == b:
            continue
        if b not in shapes and b not in known:
            shape = learnable(other, sponsor)
            if shape:
                shapes[b] = shape
            elif not _brand_like(other, sponsor):
                continue
        spelled.setdefault(b, other)
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        parent[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for norm in spelled:
        if norm in shapes or norm in parent:
            groups.setdefault(root(norm) if norm in parent else norm, []).append(norm)
    plan = LearningPlan()
    for members in groups.values():
        if not any(m in shapes for m in members):
            continue  # brands alone are never a programme
        owners = {known[m][0]: known[m] for m in members if m in known}
        if any(kind != "learned" for _, _, kind in owners.values()):
            continue  # a registered programme's names are the user's: nothing is added or moved
        new = [spelled[m] for m in members if m not in known]
        if not owners:
            name = min((m for m in members if m in shapes), key=lambda m: _NAME_RANK[shapes[m]])
            plan.creates.append(LearnedProgram(
                name=spelled[name], aliases=[spelled[m] for m in members if m != name],
                sponsors=[sponsor] if sponsor else [],
            ))
            continue
        # The programme kept is the one with the better name (an INN over a code), then the older one.
        kept_id = min(owners, key=lambda pid: (_NAME_RANK.get(drug_shape(owners[pid][1]) or "", 3), pid))
        for other_id, (_, other_name, _) in sorted(owners.items()):
            if other_id != kept_id:
                plan.merges.append(Merge(kept_id, other_id,
                                         f"{owners[kept_id][1]} and {other_name} named together: {event.title[:120]}"))
        if new:
            plan.extends.append(Extension(kept_id, tuple(new)))
    return plan


def learning_norms(event: NewEvent, text: str | None = None) -> list[str]:
    """The folded names `plan_learning` needs the store's answer for: the event's names and their pairings."""
    text = text if text is not None else f"{event.title}\n{event.summary or ''}"
    names = [n for n in dict.fromkeys(event.programs) if fold_name(n)]
    norms = [fold_name(n) for n in names]
    norms += [fold_name(o) for _, o in text_pairings(text, names)]
    return list(dict.fromkeys(n for n in norms if n))

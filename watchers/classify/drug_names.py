"""Recognise drug names on their own, without a programme store.

Three kinds of names are found:

* **INN stems** — international non-proprietary names end in a small set of stems (``-mab`` antibodies,
  ``-cel``/``-leucel`` cell therapies, ``-tinib`` kinase inhibitors, ``-parin``, ``-gene`` gene therapies,
  ``-tide`` peptides, ``-siran``, ``-rsen``, ``-stat``, …). Common English words with those endings are
  excluded.
  A biologic suffix (``cosibelimab-ipdl``) and a following second INN word (``exagamglogene autotemcel``,
  ``eftilagimod alpha``) are kept with the name.
* **Code names** — company research codes: ``ABC-123``, ``ABC123``, ``GLPG5101``, ``PGN-EDODM1``,
  ``IMC-P115C``. Targets, trial identifiers and common abbreviations (``CD19``, ``IL-36R``, ``COVID-19``,
  ``NCT01234567``) are not.
* **Brand names** written with ® or ™ (``ZORYVE®``, ``CASGEVY™``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .prescan import literal_scan, matches_at, rs_hits, start_scan
from .rules import gate_lower, lower_pattern

_STEMS = (
    "mab", "cel", "leucel", "tinib", "parin", "gene", "tide", "siran", "rsen", "stat", "cept", "ciclib",
    "parib",
    "lisib", "rafenib", "fenib", "tug", "fusp", "zomib", "degib", "glutide", "gliflozin", "platin", "taxel",
    "tecan", "vedotin", "dotin", "mig", "milast", "tegrast", "lukast", "grast", "vir", "vec", "imod",
    "domide",
    "semide", "caftor", "golix", "fermin", "ermin", "oxime", "xafor", "nurad", "setron", "sertib", "metinib",
    "ciclovir", "kinra", "kin", "plase", "dase", "rsen", "bulin", "lutamide", "gestat", "tansine", "poetin",
    "cogene", "vimab", "tamab", "lumab", "limab", "zumab", "ximab", "nersen", "tirsen", "sidomide", "trelvir",
    "pavir", "previr", "buvir", "asvir", "navir", "ciguat", "sentan", "parcin", "lukin", "fungin", "conazole",
    "pendin", "tivimab", "rnaxin", "orexton", "cabtagene", "temcel", "dencel", "ticel", "ducel", "lencel",
    "ranib", "nostat", "ciclib", "tegravir", "gravir", "rafenib", "racetam", "mostat", "nirsen",
    "cimab", "dustat", "sotide", "gepant", "lisiran", "meran", "sertib",
)
_STEM_RE = "|".join(sorted(set(_STEMS), key=len, reverse=True))

# English (and biotech jargon) words with drug-like endings.
_STOP = frozenset(
    w.lower()
    for w in (
        "peptide", "polypeptide", "nucleotide", "oligonucleotide", "riptide", "yuletide", "dinucleotide",
        "thermostat", "hemostat", "rheostat", "cryostat", "statstat", "excel", "cancel", "parcel", "accel",
        "oncogene", "transgene", "antigene", "progene", "regene", "homogene", "vermin", "ermine", "determine",
        "nevermind", "skin", "kin", "akin", "pumpkin", "napkin", "kinkin", "firkin", "bodkin", "catkin",
        "lambkin", "coffin", "virgin", "reservoir", "memoir", "elixir", "souvenir", "kevlar", "kinase",
        "database", "increase", "release", "grant", "reovir", "ostat", "vector", "invec", "selvec",
        "tug", "mig", "vir", "gene", "cel", "tide", "stat", "dase", "vec", "mab", "cept", "grast",
        "phosphodiesterase", "sidekin", "bulletin", "dolphin", "muffin", "robin", "cabin", "satin", "latin",
        "maudlin", "plasmin", "insulin", "tubulin", "globulin", "immunoglobulin", "bulin", "nanomig",
        "intercept", "concept", "precept", "accept", "except", "percept", "transcept", "incept",
        "ecostat", "biostat", "rheovir", "gastronomed", "fibrostat", "telomerase",
    )
)

_INN_RE = re.compile(
    r"(?<![\w\-])([A-Za-z][a-z]{2,}(?:" + _STEM_RE + r"))(?:-([a-z]{4}))?"
    r"(?:\s+((?i:alfa|alpha|beta|pegol|vedotin|deruxtecan|tazevibulin|autotemcel|autoleucel|ciloleucel|"
    r"maraleucel|"
    r"[a-z]{3,}(?:cel|leucel|vec|gene))))?(?![\w\-])",
)

# Short forms of cell/gene therapy INNs: "exa-cel", "cilta-cel", "lovo-cel", "beti-cel".
_SHORT_CEL_RE = re.compile(r"(?<![\w\-])([a-z]{2,6}-(?:cel|vec))(?![\w\-])", re.IGNORECASE)

# A single unknown word in a slot where headlines put the product name: "Study of X in", "Approval of X for",
# "Designation for X in", "Evaluating X". Catches brand-like names without ®/™ (NexoBrid, Natrunix, CaPre).
_SLOT_RE = re.compile(
    r"\b(?:evaluating|investigating|dosed with|treated with|approval of|application for|(?:s?NDA|s?BLA|"
    r"MAA) for|"
    r"(?:study|studies|trial|trials) (?:of|for|with)|data (?:on|for|with)|results (?:of|for|with)|"
    r"designations? (?:for|to)|review (?:of|for)|dose for|hold on|supplement to the|"
    r"(?:efficacy|safety|tolerability|pharmacokinetics|benefit|superiority|non-inferiority) of)\s+"
    r"([A-Z][a-z]+[A-Z]?[a-z]*|[a-z]{5,})(?=[®™]?(?:\s+(?:in|for|to|as|and|versus|vs\.?|plus|monotherapy|"
    r"combination|under|s?NDA|s?BLA|MAA|\()|[,;:]|\s*\n|\s*$))",
    re.IGNORECASE,
)
_SLOT_STOP = frozenset("""
the its their his her a an this that these those our patients patient people adults adult children child
subjects participants volunteers women men infants treatment therapy therapies drug drugs candidate candidates
product products program programs programme study studies trial trials phase safety efficacy use combination
investigational novel first second third lead proprietary potential oral intravenous subcutaneous topical
pediatric adolescents adolescent healthy cancer tumors tumours disease diseases syndrome disorder disorders
psoriasis dermatitis obesity diabetes hypertension alzheimer alzheimers parkinson parkinsons epilepsy asthma
lupus arthritis leukemia lymphoma myeloma melanoma carcinoma sarcoma glioblastoma fibrosis cirrhosis
hepatitis influenza covid pneumonia sepsis stroke schizophrenia depression anxiety pain migraine insomnia
rett duchenne angelman huntington dravet lennox sickle beta thalassemia hemophilia transplant kidney liver
heart lung breast prostate ovarian pancreatic gastric colorectal bladder cervical renal brain skin eye
vaccine vaccines device devices system systems platform technology cell cells gene genes antibody antibodies
data results approval review designation application supplement dose doses dosing placebo standard care
chemotherapy radiotherapy surgery intranasal inhaled sublingual extended immediate release once twice daily
weekly monthly adjuvant neoadjuvant maintenance monotherapy relapsed refractory metastatic advanced
early late moderate severe mild chronic acute rare common multiple solid hematologic inflammatory
autoimmune infectious metabolic cardiovascular neurological neuromuscular respiratory ophthalmic
use treating preventing europe japan china canada israel india korea australia america
quarter company meeting options revenues revenue gross response coverage durable cognitive repeated monday
tuesday wednesday thursday friday saturday sunday january february march april june july august september
october november december year years month months week weeks growth sales cash business update medicine
medicines science research development clinical regulatory commercial management patients
""".split())
_ENGLISH_SUFFIX = re.compile(
    r"(?:ive|ed|ing|ions?|ity|ities|al|ous|ble|ment|ments|ness|ly|ty|ics|ers|er|ons|ance|ence|ist|ists|ism|"
    r"ary|"
    r"ory|ship|ward|wards|ful|less)$", re.IGNORECASE,
)
_COMPANY_AFTER = re.compile(
    r"\s*(?:'s\b|,?\s+(?:Inc|Ltd|A/S|AG|SA|NV|N\.V|plc|PLC|GmbH|LLC|Corp|Therapeutics|Biosciences|Bioscience|"
    r"Biotherapeutics|Biotech|Pharma|Pharmaceuticals|Biopharma|Biologics|Holdings?|Group|Labs|Sciences|"
    r"Medical)\b)"
)
_CODE_TRIAL_LIKE = re.compile(r"^[A-Z]{4,}-\d$")  # GEMINI-1, HOPE-2: trial names, not compound codes


_SLOT_FAST = re.compile(lower_pattern(_SLOT_RE.pattern))
#: Every alternative of the slot pattern's leading alternation holds one of these (lower-case): without one, the
#: pattern cannot match (three texts in four).
_SLOT_LITERALS = (
    "evaluating", "investigating", "dosed with", "treated with", "approval of", "application for", "nda for",
    "bla for", "maa for", "study of", "study for", "study with", "studies of", "studies for", "studies with",
    "trial of", "trial for", "trial with", "trials of", "trials for", "trials with", "data on", "data for",
    "data with", "results of", "results for", "results with", "designation for", "designation to",
    "designations for", "designations to", "review of", "review for", "dose for", "hold on", "supplement to the",
    "efficacy of", "safety of", "tolerability of", "pharmacokinetics of", "benefit of", "superiority of",
    "inferiority of",
)



_SLOT_SCAN = literal_scan(_SLOT_LITERALS)
_SLOT_STARTS = start_scan(_SLOT_LITERALS)  # (the same literals' starts, faster: prescan.start_scan)


def _may_have_slot(low: str) -> bool:
    if _SLOT_SCAN is None:
        return any(map(low.__contains__, _SLOT_LITERALS))
    return next(_SLOT_SCAN.iter(low), None) is not None


def _slot_matches(low: str) -> list[re.Match[str]]:
    """``list(_SLOT_FAST.finditer(low))``, trying the pattern only where one of its alternatives can begin.

    Every alternative holds one of :data:`_SLOT_LITERALS` at its start, or 1 (``s?nda``, ``s?bla``) or 4
    (``non-inferiority``) characters after it, so a match can only start at one of those offsets before a
    literal the scan finds; trying them in order, each from the end of the last match, is what ``finditer``
    does (it would fail everywhere else). The regex alone tries its ~40 alternatives at every character.
    """
    if _SLOT_SCAN is None:
        return list(_SLOT_FAST.finditer(low))
    hits = rs_hits(_SLOT_STARTS, low) if _SLOT_STARTS is not None else None
    literal_starts = ((start for _, start, _ in hits) if hits is not None
                      else (end - n + 1 for end, n in _SLOT_SCAN.iter(low)))
    starts: set[int] = set()
    for start in literal_starts:
        starts.update((start, start - 1, start - 4))
    return list(matches_at(_SLOT_FAST, low, sorted(starts)))


def find_slot_names(text: str, exclude: frozenset[str] = frozenset()) -> list[str]:
    out: list[str] = []
    low = gate_lower(text)  # ı/ſ folded, as IGNORECASE reads them
    same = len(low) == len(text)
    if same and _SLOT_SCAN is not None:
        # the starts' scan is also the gate (no literal: no start, no match), so the text is scanned once
        matches: Iterable[re.Match[str]] = _slot_matches(low)
    elif not _may_have_slot(low):
        return out
    else:
        matches = _slot_matches(low) if same else _SLOT_RE.finditer(text)
    for m in matches:
        word = text[m.start(1) : m.end(1)]
        low = word.casefold()
        if low in _SLOT_STOP or low in exclude or low.rstrip("s") in _SLOT_STOP:
            continue
        if _ENGLISH_SUFFIX.search(low):
            continue
        out.append(word)
    return out

# Code names: letters (1-6) [hyphen] alphanumerics containing a digit.
# (The look-behind sits after the first capital so that ``re`` can skip ahead to capitals quickly.)
_CODE_RE = re.compile(
    r"([A-Z](?<![\w\-./][A-Z])(?:"
    r"[A-Za-z]{0,5}-(?=[A-Z0-9\-]*\d)[A-Z0-9]{1,8}(?:[-.][A-Z0-9]{1,6})?"  # ABC-123, PGN-EDODM1, ACI-24.060
    r"|[A-Z]{1,5}\d{2,6}[A-Z]{0,3}"  # ABC123, GLPG5101, OCU410ST
    r"|\d{3,5}"  # A002
    r"))(?![\w\-]|\.\d)"
)
_CODE_STOP_PREFIX = re.compile(
    r"^(?:COVID|SARS|CD|IL|PD|HER|GLP|FY|Q|H|NCT|ISO|ASCO|ESMO|ASH|AACR|EHA|HPV|HIV|HBV|HCV|MPS|DM|CYP|"
    r"BRCA|KRAS|"
    r"EGFR|HLA|ICD|CPT|SEC|FDA|EMA|GMP|COV|MERS|ECOG|NYHA|BMI|TNM|PSA|EQ|SF|CTCAE|RECIST|DSM|IFN|TNF|TGF|"
    r"VEGF|FGF|"
    r"CDK|JAK|TYK|BCL|TLR|STING|NLRP|AAV|CAR|TCR|MHC|LAG|CTLA|TIGIT|TIM|Anti|anti|Nectin|Omega|CCR|CXCR|GITR|"
    r"OX|ICOS|SIRP|CEACAM|EpCAM|DLL|PSMA|BCMA|GPRC|KLK|HLA|HbA|LDL|IgA|IgG|IgE|IgM|ATTR|APOE|UGT|GBA|SMN|CFTR|"
    r"AMD|PCSK|"
    r"Lp|GFR|eGFR|FEV|IAS|MAD|SAD|FIH|ND|CT|MR|MRI|PET|EU|US|UK|ASX|TSX|OTC|NYSE|NASDAQ|Form|Rule|Section|"
    r"Item|"
    r"Type|Phase|Part|Cohort|Day|Week|Month|Year|Stage|Grade|Class|Level|Tier|Series|Model|Version|No|Nos|"
    r"AG|SA|"
    r"NV|PLC|INC|LLC|GAAP|IFRS|ESG|KOL|ET|PT|CET|CEST|EST|EDT|PST|PDT|BST|GMT|UTC|AM|PM|RSV|HSV|CMV|EBV|HPV|"
    r"APOL|FXI|FXIa|PCV|PCV13|PCV15|PCV20|PPSV|MenB|Tdap|DTaP|RAS|BRAF|MEK|ALK|ROS|RET|MET|FLT|IDH|KIT|PIK|"
    r"TROP|NECTIN|CLDN|FR|B7|HER|GPC|MAGE|NY|PRAME|WT|TP|MYC|NMDA|GABA|AMPA|GPR|TRPV|NAV|Nav|KCNQ|HTT|FMR|"
    r"DMPK|"
    r"DMD|SOD|TDP|C9|LRRK|SNCA|MAPT|APP|PSEN|TREM|CSF|GM|G|FcRn|Fc|C3|C5|C1|IVIG|SCIG|LNP|mRNA|siRNA|ASO|"
    r"DNA|RNA|"
    r"AI|ML|IT|IR|ER|XR|SR|CR|PR|SD|PD|OS|PFS|DFS|EFS|ORR|DOR|DCR|TTP|HR|CI|SD|CV|IV|SC|IM|PO|QD|BID|TID|"
    r"QW|Q2W|Q3W|"
    r"Q4W|NDA|BLA|MAA|IND|CTA|PDUFA|PRIME|RMAT|BTD|ODD|WHO|CDC|NIH|NCI|BARDA|DARPA|CEPI|EC|CHMP|PRAC|MHRA|"
    r"PMDA|NMPA|"
    r"TGA|ANVISA|CE|UKCA|HTA|NICE|CMS|CPT|DRG|ICER)$"
)

#: The words :data:`_CODE_STOP_PREFIX` matches (each alternative is a plain word and the pattern is anchored at
#: both ends; its ``$`` would also take a final newline, which a code and its letters never hold): a set lookup
#: instead of a regex over some 300 alternatives.
_CODE_STOP_WORDS = frozenset(_CODE_STOP_PREFIX.pattern.removeprefix("^(?:").removesuffix(")$").split("|"))

_BRAND_RE = re.compile(r"(?<![\w\-])([A-Za-z][\w\-]*[A-Za-z0-9])\s?[®™]")
_BRAND_STOP = frozenset({
    "inc", "the", "and", "of", "for", "in", "at", "with", "by", "a", "an", "to", "on", "meeting", "company",
    "vessel", "system", "systems", "platform", "technology", "test", "tests", "program", "network",
    "congress",
    "conference", "week", "summit", "symposium", "therapeutics", "biosciences", "pharma", "pharmaceuticals",
    "biologics", "bio", "labs", "health", "medical", "sessions", "day", "series", "award", "awards",
})


def _norm(s: str) -> str:
    return s.casefold()


_WORD_RE = re.compile(r"[A-Za-z][a-z]{5,}")
_STEM_TUPLE = tuple(sorted(set(_STEMS)))


# a-z kept, every other byte a space: in the translated copy of an ASCII text a stem that ends a run of a-z
# letters is followed by a space
_AZ_ONLY = bytes(c if 97 <= c <= 122 else 32 for c in range(256))
# The scan reads the copy backwards, for " " + the stem reversed: every literal then begins with the space, so the
# automaton's root has one child and the letters (most of the text) leave it after one comparison; read forwards,
# each letter is looked up among the root's children, the stems' first letters (pyahocorasick searches them in a
# row).
_STEM_END_SCAN = literal_scan(tuple(" " + stem[::-1] for stem in _STEM_TUPLE))
# (faster still: ahocorasick_rs's DFA over the copy as it stands, for "stem + space"; prescan.start_scan)
_STEM_ENDS = start_scan(tuple(stem + " " for stem in _STEM_TUPLE), dfa=True)


def _stem_word_starts(text: str) -> list[int] | None:
    """The starts of the words of ``_WORD_RE.finditer(text)`` that end with a drug stem, in order; None without
    pyahocorasick (the caller then scans every word).

    A match of ``[A-Za-z][a-z]{5,}`` ends where a run of a-z letters ends (it is greedy) and begins one
    character before the run when that is a capital (the run then needs five letters), else where the run
    begins (six letters); runs do not overlap, so neither do the matches. A word ends with a stem exactly
    when its run does, i.e. when "stem + space" occurs in the a-z-only copy (a space appended for the end).
    One C pass over the copy instead of a regex over every word: most texts have no such word. A character
    outside ASCII (never a letter of the pattern) is one "?" in the copy, so positions stay those of ``text``.
    """
    if _STEM_END_SCAN is None:
        return None
    az = text.encode("ascii", "replace").translate(_AZ_ONLY).decode() + " "
    if _STEM_ENDS is not None:  # the space after the run (stems may share one): the hit's end - 1
        ends = {end - 1 for _, _, end in _STEM_ENDS(az, overlapping=True)}
    else:
        last = len(az) - 2  # a hit (e, n) in the reversed copy: its space is at L - 2 - e + n in the copy
        ends = {last - e + n for e, n in _STEM_END_SCAN.iter(az[::-1])}
    starts: list[int] = []
    for end in sorted(ends):
        run = az.rfind(" ", 0, end) + 1
        if run and "A" <= text[run - 1] <= "Z":
            if end - run >= 5:
                starts.append(run - 1)
        elif end - run >= 6:
            starts.append(run)
    return starts


def _stem_word_starts_plain(text: str) -> list[int]:
    """What :func:`_stem_word_starts` stands for (kept as its reference)."""
    return [w.start() for w in _WORD_RE.finditer(text) if w.group(0).endswith(_STEM_TUPLE)]


def find_inn(text: str) -> list[str]:
    out: list[str] = []
    # cheap scans first: only words with a drug-stem ending get the full regex
    starts = _stem_word_starts(text)
    for start in _stem_word_starts_plain(text) if starts is None else starts:
        m = _INN_RE.match(text, start)
        if m is None:
            continue
        word = m.group(1)
        if _norm(word) in _STOP or len(word) < 6 or _COMPANY_AFTER.match(text, m.end()):
            continue
        name = word
        if m.group(2):
            name += "-" + m.group(2)
        if m.group(3):
            name += " " + m.group(3)
        out.append(name)
    return out


def _find_short_cel(text: str) -> list[str]:
    if "-cel" not in text and "-vec" not in text and "-CEL" not in text and "-Cel" not in text:
        return []
    return [m.group(1) for m in _SHORT_CEL_RE.finditer(text)]


_LETTERS = re.compile(r"[A-Za-z]+")
_YEAR_LIKE = re.compile(r"[A-Z]{1,3}\d{4}")


#: An ASCII copy of a text (a character outside ASCII is one "?") translated two ways: "H" for a capital or "-",
#: "D" for a digit or "?" (the first digit of a code follows one of those); "L" for a letter or "-" (the run of
#: them before that digit begins with the code's capital).
_CODE_EDGE = bytes(ord("H") if (chr(c).isupper() and c < 128) or c == 45 else
                   ord("D") if (chr(c).isdigit() and c < 128) or c == 63 else 32 for c in range(256))
_CODE_RUN = bytes(ord("L") if (chr(c).isalpha() and c < 128) or c == 45 else 32 for c in range(256))
_CODE_CLOSED = frozenset(b"0123456789_./")  # before a capital, these (and letters and "-") refuse a code's start


def _code_starts(text: str) -> list[int]:
    """The positions, in order, where a match of :data:`_CODE_RE` can start.

    A match begins with a capital that the look-behind lets start (not after a word character, "-", "." or
    "/") and holds a digit: the look-ahead's digit lies in the match (which must end where its run of
    ``[A-Z0-9-]`` ends, or at a "."), and before the first one there are only letters and hyphens, at most 20
    after the capital, the last a capital or a hyphen. So the capital starts a run of letters and hyphens that
    ends before a digit (a character outside ASCII may be a digit: it counts as one), and nothing else can.
    """
    raw = text.encode("ascii", "replace")
    edges = raw.translate(_CODE_EDGE)
    d = edges.find(b"HD")
    if d < 0:
        return []
    runs = raw.translate(_CODE_RUN)
    starts: list[int] = []
    while d >= 0:  # d: the last letter or hyphen before the digit
        r = runs.rfind(b" ", 0, d) + 1
        if 65 <= raw[r] <= 90 and d - r <= 20 and (r == 0 or raw[r - 1] not in _CODE_CLOSED):
            starts.append(r)
        d = edges.find(b"HD", d + 1)
    return starts


def _code_matches(text: str) -> list[re.Match[str]]:
    """``list(_CODE_RE.finditer(text))``, the pattern tried only at :func:`_code_starts` (in order, each from the
    end of the last match, as ``finditer`` goes); the regex alone starts at every capital."""
    return list(matches_at(_CODE_RE, text, _code_starts(text)))


# A meeting's acronym with its year ("CTAD24", "VIVA23", "ICBST23", "Summit-2023") has a code's shape; it is told
# apart by being defined as a meeting in the text — "… Conference (CTAD24)", "ICBST23, the International Conference
# on …" — not by a list of meetings, so a meeting nobody listed is still no drug. Only a code whose number is a year
# is asked, so "VAX-24 … at the Annual Meeting" stays a drug.
_MEETING_YEAR_CODE = re.compile(r"[A-Z][A-Za-z]{1,7}-?(?:\d{2}|(?:19|20)\d{2})")
_MEETING_WORD = r"(?:Conference|Congress|Meeting|Symposium|Summit|Forum|Workshop|Convention|Sessions)"
_MEETING_BEFORE = re.compile(_MEETING_WORD + r"\s*\($")
_MEETING_AFTER = re.compile(r",\s+the\s+(?:\d{1,2}(?:st|nd|rd|th)\s+)?(?:[A-Z][\w'’&-]*\s+){0,6}"
                            + _MEETING_WORD + r"\b")
# A time ("Mid-2025", "Early-2026") or a meeting's own name ("Summit-2023") with a year after a hyphen.
_CODE_TIME_WORDS = frozenset({"Mid", "Early", "Late", "End", "Summit", "Spring", "Summer", "Fall", "Autumn",
                              "Winter", "Congress", "Conference", "Meeting", "Symposium", "Forum"})


def _names_a_meeting(text: str, m: re.Match[str]) -> bool:
    return (_MEETING_YEAR_CODE.fullmatch(m.group(1)) is not None
            and (_MEETING_BEFORE.search(text, max(0, m.start() - 40), m.start()) is not None
                 or _MEETING_AFTER.match(text, m.end()) is not None))


def find_codes(text: str) -> list[str]:
    out: list[str] = []
    for m in _code_matches(text):  # = _CODE_RE.finditer(text)
        code = m.group(1)
        prefix = _LETTERS.match(code)
        if prefix is None or prefix.group(0) in _CODE_STOP_WORDS or code in _CODE_STOP_WORDS:
            continue
        if prefix.group(0) in _CODE_TIME_WORDS:
            continue
        if _CODE_TRIAL_LIKE.match(code):
            continue
        if _YEAR_LIKE.fullmatch(code) and code[-4:-2] in ("19", "20"):  # "FY2024", "Q2025"
            continue
        if _names_a_meeting(text, m):
            continue
        out.append(code)
    return out


_BRAND_GENERIC = frozenset({"vessel", "system", "systems", "patch", "stent", "device", "platform", "test",
                            "spray", "cream", "foam", "gel", "pen", "injector", "implant", "cell", "therapy"})
_HEADLINE_WORD = re.compile(
    r"^(?:Announces?|Receives?|Reports?|Submits?|Approval|Approves?|FDA|EMA|U\.S\.|Of|For|The|And|With|To|"
    r"In|On|"
    r"Seeking|Granted|Grants?|Designation|Application|Launch\w*|New|Positive|Data|Results|Study|Trial)$"
)
_PREV_WORDS = re.compile(r"((?:[A-Z][\w\-]*\s+){1,3})$")


_MARK = re.compile("[®™]")


def _brand_spans(text: str) -> list[tuple[int, int]]:
    """The spans of group 1 of ``_BRAND_RE.finditer(text)``, read backwards from each ® / ™.

    The regex tries every word start and backtracks over every word; here only the words before a mark are
    read. Same result: the name must end right before the mark (or one whitespace before it), so it is the
    whole run of word characters and hyphens that ends there, starting with an ASCII letter, ending with an
    ASCII letter or digit, at least two characters long.
    """
    spans: list[tuple[int, int]] = []
    for mark in _MARK.finditer(text):
        end = mark.start()
        if end and text[end - 1].isspace():
            end -= 1
        if not end or not ("a" <= text[end - 1] <= "z" or "A" <= text[end - 1] <= "Z" or "0" <= text[end - 1] <= "9"):
            continue
        start = end - 1
        while start and (text[start - 1].isalnum() or text[start - 1] in "_-"):  # \w is alnum or "_"
            start -= 1
        if end - start >= 2 and ("a" <= text[start] <= "z" or "A" <= text[start] <= "Z"):
            spans.append((start, end))
    return spans


def find_brands(text: str, exclude: frozenset[str] = frozenset()) -> list[str]:
    out: list[str] = []
    if "®" not in text and "™" not in text:
        return out
    for start, end in _brand_spans(text):  # = the spans of group 1 of _BRAND_RE.finditer(text)
        name = text[start:end]
        low = _norm(name)
        if low in _BRAND_GENERIC:
            prev = _PREV_WORDS.search(text, max(0, start - 60), start)
            if prev:
                words = prev.group(1).split()
                while words and _HEADLINE_WORD.match(words[0]):
                    words.pop(0)
                if words and not any(_HEADLINE_WORD.match(w) for w in words):
                    out.append(" ".join([*words, name]))
            continue
        if low in _BRAND_STOP or low in exclude or len(name) < 3:
            continue
        out.append(name)
    return out


def find_drug_names(text: str, exclude: frozenset[str] = frozenset(), head: str | None = None) -> list[str]:
    """Drug names in order of first appearance: INN names, code names and ®/™ brands, deduplicated.

    ``head`` (default: ``text``) is the part searched for product-name slots ("Study of X in"); headlines and
    the first sentence name the product, the rest of a release mostly does not.
    """
    found: list[tuple[int, str]] = []
    for finder in (find_inn, find_codes, _find_short_cel):
        for name in finder(text):
            found.append((text.find(name), name))
    for name in find_brands(text, exclude) + find_slot_names(text if head is None else head, exclude):
        found.append((text.find(name), name))
    found.sort(key=lambda p: p[0])
    names = dedupe(n for _, n in found if _norm(n) not in exclude)
    # "autotemcel" on its own is already part of "exagamglogene autotemcel"
    longer = [_norm(n) for n in names if " " in n]
    return [n for n in names if not any(_norm(n) != lg and _norm(n) in lg.split() for lg in longer)]


def dedupe(names) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for n in names:
        k = _norm(n)
        if k in seen:
            continue
        seen.add(k)
        out.append(n)
    return out


_INN_WHOLE = re.compile(r"(?:" + _INN_RE.pattern + r")", re.IGNORECASE)


def drug_shape(name: str) -> str | None:
    """What kind of drug name this whole string is: 'inn', 'code', 'short' (azer-cel) or None (anything else:
    a word, a brand without its mark, a target). Learned programmes are only ever created from these shapes."""
    name = name.strip()
    if not name or len(name) > 60:
        return None
    if _SHORT_CEL_RE.fullmatch(name):
        return "short"
    if find_codes(name) == [name]:
        return "code"
    low = name.casefold()
    m = _INN_WHOLE.fullmatch(low)
    if m and low.split("-")[0].split()[0] not in _STOP and len(m.group(1)) >= 6:
        return "inn"
    return None

"""Releases not in English: which language, and keyword rules for the ones we understand.

:func:`detect_language` first counts short function words of each language we know in the first words of the
text (fast: a set lookup per word), so an English release costs almost nothing. Only when no language clearly
wins is the offline ``langdetect`` library asked (its profiles ship inside the package; seeded, deterministic),
if it is installed. Icelandic is recognised by its letters þ/ð, which langdetect does not know.

:data:`LANGUAGE_RULES` holds, per supported language (de, fr, es, it, da, sv; a few for is), rows in
precedence order for the events the bot must not miss: earnings and other framing first (a financial report
is ``other``), regulatory look-alikes (IND/CTA clearances are ``regulatory/other``), approvals, designations, enrollment
(first patient, enrollment complete, trial start) and results (topline, interim, generic).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from .rules import R, Rule, fires_open, fold_lower

SUPPORTED: frozenset[str] = frozenset({"en", "de", "fr", "es", "it", "da", "sv", "is"})

# Function words that are frequent in one language and rare in the others (and in English headlines).
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the of and to in for with from on at by announces announced its is are has that".split()),
    "de": frozenset("der die das und mit für von den dem des bei ist wird zur zum gibt bekannt eine einer auf "
                    "im aus über nach".split()),
    "fr": frozenset("le la les des du et pour avec dans une un sur annonce au aux de est son ses qui".split()),
    "es": frozenset("el la los las del y para con en una un por anuncia que su sus al es se ha han sido lo".split()),
    "it": frozenset("il lo la gli della delle dei del e per con una un nel nella annuncia che di ed alla al è".split()),
    "da": frozenset("og af til med for på det en et som har fra ved om meddeler i er".split()),
    "sv": frozenset("och av till med för på det en ett som har från vid om meddelar i är".split()),
    "is": frozenset("og við um fyrir frá að sem með á í er til hefur".split()),
    "nl": frozenset("het een van en voor met bij op maakt bekend de is naar".split()),
    "pt": frozenset("o os das dos do da e para com em uma um anuncia que ao".split()),
}
# Words of the releases themselves, for headlines short of function words ("Norvalis avvia lo studio di fase 2"):
# each language's words for a trial, its results, recruiting, an approval, and its announcing verbs.
_MARKERS: dict[str, str] = {
    "en": "trial study results data patients enrollment approval designation receives reports doses completes",
    "de": "studie ergebnisse daten patienten rekrutierung zulassung erhält meldet startet schließt veröffentlicht "
          "abgeschlossen berichtet präsentiert neue neuen beginnt klinische",
    "fr": "essai étude résultats données recrutement autorisation désignation obtient reçoit finalise lancement "
          "premier nouveau nouvelle nomination",
    "es": "ensayo estudio resultados datos reclutamiento aprobación designación recibe obtiene inicia pacientes "
          "nuevo nueva",
    "it": "studio sperimentazione risultati dati arruolamento reclutamento approvazione riceve ottiene avvia "
          "pazienti nuovo nuova",
    "da": "forsøg studiet resultater rekruttering rekrutteringen godkendelse modtager offentliggør afslutter "
          "afsluttet patienter indleder igangsætter påbegynder første doseret",
    "sv": "prövning studien fas resultat rekrytering rekryteringen godkännande erhåller inleder avslutar slutförd "
          "presenterar patienter första doserad behandlad påbörjar",
}
_STOPWORDS = {lang: words | frozenset(_MARKERS.get(lang, "").split()) for lang, words in _STOPWORDS.items()}
# Words shared by two languages count for neither alone; the distinctive ones decide.
_SHARED = {w for lang, ws in _STOPWORDS.items() for w in ws
           if sum(w in other for other in _STOPWORDS.values()) > 1}
_DISTINCT = {lang: ws - _SHARED for lang, ws in _STOPWORDS.items()}
_WORD = re.compile(r"[^\W\d_]+")
_ICELANDIC = re.compile(r"[þðÞÐ]")
_NORDIC = re.compile(r"[æøåÆØÅäöÄÖ]")
_SCAN_WORDS = 40


_WORD_LANG: dict[str, str] = {w: lang for lang, ws in _DISTINCT.items() for w in ws}
_ACCENTED = re.compile(r"[\u00c0-\u024f]")  # Latin letters with diacritics (not ®, ™, α or dashes)


def _votes(text: str) -> Counter[str | None]:
    return Counter(map(_WORD_LANG.get, _WORD.findall(text.lower())[:_SCAN_WORDS]))


# Letters that (among the languages we meet) belong to one language: each one present is a vote.
_LETTERS: dict[str, str] = {"ç": "fr", "œ": "fr", "ê": "fr", "î": "fr", "û": "fr", "è": "fr", "ñ": "es", "¿": "es",
                            "¡": "es", "ó": "es", "í": "es", "ß": "de", "ü": "de", "æ": "da", "ø": "da", "ë": "nl",
                            "ã": "pt", "õ": "pt", "ì": "it", "ò": "it"}
_ENGLISH_MARKS = re.compile(r" (?:the|of|and|for|with|to|in|from|on) ")


def _two_english_marks(low: str) -> bool:
    """``len(_ENGLISH_MARKS.findall(low)) >= 2``, stopping at the second match (``findall`` searches on from
    the end of each match, as the second ``search`` does)."""
    first = _ENGLISH_MARKS.search(low)
    return first is not None and _ENGLISH_MARKS.search(low, first.end()) is not None


def detect_language(title: str, lede: str = "") -> str:
    """ISO 639-1 code of the release's language ("en" when in doubt and the text looks English)."""
    text = f"{title} {lede[:200]}"
    if _two_english_marks(text.lower()) and (text.isascii() or _ACCENTED.search(text) is None):
        return "en"  # most releases: English (® and dashes aside), decided without a vote
    votes = _votes(text)
    votes.pop(None, None)
    if not text.isascii():
        for ch in {c for c in text.lower() if c in _LETTERS}:
            votes[_LETTERS[ch]] += 1
    ranked = votes.most_common(2)
    best, n_best = ranked[0] if ranked else ("en", 0)
    n_second = ranked[1][1] if len(ranked) > 1 else 0
    accented = text.isascii() is False and _ACCENTED.search(text) is not None
    if not accented:  # plain Latin letters: English unless another language clearly wins
        english = votes.get("en", 0)
        # one word of another language decides only a headline with no English word at all
        return best if best != "en" and (n_best >= 2 or english == 0) and n_best > english else "en"
    if _ICELANDIC.search(text):
        return "is"
    if n_best >= 2 and n_best >= 2 * n_second and not (best in ("da", "sv") and _NORDIC.search(text)):
        return best
    guess = _langdetect(text[:160])  # langdetect's cost grows with the text; a headline's worth suffices
    if guess == "no" and best == "da":
        return "da"  # Danish words, which langdetect reads as the close Norwegian
    if guess is not None:
        return guess
    return best if n_best >= 2 else "en"


def _langdetect(text: str) -> str | None:
    detect = _detector()
    if detect is None:
        return None
    try:
        code = str(detect(text))
    except Exception:  # langdetect raises on text without letters
        return None
    return code.split("-")[0]


@lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    try:
        from langdetect import DetectorFactory

        from .language_detector import detect  # langdetect's detect, its loops in numpy (same result)
    except ImportError:  # optional: the stop-word vote still works
        return None
    DetectorFactory.seed = 0
    return detect


# --- keyword rules per language ------------------------------------------------------------------------------
_FT = r"fast[- ]track"
_BTD = r"breakthrough[- ]therap\w*"

LANGUAGE_RULES: dict[str, tuple[Rule, ...]] = {
    "de": (
        R("de.earnings", "other", "other",
          r"\b(?:quartal\w*|halbjahr\w*|geschäftsjahr\w*|finanzergebnis\w*|geschäftszahlen|jahresabschluss|"
          r"umsatz\w*|finanzbericht\w*|zwischenbericht\w*)\b"),
        R("de.corporate", "other", "other",
          r"\b(?:hauptversammlung|aktionär\w*|stimmrecht\w*|kooperation\w*|partnerschaft\w*|kollaboration|übernahme\w*|"
          r"lizenz\w*|vereinbarung\w*|ernenn\w*|vorstand\w*|aufsichtsrat\w*|kaufangebot\w*)\b"),
        R("de.financing", "other", "other", r"\b(?:kapitalerhöhung|privatplatzierung|finanzierung\w*|angebot\w*)\b"),
        R("de.to_present", "other", "other",
          r"\b(?:wird|werden)\s+(?:\w+\s+){0,6}?(?:präsentier\w*|vorstell\w*|bekanntgeben)\b|"
          r"\bzur präsentation (?:angenommen|ausgewählt)\b"),
        R("de.ind_clearance", "regulatory", "other",
          r"\b(?:IND|CTA)[- ]\w*|\bgenehmigung (?:zur|für die) (?:durchführung|studie)\b|\bklinische prüfung\w*\b"),
        R("de.approval", "regulatory", "approval",
          r"\bzulassung\b(?!\w*santrag)|\bzugelassen\b|\b(?:erteilt|erhält|erhielt)\b.{0,40}\b(?:genehmigung|"
          r"zulassung)\b|\bmarktzulassung\b|\bgenehmigt\b",
          unless=r"\b(?:beantragt|einreich\w*|antrag)\b"),
        R("de.orphan", "regulatory", "orphan", r"\borphan[- ](?:drug|arzneimittel)\w*|\barzneimittel für seltene\b"),
        R("de.fast_track", "regulatory", "fast_track", _FT),
        R("de.breakthrough", "regulatory", "breakthrough", _BTD + r"|\bdurchbruchstherapie\b"),
        R("de.prime", "regulatory", "prime", r"\bPRIME\b", flags=0),
        R("de.first_patient", "enrollment", "first_patient",
          r"\berste[rn]?\s+(?:\w+\s+){0,2}(?:patient\w*|proband\w*|teilnehmer\w*)\b.{0,80}\b(?:dosiert|behandelt|"
          r"eingeschlossen|rekrutiert|randomisiert)\b"),
        R("de.enrollment_complete", "enrollment", "enrollment_complete",
          r"\b(?:rekrutierung|patienteneinschluss|einschluss)\b.{0,60}\babgeschlossen\b|\bvollständig rekrutiert\b|"
          r"\babschluss der (?:rekrutierung|patientenrekrutierung)\b|"
          r"\bschließt\b.{0,80}\b(?:rekrutierung|patientenrekrutierung|patienteneinschluss|einschluss)\b.{0,40}\bab\b"),
        R("de.initiation", "enrollment", "initiation",
          r"\b(?:start\w*|beginn\w*|initiier\w*|einleitung)\b.{0,60}\b(?:studie|phase[- ]\w+[- ]studie)\b|"
          r"\bstudie\b.{0,40}\b(?:gestartet|begonnen|initiiert)\b"),
        R("de.interim", "readout", "interim",
          r"\bzwischen(?:ergebnis\w*|analyse\w*|daten)\b|\b(?:vorläufige|erste)\s+(?:\w+\s+){0,2}(?:daten|"
          r"ergebnisse)\b"),
        R("de.topline", "readout", "topline", r"\btopline[- ](?:daten|ergebnisse)\b|\bprimären endpunkt\b"),
        R("de.results", "readout", "presentation",
          r"\b(?:[\w-]*daten|ergebnisse)\b.{0,60}\b(?:studie|phase)\b|\b(?:studie|phase[- ]\w+[- ]studie)\b.{0,60}"
          r"\b(?:zeigt|zeigen|belegt|belegen)\b"),
    ),
    "fr": (
        R("fr.earnings", "other", "other",
          r"\b(?:résultats? (?:financiers|annuels|semestriels|trimestriels)|chiffre d'affaires|trimestre|"
          r"semestre|rapport (?:annuel|financier)|exercice)\b"),
        R("fr.corporate", "other", "other",
          r"\b(?:assemblée générale|résolutions?|droits de vote|actionnaires?|partenariat|collaboration|accord|"
          r"licence|acquisition|nomination|nomme|conseil d'administration|contrat de liquidité)\b"),
        R("fr.financing", "other", "other", r"\b(?:augmentation de capital|placement privé|financement)\b"),
        R("fr.to_present", "other", "other",
          r"\b(?:présentera|présenteront|sera présenté\w*|seront présenté\w*|annoncera)\b"),
        R("fr.ind_clearance", "regulatory", "other",
          r"\b(?:IND|CTA)\b|\b(?:autorisation|dossier|demande) (?:d'essai|de l'essai|d'un essai|d'étude) clinique\b"),
        R("fr.approval", "regulatory", "approval",
          r"\bautorisation de mise sur le marché\b|\bAMM\b|\bapprobation\b|\bapprouv\w*\b|\bhomologation\b",
          unless=r"\b(?:demande|soumission|dépôt|soumet|dépose)\b"),
        R("fr.orphan", "regulatory", "orphan", r"\b(?:médicament|statut|désignation) (?:de )?orphelin\w*\b"),
        R("fr.fast_track", "regulatory", "fast_track", _FT),
        R("fr.breakthrough", "regulatory", "breakthrough", _BTD + r"|\bthérapie innovante\b"),
        R("fr.prime", "regulatory", "prime", r"\bPRIME\b", flags=0),
        R("fr.first_patient", "enrollment", "first_patient",
          r"\bpremiers? (?:patients?|participants?|sujets?)\b.{0,40}\b(?:traité|dosé|recruté|inclus|randomisé)\w*|"
          r"\b(?:recrutement|inclusion|traitement|randomisation|administration) (?:du|des|d'un) premiers? "
          r"(?:patients?|participants?|sujets?)\b"),
        R("fr.enrollment_complete", "enrollment", "enrollment_complete",
          r"\b(?:recrutement|inclusions?)\b.{0,60}\b(?:complet|terminé|achevé|finalisé)\w*|"
          r"\b(?:fin|achèvement|finalis\w*|achève|termine) (?:du|de la|des|le|la|les) (?:recrutement|inclusions?|"
          r"vaccination\w*|série de primovaccination\w*)\b|\bfinalisent la vaccination\b|\bachèvement de la série\b"),
        R("fr.initiation", "enrollment", "initiation",
          r"\b(?:lancement|démarrage|début|initiation|lance|démarre)\b.{0,60}\b(?:essai|étude)\b"),
        R("fr.interim", "readout", "interim",
          r"\b(?:résultats|données)\s+(?:\w+\s+){0,2}(?:intermédiaires|préliminaires)\b|\bnouveaux résultats\b"),
        R("fr.topline", "readout", "topline",
          r"\b(?:résultats|données)\s+(?:\w+\s+){0,2}(?:principaux|préliminaires positifs|positifs)\b|"
          r"\bcritère (?:d'évaluation )?principal\b"),
        R("fr.results", "readout", "presentation",
          r"\b(?:résultats|données)\b.{0,60}\b(?:essai|étude|phase)\b"),
    ),
    "es": (
        R("es.earnings", "other", "other",
          r"\b(?:resultados (?:financieros|anuales|trimestrales|del (?:primer|segundo|tercer|cuarto) trimestre)|"
          r"trimestre|ingresos)\b"),
        R("es.corporate", "other", "other",
          r"\b(?:junta general|accionistas?|acuerdo|colaboraci[oó]n|asociaci[oó]n|licencia|adquisici[oó]n|"
          r"nombramiento|nombra|conferencia)\b"),
        R("es.financing", "other", "other", r"\b(?:oferta pública|colocación privada|financiación)\b"),
        R("es.to_present", "other", "other", r"\b(?:presentará|presentarán|será presentad\w*|anunciará)\b"),
        R("es.ind_clearance", "regulatory", "other", r"\b(?:IND|CTA)\b"),
        R("es.approval", "regulatory", "approval",
          r"\baprobaci[oó]n\b|\baprueba\b|\baprobad[oa]\b|\bautorizaci[oó]n de comercializaci[oó]n\b",
          unless=r"\b(?:solicitud|solicita|presenta la solicitud)\b"),
        R("es.orphan", "regulatory", "orphan", r"\b(?:medicamento|designaci[oó]n|fármaco) huérfan\w*\b"),
        R("es.fast_track", "regulatory", "fast_track", _FT + r"|\bvía rápida\b"),
        R("es.breakthrough", "regulatory", "breakthrough", _BTD + r"|\bterapia innovadora\b"),
        R("es.first_patient", "enrollment", "first_patient",
          r"\bprimer(?:os)? (?:paciente|participante)s?\b.{0,40}\b(?:tratad|dosificad|reclutad|inscrit|"
          r"aleatorizad)\w*|\b(?:trata|dosifica|inscribe|recluta|aleatoriza)\w*\b.{0,20}"
          r"\bprimer(?:os)? (?:paciente|participante)s?\b"),
        R("es.enrollment_complete", "enrollment", "enrollment_complete",
          r"\b(?:reclutamiento|inscripci[oó]n)\b.{0,60}\b(?:complet|finaliz)\w*|\bcompleta(?:do)? el reclutamiento\b"),
        R("es.initiation", "enrollment", "initiation",
          r"\b(?:inicio|inicia|comienzo|comienza|lanza)\b.{0,60}\b(?:ensayo|estudio)\b"),
        R("es.interim", "readout", "interim",
          r"\b(?:resultados|datos)\s+(?:\w+\s+){0,2}(?:intermedios|preliminares|provisionales)\b"),
        R("es.topline", "readout", "topline",
          r"\b(?:resultados|datos)\s+(?:\w+\s+){0,2}(?:de primera línea|principales|positivos)\b|"
          r"\bresultado positivo\b|\bcriterio de valoraci[oó]n principal\b"),
        R("es.results", "readout", "presentation", r"\b(?:resultados|datos)\b.{0,60}\b(?:ensayo|estudio|fase)\b"),
    ),
    "it": (
        R("it.earnings", "other", "other",
          r"\b(?:risultati (?:finanziari|annuali|semestrali|trimestrali)|trimestre|semestre|ricavi|fatturato)\b"),
        R("it.corporate", "other", "other",
          r"\b(?:assemblea|azionisti|accordo|collaborazione|partnership|licenza|acquisizione|nomina|"
          r"conferenza)\b"),
        R("it.financing", "other", "other", r"\b(?:aumento di capitale|collocamento privato|finanziamento)\b"),
        R("it.to_present", "other", "other", r"\b(?:presenterà|presenteranno|sarà presentat\w*|annuncerà)\b"),
        R("it.ind_clearance", "regulatory", "other", r"\b(?:IND|CTA)\b"),
        R("it.approval", "regulatory", "approval",
          r"\bapprovazione\b|\bapprovat[oa]\b|\bapprova\b|\bautorizzazione all'immissione in commercio\b|\bAIC\b",
          unless=r"\b(?:domanda|richiesta|presenta(?:ta)? la domanda)\b"),
        R("it.orphan", "regulatory", "orphan", r"\b(?:farmaco|designazione|medicinale) orfan\w*\b"),
        R("it.fast_track", "regulatory", "fast_track", _FT),
        R("it.breakthrough", "regulatory", "breakthrough", _BTD + r"|\bterapia innovativa\b"),
        R("it.first_patient", "enrollment", "first_patient",
          r"\bprim[oi] (?:paziente|partecipante|pazienti)\b.{0,40}\b(?:trattat|dosat|arruolat|randomizzat)\w*"),
        R("it.enrollment_complete", "enrollment", "enrollment_complete",
          r"\b(?:arruolamento|reclutamento)\b.{0,60}\b(?:completat|conclus|terminat)\w*|"
          r"\bcomplet\w* (?:l'|il )?(?:arruolamento|reclutamento)\b"),
        R("it.initiation", "enrollment", "initiation",
          r"\b(?:avvio|avvia|inizio|inizia|lancia)\b.{0,60}\b(?:studio|sperimentazione)\b"),
        R("it.interim", "readout", "interim",
          r"\b(?:risultati|dati)\s+(?:\w+\s+){0,2}(?:intermedi|preliminari|ad interim)\b"),
        R("it.topline", "readout", "topline",
          r"\b(?:risultati|dati)\s+(?:\w+\s+){0,2}(?:principali|topline|positivi)\b|\bendpoint primario\b"),
        R("it.results", "readout", "presentation", r"\b(?:risultati|dati)\b.{0,60}\b(?:studio|fase)\b"),
    ),
    "da": (
        R("da.earnings", "other", "other",
          r"\b(?:kvartal\w*|halvår\w*|årsrapport\w*|regnskab\w*|delårsrapport\w*|omsætning)\b"),
        R("da.corporate", "other", "other",
          r"\b(?:generalforsamling\w*|aktionær\w*|samarbejd\w*|partnerskab\w*|aftale\w*|licens\w*|opkøb\w*|"
          r"udnævn\w*|bestyrelse\w*)\b"),
        R("da.financing", "other", "other", r"\b(?:kapitalforhøjelse|rettet emission|finansiering)\b"),
        R("da.ind_clearance", "regulatory", "other", r"\b(?:IND|CTA)\b|\btilladelse til (?:at )?(?:starte|forsøg)"),
        R("da.approval", "regulatory", "approval",
          r"\bgodkend(?:t|er|else|elsen)\b|\bmarkedsføringstilladelse\b",
          unless=r"\b(?:ansøg\w*|indsend\w*)\b"),
        R("da.orphan", "regulatory", "orphan", r"\borphan[- ]drug\w*|\blægemiddel til sjældne\b"),
        R("da.fast_track", "regulatory", "fast_track", _FT),
        R("da.breakthrough", "regulatory", "breakthrough", _BTD),
        R("da.first_patient", "enrollment", "first_patient",
          r"\bførste (?:patient|forsøgsperson|deltager)\w*\b.{0,40}\b(?:doseret|behandlet|inkluderet|"
          r"randomiseret)\b"),
        R("da.enrollment_complete", "enrollment", "enrollment_complete",
          r"\b(?:rekruttering|inklusion)\w*\b.{0,60}\b(?:afsluttet|gennemført|fuldført)\b|\bfuldt rekrutteret\b|"
          r"\b(?:afslutter|afsluttet|afsluttede|gennemfører|gennemført|fuldfører|fuldført)\b.{0,40}"
          r"\b(?:rekruttering|inklusion)\w*"),
        R("da.initiation", "enrollment", "initiation",
          r"\b(?:start\w*|igangsæt\w*|indled\w*|påbegynd\w*)\b.{0,60}\b(?:forsøg|studie)\w*"),
        R("da.interim", "readout", "interim",
          r"\b(?:foreløbige|interim)\s+(?:\w+\s+){0,2}(?:resultater|data)\b"),
        R("da.topline", "readout", "topline",
          r"\btopline[- ]?(?:resultater|data)\b|\bprimære endepunkt\b|\bpositive resultater\b"),
        R("da.results", "readout", "presentation", r"\b(?:resultater|data)\b.{0,60}\b(?:forsøg|studie|fase)\w*"),
    ),
    "sv": (
        R("sv.earnings", "other", "other",
          r"\b(?:kvartal\w*|delårsrapport\w*|bokslutskommuniké|årsredovisning\w*|halvårsrapport\w*|"
          r"nettoomsättning)\b"),
        R("sv.corporate", "other", "other",
          r"\b(?:årsstämma|bolagsstämma|extra bolagsstämma|aktieägare|samarbete\w*|partnerskap\w*|avtal\w*|"
          r"licens\w*|förvärv\w*|utnämn\w*|styrelse\w*)\b"),
        R("sv.financing", "other", "other", r"\b(?:nyemission|riktad emission|finansiering)\b"),
        R("sv.ind_clearance", "regulatory", "other", r"\b(?:IND|CTA)\b|\btillstånd att (?:starta|inleda)"),
        R("sv.approval", "regulatory", "approval",
          r"\bgodkänn(?:er|ande|andet|es)\b|\bgodkänd\w*\b|\bmarknadsföringstillstånd\b",
          unless=r"\b(?:ansök\w*|lämnar in)\b"),
        R("sv.orphan", "regulatory", "orphan", r"\borphan[- ]drug\w*|\bsärläkemedel\w*"),
        R("sv.fast_track", "regulatory", "fast_track", _FT),
        R("sv.breakthrough", "regulatory", "breakthrough", _BTD),
        R("sv.first_patient", "enrollment", "first_patient",
          r"\bförsta (?:patient|deltagare|försöksperson)\w*\b.{0,40}\b(?:doserad|behandlad|inkluderad|"
          r"randomiserad)\w*"),
        R("sv.enrollment_complete", "enrollment", "enrollment_complete",
          r"\b(?:rekrytering|inklusion)\w*\b.{0,60}\b(?:slutförd|avslutad|klar|fullständig)\b|\bfullrekryterad\b|"
          r"\b(?:slutför|slutfört|slutförde|avslutar|avslutat|avslutade)\b.{0,40}\b(?:rekrytering|inklusion)\w*"),
        R("sv.initiation", "enrollment", "initiation",
          r"\b(?:start\w*|inled\w*|påbörja\w*)\b.{0,60}\b(?:studie|prövning)\w*"),
        R("sv.interim", "readout", "interim", r"\b(?:preliminära|interim)\s+(?:\w+\s+){0,2}(?:resultat|data)\b"),
        R("sv.topline", "readout", "topline",
          r"\btopline[- ]?(?:resultat|data)\b|\bprimära effektmått\w*|\bpositiva resultat\b"),
        R("sv.results", "readout", "presentation", r"\b(?:resultat|data)\b.{0,60}\b(?:studie|prövning|fas)\w*"),
    ),
    # Icelandic: the few events its releases here announce (approvals, results), framing first.
    "is": (
        R("is.earnings", "other", "other",
          r"\b(?:ársfjórðung\w*|uppgjör\w*|tekj\w*|ársreikning\w*|afkom\w*)\b"),
        R("is.corporate", "other", "other",
          r"\w*(?:samning|samstarf)\w*|\b(?:hluthaf\w*|aðalfund\w*|fjárfest\w*|skuldabréf\w*|hlut(?:i|ir|a)\b)\w*"),
        R("is.approval", "regulatory", "approval", r"\bmarkaðsleyf\w*|\bsamþykk\w*"),
        R("is.results", "readout", "topline", r"\bniðurstöð\w*"),
    ),
}


# A CHMP opinion (any language names the committee by its acronym) is ``regulatory/other``, not the approval its
# wording resembles ("positive CHMP-Empfehlung für … Zulassung", "avis positif du CHMP … autorisation").
LANGUAGE_RULES = {
    lang: tuple(
        r2 for r in rules for r2 in (
            (R(f"{lang}.chmp_opinion", "regulatory", "other", r"\bCHMP\b|\bCOMP\b", flags=0), r)
            if r.name == f"{lang}.approval" else (r,)
        )
    )
    for lang, rules in LANGUAGE_RULES.items()
}


# Regulatory steps short of an approval, in each language (issue 13: regulatory subtypes): an agreement with a
# regulator comes before the language's corporate "agreement" rule; a clinical hold, an application accepted or
# validated, priority review and an application submitted come before the approval their wording resembles.
_AGENCY = r"(?:FDA|EMA|MHRA|PMDA|NMPA|BfArM|ANSM|AEMPS|AIFA|Swissmedic|Health Canada|CHMP)"
_REG_STEPS: dict[str, dict[str, str]] = {
    "de": {
        "meeting_agreement": r"\b(?:einigung|übereinstimmung)\b.{0,30}\b(?:" + _AGENCY + r"|behörde\w*)\b|"
        r"\bwissenschaftliche\w* beratung\b",
        "clinical_hold": r"\bclinical hold\b|\bklinische\w* (?:halt|stopp)\w*|\bhaltebescheid\w*",
        "acceptance": r"\b(?:validier\w*|akzeptier\w*|angenommen)\b.{0,60}antrag|"
        r"antrag\w*\b.{0,40}\b(?:validiert|angenommen|akzeptiert)\b",
        "priority_review": r"\bpriority[- ]review\b|\bvorrangige\w* prüfung\b|\bbeschleunigte\w* prüfung\b",
        "submission": r"\bzulassungsantr\w*|\beinreichung\b.{0,60}antrag|antrag\w*\b.{0,60}\beingereicht\b",
    },
    "fr": {
        "meeting_agreement": r"\b(?:accord|alignement|align\w+)\b.{0,30}\b(?:" + _AGENCY + r"|agence)\b|"
        r"\bavis scientifique\b",
        "clinical_hold": r"\bclinical hold\b|\bsuspension clinique\b",
        "acceptance": r"\b(?:valid|accept)\w*\b.{0,60}\bdemande\b|\bdemande\b.{0,80}\b(?:validée|acceptée)\b",
        "priority_review": r"\bpriority review\b|\bexamen prioritaire\b|\bévaluation prioritaire\b",
        "submission": r"\b(?:soumet|soumis|soumission|dépose|dépôt)\b.{0,60}\b(?:demande|dossier)\b",
    },
    "es": {
        "meeting_agreement": r"\b(?:acuerdo|alineaci[oó]n)\b.{0,30}\b(?:" + _AGENCY + r"|agencia)\b|"
        r"\basesoramiento científico\b",
        "clinical_hold": r"\bclinical hold\b|\bsuspensi[oó]n clínica\b",
        "acceptance": r"\b(?:valid|acept)\w*\b.{0,60}\bsolicitud\b",
        "priority_review": r"\bpriority review\b|\brevisi[oó]n prioritaria\b",
        "submission": r"\b(?:present\w*|somet\w*)\b.{0,60}\bsolicitud\b",
    },
    "it": {
        "meeting_agreement": r"\b(?:accordo|allineamento)\b.{0,30}\b(?:" + _AGENCY + r"|agenzia)\b|"
        r"\bconsulenza scientifica\b",
        "clinical_hold": r"\bclinical hold\b|\bsospensione clinica\b",
        "acceptance": r"\b(?:convalid|valid|accett)\w*\b.{0,60}\bdomanda\b",
        "priority_review": r"\bpriority review\b|\brevisione prioritaria\b|\bvalutazione prioritaria\b",
        "submission": r"\b(?:present\w*|sottopo\w*|depositat\w*)\b.{0,60}\bdomanda\b",
    },
    "da": {
        "meeting_agreement": r"\benighed\b.{0,30}\b" + _AGENCY + r"\b|\bvidenskabelig rådgivning\b",
        "clinical_hold": r"\bclinical hold\b|\bklinisk (?:stop|pause)\b",
        "acceptance": r"\b(?:valider|accepter)\w*\b.{0,60}ansøgning",
        "priority_review": r"\bpriority review\b|\bprioriteret (?:behandling|vurdering)\b",
        "submission": r"\b(?:indsend\w*|indleve\w*)\b.{0,60}ansøgning|"
        r"\bansøgning\w* om markedsføringstilladelse\b",
    },
    "sv": {
        "meeting_agreement": r"\b(?:samsyn|överenskommelse)\b.{0,30}\b" + _AGENCY + r"\b|\bvetenskaplig rådgivning\b",
        "clinical_hold": r"\bclinical hold\b|\bkliniskt stopp\b",
        "acceptance": r"\b(?:validera\w*|accepter\w*|godtag\w*)\b.{0,60}ansökan\b",
        "priority_review": r"\bpriority review\b|\bprioriterad (?:granskning|prövning|bedömning)\b",
        "submission": r"\b(?:lämnar in|lämnat in|inlämn\w*)\b.{0,60}ansökan\b|"
        r"\bansökan om marknadsföringstillstånd\b",
    },
}


def _with_regulatory_steps(lang: str, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    steps = _REG_STEPS.get(lang)
    if not steps:
        return rules
    agreement = R(f"{lang}.meeting_agreement", "regulatory", "meeting_agreement", steps["meeting_agreement"])
    before_approval = tuple(
        R(f"{lang}.{sub}", "regulatory", sub, steps[sub])
        for sub in ("clinical_hold", "acceptance", "priority_review", "submission")
    )
    out: list[Rule] = [agreement]
    for r in rules:
        if r.name == f"{lang}.approval":
            out.extend(before_approval)
        out.append(r)
    return tuple(out)


LANGUAGE_RULES = {lang: _with_regulatory_steps(lang, rules) for lang, rules in LANGUAGE_RULES.items()}


def first_language_rule(lang: str, title: str, lede: str) -> tuple[Rule, str, str] | None:
    """The first rule of ``lang`` that fires on the title, else on the lede: (rule, matched phrase, where).
    A case-insensitive rule runs through its lower-cased twins on the lower-cased texts when they can be used (as
    the English rules run; ``test_speed_paths``: the same rule and phrase)."""
    rules = LANGUAGE_RULES.get(lang, ())
    context = f"{title}\n{lede}"
    low_context = fold_lower(context)
    for where, text in (("title", title), ("lede", lede)):
        if not text:
            continue
        low = fold_lower(text) if low_context is not None else None
        for rule in rules:
            span = fires_open(rule, text, context, low, low_context)
            if span is not None:
                return rule, text[span[0] : span[1]], where
    return None

"""What a statement does in its letter: can it carry a position, and of what sort. Pure.

A letter to parliament mixes the cabinet's positions (assessments, decisions,
commitments, intentions, figures, policy rules, facts it reports) with text
that carries none: the letter's furniture (Kamerstuk headers, answer
metadata), talk about the letter itself ("In deze brief …", "Hierbij
ontvangt u …"), promises to inform the Kamer, agenda and meeting
descriptions, the questions of Kamervragen (the answer carries the
position) and quotations of others. Only position statements are tracked.

What holds:

* :func:`classify` gives every statement exactly one :class:`Function` with
  the evidence (the rule and the words that decided it), so a reader can see
  why a sentence was or was not tracked;
* non-position functions are decided first (a promise to inform the Kamer
  that mentions a decision is still a promise to inform); among positions the
  strongest sort wins (decision > commitment > intention > rule > figure >
  assessment > report > fact);
* the flags ``government`` (the Dutch government acts or speaks),
  ``elaboration`` (the sentence details or illustrates the one before: "Zo …",
  "Ook …", "dit fonds"), ``hedged`` (conditional or hypothetical) and
  ``lead`` (first sentence of its paragraph) feed the significance of changes.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .diff import modality
from .model import HEADING, PROCEDURAL, QUESTION, Statement
from .quantities import counted_units
from .traits import Traits

# Sorts that carry no position, and sorts that do (strongest first).
NON_POSITION = ("procedural", "heading", "question", "furniture", "meta", "inform", "agenda", "quote")
POSITION = ("decision", "commitment", "intention", "rule", "figure", "assessment", "report", "fact")

_I = re.IGNORECASE

# Each rule: (function, name of the rule, pattern). Checked in order; the first hit decides.
_NON_POSITION_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("furniture", "kamerstuk header", re.compile(
        r"^(?:Nr\.\s*\d+\b|Vergaderjaar\b|ISSN\b|Aanhangsel van de Handelingen|Tweede Kamer, vergaderjaar"
        r"|Kamerstuk\s+\d[\d ]*,\s*nr\.\s*\d+\s*$|Bijlage\b|Datum\b|Onze referentie|Uw referentie|Betreft\b)"
        # a dossier number and its title, the head of every Kamerstuk ("27 925 Bestrijding internationaal terrorisme")
        r"|^\d{2}\s?\d{3}(?:-[A-Z0-9]+)?\s+[A-Z][^.]{0,120}$"
        # header lines run together: "19 637 Vreemdelingenbeleid Nr. 2829 BRIEF VAN DE STAATSSECRETARIS …"
        r"|^\d{2}\s?\d{3}\b[^.]{0,160}\b[Nn]r\.\s*\d+|\bBRIEF VAN (?:DE|HET) [A-Z]{4,}")),
    ("furniture", "question metadata", re.compile(
        r"^(?:Vragen|Vraag) van (?:het lid|de leden)\b|^Antwoord(?:en)? van (?:de )?(?:[Mm]inister|[Ss]taatssecretaris)\b|\b(?:Beantwoord|Ingezonden|ingezonden)\s+(?:op\s+)?\d{1,2}\s+\w+\s+\d{4}"
        r"|\bIndiener\b|\bmet kenmerk\s+\d{4}Z\d+")),
    ("meta", "about this letter", re.compile(
        r"\b(?:in|met|bij) (?:deze|onderhavige|de voorliggende) brief\b|\bdeze brief\b.*\b(?:gaat|ga)\b.*\bin op\b"
        r"|\b(?:gaat|ga) (?:deze|onderhavige) brief\b.*\bin op\b|^Hierbij (?:ontvangt|bied|informeer|zend|stuur|doe|treft|geef)\b|\bbied ik (?:uw Kamer|u)\b.*\baan\b"
        r"|^Zie (?:ook )?(?:het )?antwoord|\bafschrift\b.*\bontvangen\b|\btechnische briefing\b"
        r"|\b(?:bevat|geeft|biedt) (?:informatie|een overzicht|een beschrijving|een analyse) (?:over|van)\b"
        r"|^Hieronder\b|^(?:Graag |Hierna )?(?:licht|lichten|ga|gaan) (?:ik|wij|we)\b[^.]{0,80}\b(?:toe|in op)\b", _I)),
    ("meta", "promise to write", re.compile(
        r"\btoe(?:gezegd|zegging)\b.*\b(?:(?:kamer)?brief|te informeren|te sturen|te zenden)\b"
        r"|\b(?:kamer)?brief\b.*\btoe(?:gezegd|zegging)\b", _I)),
    ("meta", "courtesy", re.compile(
        r"\b(?:waardering|dank|erkentelijkheid)\b[^.]{0,80}\b(?:uitspreken|uit te spreken|betuigen|uit)\b"
        r"|\b(?:dankbaar|erkentelijk)\b|\b(?:wil|willen) (?:ik|wij|we|het kabinet)?\s?(?:graag )?(?:bedanken|danken)\b",
        _I)),
    ("inform", "promise to inform the Kamer", re.compile(
        r"(?:\b(?:zal|zullen|wordt|worden|word|houd|houden|informeer|informeren|stel|stellen)\b[^.]{0,90}"
        r"\b(?:uw|de) Kamer\b[^.]{0,140}\b(?:geïnformeerd|informeren|op de hoogte|ingelicht)\b"
        r"|\b(?:uw|de) Kamer\b[^.]{0,60}\b(?:zal|zullen|wordt|worden)\b[^.]{0,60}\b(?:geïnformeerd|ingelicht)\b"
        r"|\b(?:zullen|zal) (?:we|wij|ik) (?:uw|de) Kamer\b[^.]{0,40}\binformeren\b)", _I)),
    ("agenda", "meeting or agenda", re.compile(
        r"\b(?:geagendeerd|agenda(?:punt)?|voornemens deel te nemen|aan bod komen|komt\b[^.]{0,60}\baan bod"
        r"|in een later stadium|uitgenodigd\b[^.]{0,80}\bte bespreken)\b"
        r"|^(?=.*\b(?:zal|zullen|wordt|worden)\b)(?=.*\b(?:besproken|gesproken|spreken|bespreken|discussiëren)\b)"
        r"(?=.*(?:Raad\b|\bbijeenkomst|\bvergadering|\btop\b|\bministers\b|\boverleg\b|\bnaar verwachting"
        r"|\bwaarschijnlijk))"
        r"|^(?:De verwachting is dat|Naar verwachting)\b[^.]*\b(?:gesproken|besproken|spreken)\b", _I)),
    ("quote", "words of others", re.compile(
        r"\baldus\s+(?:de|het|een)?\s*\w+|\bvolgens (?:het|de|een) (?:artikel|bericht|berichtgeving|krant|media)\b"
        r"|\b(?:artikel|bericht|berichtgeving)\b[^.]{0,60}\b(?:vermeld|meldt|schrijft|stelt)\b|\b(?:het lid|de leden) [A-Z]")),
)

_POSITION_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("decision", "decision", re.compile(
        r"\b(?:besloten|besluit om|heeft besloten|is besloten|besluiten tot|opgeschort|stopgezet|beëindigd"
        r"|van start gegaan|ingesteld|vastgesteld|goedgekeurd|aangenomen|afgewezen|ingetrokken"
        r"|aanleiding (?:geweest |gegeven )?(?:om|tot)|(?:gewijzigd|aangepast|herzien) (?:beleid|landenbeleid)"
        # a classification that no longer (or from now on) holds: the policy moved
        r"|(?:niet langer|niet meer|voortaan|vanaf heden) (?:\w+ )?(?:aangemerkt|beschouwd|aan te merken|gezien|gekwalificeerd)"
        r"|wordt voortaan|worden voortaan)\b", _I)),
    ("commitment", "commitment", re.compile(
        r"\b(?:zegt toe|zegde\b[^.]*\btoe|toegezegd|toezegging|garandeer\w*|stel\w* beschikbaar|beschikbaar gesteld"
        r"|reservering|trekt\b[^.]*\buit|draagt\b[^.]*\bbij|bijdrage aan|financier\w*|faciliteer\w*|ondersteun\w*"
        r"|steunt|steunen|zet\b[^.]{0,30}\bzich\b[^.]{0,60}\bin|zich\b[^.]*\binzetten|blijft\b[^.]*\b(?:inzetten|steunen|aanspreken"
        r"|opkomen|bijdragen)|onderhoudt|dringt\b[^.]*\baan|aandringen|roept\b[^.]*\bop|oproepen|bepleit|stuurt aan)\b",
        _I)),
    ("intention", "intention", re.compile(
        r"\b(?:voornemens|voornemen|van plan|intentie|streeft|streven|beoogt|beogen|wenst|wil|willen"
        r"|de inzet is|inzet is om|overweegt|onderzoekt|onderzoeken|verkent|verkennen)\b", _I)),
    ("rule", "policy rule", re.compile(
        r"\b(?:\w*beleid|regeling|voorwaarden?|vergunning\w*|geldt|gelden|toegestaan|verboden|in aanmerking"
        r"|beginsel|verplicht\w*|refoulement|groepsvervolging|risicoprofiel\w*"
        r"|aangemerkt als|aan te merken als|gekwalificeerd als|risicogroep\w*|aandachtsgroep\w*|(?:artikel )?15c)\b", _I)),
    ("assessment", "assessment", re.compile(
        r"\b(?:van (?:groot )?belang|acht\b|achten\b|van mening|zorgelijk|zorgen|ernstig|waarschijnlijk|verwachting"
        r"|onvoorspelbaar|onverminderd|verslechter\w*|verbeter\w*|risico\w*|cruciaal|noodzakelijk|essentieel"
        r"|onzeker\w*|afhankelijk|hangt\b[^.]{0,60}\baf\b|geen sprake|kwetsba\w*|positief|negatief|beste manier|beste kans"
        r"|opgebouwd|toegenomen|afgenomen|gestegen|gedaald"
        # a finding on the situation: what the cabinet or a country report establishes
        r"|(?:het is |^)duidelijk(?: is)? dat|(?:meldt|vermeldt|beschrijft|concludeert) het (?:ambtsbericht|rapport)"
        r"|(?:ambtsbericht|rapport)\w* (?:meldt|vermeldt|beschrijft|geeft aan|concludeert|stelt)"
        r"|constateer\w*|constateert|constateren|concludeer\w*|stelt vast|stellen vast|is van oordeel|oordeelt"
        r"|blijkt|blijken|(?:relatief |zeer |niet |on)?veilig(?:er)?|zorgwekkend|(?:in)?stabiel(?:er)?|gespannen"
        r"|escaleer\w*|geëscaleerd|verslechtering|verbetering|(?:beter|slechter) dan|reëel risico"
        r"|willekeurig geweld|uitzonderlijke situatie|(?:niet )?in staat)\b", _I)),
    ("report", "words of other actors", re.compile(
        r"\b(?:benadrukten|herhaalden|meldde|meldden|concludeerde|concludeerden|noemden|onderstreepten|gaven\b[^.]*"
        r"\btoelichting|spraken\b[^.]*\buit|riepen\b[^.]*\bop|wees op|ging in op|informeerden|lichtten toe"
        r"|verwierpen|onderschreven)\b", _I)),
)

GOVERNMENT = re.compile(
    r"\bNederland\b(?!se)|\b[Hh]et kabinet\b|\bde Nederlandse regering\b|(?:^|\s)(?:[Ii]k|[Ww]ij|we)\s"
    r"|\b(?:onze|ons)\s|\bNederlandse (?:inzet|bijdrage|ambassade|veiligheidsinzet|ontwikkelingsinzet|militairen"
    r"|ambtenaar|ambtenaren|belang|regering|steun|politieke inzet)\b"
    # a minister by name ("minister Kaag") or by ministry ("de minister van Defensie"); "de Afghaanse minister
    # van ..." is someone else's (see :func:`is_government`)
    r"|\b(?:[Mm]inister|[Ss]taatssecretaris)(?:-[Pp]resident)? "
    r"(?:van (?:den?|der) )?[A-Z][a-z]+\b(?!\s+(?:van|voor)\s)"
    r"|\b[Dd]e (?:[Mm]inister|[Ss]taatssecretaris)(?:s)? (?:van|voor) [A-Z]")
# A nationality adjective before a minister makes it another country's ("de Duitse minister Baerbock").
_FOREIGN = re.compile(r"\b[A-Z][a-z]+(?:se|sche|ese)\s*$")


def is_government(text: str) -> bool:
    """The Dutch government speaks or acts in the statement (not another country's minister)."""
    return any(not _FOREIGN.search(text[:m.start()]) for m in GOVERNMENT.finditer(text))


ELABORATION = re.compile(
    r"^(?:Zo|Ook|Daarnaast|Tevens|Bovendien|Verder|Voorts|Hierbij|Daarbij|Dit|Deze|Hiermee|Daarmee|Bijvoorbeeld"
    r"|Het meest|Een deel)\b|^(?:\S+\s+){0,4}?(?:dit|deze)\s+(?!brief|week|maand|jaar|moment)[a-z]\w+")
# An explicit reference back to what was said before: the statement recalls a known point.
RECALLS = re.compile(r"^Zoals (?:eerder |reeds |ook |al )?(?:beschreven|gemeld|vermeld|aangegeven|genoemd|gesteld"
                     r"|toegelicht|uiteengezet|benadrukt|bekend)\b|^Zoals (?:eerder|reeds|gezegd)\b"
                     r"|^In (?:mijn|onze|de) (?:kamer)?brief van\b[^.]{0,60}\b(?:heb|hebben|is|werd)\b[^.]{0,40}"
                     r"\b(?:geïnformeerd|gemeld|aangegeven|bericht)\b", _I)
# An example or a detail of a point already made: it illustrates, it is never the point itself.
EXAMPLE = re.compile(r"^(?:Zo|Bijvoorbeeld|Het meest|Een deel)\b(?!\s+(?:ook|nog|snel|spoedig|lang)\b)"
                     r"|^(?:Een|Het) (?:voorbeeld|ander voorbeeld)\b")
HEDGED = re.compile(r"^(?:Mocht|Mochten|Indien|Wanneer|Als)\b|\bzou(?:den)?\b|\bkan er sprake zijn\b|\beventuele?\b",
                    _I)
# What is at stake in an agenda item: it makes the item an assessment, not just a meeting description.
STAKES = re.compile(r"\b(?:gevolgen|consequenties|risico\w*|dreiging\w*|noodzaak|gevaar)\b", _I)
# A figure: a number with something counted or a currency/percentage (dates and document numbers are not figures).
FIGURE = re.compile(
    r"(?:€\s?\d|\b\d+(?:[.,]\d+)?\s?(?:%|procent|miljoen|miljard|euro|dollar)\b"
    r"|\b(?:\d+|twee|drie|vier|vijf|zes|zeven|negen|tien|twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig"
    r"|negentig|honderd|duizend)\w*\s+(?:miljoen|miljard|euro|dollar|procent|militairen|mensen|personen"
    r"|asielzoekers|vluchtelingen|migranten|leerlingen|kinderen|specialisten|adviseurs?|medewerkers)\b)", _I)


@dataclass(frozen=True)
class Function:
    """The function of one statement, with the evidence for it."""

    name: str  # one of NON_POSITION or POSITION
    rule: str  # which rule decided ("default" when none did)
    evidence: tuple[str, ...] = ()  # the words that decided it
    government: bool = False
    elaboration: bool = False
    hedged: bool = False
    lead: bool = False
    quantified: bool = False  # it counts something (an amount, a number of people), not a date or a span of time
    realised: bool = False  # it reports something as having happened ("is inmiddels beëindigd")
    example: bool = False  # it illustrates a point already made ("Zo steeg het aantal ...")
    recalls: bool = False  # it says it repeats what was said before ("Zoals eerder gemeld, ...")

    @property
    def position(self) -> bool:
        return self.name in POSITION

    @property
    def traits(self) -> Traits:
        """What the statement's significance depends on, as far as the statement itself decides it."""
        return Traits(function=self.name, government=self.government, elaboration=self.elaboration,
                      hedged=self.hedged, lead=self.lead, quantified=self.quantified, realised=self.realised,
                      example=self.example, recalls=self.recalls)

    def as_json(self) -> dict[str, object]:
        """What ``statement.function_evidence`` holds: the rule and its words, and :meth:`Traits.stored`."""
        return {"rule": self.rule, "evidence": list(self.evidence), **self.traits.stored()}


MIN_WORDS = 4  # shorter running text ("Ja", "Nee.") answers a question but states nothing on its own


def _first(rules: tuple[tuple[str, str, re.Pattern[str]], ...], text: str) -> tuple[str, str, str] | None:
    for name, rule, rx in rules:
        m = rx.search(text)
        if m:
            return name, rule, m.group(0).strip()
    return None


def classify_one(st: Statement, lead: bool = False) -> Function:
    """The function of one statement on its own (``lead``: first sentence of its paragraph)."""
    text = st.text
    if st.kind == PROCEDURAL:
        return Function("procedural", st.role or "procedural")
    if st.kind == HEADING:
        return Function("heading", "heading")
    if st.kind == QUESTION or st.section_kind == "question" or text.rstrip().endswith("?"):
        return Function("question", "question", (st.section,) if st.section else ())
    if len(text.split()) < MIN_WORDS:
        return Function("meta", "too short to state a position")
    hit = _first(_NON_POSITION_RULES, text)
    flags = dict(government=is_government(text), elaboration=bool(ELABORATION.search(text)),
                 hedged=bool(HEDGED.search(text)), lead=lead,
                 quantified=bool(counted_units(text)),
                 realised="done" in modality(text).categories, example=bool(EXAMPLE.search(text)),
                 recalls=bool(RECALLS.search(text)))
    stake = STAKES.search(text) if hit is not None and hit[0] == "agenda" else None
    if stake is not None:
        # "the ministers will discuss the consequences for Europe's internal security": the agenda names a stake
        flags["hedged"] = True
        hit = ("assessment", "stake on the agenda", stake.group(0))
    if hit is not None:
        return Function(hit[0], hit[1], (hit[2],), **flags)
    hit = _first(_POSITION_RULES, text)
    figure = FIGURE.search(text)
    if hit is not None and hit[0] == "report" and flags["government"]:
        hit = None  # what Nederland said at a meeting is the government's own position
    if hit is not None and (figure is None or POSITION.index(hit[0]) < POSITION.index("figure")):
        return Function(hit[0], hit[1], (hit[2],), **flags)
    if figure is not None:
        return Function("figure", "figure", (figure.group(0),), **flags)
    return Function("fact", "default", (), **flags)


def classify(statements: Sequence[Statement]) -> list[Function]:
    """The function of each statement of one letter, in order."""
    seen_paragraphs: set[int] = set()
    out: list[Function] = []
    for st in statements:
        lead = st.kind not in (PROCEDURAL, HEADING, QUESTION) and st.paragraph not in seen_paragraphs
        if lead:
            seen_paragraphs.add(st.paragraph)
        out.append(classify_one(st, lead))
    return out

"""Topic assignment on constructed Dutch sentences: terms, senses, context, configuration."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from monitor.config import load_settings
from monitor.topics import TopicSpec
from monitor.model import Statement
from monitor.topics import Evidence, LetterContext, TopicScheme

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def scheme() -> TopicScheme:
    """Built per test (cheap): mutation testing then runs every test against a mutant of the scheme's compilation."""
    return TopicScheme(load_settings(ROOT / "config.toml", environ={}).topics)


def _st(i: int, text: str, **kw) -> Statement:
    kw.setdefault("kind", "paragraph")
    kw.setdefault("paragraph", i)
    return Statement(position=i, text=text, start=0, end=len(text), **kw)


def _topics(scheme: TopicScheme, *texts: str) -> list[set[str]]:
    sts = [_st(i, t) for i, t in enumerate(texts)]
    return [set(a) for a in scheme.assign(sts)]


@pytest.mark.parametrize("text,expected", [
    ("Nederland heeft ruim tweeduizend personen geëvacueerd uit Kabul.", {"migratie"}),
    ("Er is 30 miljoen euro beschikbaar voor noodhulp na de overstromingen.", {"ontwikkeling"}),
    # a contribution to a humanitarian agency or fund speaks of aid, whatever else the sentence names
    ("De bijdrage aan het Central Emergency Response Fund stijgt met acht miljoen euro.", {"ontwikkeling"}),
    ("Nederland verhoogt de bijdrage aan UNRWA met zes miljoen euro.", {"ontwikkeling"}),
    ("Het vertrekmoratorium voor Afghanistan is verlengd.", {"terugkeer"}),
    ("Gedwongen terugkeer naar Afghanistan is op dit moment niet mogelijk.", {"terugkeer"}),
    ("Sinds de machtsovername zijn oud-militairen gearresteerd of gedood.", {"veiligheid"}),
    ("Het aantal asielaanvragen van Afghanen is gestegen.", {"migratie"}),
    ("De ontwikkelingen in het land worden nauwlettend gevolgd.", set()),
    ("De minister van Justitie en Veiligheid heeft de Kamer hierover geïnformeerd.", set()),
    ("De commissie heeft een voorstel gedaan.", set()),
    ("Voor de opvang van weeskinderen na de aardbeving draagt Nederland bij via UNICEF.", {"ontwikkeling"}),
])
def test_terms_and_exclusions(scheme, text, expected):
    assert _topics(scheme, text)[0] == expected


def test_returning_troops_are_veiligheid_not_terugkeer(scheme):
    got = _topics(scheme, "De terugkeer van de laatste Nederlandse militairen is in juli afgerond.",
                  "Een nieuwe aanval zou een terugkeer naar oorlog betekenen.")
    assert got == [{"veiligheid"}, {"veiligheid"}]


def test_ambiguous_return_is_decided_by_the_paragraph(scheme):
    sts = [_st(0, "Het team zorgt voor de afbouw van de missie en het vervoer van het materieel.", paragraph=1),
           _st(1, "De terugkeer is in juli voorzien.", paragraph=1),
           _st(2, "Nederland faciliteert de vrijwillige terugkeer van uitgeprocedeerde asielzoekers.", paragraph=2),
           _st(3, "De terugkeer verloopt via IOM.", paragraph=2)]
    got = [set(a) for a in scheme.assign(sts)]
    assert "terugkeer" not in got[1] and "veiligheid" in got[1]
    assert "terugkeer" in got[3]


def test_anaphora_inherits_from_the_statement_it_points_back_to(scheme):
    sts = [_st(0, "Nederland zegde 50 miljoen euro aan ontwikkelingssteun toe.", paragraph=0),
           _st(1, "Vooralsnog is de inzet deze toezegging gestand te doen.", paragraph=0)]
    got = scheme.assign(sts)
    assert set(got[1]) == {"ontwikkeling"}
    ev = got[1]["ontwikkeling"].evidence[0]
    assert ev.rule == "anaphora" and ev.source_positions == (0,)


def test_heading_and_answer_context(scheme):
    sts = [_st(0, "Migratie-inzet", kind="heading", section="Migratie-inzet"),
           _st(1, "Nederland is voornemens hier één adviseur voor te leveren.", section="Migratie-inzet"),
           _st(2, "Vraag 2", kind="heading", section="Vraag 2", section_kind="question", answers=("2",)),
           _st(3, "Worden er Afghanen uitgezet naar Afghanistan?", kind="question", section="Vraag 2",
               section_kind="question", answers=("2",)),
           _st(4, "Antwoord op vraag 2", kind="heading", section="Antwoord op vraag 2", section_kind="answer",
               answers=("2",)),
           _st(5, "Nee, dat is op dit moment niet aan de orde.", section="Antwoord op vraag 2",
               section_kind="answer", answers=("2",)),
           _st(6, "Geachte voorzitter,", kind="procedural", role="salutation")]
    got = scheme.assign(sts)
    assert set(got[1]) == {"migratie"} and got[1]["migratie"].evidence[0].rule == "heading"
    assert set(got[3]) == {"terugkeer"}
    assert set(got[5]) == {"terugkeer"} and got[5]["terugkeer"].evidence[0].rule == "answer"
    assert got[6] == {}


def test_a_user_defined_topic_needs_no_code():
    spec = TopicSpec(name="mensenrechten", label="Mensenrechten", terms=("mensenrecht*", "vrouwenrechten"))
    scheme = TopicScheme([spec])
    got = scheme.assign([_st(0, "Nederland komt op voor mensenrechtenverdedigers."), _st(1, "Het regent.")])
    assert set(got[0]) == {"mensenrechten"} and got[1] == {}
    assert got[0]["mensenrechten"].evidence[0].terms == ("mensenrechtenverdedigers",)


def test_plain_text_answers_inherit_from_their_questions(scheme):
    """A constructed answers-to-questions letter as PDF-to-text gives it: no Markdown, Vraag/Antwoord N."""
    from monitor.pipeline import parse_letter
    letter = parse_letter((ROOT / "tests" / "data" / "antwoorden-evacuatie-tolken.txt").read_bytes(), "a.txt")
    got = {s.text: set(a) for s, a in zip(letter.statements, scheme.assign(letter.statements))}
    assert got["Ja."] == {"migratie"}  # answers question 1 on evacuation
    assert got["Sinds augustus 2021 zijn ruim 4.000 personen naar Nederland overgebracht."] == {"migratie"}
    assert got["Een verdere verhoging is op dit moment niet voorzien."] == {"ontwikkeling"}
    kinds = {s.text: (s.kind, s.section_kind, s.answers) for s in letter.statements}
    assert kinds["Hoeveel personen zijn sinds augustus 2021 naar Nederland overgebracht?"] == ("question", "question", ("2",))


# ---------------------------------------------------------------- idioms, names, the letter's own subject
# Sentences written for these tests (not copied from the seeds), one per class of error the rules address.

@pytest.mark.parametrize("text,expected", [
    ("Ruim driehonderd tolken en hun gezinnen zijn in veiligheid gebracht.", {"migratie"}),
    ("Het kabinet wil de resterende medewerkers zo snel mogelijk uit het land halen.", {"migratie"}),
    ("De ambassade probeert lokale staf in veiligheid te brengen via de buurlanden.", {"migratie"}),
    ("Bij de aanslag op de luchthaven kwamen zeker zestig mensen om het leven.", {"veiligheid"}),
    ("De dreiging van terroristische aanvallen in de regio is hoog.", {"veiligheid"}),
])
def test_idioms_are_read_as_phrases_not_word_by_word(scheme, text, expected):
    assert _topics(scheme, text)[0] == expected


def test_an_idiom_says_which_rule_decided(scheme):
    got = scheme.assign([_st(0, "Zij worden zo snel mogelijk in veiligheid gebracht.")])[0]
    assert got["migratie"].evidence[0].rule == "idiom" and "veiligheid" not in got


@pytest.mark.parametrize("text", [
    "Het ministerie van Justitie en Veiligheid heeft de cijfers over het eerste kwartaal gepubliceerd.",
    "De vaste commissie voor Defensie heeft om een reactie gevraagd.",
    "De Commissie voor Buitenlandse Zaken stelde schriftelijke vragen.",
])
def test_names_of_ministries_and_committees_are_no_evidence(scheme, text):
    assert _topics(scheme, text)[0] == set()


def test_a_dossier_title_is_context_for_the_letter_not_evidence_for_its_line(scheme):
    sts = [_st(0, "29 521 Nederlandse deelname aan vredesmissies"),
           _st(1, "Het kabinet heeft het bod van de bondgenoten aanvaard.")]
    got = scheme.assign(sts)
    assert got[0] == {}
    assert set(got[1]) == {"veiligheid"} and got[1]["veiligheid"].evidence[0].rule == "letter"


def test_the_letter_subject_gives_a_topic_to_a_sentence_that_names_none(scheme):
    sentence = "Het beleid voor de risicogroepen wordt op onderdelen herzien."
    policy = scheme.assign([_st(0, sentence)], LetterContext("Landenbeleid Eritrea"))[0]
    assert set(policy) == {"migratie"} and policy["migratie"].evidence[0].rule == "letter"
    council = scheme.assign([_st(0, sentence)], LetterContext("Verslag van de Raad Buitenlandse Zaken"))[0]
    assert council == {}
    # an office title in the title is a name: "staatssecretaris van Justitie en Veiligheid" is no subject
    named = scheme.assign([_st(0, sentence)],
                          LetterContext("Brief van de staatssecretaris van Justitie en Veiligheid over de begroting"))[0]
    assert named == {}


def test_the_letter_subject_never_overrides_own_words_or_nearer_context(scheme):
    sts = [_st(0, "Veiligheidssituatie", kind="heading", section="Veiligheidssituatie"),
           _st(1, "De situatie in het noorden is verslechterd.", section="Veiligheidssituatie"),
           _st(2, "Nederland verhoogt de bijdrage aan het Wereldvoedselprogramma.", section="Veiligheidssituatie")]
    got = scheme.assign(sts, LetterContext("Landenbeleid Irak"))
    assert set(got[1]) == {"veiligheid"} and got[1]["veiligheid"].evidence[0].rule == "heading"
    assert "migratie" not in got[2]


def test_explain_prints_the_evidence_chain(scheme):
    sts = [_st(0, "Asiel", kind="heading", section="Asiel"),
           _st(1, "De minister van Justitie en Veiligheid zegt dat tolken in veiligheid zijn gebracht.",
               section="Asiel"),
           _st(2, "Het beleid wordt herzien.", section="Overig")]
    lines = "\n".join(scheme.explain(sts, 1, LetterContext("Landenbeleid Somalië")))
    assert "names taken out" in lines and "idiom → migratie" in lines
    assert "heading: 'Asiel' → migratie" in lines and "letter subject: migratie" in lines
    assert "→ migratie" in lines and "→ veiligheid" not in lines
    missed = "\n".join(scheme.explain(sts, 2, LetterContext("Verslag")))
    assert "→ no topic" in missed and "veiligheid: no own terms" in missed


def test_anaphora_points_back_to_the_previous_statement_not_the_first(scheme):
    # three statements: "previous" and "first" differ, so a rule that takes the wrong one fails
    sts = [_st(0, "Nederland draagt bij aan noodhulp via UNICEF.", paragraph=0),
           _st(1, "Het kabinet verlengt het vertrekmoratorium met zes maanden.", paragraph=0),
           _st(2, "Deze maatregel geldt tot het einde van het jaar.", paragraph=0)]
    got = scheme.assign(sts)
    assert set(got[2]) == {"terugkeer"} and got[2]["terugkeer"].evidence[0].source_positions == (1,)


def test_anaphora_stays_within_its_section(scheme):
    sts = [_st(0, "Terugkeer", kind="heading", section="Terugkeer"),
           _st(1, "Het kabinet verlengt het vertrekmoratorium met zes maanden.", section="Terugkeer"),
           _st(2, "Overig", kind="heading", section="Overig"),
           _st(3, "Deze maatregel is door de Raad van State beoordeeld.", section="Overig")]
    assert scheme.assign(sts)[3] == {}


def test_a_demonstrative_pointing_at_the_letter_or_the_calendar_is_no_anaphor(scheme):
    sts = [_st(0, "Het kabinet verlengt het vertrekmoratorium met zes maanden.", paragraph=0),
           _st(1, "In deze brief ga ik daarnaast in op de planning van het debat.", paragraph=0),
           _st(2, "Deze week vindt het overleg met de Kamer plaats.", paragraph=0)]
    got = scheme.assign(sts)
    assert got[1] == {} and got[2] == {}


# ---------------------------------------------------------------- the evidence a reader is shown, rule by rule

def test_phrases_among_the_terms_are_matched_as_phrases(scheme):
    # "terug worden gestuurd" and "nederland verlaten" are terugkeer terms; none of their words is one
    got = scheme.assign([_st(0, "Afghanen kunnen op dit moment niet gedwongen terug worden gestuurd."),
                         _st(1, "Wie geen verblijfsrecht heeft, moet Nederland verlaten."),
                         _st(2, "Het kabinet besluit de eenheden eind dit jaar terug te trekken.")])
    assert got[0]["terugkeer"].evidence == (Evidence("terms", ("terug worden gestuurd",)),)  # not ambiguous
    assert set(got[1]) == {"terugkeer"} and got[1]["terugkeer"].evidence[0].terms == ("nederland verlaten",)
    assert set(got[2]) == {"veiligheid"} and got[2]["veiligheid"].evidence[0].terms == ("terug te trekken",)


def test_an_ambiguous_phrase_is_decided_by_its_sense(scheme):
    got = scheme.assign([_st(0, "Afgewezen asielzoekers keren terug naar Afghanistan.")])[0]
    assert got["terugkeer"].evidence == (Evidence("sense", ("keren terug",), "terugkeer sense (sentence context)"),)
    assert got["terugkeer"].topic == "terugkeer" and got["terugkeer"].score == 1.0


def test_the_sense_evidence_says_which_context_decided(scheme):
    def evidence(*paragraphs: list[str]) -> tuple[Evidence, ...]:
        sts = [_st(i, text, paragraph=p) for i, (p, text) in
               enumerate((p, text) for p, texts in enumerate(paragraphs) for text in texts)]
        got = scheme.assign(sts)[0]
        return tuple(e for a in got.values() for e in a.evidence if e.rule == "sense")
    # the sentence decides; a phrase cue ("uit afghanistan") counts as well as a word
    assert evidence(["De terugkeer uit Afghanistan is in juli afgerond."]) == (
        Evidence("sense", ("terugkeer",), "not terugkeer: sentence context"),)
    # else its paragraph, also a cue at the start of a later sentence of it
    assert evidence(["De terugkeer begint in september.", "Uitgeprocedeerden kunnen zich vanaf dan melden."],
                    ["Het materieel van de missie is al verscheept."]) == (
        Evidence("sense", ("terugkeer",), "terugkeer sense (paragraph context)"),)
    # else the whole letter, also a cue at the start of a later paragraph
    assert evidence(["De terugkeer begint in september."], ["Militairen gaan per vliegtuig."]) == (
        Evidence("sense", ("terugkeer",), "not terugkeer: letter context"),)
    # no cue anywhere, or as many for as against: the topic's own sense
    assert evidence(["De terugkeer begint in september."]) == (
        Evidence("sense", ("terugkeer",), "terugkeer sense (default context)"),)
    assert evidence(["De terugkeer van afgewezen militairen begint in september."]) == (
        Evidence("sense", ("terugkeer",), "terugkeer sense (default context)"),)


def test_the_other_sense_counts_for_nothing_without_a_topic_for_it():
    spec = TopicSpec(name="terugkeer", label="Terugkeer", terms=("terugkeer*",), ambiguous=("terugkeer",),
                     sense_for=("asielzoeker*",), sense_against=("militair*",))
    scheme = TopicScheme([spec])
    got = scheme.assign([_st(0, "De terugkeer van de militairen is afgerond."),
                         _st(1, "De terugkeer van asielzoekers is afgerond.")])
    assert got[0] == {} and set(got[1]) == {"terugkeer"}


def test_an_idiom_is_evidence_with_the_phrase_found(scheme):
    got = scheme.assign([_st(0, "Ruim driehonderd medewerkers zijn in veiligheid gebracht en worden naar Nederland "
                                "gehaald; anderen worden nog in veiligheid gebracht.")])[0]
    assert got["migratie"].evidence == (Evidence("idiom", ("in veiligheid gebracht", "naar nederland gehaald")),)
    assert set(got) == {"migratie"}


def test_inherited_evidence_names_where_it_comes_from(scheme):
    sts = [_st(0, "Terugkeer", kind="heading", section="Terugkeer"),
           _st(1, "Deze maatregel geldt tot het einde van het jaar.", section="Terugkeer"),  # nothing before it
           _st(2, "Het kabinet verlengt het vertrekmoratorium met zes maanden.", section="Terugkeer"),
           _st(3, "Daarmee wordt de Kamer tegemoetgekomen.", section="Terugkeer"),
           _st(4, "Dergelijke maatregelen worden jaarlijks bezien.", section="Terugkeer")]
    got = scheme.assign(sts)
    # the heading is no antecedent: the first statement under it inherits from the heading
    assert got[1]["terugkeer"].evidence == (Evidence("heading", (), "Terugkeer"),)
    assert got[1]["terugkeer"].score < got[3]["terugkeer"].score < got[2]["terugkeer"].score
    assert got[3]["terugkeer"].evidence == (Evidence("anaphora", ("Daarmee",), "#2", (2,)),)
    assert got[4]["terugkeer"].evidence == (Evidence("anaphora", ("Dergelijke maatregelen",), "#3", (3,)),)
    assert got[3]["terugkeer"].evidence_json() == [
        {"rule": "anaphora", "terms": ("Daarmee",), "source": "#2", "source_positions": (2,)}]


def test_an_answer_to_two_questions_inherits_from_both(scheme):
    q = dict(section="Vragen 2 en 3", section_kind="question")
    a = dict(section="Antwoord op vragen 2 en 3", section_kind="answer", answers=("2", "3"))
    sts = [_st(0, "Worden er Afghanen uitgezet naar Afghanistan?", kind="question", answers=("2",), **q),
           _st(1, "Hoeveel Afghanen zijn sinds augustus geëvacueerd?", kind="question", answers=("3",), **q),
           _st(2, "Wat is de stand van zaken?", kind="question", answers=("4",), **q),
           _st(3, "Nee, dat is op dit moment niet aan de orde.", **a)]
    got = scheme.assign(sts)[3]
    assert set(got) == {"terugkeer", "migratie"}
    for name in got:
        assert got[name].evidence == (Evidence("answer", (), "vraag 2, 3", (0, 1)),)
        assert got[name].score < 1.0 and got[name].topic == name


def test_an_answer_whose_questions_name_no_topic_falls_back_to_its_heading(scheme):
    sts = [_st(0, "Wat is de stand van zaken?", kind="question", section="Vraag 1", section_kind="question",
               answers=("1",)),
           _st(1, "Het gaat om een lopend onderzoek.", section="Antwoord op vraag 1 (opvang in de regio)",
               section_kind="answer", answers=("1",))]
    assert scheme.assign(sts)[1]["migratie"].evidence == (
        Evidence("heading", (), "Antwoord op vraag 1 (opvang in de regio)"),)


def test_the_letter_subject_is_evidence_with_the_words_and_the_title_that_named_it(scheme):
    title = "Gedwongen terugkeer naar Afghanistan"
    got = scheme.assign([_st(0, "Het kabinet heeft hierover gesproken met de Europese partners.")],
                        LetterContext(title))[0]
    assert got["terugkeer"].evidence == (Evidence("letter", ("gedwongen terugkeer",), title),)
    assert got["terugkeer"].score < 1.0
    head = "19 637 Vreemdelingenbeleid"
    got = scheme.assign([_st(0, head), _st(1, "Het beleid wordt op onderdelen herzien.")])[1]
    assert got["migratie"].evidence == (Evidence("letter", ("vreemdelingenbeleid",), "Vreemdelingenbeleid"),)


def test_a_heading_pattern_can_be_a_phrase():
    spec = TopicSpec(name="hulp", label="Hulp", terms=("noodhulp",), headings=("humanitaire hulp",))
    scheme = TopicScheme([spec])
    sts = [_st(0, "Humanitaire hulp in de regio", kind="heading", section="Humanitaire hulp in de regio"),
           _st(1, "Nederland verhoogt de bijdrage.", section="Humanitaire hulp in de regio")]
    assert scheme.assign(sts)[1]["hulp"].evidence == (Evidence("heading", (), "Humanitaire hulp in de regio"),)
    assert scheme.heading_topics("Humanitaire hulp") == ["hulp"] and scheme.heading_topics("") == []


def test_own_words_and_an_idiom_for_the_same_topic_add_up(scheme):
    got = scheme.assign([_st(0, "De asielzoekers zijn in veiligheid gebracht.")])[0]
    assert [e.rule for e in got["migratie"].evidence] == ["idiom", "terms"]
    assert got["migratie"].score > scheme.assign([_st(0, "De asielzoekers zijn aangekomen.")])[0]["migratie"].score


def test_the_fingerprint_changes_with_the_configuration_and_only_then():
    spec = TopicSpec(name="terugkeer", label="Terugkeer", terms=("terugkeer*",))
    same = TopicScheme([spec]).fingerprint()
    assert TopicScheme([TopicSpec(name="terugkeer", label="Terugkeer", terms=("terugkeer*",))]).fingerprint() == same
    assert len(same) == 16 and int(same, 16) >= 0
    assert TopicScheme([dataclasses.replace(spec, terms=("terugkeer*", "vertrek"))]).fingerprint() != same
    assert TopicScheme([spec], extra=LetterContext("Afghanistan")).fingerprint() != same
    assert TopicScheme([spec], extra=LetterContext("Afghanistan")).fingerprint() != \
        TopicScheme([spec], extra=LetterContext("Irak")).fingerprint()
    assert TopicScheme([spec], extra="Afghanistan").fingerprint() != TopicScheme([spec], extra="Irak").fingerprint()
    assert TopicScheme([spec]).names == ("terugkeer",)


def test_explain_walks_through_every_rule_in_reading_order(scheme):
    """The lines `policy-monitor topics --explain` prints, in full, for an answer in a letter with a subject."""
    answer = dict(section="Antwoord op vraag 2", section_kind="answer", answers=("2",))
    sts = [_st(0, "27 925 Bestrijding internationaal terrorisme"),
           _st(1, "Worden er Afghanen uitgezet naar Afghanistan?", kind="question", section="Vraag 2",
               section_kind="question", answers=("2",)),
           _st(2, "De minister van Justitie en Veiligheid meldt dat de vluchten uit Kabul zijn hervat en dat de "
                  "terugkeer van uitgeprocedeerde Afghanen wordt onderzocht.", **answer),
           _st(3, "Nee, dat is op dit moment niet aan de orde.", **answer),
           _st(4, "Asiel", kind="heading", section="Asiel"),
           _st(5, "De asielzoekers zijn in veiligheid gebracht.", section="Asiel"),
           _st(6, "Het beleid wordt herzien.", section="Overig"),
           _st(7, "Met vriendelijke groet,", kind="procedural", role="closing")]
    context = LetterContext("Landenbeleid Afghanistan")
    subject = ("  letter subject: migratie (landenbeleid in 'Landenbeleid Afghanistan'), veiligheid (bestrijding "
               "internationaal terrorisme in 'Bestrijding internationaal terrorisme')")
    assert scheme.explain(sts, 2, context) == [
        "#2 paragraph: " + sts[2].text,
        "  names taken out (office titles, ministries, committees): de meldt dat de vluchten uit kabul zijn hervat "
        "en dat de terugkeer van uitgeprocedeerde afghanen wordt onderzocht.",
        "  veiligheid: no own terms",
        "  ontwikkeling: no own terms",
        "  migratie: 2 excluded phrase(s) taken out",
        "  terugkeer: ambiguous terms terugkeer (decided by sense cues)",
        "  heading: 'Antwoord op vraag 2' → no topic",
        "  answer to vraag 2",
        subject + " (not used: the statement has a topic of its own or from its context)",
        "  → terugkeer 1: sense terugkeer (terugkeer sense (sentence context))"]
    assert scheme.explain(sts, 3, context)[-4:] == [
        "  heading: 'Antwoord op vraag 2' → no topic", "  answer to vraag 2",
        subject + " (not used: the statement has a topic of its own or from its context)",
        "  → terugkeer 0.7: answer (vraag 2)"]
    assert scheme.explain(sts, 5, context) == [
        "#5 paragraph: De asielzoekers zijn in veiligheid gebracht.",
        "  idiom → migratie: in veiligheid gebracht (its words count for no other topic)",
        "  veiligheid: no own terms",
        "  ontwikkeling: no own terms",
        "  migratie: own terms asielzoekers",
        "  terugkeer: no own terms",
        "  heading: 'Asiel' → migratie (not used: the statement's own words decide)",
        subject + " (not used: the statement has a topic of its own or from its context)",
        "  → migratie 2: idiom in veiligheid gebracht; terms asielzoekers"]
    assert scheme.explain(sts, 6, context)[-4:] == [
        "  heading: 'Overig' → no topic", subject,  # used: no "not used"
        "  → migratie 0.5: letter landenbeleid (Landenbeleid Afghanistan)",
        "  → veiligheid 0.5: letter bestrijding internationaal terrorisme (Bestrijding internationaal terrorisme)"]
    assert scheme.explain(sts, 0, context) == [
        "#0 paragraph: 27 925 Bestrijding internationaal terrorisme",
        "  dossier head: its title is context for the letter, not evidence for this line"]
    assert scheme.explain(sts, 7, context) == [
        "#7 procedural: Met vriendelijke groet,", "  procedural line (salutation, signature, …): carries no topic"]
    alone = [_st(0, "Het beleid wordt herzien.")]
    assert scheme.explain(alone, 0)[-3:] == ["  terugkeer: no own terms", "  letter subject: names no topic",
                                             "  → no topic"]  # no section: no heading line


def test_explain_lists_every_hit_and_says_when_a_heading_is_not_used(scheme):
    sec = dict(section="Migratie en terugkeer")
    sts = [_st(0, "Migratie en terugkeer", kind="heading", **sec),
           _st(1, "Zij worden in veiligheid gebracht en naar Nederland gehaald.", **sec),
           _st(2, "De terugkeer en het vertrek beginnen in september.", **sec),
           _st(3, "De asielzoekers worden met de vluchten uit Kabul overgebracht.", **sec),
           _st(4, "Hoeveel Afghanen zijn uitgezet?", kind="question", section="Vragen 2 en 3",
               section_kind="question", answers=("2", "3")),
           _st(5, "Dat zijn er geen.", section="Antwoord op vragen 2 en 3", section_kind="answer", answers=("2", "3"))]
    context = LetterContext("Landenbeleid en opvang in de regio")
    explained = {i: scheme.explain(sts, i, context) for i in range(1, 6)}
    heading = "  heading: 'Migratie en terugkeer' → migratie, terugkeer (not used: the statement's own words decide)"
    subject = "  letter subject: migratie (landenbeleid/opvang in 'Landenbeleid en opvang in de regio')"
    # an idiom alone, a sense alone and terms alone each make the statement's own topic
    assert explained[1][1] == ("  idiom → migratie: in veiligheid gebracht, naar nederland gehaald "
                               "(its words count for no other topic)")
    assert explained[1][-1] == "  → migratie 1: idiom in veiligheid gebracht/naar nederland gehaald"
    assert "  terugkeer: ambiguous terms terugkeer, vertrek (decided by sense cues)" in explained[2]
    assert ("  migratie: own terms asielzoekers, overgebracht; 2 excluded phrase(s) taken out"
            in explained[3])
    for i in (1, 2, 3):
        assert heading in explained[i] and explained[i][-2].startswith(subject + " (not used")
    # a question is not an answer, even when it carries its numbers
    assert not any(line.startswith("  answer to") for line in explained[4])
    assert explained[5][-3:] == ["  answer to vraag 2, 3", subject + " (not used: the statement has a topic of its "
                                 "own or from its context)", "  → terugkeer 0.7: answer (vraag 2, 3)"]


def test_calm_returning_is_no_return_of_people_even_among_asylum_sentences(scheme):
    """Issue 24 (topic evidence from the wrong place): "teruggekeerd" said of calm or order is the other sense,
    whatever the sentences around it say about asylum seekers."""
    got = _topics(scheme, "Het ambtsbericht beschrijft de positie van afgewezen asielzoekers uit het land.",
                  "De rust op straat is thans grotendeels teruggekeerd.",
                  "In de hoofdstad is de openbare orde inmiddels teruggekeerd.",
                  "Veel afgewezen asielzoekers zijn inmiddels teruggekeerd naar hun land.")
    assert "terugkeer" not in got[1] and "terugkeer" not in got[2]
    assert "terugkeer" in got[3]  # people returning still are


def test_an_office_in_brackets_after_a_minister_is_a_name_not_evidence(scheme):
    """Issue 24 (topic evidence from the wrong place): "(Veiligheid en Justitie)", "(Asiel en Migratie)" after a
    minister's name is the office, not the security or migration topic."""
    got = _topics(scheme, "Staatssecretaris Teeven (Veiligheid en Justitie) sprak met zijn collega over de rechtspraak.",
                  "De minister Faber (Asiel en Migratie) bezocht de ambassade in Rabat.",
                  "De veiligheid van de ambassade in Rabat wordt verhoogd.")
    assert "veiligheid" not in got[0] and "migratie" not in got[1]
    assert "veiligheid" in got[2]

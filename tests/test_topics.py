"""Topic assignment on constructed Dutch sentences: terms, senses, context, configuration."""
from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_settings
from monitor.topics import TopicSpec
from monitor.model import Statement
from monitor.topics import LetterContext, TopicScheme

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scheme() -> TopicScheme:
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

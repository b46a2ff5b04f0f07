"""Subject scope on passages written for these tests and on one real seed letter.

Passages go through the real pipeline (``parse_letter``), so sections, paragraphs
and sentences are segmented as in production.
"""
from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from monitor import gazetteer
from monitor.pipeline import parse_letter
from monitor.scope import ScopeVerdict, SubjectSpec, _compiled, assess_scope

ROOT = Path(__file__).resolve().parents[1]
AFGHANISTAN = SubjectSpec("Afghanistan", ("afghan*", "kaboel", "kabul", "taliban*", "mazar-e-sharif"))

JBZ = """\
Geachte voorzitter,

Hierbij informeer ik uw Kamer over de JBZ-Raad van 8 oktober. De Raad spreekt over de situatie in Afghanistan.

Afghanistan

Het kabinet zal in de Raad benadrukken dat opvang van Afghaanse vluchtelingen in de eerste plaats in de regio moet plaatsvinden. Daarbij is samenwerking met landen in de regio, zoals Pakistan en Turkije, van groot belang. Het kabinet steunt een gezamenlijke Europese aanpak.

Grenssituatie

De ministers bespraken de situatie aan de grens van Litouwen met Belarus. Het Belarussische regime zet migranten in als politiek drukmiddel. Het kabinet veroordeelt deze acties scherp. Nederland steunt de getroffen lidstaten.

De Commissie stelt extra middelen beschikbaar voor grensbewaking. Het kabinet steunt dit voorstel.

Migratiepact

De Raad sprak tot slot over de voortgang van de onderhandelingen over het migratiepact. Het kabinet dringt aan op een spoedige afronding.

De minister van Justitie en Veiligheid,
"""

NAVO = """\
Geachte voorzitter,

Hierbij ontvangt u het verslag van de bijeenkomst van de NAVO-ministers van Buitenlandse Zaken.

Afghanistan

De bondgenoten bespraken de terugtrekking uit Afghanistan. De Verenigde Staten trekken hun troepen voor september terug.

Oekraïne

De bondgenoten uitten hun zorgen over de Russische troepenopbouw aan de grens.

Het kabinet steunt een diplomatieke oplossing. Stappen richting lidmaatschap zijn niet aan de orde.

De minister van Buitenlandse Zaken,
"""


def _assess(text: str, subject: SubjectSpec = AFGHANISTAN, title: str = "") -> list[tuple[str, ScopeVerdict]]:
    statements = parse_letter(dedent(text).encode(), "x.txt").statements
    verdicts = assess_scope(statements, subject, title)
    assert len(verdicts) == len(statements)
    return [(st.text, v) for st, v in zip(statements, verdicts)]


def _verdict(pairs: list[tuple[str, ScopeVerdict]], start: str) -> ScopeVerdict:
    found = [v for text, v in pairs if text.startswith(start)]
    assert len(found) == 1, f"no single statement starting with {start!r}"
    return found[0]


# ---------------------------------------------------------------- the rules on a JBZ-council letter

def test_sentence_naming_the_subject_is_in() -> None:
    v = _verdict(_assess(JBZ), "Het kabinet zal in de Raad benadrukken")
    assert (v.in_scope, v.rule) == (True, "sentence")
    assert v.subject_terms == ("Afghaanse",)
    assert v.evidence == ("noemt Afghaanse",)


def test_neighbours_named_inside_an_afghanistan_paragraph_stay_in() -> None:
    v = _verdict(_assess(JBZ), "Daarbij is samenwerking met landen in de regio")
    assert (v.in_scope, v.rule) == (True, "paragraph")
    assert v.other_subjects == ("Pakistan", "Turkije")
    assert v.evidence == ("noemt Pakistan, Turkije", "alinea noemt Afghaanse")


def test_the_same_neighbours_without_the_subject_are_out() -> None:
    text = JBZ.replace("opvang van Afghaanse vluchtelingen", "opvang van vluchtelingen").replace(
        "\nAfghanistan\n", "\nOpvang in de regio\n")
    v = _verdict(_assess(text), "Daarbij is samenwerking met landen in de regio")
    assert (v.in_scope, v.rule) == (False, "sentence")
    assert v.evidence == ("noemt Pakistan, Turkije",)


def test_belarus_border_report_is_out() -> None:
    pairs = _assess(JBZ)
    lithuania = _verdict(pairs, "De ministers bespraken de situatie aan de grens van Litouwen")
    assert (lithuania.in_scope, lithuania.rule) == (False, "sentence")
    assert lithuania.other_subjects == ("Litouwen", "Belarus")
    assert lithuania.evidence == ("noemt Litouwen, Belarus",)
    regime = _verdict(pairs, "Het Belarussische regime")
    assert not regime.in_scope and regime.other_subjects == ("Belarus",)
    assert regime.evidence == ("noemt Belarussische (Belarus)",)


def test_nameless_sentence_in_an_out_of_scope_paragraph_is_out() -> None:
    pairs = _assess(JBZ)
    for start in ("Het kabinet veroordeelt deze acties scherp.", "Nederland steunt de getroffen lidstaten."):
        v = _verdict(pairs, start)
        assert (v.in_scope, v.rule, v.evidence) == (False, "paragraph", ("alinea over Litouwen, Belarus",))
        assert v.subject_terms == () and v.other_subjects == ()


def test_nameless_paragraph_after_an_out_of_scope_paragraph_carries_over() -> None:
    v = _verdict(_assess(JBZ), "De Commissie stelt extra middelen beschikbaar")
    assert (v.in_scope, v.rule) == (False, "paragraph")
    assert v.evidence == ("vorige alinea over Litouwen, Belarus",)


def test_generic_eu_statement_on_the_migration_pact_is_in() -> None:
    # A new section: the Belarus paragraphs before it do not carry over.
    pairs = _assess(JBZ)
    for start in ("De Raad sprak tot slot over de voortgang", "Het kabinet dringt aan op een spoedige afronding."):
        assert _verdict(pairs, start) == ScopeVerdict(True, "default", (), (), ())
    # With a title on Afghanistan, the title decides.
    titled = _verdict(_assess(JBZ, title="Geannoteerde agenda JBZ-Raad over Afghanistan"),
                      "Het kabinet dringt aan op een spoedige afronding.")
    assert (titled.in_scope, titled.rule, titled.evidence) == (True, "letter", ("titel noemt Afghanistan",))


def test_procedural_statements_and_headings_are_in_by_default() -> None:
    pairs = _assess(NAVO)
    assert _verdict(pairs, "Geachte voorzitter") == ScopeVerdict(True, "default", (), (), ())
    heading = _verdict(pairs, "Oekraïne")
    assert (heading.in_scope, heading.rule, heading.other_subjects) == (True, "default", ("Oekraïne",))


# ---------------------------------------------------------------- a NATO report with an "Oekraïne" section

def test_navo_ukraine_section_is_out_and_afghanistan_section_in() -> None:
    pairs = _assess(NAVO)
    russia = _verdict(pairs, "De bondgenoten uitten hun zorgen")
    assert (russia.in_scope, russia.rule, russia.other_subjects) == (False, "sentence", ("Rusland",))
    # The second Ukraine paragraph names nothing: the heading decides before any carry-over.
    for start in ("Het kabinet steunt een diplomatieke oplossing.", "Stappen richting lidmaatschap"):
        v = _verdict(pairs, start)
        assert (v.in_scope, v.rule, v.evidence) == (False, "section", ("kop 'Oekraïne'",))
    assert _verdict(pairs, "De bondgenoten bespraken de terugtrekking uit Afghanistan").in_scope


def test_heading_naming_the_subject_keeps_other_countries_in() -> None:
    v = _verdict(_assess(NAVO), "De Verenigde Staten trekken")
    # Its paragraph names Afghanistan too; without it the heading still holds the sentence in.
    assert (v.in_scope, v.rule) == (True, "paragraph")
    alone = _verdict(_assess(NAVO.replace("terugtrekking uit Afghanistan", "terugtrekking")), "De Verenigde Staten")
    assert (alone.in_scope, alone.rule) == (True, "section")
    assert alone.evidence == ("noemt Verenigde Staten", "kop 'Afghanistan' noemt Afghanistan")


def test_title_naming_only_another_subject_makes_the_default_out() -> None:
    text = "Geachte voorzitter,\n\nHet kabinet volgt de ontwikkelingen nauwgezet.\n"
    assert _verdict(_assess(text), "Het kabinet volgt") == ScopeVerdict(True, "default", (), (), ())
    for title in ("Verslag over de situatie in Oekraïne", "VERSLAG OVER DE SITUATIE IN OEKRAÏNE"):
        v = _verdict(_assess(text, title=title), "Het kabinet volgt")
        assert (v.in_scope, v.rule, v.evidence) == (False, "letter", ("titel over Oekraïne",))
    both = _verdict(_assess(text, title="Verslag NAVO-Raad over Afghanistan en Oekraïne"), "Het kabinet volgt")
    assert (both.in_scope, both.rule) == (True, "letter")


def test_answer_section_reads_the_question_it_answers() -> None:
    text = """\
    Vraag 1
    Deelt u de zorgen over de Russische troepenopbouw bij Oekraïne?

    Antwoord op vraag 1
    Ja. Het kabinet volgt de situatie nauwgezet.

    Vraag 2
    Hoeveel Afghaanse asielzoekers zijn er vorig jaar teruggekeerd?

    Antwoord op vraag 2
    Het gaat om enkele tientallen personen.
    """
    pairs = _assess(text)
    ukraine = _verdict(pairs, "Ja.")
    assert (ukraine.in_scope, ukraine.rule, ukraine.evidence) == (False, "section", ("vraag 1 over Rusland, Oekraïne",))
    afghan = _verdict(pairs, "Het gaat om enkele tientallen")
    assert (afghan.in_scope, afghan.rule, afghan.evidence) == (True, "section", ("vraag 2 noemt Afghaanse",))


# ---------------------------------------------------------------- names

@pytest.mark.parametrize("sentence,others", [
    ("De grens met Wit-Rusland blijft gesloten.", ("Belarus",)),
    ("Veel Oekraïners zijn naar Polen en Moldavië gevlucht.", ("Oekraïne", "Polen", "Moldavië")),
    ("De Iraakse en Syrische autoriteiten werken niet mee.", ("Irak", "Syrië")),
    ("Eritrese en Somalische asielzoekers wachten lang.", ("Eritrea", "Somalië")),
    ("De Verenigde Staten en het Verenigd Koninkrijk steunen dit.", ("Verenigde Staten", "Verenigd Koninkrijk")),
    ("De Russische Federatie annexeerde in 2014 de Krim.", ("Rusland", "Oekraïne")),
    ("De EU-Turkije Verklaring blijft van kracht.", ("Turkije",)),
    ("De situatie in Oekraine verslechtert.", ("Oekraïne",)),  # written without the diaeresis
    ("Ook Sri Lanka, Bosnië en Herzegovina en Côte d'Ivoire werden besproken.",
     ("Sri Lanka", "Bosnië en Herzegovina", "Ivoorkust")),
    ("Latijns-Amerikaanse en Zuid-Amerikaanse landen waren aanwezig.", ()),
    ("De EU, de NAVO en de VN roepen alle lidstaten in Europa op tot terughoudendheid.", ()),
    ("Het Sloveense voorzitterschap nam een verklaring aan.", ()),  # an EU office, not Slovenia
    ("Nederland en de Nederlandse partners blijven betrokken.", ()),
    ("Eurocommissaris Frans Timmermans sprak in Brussel.", ()),  # a first name, not France
])
def test_other_subjects_found(sentence: str, others: tuple[str, ...]) -> None:
    (_, v), = _assess(sentence + "\n")
    assert v.other_subjects == others
    assert v.in_scope is (not others)


def test_gazetteer_lists_every_un_member_state() -> None:
    assert len(gazetteer.COUNTRIES) == 192 + 5  # UN members without Nederland, plus five non-members
    assert "Nederland" not in gazetteer.FORMS and gazetteer.FORMS["Wit-Rusland"] == "Belarus"


def test_the_subject_country_is_never_other() -> None:
    belarus = SubjectSpec("Belarus", ("belarus", "wit-rus*"))
    pairs = _assess(JBZ, subject=belarus)
    regime = _verdict(pairs, "Het Belarussische regime")  # an adjective form its terms do not cover
    assert (regime.in_scope, regime.rule, regime.subject_terms, regime.other_subjects) == (
        True, "sentence", ("Belarussische",), ())
    assert _verdict(pairs, "Het kabinet veroordeelt deze acties scherp.").in_scope
    afghan = _verdict(pairs, "Het kabinet zal in de Raad benadrukken")
    assert (afghan.in_scope, afghan.other_subjects) == (False, ("Afghanistan",))


def test_extra_other_patterns_count_as_other_subjects() -> None:
    text = "De situatie van de Oeigoeren blijft zorgelijk.\n"
    assert _verdict(_assess(text), "De situatie").in_scope
    spec = SubjectSpec("Afghanistan", AFGHANISTAN.terms, others=("oeigoer*",))
    v = _verdict(_assess(text, subject=spec), "De situatie")
    assert (v.in_scope, v.other_subjects) == (False, ("Oeigoeren",))


def test_compiled_patterns_are_cached_per_spec() -> None:
    same = SubjectSpec("Afghanistan", tuple(AFGHANISTAN.terms))
    assert _compiled(same) is _compiled(AFGHANISTAN)
    assert _compiled(SubjectSpec("Belarus", ("belarus",))) is not _compiled(AFGHANISTAN)


# ---------------------------------------------------------------- a real letter

def test_jbz_seed_letter() -> None:
    path = ROOT / "seeds" / "2021-08-26-jbz-raad-afghanistan.txt"
    statements = parse_letter(path.read_bytes(), path.name).statements
    verdicts = assess_scope(statements, AFGHANISTAN,
                            "Ingelaste JBZ-Raad van 31 augustus 2021 over Afghanistan en verslag IPCR over Litouwen")

    def verdict(part: str) -> ScopeVerdict:
        found = [v for st, v in zip(statements, verdicts) if part in st.text]
        assert len(found) == 1, part
        return found[0]

    belarus = verdict("Ook Nederland noemde de acties van Belarus onaanvaardbaar")
    assert (belarus.in_scope, belarus.rule, belarus.other_subjects) == (False, "sentence", ("Belarus",))
    means = verdict("Het is van belang dat de EU integraal alle middelen inzet")
    assert (means.in_scope, means.rule) == (False, "paragraph")
    assert means.evidence == ("alinea over Belarus, Irak",)
    region = verdict("dat opvang in eerste instantie duurzaam in de regio dient plaats te vinden")
    assert (region.in_scope, region.rule) == (True, "paragraph")
    closing = verdict("Tot slot werd ook kort stilgestaan bij de situatie in Afghanistan")
    assert (closing.in_scope, closing.rule) == (True, "sentence")

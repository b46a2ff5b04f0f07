"""Same point, or nothing; and what makes a new statement worth telling.

Each rule is pinned by sentences written for the test, of the class the rule is about (not copied from the
seed letters), so a rule that only fits the seeds fails here.
"""
from __future__ import annotations

import datetime as dt
import math

from monitor.align import shared_phrases
from monitor.diff import modality
from monitor.function import classify, is_government
from monitor.model import Statement
from monitor.position import ADDED, MODIFIED, REAFFIRMED, PositionStatement, PositionTracker
from monitor.significance import FLOOR, Traits, new_statement


def _ps(uid: str, letter: str, text: str, function: str = "commitment") -> PositionStatement:
    return PositionStatement(uid, letter, dt.date(2024, 1, 1), text,
                             traits=Traits(function=function, government=True))


def _kinds(old: str, new: str, threshold: float = 0.05) -> list[str]:
    t = PositionTracker(threshold=threshold)
    t.process("A", dt.date(2024, 1, 1), {"migratie": [_ps("a1", "A", old)]})
    return [c.kind for c in t.process("B", dt.date(2024, 2, 1), {"migratie": [_ps("b1", "B", new)]}) if c.new]


def test_a_move_from_one_stance_to_another_on_the_same_point_is_a_modification():
    assert _kinds("Het kabinet financiert de opvang van Eritrese vluchtelingen in Ethiopië via UNHCR.",
                  "Het kabinet onderzoekt of de opvang van Eritrese vluchtelingen in Ethiopië wordt afgebouwd.") \
        == [MODIFIED]


def test_a_stance_appearing_beside_a_loosely_related_description_is_a_new_point():
    # both mention the embassy in Asmara; the old one describes, the new one commits: two points, not one moved
    kinds = _kinds("De ambassade in Asmara was de afgelopen maanden beperkt bereikbaar voor bezoekers.",
                   "Nederland zal de ambassade in Asmara openhouden en het consulaire personeel uitbreiden.")
    assert kinds == [ADDED]


def test_a_stance_vanishing_into_a_close_restatement_is_a_reaffirmation_not_a_change():
    kinds = _kinds("Continuering van deze inzet is afhankelijk van de veiligheidssituatie in Somalië "
                   "en de voortgang van het vredesproces.",
                   "Dit is afhankelijk van de veiligheidssituatie in Somalië en de voortgang van het vredesproces.")
    assert kinds == [REAFFIRMED]


def test_the_same_counted_thing_anchors_a_move_even_from_a_plain_description():
    # "possibly deployed" → "deployed" around the same 150 militairen is the point moving
    kinds = _kinds("Uw Kamer is geïnformeerd over de gereedstelling van 150 militairen voor mogelijke inzet in Irak.",
                   "Uw Kamer is geïnformeerd over de inzet van honderdvijftig militairen in Irak; zij zijn "
                   "inmiddels gestart.")
    assert kinds == [MODIFIED]


def test_a_time_span_is_no_anchor():
    kinds = _kinds("De minister benadrukte het belang om Irak na twintig jaar te blijven steunen.",
                   "Deze partners zijn cruciaal voor de verworvenheden van de afgelopen twintig jaar.")
    assert MODIFIED not in kinds


def test_a_compound_shares_its_phrase_with_the_spelled_out_form():
    assert "resoluut support" in shared_phrases("De NAVO Resolute Support-missie eindigt.",
                                                "De afbouw van de NAVO-missie Resolute Support is gestart.")


def test_started_after_an_abbreviated_date_is_done():
    assert "done" in modality("De afbouw van de missie is per 1 mei jl. van start gegaan.").categories
    assert "done" not in modality("De afbouw moet uiterlijk 1 september a.s. beginnen.").categories


def _traits(text: str) -> Traits:
    f = classify([Statement(0, "paragraph", text, 0, len(text))])[0]
    return Traits(function=f.name, government=f.government, elaboration=f.elaboration, hedged=f.hedged,
                  quantified=f.quantified, realised=f.realised, example=f.example, recalls=f.recalls)


def test_an_example_ranks_below_the_point_it_illustrates():
    point = _traits("Nederland steunt de wederopbouw van het justitiële apparaat in Irak.")
    example = _traits("Zo steunt Nederland een trainingsprogramma voor rechters in Bagdad.")
    assert example.example and not point.example
    assert new_statement(example)[0] < FLOOR <= new_statement(point)[0]


def test_the_government_counts_as_the_one_taking_a_stance_not_as_a_word_in_a_fact():
    fact = _traits("Nederland en Denemarken werken nauw samen tijdens de terugtrekking uit Irak.")
    stance = _traits("Nederland zal de bijdrage aan de NAVO-missie in Irak met een jaar verlengen.")
    assert fact.function == "fact" and "kabinet" not in new_statement(fact)[1]
    assert "kabinet" in new_statement(stance)[1]


def test_another_countrys_minister_is_not_the_government():
    assert is_government("Minister Van der Wal heeft dit met haar ambtgenoten besproken.")
    assert is_government("De minister van Buitenlandse Zaken sprak met de VN-gezant.")
    assert not is_government("De Somalische minister van Binnenlandse Zaken kondigde verkiezingen aan.")
    assert not is_government("De Duitse minister Schulze bezocht het vluchtelingenkamp.")


def test_a_partial_restatement_counts_less_than_a_new_point():
    t = _traits("De druk op de Somalische strijdkrachten blijft onverminderd groot.")
    fresh, why_fresh = new_statement(t, nearest=0.0)
    restated, why = new_statement(t, nearest=0.25)
    assert restated < fresh and "deels eerder gezegd" in why and "deels eerder gezegd" not in why_fresh


def test_a_decision_carried_out_and_an_amount_rank_a_commitment_higher():
    plain = new_statement(_traits("Nederland zegt steun toe aan de wederopbouw van Mosul."))[0]
    amount = _traits("Nederland zegt 25 miljoen euro toe aan de wederopbouw van Mosul.")
    assert amount.quantified and new_statement(amount)[0] > plain
    done = _traits("De Nederlandse bijdrage aan de missie in Irak is inmiddels beëindigd.")
    assert done.realised
    # a conditional rule restating a principle does not reach the feed on its own
    hedged = _traits("Wanneer daarvan sprake is, verzet het beginsel van non-refoulement zich tegen uitzetting.")
    assert hedged.hedged and new_statement(hedged)[0] < FLOOR


def _function(text: str) -> str:
    return classify([Statement(0, "paragraph", text, 0, len(text))])[0].name


def test_findings_on_the_situation_are_assessments():
    for text in ("Uit het ambtsbericht blijkt dat de situatie in Eritrea nog steeds zorgwekkend is.",
                 "Voor terugkeerders is de hoofdstad relatief veilig.",
                 "In Erbil is de veiligheidssituatie beter dan in de rest van het land.",
                 "Het kabinet constateert dat de spanningen in de regio zijn toegenomen.",
                 "Duidelijk is dat de veiligheidssituatie in het zuiden verder is verslechterd.",
                 "Met betrekking tot terugkeer meldt het ambtsbericht dat de grens gesloten is."):
        assert _function(text) == "assessment", text


def test_document_heads_and_letter_descriptions_carry_no_position():
    assert _function("36 045 Situatie in Oekraïne") == "furniture"
    assert _function("Antwoord van Staatssecretaris Jansen (Justitie en Veiligheid) (ontvangen 3 mei 2023)") \
        == "furniture"
    assert _function("Dit ambtsbericht bevat informatie over de ontwikkelingen in Somalië sinds 2021.") == "meta"
    assert _function("Tevens gaat deze brief in op de bijdrage aan de missie in Mali.") == "meta"


def test_a_report_that_gives_reason_to_change_policy_is_a_decision():
    assert _function("De bevindingen zijn voor mij aanleiding om het landgebonden asielbeleid te herzien.") \
        == "decision"


def test_a_statement_that_says_it_repeats_itself_counts_less():
    recalled = _traits("Zoals eerder gemeld, blijft Nederland de opvang in de regio steunen.")
    fresh = _traits("Nederland blijft de opvang in de regio steunen.")
    assert recalled.recalls and not fresh.recalls
    assert new_statement(recalled)[0] < new_statement(fresh)[0]


def test_a_classification_that_no_longer_holds_is_a_decision_and_a_designation_is_a_rule():
    assert _function("Tripoli wordt niet langer aangemerkt als gebied waarin sprake is van willekeurig geweld.") \
        == "decision"
    assert _function("Journalisten worden aangemerkt als risicogroep.") == "rule"
    assert _function("Hieronder licht ik het nieuwe beleidskader nader toe.") == "meta"


def test_header_lines_run_together_and_courtesies_carry_no_position():
    assert _function("19 637 Vreemdelingenbeleid 36 045 Situatie in Oekraïne Nr. 3001 BRIEF VAN DE MINISTER VAN "
                     "JUSTITIE EN VEILIGHEID") == "furniture"
    assert _function("Het kabinet wil grote waardering uitspreken voor alle gemeenten die opvang bieden.") == "meta"
    assert _function("Het kabinet is alle vrijwilligers die ontheemden helpen zeer dankbaar.") == "meta"
    recalled = _traits("In mijn brief van 9 maart heb ik uw Kamer geïnformeerd dat de situatie in Tigray ernstig is.")
    assert recalled.recalls


# The boundaries of "same point" (analysis.same_point, analysis.restatement), pinned at the exact
# similarity of a pairing: a pairing that reaches the bar is the same point, one a hair below is not.
OPVANG_OLD = "De opvang van Syrische vluchtelingen in Jordanië en Libanon staat onder grote druk."
OPVANG_NEW = "In Jordanië en Libanon staat de opvang van vluchtelingen uit Syrië onder druk door de economische crisis."


def _pairing(old: str, new: str, **kw: float) -> list[tuple[str, float | None]]:
    t = PositionTracker(threshold=0.05, **kw)
    t.process("A", dt.date(2024, 1, 1), {"migratie": [_ps("a1", "A", old)]})
    return [(c.kind, c.similarity) for c in t.process("B", dt.date(2024, 2, 1), {"migratie": [_ps("b1", "B", new)]})
            if c.new]


def test_a_rewording_that_reaches_same_point_is_a_restatement_and_one_below_it_is_a_new_point():
    [(kind, similarity)] = _pairing(OPVANG_OLD, OPVANG_NEW)
    assert kind == REAFFIRMED and similarity is not None and 0.05 < similarity < 1
    assert _pairing(OPVANG_OLD, OPVANG_NEW, same_point=similarity) == [(REAFFIRMED, similarity)]
    below = math.nextafter(similarity, 1.0)  # the bar a hair above the pairing
    assert [k for k, _ in _pairing(OPVANG_OLD, OPVANG_NEW, same_point=below)] == [ADDED]


def test_a_stance_beside_a_description_is_a_restatement_only_from_the_restatement_bar_on():
    old = "De opvang van Syrische vluchtelingen in Jordanië en Libanon staat onder grote druk."
    new = "Het kabinet zal de opvang van Syrische vluchtelingen in Jordanië en Libanon blijven steunen."
    assert modality(new).core and not modality(old).core
    [(_, similarity)] = _pairing(old, new, same_point=0.0, restatement=0.0)
    assert similarity is not None
    assert _pairing(old, new, same_point=0.0, restatement=similarity)[0][0] == REAFFIRMED
    assert _pairing(old, new, same_point=0.0, restatement=math.nextafter(similarity, 1.0))[0][0] == ADDED


def test_a_change_of_amount_alone_is_a_modification_and_is_published():
    # the wording is the same, only the amount moved: exactly what a reader must not miss
    t = PositionTracker()
    t.process("A", dt.date(2024, 1, 1), {"migratie": [_ps("a1", "A", "Nederland draagt 20 miljoen euro bij aan "
                                                                 "de opvang van vluchtelingen via UNHCR.")]})
    [change] = t.process("B", dt.date(2024, 2, 1), {"migratie": [
        _ps("b1", "B", "Nederland draagt 35 miljoen euro bij aan de opvang van vluchtelingen via UNHCR.")]})
    assert (change.kind, change.published, change.aspects) == (MODIFIED, True, ("numbers",))
    assert change.old is not None and change.old.uid == "a1"
    assert change.details["numbers"] == {"old": ["20 miljoen euro"], "new": ["35 miljoen euro"]}
    assert [s.uid for s in t.position("migratie")] == ["b1"]  # the new amount supersedes the old one


def test_the_same_sentence_again_is_a_reaffirmation_and_is_not_published():
    text = "Het kabinet financiert de opvang van Eritrese vluchtelingen in Ethiopië via UNHCR."
    t = PositionTracker()
    t.process("A", dt.date(2024, 1, 1), {"migratie": [_ps("a1", "A", text)]})
    [change] = t.process("B", dt.date(2024, 2, 1), {"migratie": [_ps("b1", "B", text)]})
    assert (change.kind, change.published, change.aspects) == (REAFFIRMED, False, ())

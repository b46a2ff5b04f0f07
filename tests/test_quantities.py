"""Quantities in Dutch policy sentences: what counts as an amount, what does not, and when
two versions of a statement changed an amount of the same thing."""
from __future__ import annotations

import pytest

from monitor.quantities import Quantity, QuantityChange, changed_quantities, counted_units, quantities


def vals(text: str) -> list[tuple[float, str]]:
    return [(q.value, q.unit) for q in quantities(text)]


# --- what is a quantity -------------------------------------------------------------

def test_figure_with_counted_noun_and_hedge() -> None:
    assert quantities("Nederland levert ca. 80 militairen aan de missie in Irak.") == (
        Quantity(80.0, "militair", "ca. 80 militairen", approx=True),)


@pytest.mark.parametrize("word, value", [
    ("tachtig", 80), ("drieëntwintig", 23), ("eenentwintig", 21), ("honderdtwintig", 120),
    ("tweehonderdvijftig", 250), ("tweeduizend", 2000), ("vijfhonderdduizend", 500_000),
    ("duizendtweehonderd", 1200), ("twaalfhonderd", 1200), ("anderhalf", 1.5),
])
def test_dutch_number_words(word: str, value: float) -> None:
    assert vals(f"Het kabinet zegt {word} adviseurs toe.") == [(value, "adviseur")]


def test_adjectives_and_participles_between_number_and_noun_are_skipped() -> None:
    assert vals("Er gaan negen extra uitgezonden specialisten naar Kabul.") == [(9, "specialist")]
    assert vals("Wij herdenken de 25 overleden Nederlandse militairen.") == [(25, "militair")]
    assert vals("Nederland draagt bij met één civiel adviseur.") == [(1, "adviseur")]


@pytest.mark.parametrize("sentence, approx", [
    ("Op de school zitten meer dan 50 leerlingen.", True),
    ("Op de school zitten minder dan 50 leerlingen.", True),
    ("Op de school zitten bijna 50 leerlingen.", True),
    ("Op de school zitten zo'n 50 leerlingen.", True),
    ("Op de school zitten maximaal 50 leerlingen.", True),
    ("Op de school kunnen tot 50 leerlingen.", True),
    ("Op de school zitten circa vijftig leerlingen.", True),
    ("Op de school zitten 50 leerlingen.", False),
])
def test_hedges_make_a_quantity_approximate(sentence: str, approx: bool) -> None:
    (q,) = quantities(sentence)
    assert (q.value, q.unit, q.approx) == (50, "leerling", approx)


def test_money_with_scale_words_and_currency_signs() -> None:
    assert vals("De VS betaalt 300 miljoen dollar.") == [(300e6, "dollar")]
    assert vals("Nederland draagt vijf miljoen euro per jaar bij.") == [(5e6, "euro")]
    assert vals("Daarvoor is 200 miljoen euro gereserveerd.") == [(200e6, "euro")]
    assert quantities("Het kabinet stelt € 5 mln beschikbaar.") == (Quantity(5e6, "euro", "€ 5 mln"),)
    assert vals("De EU trekt ruim €1,5 miljard uit en een half miljoen euro voor NGO's.") == [
        (1.5e9, "euro"), (5e5, "euro")]


def test_percentages() -> None:
    assert vals("De donoren betalen 74% van de Afghaanse defensiebegroting.") == [(74, "procent")]
    assert vals("Dat is 40 procent van het totaal.") == [(40, "procent")]
    assert quantities("Ongeveer 75 % is besteed.") == (Quantity(75, "procent", "Ongeveer 75 %", True),)


def test_decimal_comma_and_thousands_separators() -> None:
    assert vals("In 2023 kwamen 12.500 asielaanvragen binnen.") == [(12500, "asielaanvraag")]
    assert vals("Het ging om 1.250.000 bezoekers en 1,5 procentpunt groei.") == [
        (1_250_000, "bezoeker"), (1.5, "procentpunt")]
    assert vals("Dit geldt voor 12 500 mensen.") == [(12500, "mens")]


def test_range_members_share_unit_and_scale() -> None:
    assert vals("Het aantal schoolgaande kinderen steeg van 1 naar ruim 9 miljoen.") == [
        (1e6, "kind"), (9e6, "kind")]
    got = quantities("De leeftijdsgrens gaat van 44 tot 60 jaar.")
    assert [(q.value, q.unit, q.approx) for q in got] == [(44, "jaar", False), (60, "jaar", False)]
    assert vals("De kosten stijgen met 10-15 procent.") == [(10, "procent"), (15, "procent")]


def test_durations_are_quantities() -> None:
    assert vals("De missie duurde twintig jaar.") == [(20, "jaar")]
    assert vals("De inzet is met acht maanden verlengd.") == [(8, "maand")]
    assert vals("De missie duurt nog een half jaar.") == [(0.5, "jaar")]


def test_unit_less_figure_keeps_empty_unit() -> None:
    assert vals("Het totaal komt daarmee op 37.") == [(37, "")]


# --- what is not a quantity ---------------------------------------------------------

@pytest.mark.parametrize("date", [
    "op 16 oktober", "op 1 mei", "op 4 februari 2021", "per 11 september", "van 14-16 mei",
    "d.d. 4 februari 2021", "op 28 mei jl.", "op 1 en 2 juni", "op maandag 3 en dinsdag 4",
    "op 16-10-2023", "om 14.00 uur", "op zestien oktober",
])
def test_dates_and_times_are_not_quantities(date: str) -> None:
    assert vals(f"Het kabinet heeft {date} 80 militairen uitgezonden.") == [(80, "militair")]


@pytest.mark.parametrize("year", [
    "in 2021", "sinds 2001", "tot en met 2024", "in de periode 2021-2024", "tussen 2002-2018",
    "na de NAVO-top in 2018", "in het begrotingsjaar 2025", "in mei 2021", "voor 2021/22",
])
def test_years_are_not_quantities(year: str) -> None:
    # A noun right after the year: only the year rule keeps it from counting "militairen".
    assert vals(f"Nederland heeft {year} militairen geleverd, samen met 80 tolken.") == [(80, "tolk")]


def test_a_year_like_figure_with_a_counted_noun_is_a_quantity() -> None:
    assert vals("Er zijn 2000 militairen geleverd.") == [(2000, "militair")]
    assert vals("Het kabinet reserveert voor 2030 een bedrag.") == []


@pytest.mark.parametrize("ref", ["vraag 6", "antwoord op vraag 7 en 8", "vragen 1 t/m 3"])
def test_question_numbers_are_not_quantities(ref: str) -> None:
    assert vals(f"Zie {ref}: er zijn 80 militairen.") == [(80, "militair")]


@pytest.mark.parametrize("ref", [
    "Kamerstuk 27 925, nr. 781", "Kamerstukken 27 925, nrs. 769, 770 en 771", "Kamerstuk 28676, nr. 353",
    "29521 nr. 407", "Kamerstukken II 2020/21, 27 925, nr. 781", "ons kenmerk 2026Z09763",
    "kenmerk 7604726", "artikel 100", "de Artikel 100-brief", "ISSN 0921-7371", "Postbus 20301",
    "2500 EA Den Haag", "tel. 070 123 4567", "hoofdstuk 3.2", "resolutie 2334", "kst-27925-781",
    "**Vraag 1**", "Turfmarkt 147", "https://www.rijksoverheid.nl/documenten/2021/05/12/35732",
])
def test_reference_numbers_are_not_quantities(ref: str) -> None:
    assert vals(f"Zoals gemeld ({ref}) zijn 80 militairen ingezet.") == [(80, "militair")]


@pytest.mark.parametrize("marker", [
    "Afghanistan.12", "Afghanistan12", "Afghanistan[3]", "Afghanistan³", "Afghanistan<sup>4</sup>"])
def test_footnote_markers_are_not_quantities(marker: str) -> None:
    assert vals(f"De situatie in {marker} verslechtert; 80 militairen blijven.") == [(80, "militair")]


def test_footnote_lines_and_bare_codes_are_not_quantities() -> None:
    assert quantities("3 Europees Ondersteuningsbureau voor Asielzaken.") == ()
    assert quantities("Ons kenmerk\n7604726") == ()
    assert quantities("Bijgaand treft u document 7604726 aan.") == ()
    assert vals("3 Nederlandse militairen raakten gewond.") == [(3, "militair")]


def test_more_than_one_of_a_thing_is_plural() -> None:
    # A singular noun after 4 is no counted thing (here a footnote running into its text).
    assert vals("Zie 4 Agentschap voor het beheer van de buitengrenzen.") == [(4, "")]
    assert vals("Er zijn 4 agentschappen en 12 NGO's.") == [(4, "agentschap"), (12, "ngo")]


def test_lists_share_a_unit_but_a_new_amount_does_not() -> None:
    assert vals("Er kwamen zeventig, tachtig en negentig tolken.") == [(70, "tolk"), (80, "tolk"), (90, "tolk")]
    assert vals("Het aantal leerlingen steeg naar 9000, 40% van hen is meisje.") == [
        (9000, "leerling"), (40, "procent")]
    assert vals("Het aantal leerlingen steeg naar 9 miljoen en 40 procent van hen is meisje.") == [
        (9e6, "leerling"), (40, "procent")]


@pytest.mark.parametrize("ordinal", ["eerste", "tweede", "achtste", "twintigste", "1e", "3de", "21ste"])
def test_ordinals_are_not_quantities(ordinal: str) -> None:
    assert vals(f"In de {ordinal} ronde zijn 80 militairen ingezet.") == [(80, "militair")]


@pytest.mark.parametrize("sentence", [
    "Ik acht het van belang dat de Kamer wordt geïnformeerd.",
    "Acht u dat wenselijk?",
    "Het kabinet acht dit noodzakelijk.",
    "Het kabinet acht deelname wenselijk.",
])
def test_acht_as_verb_is_not_a_quantity(sentence: str) -> None:
    assert quantities(sentence) == ()


def test_acht_before_a_plural_or_unit_is_eight() -> None:
    assert vals("Er gaan acht militairen en acht miljoen euro naar de missie.") == [
        (8, "militair"), (8e6, "euro")]
    assert vals("De missie duurt acht jaar.") == [(8, "jaar")]


def test_een_is_an_article_unless_it_counts() -> None:
    assert quantities("Dat is één van de voorwaarden in een brief aan een Kamerlid.") == ()
    assert vals("Er is één militair gewond geraakt.") == [(1, "militair")]
    assert vals("Dat treft een miljoen mensen.") == [(1e6, "mens")]


def test_plural_magnitudes_are_not_quantities() -> None:
    assert quantities("Er zijn duizenden vluchtelingen, honderden tolken en tientallen projecten.") == ()


def test_other_codes_are_not_quantities() -> None:
    assert quantities("Er vliegen F-35's en er is COVID-19 onderzoek door de G20.") == ()
    assert quantities("De 3-jarige missie is op 1e Paasdag gestart.") == ()


def test_text_offsets_survive_case_folding_that_changes_length() -> None:
    # "İ".lower() is two characters; the surface text must still come from the right span.
    assert [q.text for q in quantities("İstanbul ontving 80 militairen.")] == ["80 militairen"]


# --- changed_quantities -------------------------------------------------------------

def test_changed_count_is_reported_with_both_sides() -> None:
    (c,) = changed_quantities("Nederland levert ca. 80 militairen.", "Nederland levert honderdtwintig militairen.")
    assert isinstance(c, QuantityChange)
    assert c.unit == "militair"
    assert [q.value for q in c.old] == [80] and [q.value for q in c.new] == [120]


@pytest.mark.parametrize("old, new", [
    ("ca. 80 militairen", "circa tachtig militairen"),
    ("5 miljoen euro", "vijf miljoen euro"),
    ("€ 5 mln", "5 miljoen euro"),
    ("op 16 oktober is vraag 6 beantwoord", "op 17 oktober is vraag 7 beantwoord"),
    ("300 miljoen dollar", "200 miljoen euro"),
    ("Ik acht het van belang", "Ik acht dit noodzakelijk"),
    ("Er zijn 80 militairen.", "Er zijn 120 tolken."),
    ("De bijdrage loopt van 2021 tot 2024.", "De bijdrage loopt van 2022 tot 2025."),
])
def test_no_change_of_the_same_thing(old: str, new: str) -> None:
    assert changed_quantities(old, new) == ()


def test_amount_changed_while_years_are_ignored() -> None:
    (c,) = changed_quantities("200 miljoen euro voor 2021-2024", "250 miljoen euro voor 2022-2025")
    assert (c.unit, c.old[0].value, c.new[0].value) == ("euro", 200e6, 250e6)


def test_only_the_changed_unit_is_reported() -> None:
    got = changed_quantities("Er gaan 80 militairen en 5 miljoen euro naar de missie.",
                             "Er gaan 80 militairen en 7 miljoen euro naar de missie.")
    assert [c.unit for c in got] == ["euro"]


# --- number words, counted nouns and "het aantal" ------------------------------------

@pytest.mark.parametrize("word, value", [
    ("honderd", 100), ("honderdeen", 101), ("honderdachttien", 118), ("driehonderd", 300),
    ("zevenhonderdtwintig", 720), ("negenhonderdnegenennegentig", 999), ("elfhonderd", 1100),
    ("achttienhonderd", 1800), ("duizend", 1000), ("eenduizend", 1000), ("duizendeen", 1001),
    ("duizendhonderd", 1100), ("tienduizend", 10_000), ("honderdduizend", 100_000),
    ("twaalfduizendvijfhonderd", 12_500), ("tweehonderdvijftigduizend", 250_000),
    ("tweeëntwintig", 22), ("negenenveertig", 49), ("anderhalve", 1.5),
])
def test_more_dutch_number_words(word: str, value: float) -> None:
    assert vals(f"Het kabinet zegt {word} adviseurs toe.") == [(value, "adviseur")]


@pytest.mark.parametrize("word", ["twintighonderd", "honderdtwintighonderd", "drieduizendtwintighonderd", "tienen"])
def test_words_built_from_number_parts_that_are_no_number(word: str) -> None:
    # only one to nineteen multiply a hundred ("twaalfhonderd", never "twintighonderd")
    assert quantities(f"Het kabinet zegt {word} adviseurs toe.") == ()


def test_a_figure_with_a_spelled_out_scale_word_is_one_amount() -> None:
    assert quantities("Er zijn 40 duizend tolken.") == (Quantity(40_000, "tolk", "40 duizend tolken"),)
    assert vals("Er zijn twee duizend tolken.") == [(2000, "tolk")]
    assert changed_quantities("Er zijn veertigduizend tolken.", "Er zijn 40 duizend tolken.") == ()


def test_what_a_number_counts_is_the_first_noun_within_four_words() -> None:
    assert vals("Er zijn 3 tolken van de VN.") == [(3, "tolk")]
    assert vals("Er zijn 3 nieuwe Afghaanse tolken.") == [(3, "tolk")]
    # more than four words on, or behind a word that ends the phrase: it counts nothing
    assert vals("Er zijn 3 nieuwe extra uitgezonden Nederlandse tolken.") == [(3, "")]
    assert vals("Er zijn er 3 met tolken.") == [(3, "")]
    assert vals("Het gaat om 12 miljoen.") == [(12e6, "")]
    assert vals("Er gaan 40 man naar Mali.") == [(40, "man")]
    assert vals("Er zijn 25 gesneuveld.") == [(25, "gesneuveld")]  # a participle as the counted thing
    assert vals("De commissie telt 12 leden.") == [(12, "leden")]  # a participle-like noun keeps its form
    assert vals("Er zijn 25 gesneuveld en 3 tolken gewond.") == [(25, "gesneuveld"), (3, "tolk")]
    assert vals("Er zijn 2 tolken gewond geraakt en 3 militairen gesneuveld.") == [(2, "tolk"), (3, "militair")]


@pytest.mark.parametrize("sentence, unit", [
    ("Er vertrekken 12 evacuatievluchten.", "evacuatievlucht"),  # an unknown compound: its known tail
    ("Er vertrekken 2 drones.", "drone"),
    ("Er zijn 5 auto's geleverd.", "auto"),
    ("Er zijn 4 NGO’s actief.", "ngo"),
    ("Er zijn 3 bussen geleverd.", "bus"),
    ("Er zijn 3 musea geopend.", "museum"),  # a plural without -en or -s
    ("Er zijn 3 pdf's bijgevoegd.", "pdf's"),  # unknown words: their plural ending counts
    ("Er zijn 3 pdf’s bijgevoegd.", "pdf’s"),
    ("Nederland steunt 12 NGOs in de regio.", "ngos"),  # -s on a known word
])
def test_a_plural_after_a_number_is_what_it_counts(sentence: str, unit: str) -> None:
    (q,) = quantities(sentence)
    assert q.unit == unit and q.text.endswith(q.text.split()[-1])


def test_a_singular_noun_after_a_number_above_one_counts_nothing() -> None:
    assert vals("Zie 3 Agentschap en 4 Bureau.") == [(3, ""), (4, "")]
    assert vals("Er is 1 agentschap.") == [(1, "agentschap")]


def test_the_noun_after_het_aantal_is_counted_later_in_the_clause() -> None:
    assert vals("Het aantal tolken daalt naar 40.") == [(40, "tolk")]
    assert vals("Aantal tolken gestegen naar 40.") == [(40, "tolk")]
    assert vals("Het totale aantal Afghaanse tolken steeg naar 40.") == [(40, "tolk")]
    assert vals("Het aantal tolken steeg van 30 naar 40 en het aantal chauffeurs naar 12.") == [
        (30, "tolk"), (40, "tolk"), (12, "chauffeur")]
    # a new sentence or clause, or no noun: nothing is borrowed
    assert vals("Het aantal tolken daalt. Er zijn nu 40.") == [(40, "")]
    assert vals("Het aantal tolken daalt; er zijn nu 40.") == [(40, "")]
    assert vals("Het aantal is 40.") == [(40, "")]
    assert vals("Het gaat om 40, aldus het aantal tolken.") == [(40, "")]


@pytest.mark.parametrize("distance, unit", [(119, "tolk"), (120, "tolk"), (121, ""), (140, "")])
def test_het_aantal_reaches_back_about_one_sentence(distance: int, unit: str) -> None:
    head = "Het aantal tolken dat sinds de machtsovername met steun van Nederland en partners uit Kabul "
    pad = distance - (len(head) - head.index("aantal")) - len(" bedraagt ")
    text = head + "x" * pad + " bedraagt 40."
    assert text.index("40") - text.index("aantal") == distance
    assert vals(text) == [(40, unit)]


# --- years, labels, codes and addresses ----------------------------------------------

@pytest.mark.parametrize("context", [
    "eind 2024", "medio 2025", "in het voorjaar 2022", "tot en met 2024", "sinds 2001", "t/m 2026",
])
def test_a_year_after_a_time_word_is_a_date(context: str) -> None:
    assert vals(f"Er gaan {context} 80 militairen heen.") == [(80, "militair")]
    assert vals(f"Er gaan {context} militairen heen.") == []


def test_a_figure_glued_to_a_word_is_a_code() -> None:
    assert vals("Zie kst-27925 voor 80 militairen.") == [(80, "militair")]
    assert vals("Zie nr.781 over 80 militairen.") == [(80, "militair")]
    assert vals("Er is US$30 toegezegd.") == [(30, "dollar")]  # a currency sign is no code


@pytest.mark.parametrize("ref", [
    "tel. 070-123 45 67", "telefoon 070 123 4567", "fax 070 123 4567", "artikelen 3, 4 en 5",
    "bijlage 2", "voetnoot 3", "blz. 14", "motie 12", "hoofdstukken 2 t/m 4", "pagina's 3-5",
])
def test_numbers_after_a_label_are_references(ref: str) -> None:
    assert vals(f"Zoals gemeld ({ref}) zijn 80 militairen ingezet.") == [(80, "militair")]


def test_only_a_phone_label_reads_a_phone_number() -> None:
    # read as a phone number, "12 - 14 (80" would swallow the count after the reference
    assert vals("Zie het antwoord op vragen 12 - 14 (80 militairen in Irak).") == [(80, "militair")]


def test_weekdays_clock_times_and_addresses() -> None:
    assert vals("Op dinsdag 4 vertrekken 80 militairen.") == [(80, "militair")]
    assert vals("Op maandag 14 vertrekken 80 militairen.") == [(80, "militair")]
    assert vals("Op maandag 120 militairen naar Irak.") == [(120, "militair")]  # no day of the month
    assert vals("Om 14.30 vertrekken 80 militairen.") == [(80, "militair")]
    assert vals("Om 80 militairen te steunen.") == [(80, "militair")]  # "om" before a count
    assert vals("08.00 uur vertrekken de eerste vluchten om 80 militairen op te halen.") == [(80, "militair")]
    assert vals("Het tarief is 12.50 euro per uur.") == [(12.5, "euro")]  # a clock time only after "om"
    assert vals("Het ministerie aan de Bezuidenhoutseweg 67 telt 80 medewerkers.") == [(80, "medewerker")]
    assert vals("Het kantoor aan de Herengracht 3 telt 80 medewerkers.") == [(80, "medewerker")]
    assert vals("Aan het plein werken 80 medewerkers.") == [(80, "medewerker")]
    assert vals("De weg kent 80 kuilen.") == [(80, "kuil")]  # a lower-case street word is no address
    assert vals("Herengracht 3 telt 80 medewerkers.") == [(80, "medewerker")]  # an address opening the text
    # the capital of the name right before the number decides, wherever else the word occurs
    assert vals("Aan de herengracht ligt, op Herengracht 3, een kantoor met 80 medewerkers; de herengracht "
                "is afgesloten.") == [(80, "medewerker")]


# --- changes, and what a text counts --------------------------------------------------

def test_changed_quantities_lists_each_changed_thing_in_order_with_all_its_amounts() -> None:
    got = changed_quantities("Er gaan 80 militairen en 20 tolken voor 5 miljoen euro.",
                             "Er gaan 90 militairen en 30 tolken voor 5 miljoen euro.")
    assert [(c.unit, [q.value for q in c.old], [q.value for q in c.new]) for c in got] == [
        ("militair", [80], [90]), ("tolk", [20], [30])]
    (c,) = changed_quantities("Van 20 naar 30 tolken.", "Van 20 naar 40 tolken.")
    assert [q.text for q in c.old] == ["20", "30 tolken"] and [q.value for q in c.new] == [20, 40]


def test_an_amount_added_beside_the_same_one_is_a_change_but_not_a_repeat() -> None:
    assert changed_quantities("Er gaan 80 militairen.", "Er gaan 80 militairen en later 80 militairen.") == ()
    assert [c.unit for c in changed_quantities("Er gaan 80 militairen.", "Er gaan 80 en 90 militairen.")] \
        == ["militair"]


def test_numbers_that_count_nothing_never_change() -> None:
    assert changed_quantities("Het totaal komt op 37.", "Het totaal komt op 38.") == ()
    assert changed_quantities("Het totaal komt op 37 tolken.", "Het totaal komt op 37.") == ()


def test_counted_units_leave_out_time_spans_and_bare_numbers() -> None:
    assert counted_units("Nederland levert 80 militairen gedurende twintig jaar voor 5 miljoen euro, "
                         "4% van het totaal, 37 en zes maanden.") == frozenset({"militair", "euro", "procent"})
    assert counted_units("Op 16 oktober is vraag 6 beantwoord.") == frozenset()

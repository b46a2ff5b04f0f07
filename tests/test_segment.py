from __future__ import annotations

from monitor.clean import clean
from monitor.model import Extracted
from monitor.segment import segment, sentence_spans


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_dutch_abbreviations_and_initials_do_not_end_a_sentence():
    text = ("Zoals vermeld (o.a. Kamerstuk 29521 nr. 407) is dit zo. Op 4 februari jl. is uw Kamer "
            "geïnformeerd over ca. 80 militairen (d.d. 4 februari 2021). Het debat is op 27 mei a.s. "
            "Namens A.Th.B. Bijleveld-Schouten. De VS. Daarna volgde meer.")
    got = _sentences(text)
    assert got[0] == "Zoals vermeld (o.a. Kamerstuk 29521 nr. 407) is dit zo."
    assert got[1].startswith("Op 4 februari jl. is uw Kamer") and got[1].endswith("(d.d. 4 februari 2021).")
    assert "Namens A.Th.B. Bijleveld-Schouten." in got
    assert got[-2:] == ["De VS.", "Daarna volgde meer."]


def test_headings_are_separate_and_answers_know_their_questions():
    md = ("**Vraag 7**\n\n**Kunt u dat garanderen?**\n\n**Vraag 8**\n\n**Is dat ethisch?**\n\n"
          "**Antwoord op vraag 7 en 8**\n\nDe situatie is ernstig. Het beleid houdt daar rekening mee.\n")
    cleaned = clean(Extracted(text=md, flavour="markdown", media_type="text/markdown"))
    sts = segment(cleaned)
    answers = [s for s in sts if s.section_kind == "answer"]
    assert [s.text for s in answers if s.kind != "heading"] == [
        "De situatie is ernstig.", "Het beleid houdt daar rekening mee."]
    assert all(s.answers == ("7", "8") for s in answers)
    assert [s.kind for s in sts if s.text == "Kunt u dat garanderen?"] == ["question"]
    for s in sts:  # spans index the cleaned text exactly
        assert cleaned.text[s.start:s.end] == s.text


def test_plain_heading_is_not_glued_to_the_next_sentence():
    text = "Geachte voorzitter,\n\nVeiligheidsinzet\nDe inzet blijft gericht op steun. Dat is nodig.\n"
    sts = segment(clean(Extracted(text=text, flavour="plain", media_type="text/plain")))
    heading = next(s for s in sts if s.kind == "heading")
    assert heading.text == "Veiligheidsinzet"
    first = next(s for s in sts if s.kind == "paragraph")
    assert first.text == "De inzet blijft gericht op steun." and first.section == "Veiligheidsinzet"


def test_a_line_that_only_says_who_answered_and_when_is_procedural():
    """Issue 24 (answers to Kamervragen): the head of an answer set names offices ("Justitie en Veiligheid"),
    not a position; the answers below it keep theirs."""
    text = ("Antwoord van Staatssecretaris Broekers-Knol (Justitie en Veiligheid), mede namens de minister van "
            "Buitenlandse Zaken (ontvangen 8 mei 2020).\n\nHet kabinet zet de gedwongen terugkeer naar Marokko voort.\n")
    sts = segment(clean(Extracted(text=text, flavour="text", media_type="text/plain")))
    assert [s.kind for s in sts] == ["procedural", "paragraph"], [(s.kind, s.text) for s in sts]

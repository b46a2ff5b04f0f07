"""Cleaning on constructed Dutch letter text (not only the seeds)."""
from __future__ import annotations

from monitor.clean import clean
from monitor.model import PROCEDURAL, Extracted


def _clean(text: str, flavour: str = "plain"):
    return clean(Extracted(text=text, flavour=flavour, media_type="text/plain"))


def _body(text: str, flavour: str = "plain") -> str:
    return " ".join(b.text for b in _clean(text, flavour).blocks if b.kind != PROCEDURAL)


def test_line_break_hyphenation_joins_words_but_keeps_compounds():
    text = ("De militaire aanwe-\nzigheid is beëindigd. Het gaat om de migratie-\ninzet en de troepen\n"
            "in Mazar-e-\nSharif. De woord-\nvoerder sprak.\n")
    body = _body(text)
    assert "aanwezigheid" in body
    assert "migratie-inzet" in body
    assert "Mazar-e-Sharif" in body
    assert "woordvoerder" in body


def test_kamerstuk_footer_mid_sentence_is_removed_and_sentence_rejoined():
    text = ("Nederland en Duitsland werken samen. Ook vindt\n\n \n \nkst-27925-781\nISSN 0921 - 7371\n"
            "’s-Gravenhage 2021 Tweede Kamer, vergaderjaar 2020–2021, 27 925, nr. 781 1\n\n\n\n"
            "breder binnen NAVO afstemming plaats.\n")
    c = _clean(text)
    body = " ".join(b.text for b in c.blocks)
    assert "Ook vindt breder binnen NAVO afstemming plaats." in body
    assert "ISSN" not in body and "kst-" not in body
    assert c.found["reference"] == "kst-27925-781"


def test_page_bottom_footnotes_leave_the_text_and_keep_their_marker_place():
    text = ("De voorwaarden staan in het Framework. 1 Dit raamwerk kent een review. Om te besluiten over\n\n \n"
            "1 \nhttps://example.org/framework.pd\nf/123\n het voortzetten van de steun wordt afgewogen.\n")
    c = _clean(text)
    body = " ".join(b.text for b in c.blocks)
    assert "Framework. Dit raamwerk" in body
    assert "Om te besluiten over het voortzetten van de steun" in body
    assert [f.number for f in c.footnotes] == ["1"]
    assert c.footnotes[0].text == "https://example.org/framework.pdf/123"
    assert any(b.notes for b in c.blocks)


def test_glued_footnote_markers_are_taken_out():
    text = ("Dit onderstreept de noodzaak tot voortgang op het asielpact1. Het kabinet zal aandringen.\n\n"
            "1 Het BNC-fiche is uw Kamer toegestuurd.\n")
    c = _clean(text)
    assert "asielpact." in c.blocks[0].text
    assert c.footnotes[0].text == "Het BNC-fiche is uw Kamer toegestuurd."


def test_markdown_is_stripped_and_labels_removed():
    md = ("> Retouradres Postbus 20301 2500 EH Den Haag\n\n**Datum**\n\n10 juli 2026\n\n"
          "**Onze referentie**\n\n123456\n\n**Vraag 1**\n\n**Bent u bekend met het [artikel](http://x.nl)?**\n\n"
          "**Antwoord op vraag 1**\n\nJa, zie de brief<sup>1</sup>.\n\n<sup>1</sup> Kamerstuk 1 nr. 2\n")
    c = _clean(md, "markdown")
    texts = [b.text for b in c.blocks]
    assert "Bent u bekend met het artikel?" in texts
    assert "Vraag 1" in texts and "Antwoord op vraag 1" in texts
    assert not any("Datum" in t or "123456" in t or "Retouradres" in t for t in texts)
    assert c.found["date_text"] == "10 juli 2026"
    assert c.footnotes[0].text == "Kamerstuk 1 nr. 2"
    assert "Ja, zie de brief." in texts


def test_mixed_script_words_are_flagged_not_rewritten():
    c = _clean("Er is gesproken met de Talibandeleгатie in Brussel.\n")
    assert "Talibandeleгатie" in c.blocks[0].text
    assert [f.text for f in c.flags] == ["Talibandeleгатie"]


def test_procedural_blocks_are_kept_and_marked():
    text = ("Aan de Voorzitter van de Tweede Kamer der Staten-Generaal\n\nDen Haag, 3 juni 2022\n\n"
            "Geachte voorzitter,\n\nHet kabinet zet de steun voort.\n\nDe Minister van Defensie,\n\nK.H. Ollongren\n")
    c = _clean(text)
    roles = {b.text: b.role for b in c.blocks}
    assert roles["Geachte voorzitter,"] == "salutation"
    assert roles["Den Haag, 3 juni 2022"] == "dateline"
    assert roles["De Minister van Defensie,"] == "signature"
    assert roles["K.H. Ollongren"] == "signature"
    assert roles["Het kabinet zet de steun voort."] == ""

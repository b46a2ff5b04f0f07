"""Each accepted format, read for real."""
from __future__ import annotations

import pytest

from monitor.parse import InputError, extract
from monitor.pipeline import parse_letter
from tests.pdfmaker import make_pdf


def test_pdf_text_layer_is_read_and_cleaned():
    pdf = make_pdf([
        ["Den Haag, 12 mei 2021", "", "Geachte voorzitter,", "", "De militaire aanwe-", "zigheid is beeindigd.",
         "", "kst-27925-781", "ISSN 0921 - 7371"],
        ["Nederland blijft steun geven aan de", "Afghaanse bevolking."],
    ])
    letter = parse_letter(pdf, "brief.pdf")
    texts = [s.text for s in letter.statements]
    assert "De militaire aanwezigheid is beeindigd." in texts
    assert letter.meta.reference == "kst-27925-781"
    assert str(letter.meta.date) == "2021-05-12"


def test_truncated_pdf_is_a_clear_error():
    pdf = make_pdf([["Een zin."]])
    with pytest.raises(InputError, match="truncated PDF"):
        extract(pdf[: len(pdf) // 2], "kapot.pdf")


def test_html_letter():
    html = ("<html><head><title>Kamerbrief over opvang</title><script>var x=1;</script></head><body>"
            "<h2>Migratie-inzet</h2><p>Het kabinet zet in op opvang in de regio.</p>"
            "<p>Dat blijft zo<sup>1</sup>.</p><p>1 zie noot</p></body></html>")
    letter = parse_letter(html.encode(), "brief.html")
    sts = [(s.kind, s.text, s.section) for s in letter.statements]
    assert ("heading", "Migratie-inzet", "Migratie-inzet") in sts
    assert ("paragraph", "Het kabinet zet in op opvang in de regio.", "Migratie-inzet") in sts
    assert letter.meta.title == "Kamerbrief over opvang"
    assert not any("var x" in s.text for s in letter.statements)


def test_officielebekendmakingen_xml():
    xml = ("<?xml version='1.0'?><kamerstuk><kamerstukkop><dossiernr>27925</dossiernr></kamerstukkop>"
           "<stuk><stuknr><ondernummer>781</ondernummer></stuknr><brief><tussenkop>Veiligheidssituatie</tussenkop>"
           "<al>De druk blijft groot<noot><noot.nr>1</noot.nr><noot.al>Zie rapport.</noot.al></noot>. "
           "Het kabinet volgt dit.</al></brief></stuk></kamerstuk>")
    letter = parse_letter(xml.encode(), "kst-27925-781.xml")
    texts = [s.text for s in letter.statements]
    assert "De druk blijft groot." in texts and "Het kabinet volgt dit." in texts
    assert letter.meta.reference == "kst-27925-781"
    assert [f.text for f in letter.cleaned.footnotes] == ["Zie rapport."]


@pytest.mark.parametrize("data,name,message", [
    (b"", "leeg.txt", "empty file"),
    (b"   \n\n ", "leeg.txt", "empty file"),
    (b"\x00\x01\x02binary\x00" * 50, "blob.txt", "binary file"),
    (b"<brief><al>open", "kapot.xml", "malformed XML"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>", "bom.xml", "unsafe XML|DTD"),
    (b"not a pdf at all", "x.pdf", "not a PDF"),
])
def test_bad_input_gets_a_clear_message(data, name, message):
    with pytest.raises(InputError, match=message):
        extract(data, name)


def test_latin1_text_is_read_with_a_warning():
    data = "Het kabinet wil de financiële steun voortzetten.".encode("latin-1")
    ex = extract(data, "oud.txt")
    assert "financiële" in ex.text
    assert ex.warnings and "not valid UTF-8" in ex.warnings[0]

"""Shared pieces of the remote-source tests: fixtures with the server's address, a monitor, queries."""
from __future__ import annotations

import io
import json
from pathlib import Path

from monitor.config import load_settings
from monitor.daemon import Monitor
from monitor.sources.http import Fetcher
from tests.conftest import ROOT, db_for, json_value, query
from tests.pdfmaker import make_pdf

FIXTURES = ROOT / "tests" / "fixtures" / "remote"
PDF = {"Content-Type": "application/pdf"}
JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "application/xml"}
ATOM = {"Content-Type": "application/atom+xml"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX = {"Content-Type": DOCX_TYPE}

PARAGRAPHS = ["Het kabinet blijft zich inzetten voor de evacuatie van Afghaanse tolken die voor Nederland hebben "
              "gewerkt.",
              "Nederland draagt 20 miljoen euro bij aan humanitaire hulp via UNICEF en het Wereldvoedselprogramma.",
              "De Raad zal spreken over de veiligheidssituatie in Afghanistan na het vertrek van de internationale "
              "troepen."]
ATTACHMENT_PDF = make_pdf([["Verslag Raad Buitenlandse Zaken 24 mei 2021", "",
                            "De Raad sprak over de situatie in Afghanistan en de humanitaire hulp."]])
LETTER_PDF = make_pdf([["Den Haag, 16 juni 2021", "", "Geachte voorzitter,", "",
                        "Het kabinet steunt de conclusies van de Europese Raad over migratie."]])
ANSWER_PDF = make_pdf([["Den Haag, 21 juni 2021", "", "Vraag 1", "Bent u bekend met het bericht?", "",
                        "Antwoord op vraag 1", "Ja. Het kabinet evacueert de tolken zo snel mogelijk."]])


def letter_docx() -> bytes:
    """The letter of ``kst-21501-02-2350.xml`` as Word: the same heading and paragraphs."""
    from docx import Document
    doc = Document()
    doc.add_heading("Afghanistan", level=1)
    for p in PARAGRAPHS:
        doc.add_paragraph(p)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def fixture(name: str, base: str) -> bytes:
    return (FIXTURES / name).read_text(encoding="utf-8").replace("{base}", base).encode("utf-8")


def odata_page(base: str, ids: list[str] | None = None, next_link: str | None = None) -> bytes:
    """The recorded OData page, optionally only some documents, optionally with a nextLink."""
    page = json.loads(fixture("odata-documents.json", base))
    if ids is not None:
        page["value"] = [d for d in page["value"] if d["Id"] in ids]
    if next_link:
        page["@odata.nextLink"] = next_link
    return json.dumps(page).encode()


def make_monitor(tmp_path: Path, sources: str) -> Monitor:
    cfg = tmp_path / "config.toml"
    inbox = tmp_path / "empty-inbox"
    inbox.mkdir(exist_ok=True)
    base = (ROOT / "config.toml").read_text(encoding="utf-8").replace('folders = ["seeds"]', f'folders = ["{inbox}"]')
    cfg.write_text(base + "\n" + sources, encoding="utf-8")
    return Monitor(load_settings(cfg, database_url=db_for(tmp_path), environ={}))


def q(tmp_path: Path, sql: str) -> list[tuple]:
    return query(db_for(tmp_path), sql)


def cursor_of(tmp_path: Path, name: str) -> dict:
    raw = json_value(q(tmp_path, f"SELECT cursor FROM source_cursor WHERE name = '{name}'")[0][0])
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def fetcher(**kw) -> Fetcher:
    kw.setdefault("timeout", 2.0)
    return Fetcher(rate=1000, sleep=lambda s: None, **kw)


def stored(result) -> int:
    return result if isinstance(result, int) else result.stored


def source_block(name: str, kind: str, url: str, extra: str = "") -> str:
    return f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\n{extra}\n'


def serve_official(svc, base: str) -> None:
    """Routes of all three services for the recorded fixtures."""
    kst = "/frbr/officielepublicaties/kst/21501-02/kst-21501-02-2350/1/xml/kst-21501-02-2350.xml"
    svc.routes["/sru"] = (200, XML, fixture("sru-page.xml", base))
    svc.routes[kst] = (200, XML, fixture("kst-21501-02-2350.xml", base))
    svc.routes["/frbr/officielepublicaties/blg/onopgemaakt/blg-990001/1/pdf/blg-990001.pdf"] = (200, PDF, ATTACHMENT_PDF)
    svc.routes["/frbr/officielepublicaties/ah-tk/20202021/ah-tk-20202021-3235/1/pdf/ah-tk-20202021-3235.pdf"] = (
        200, PDF, ANSWER_PDF)
    svc.routes["/frbr/officielepublicaties/kst/1027283/1/pdf/kst-1027283.pdf"] = (200, PDF, LETTER_PDF)
    svc.routes["/OData/v4/2.0/Document"] = (200, JSON, odata_page(base))
    odata = "/OData/v4/2.0/Document({})/resource"
    svc.routes[odata.format("0a9e1c2d-5b1f-4c39-9a51-2b0f0e4d2350")] = (200, DOCX, letter_docx())
    svc.routes[odata.format("0a9e1c2d-5b1f-4c39-9a51-2b0f0e4d2351")] = (200, PDF, ATTACHMENT_PDF)
    svc.routes[odata.format("4c2b7e10-8d3a-4f5e-9b21-21501202350a")] = (200, PDF, LETTER_PDF)
    svc.routes[odata.format("ec9315bf-e1d1-422e-a8fb-0000932ed927")] = (200, PDF, ANSWER_PDF)
    svc.routes[odata.format("6d1e2f30-aaaa-4bbb-8ccc-36200v000010")] = (
        200, PDF, make_pdf([["Den Haag, 22 juni 2021", "", "De begroting van Buitenlandse Zaken wordt verhoogd."]]))
    svc.routes[odata.format("6d1e2f30-aaaa-4bbb-8ccc-35830000010b")] = (
        200, PDF, make_pdf([["Den Haag, 22 juni 2021", "", "Deze nota wijzigt de begrotingsstaten van het Rijk."]]))
    page = fixture("syncfeed-page.xml", base)
    last = fixture("syncfeed-page.xml", base).split(b"<entry>")[0] + b"</feed>"  # the end: no entries
    svc.routes["/SyncFeed/2.0/Feed"] = lambda path: (200, ATOM, last if "skiptoken=20127225" in path else page)
    svc.routes["/SyncFeed/2.0/Entiteiten/7e6f0b3c-2c1d-4a7e-8f90-21501000002a"] = (
        200, XML, fixture("syncfeed-dossier.xml", base))
    svc.routes["/SyncFeed/2.0/Entiteiten/0a9e1c2d-5b1f-4c39-9a51-2b0f0e4d2350"] = (
        200, XML, fixture("syncfeed-document.xml", base))
    res = "/SyncFeed/2.0/Resources/{}"
    svc.routes[res.format("0a9e1c2d-5b1f-4c39-9a51-2b0f0e4d2350")] = (200, DOCX, letter_docx())
    svc.routes[res.format("0a9e1c2d-5b1f-4c39-9a51-2b0f0e4d2351")] = (200, PDF, ATTACHMENT_PDF)
    svc.routes[res.format("5c3e9a7b-1d2f-4e6a-8b9c-0d1e2f3a4b5c")] = (200, PDF, LETTER_PDF)  # a motie
    # the deleted document's resource answers 500, as the real service does for deleted entities
    svc.routes[res.format("4c2b7e10-8d3a-4f5e-9b21-21501202350a")] = (500, {"Retry-After": "0"}, b"error")


def three_sources(base: str) -> str:
    return (source_block("koop", "sru", f"{base}/sru", 'query = "w.dossiernummer==21501-02"')
            + source_block("tk", "tk-odata", f"{base}/OData/v4/2.0/")
            + source_block("sync", "tk-syncfeed", f"{base}/SyncFeed/2.0/Feed"))

"""Issue 14, items 1–6 and 8: the adapters against recorded responses of the real services.

Every fixture is in tests/fixtures/remote (README.md there says where each
shape comes from); a real HTTP server on loopback serves them.
"""
from __future__ import annotations

from monitor.metadata import normalise_reference
from tests.fakeservices import FakeServices
from tests.remote_helpers import (DOCX_TYPE, JSON, cursor_of, fetcher, make_monitor,
                                  odata_page, q, serve_official, source_block, stored, three_sources)

LETTER = "kst-21501-02-2350"
GUID = "0a9e1c2d-5b1f-4c39-9a51-2b0f0e4d2350"


# ------------------------------------------------------------------ 1. letters merged

def test_1_references_keep_the_toevoeging():
    assert normalise_reference("kst-21501-02-2350") == "kst-21501-02-2350"
    assert normalise_reference("Kamerstuk 21 501-02, nr. 2350") == "kst-21501-02-2350"
    assert normalise_reference("kst-35830-V-10") == "kst-35830-V-10"
    assert normalise_reference("kst-27925-781") == "kst-27925-781"
    assert normalise_reference("2021z09739") == "2021Z09739"


def test_1_odata_dossier_toevoeging_and_volgnummer_minus_one(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        mon = make_monitor(tmp_path, source_block("tk", "tk-odata", f"{svc.base}/OData/v4/2.0/"))
        mon.poll(mon.settings.sources[0], fetcher())
    refs = sorted(r for (r,) in q(tmp_path, "SELECT reference FROM letter"))
    # 21501-02 and 21501-20 share volgnummer 2350; 35830-V-10 and 35830-10 share volgnummer 10: four letters
    assert refs == ["2021Z09739", "kst-21501-02-2350", "kst-21501-20-2350", "kst-35830-10", "kst-35830-V-10"]
    assert q(tmp_path, "SELECT count(*) FROM letter_version") == [(5,)]  # nobody is a version of another
    assert not any("--1" in r for r in refs)


# ------------------------------------------------------------------ 2. attachments overwrite their letter

def test_2_sru_bijlage_is_an_attachment_not_a_version(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        mon = make_monitor(tmp_path, source_block("koop", "sru", f"{svc.base}/sru"))
        mon.poll(mon.settings.sources[0], fetcher())
    versions = q(tmp_path, f"SELECT count(*) FROM letter_version v JOIN letter l ON l.id = v.letter_id "
                           f"WHERE l.reference = '{LETTER}'")
    assert versions == [(1,)]
    title, kind = q(tmp_path, f"SELECT title, kind FROM letter WHERE reference = '{LETTER}'")[0]
    assert title == "Geannoteerde agenda Raad Buitenlandse Zaken van 21 juni 2021" and kind == "brief"
    att = q(tmp_path, "SELECT a.key, a.parent_reference, l.reference, a.title, a.text FROM attachment a "
                      "LEFT JOIN letter l ON l.id = a.letter_id")
    assert len(att) == 1
    key, parent, letter_ref, att_title, text = att[0]
    assert (key, parent, letter_ref) == ("blg-990001", LETTER, LETTER)
    assert att_title == "Verslag Raad Buitenlandse Zaken 24 mei 2021" and "humanitaire hulp" in text


def test_2_attachment_before_its_letter_is_linked_when_the_letter_arrives(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        svc.routes["/OData/v4/2.0/Document"] = lambda path: (
            200, JSON, odata_page(svc.base, ["0a9e1c2d-5b1f-4c39-9a51-2b0f0e4d2351"]))  # only the Bijlage
        mon = make_monitor(tmp_path, source_block("tk", "tk-odata", f"{svc.base}/OData/v4/2.0/"))
        mon.poll(mon.settings.sources[0], fetcher())
        assert q(tmp_path, "SELECT letter_id, parent_reference FROM attachment") == [(None, LETTER)]
        assert q(tmp_path, "SELECT count(*) FROM letter") == [(0,)]
        svc.routes["/OData/v4/2.0/Document"] = (200, JSON, odata_page(svc.base, [GUID]))
        mon.settings.sources[0]
        mon.poll(mon.settings.sources[0], fetcher())
    assert q(tmp_path, "SELECT l.reference FROM attachment a JOIN letter l ON l.id = a.letter_id") == [(LETTER,)]


# ------------------------------------------------------------------ 3. Word documents lost

def test_3_odata_docx_is_read_as_word(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        svc.routes["/OData/v4/2.0/Document"] = (200, JSON, odata_page(svc.base, [GUID]))
        mon = make_monitor(tmp_path, source_block("tk", "tk-odata", f"{svc.base}/OData/v4/2.0/"))
        result = mon.poll(mon.settings.sources[0], fetcher())
    assert stored(result) == 1
    media, text = q(tmp_path, "SELECT media_type, cleaned_text FROM letter_version")[0]
    assert media == DOCX_TYPE and "evacuatie van Afghaanse tolken" in text
    assert cursor_of(tmp_path, "tk")["since"].startswith("2021-06-15")


def test_3_content_type_by_sniffing_when_the_header_lies(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        svc.routes["/OData/v4/2.0/Document"] = (200, JSON, odata_page(svc.base, [GUID]))
        from tests.remote_helpers import letter_docx
        svc.routes[f"/OData/v4/2.0/Document({GUID})/resource"] = (
            200, {"Content-Type": "application/octet-stream"}, letter_docx())
        mon = make_monitor(tmp_path, source_block("tk", "tk-odata", f"{svc.base}/OData/v4/2.0/"))
        mon.poll(mon.settings.sources[0], fetcher())
    assert q(tmp_path, "SELECT media_type FROM letter_version") == [(DOCX_TYPE,)]


def test_3_syncfeed_enclosure_named_by_content_type_not_pdf(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        mon = make_monitor(tmp_path, source_block("sync", "tk-syncfeed", f"{svc.base}/SyncFeed/2.0/Feed"))
        mon.poll(mon.settings.sources[0], fetcher())
    rows = q(tmp_path, "SELECT v.media_type, v.filename FROM letter_version v")
    assert rows == [(DOCX_TYPE, f"{GUID}.docx")]


def test_3_an_unreadable_format_is_a_clear_error_and_the_cursor_moves(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        svc.routes["/OData/v4/2.0/Document"] = (200, JSON, odata_page(svc.base, [GUID]))
        svc.routes[f"/OData/v4/2.0/Document({GUID})/resource"] = (200, {"Content-Type": "image/jpeg"}, b"\xff\xd8\xff")
        mon = make_monitor(tmp_path, source_block("tk", "tk-odata", f"{svc.base}/OData/v4/2.0/"))
        result = mon.poll(mon.settings.sources[0], fetcher())
    (message,) = [m for (m,) in q(tmp_path, "SELECT message FROM ingest_log WHERE outcome = 'error'")]
    assert "image/jpeg" in message and GUID in message
    assert result.failed and cursor_of(tmp_path, "tk")["since"].startswith("2021-06-15")


# ------------------------------------------------------------------ 4. deletions missed

def test_4_syncfeed_deletion_withdraws_the_letter_and_moves_on(tmp_path):
    gone = "4c2b7e10-8d3a-4f5e-9b21-21501202350a"
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        mon = make_monitor(tmp_path, source_block("tk", "tk-odata", f"{svc.base}/OData/v4/2.0/")
                           + source_block("sync", "tk-syncfeed", f"{svc.base}/SyncFeed/2.0/Feed"))
        tk, sync = mon.settings.sources
        mon.poll(tk, fetcher())
        changes_before = q(tmp_path, "SELECT count(*) FROM change")
        result = mon.poll(sync, fetcher())
        assert svc.hits(f"/SyncFeed/2.0/Resources/{gone}") == 0  # a deleted resource is never fetched
    assert not result.error
    withdrawn = q(tmp_path, "SELECT reference, withdrawn_note FROM letter WHERE withdrawn_at IS NOT NULL")
    assert [r for r, _ in withdrawn] == ["kst-21501-20-2350"] and gone in withdrawn[0][1]
    assert q(tmp_path, "SELECT count(*) FROM letter_version v JOIN letter l ON l.id = v.letter_id "
                       "WHERE l.reference = 'kst-21501-20-2350'") == [(1,)]  # kept, with the mark
    assert q(tmp_path, "SELECT count(*) FROM change") == changes_before
    assert q(tmp_path, "SELECT outcome FROM ingest_log WHERE source_kind = 'tk-syncfeed' AND locator LIKE '%"
             + gone + "%'") == [("withdrawn",)]
    assert cursor_of(tmp_path, "sync") == {"skiptoken": "20127225"}


def test_4_odata_verwijderd_true_withdraws(tmp_path):
    import json
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        mon = make_monitor(tmp_path, source_block("tk", "tk-odata", f"{svc.base}/OData/v4/2.0/"))
        mon.poll(mon.settings.sources[0], fetcher())
        page = json.loads(odata_page(svc.base, ["ec9315bf-e1d1-422e-a8fb-0000932ed927"]))
        page["value"][0].update(Verwijderd=True, GewijzigdOp="2021-07-01T00:00:00")
        svc.routes["/OData/v4/2.0/Document"] = (200, JSON, json.dumps(page).encode())
        mon.poll(mon.settings.sources[0], fetcher())
    assert q(tmp_path, "SELECT reference FROM letter WHERE withdrawn_at IS NOT NULL") == [("2021Z09739",)]


# ------------------------------------------------------------------ 5. one letter, two letters

def test_5_one_letter_three_sources_one_reference_one_attachment(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        mon = make_monitor(tmp_path, three_sources(svc.base))
        for spec in mon.settings.sources:
            result = mon.poll(spec, fetcher())
            assert not result.error, result
    (letter_id, key, reference), = q(tmp_path, f"SELECT id, key, reference FROM letter WHERE reference = '{LETTER}'")
    kinds = sorted(k for (k,) in q(tmp_path, f"SELECT DISTINCT kind FROM source WHERE letter_id = {letter_id}"))
    assert kinds == ["sru", "tk-odata", "tk-syncfeed"] and key == LETTER
    aliases = {a for (a,) in q(tmp_path, f"SELECT alias FROM letter_alias WHERE letter_id = {letter_id}")}
    assert {"2021D18503", GUID} <= aliases
    assert q(tmp_path, "SELECT count(*) FROM letter WHERE reference LIKE '2021D%' OR key LIKE '2021D%'") == [(0,)]
    attachments = q(tmp_path, "SELECT id, letter_id FROM attachment")
    assert attachments == [(attachments[0][0], letter_id)]
    att_kinds = sorted(k for (k,) in q(tmp_path, "SELECT kind FROM attachment_source"))
    assert att_kinds == ["sru", "tk-odata", "tk-syncfeed"]
    # the same text in XML (SRU) and Word (TK): one version, not three
    assert q(tmp_path, f"SELECT count(*) FROM letter_version WHERE letter_id = {letter_id}") == [(1,)]


def test_5_syncfeed_alone_gets_the_kamerstuk_reference(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        mon = make_monitor(tmp_path, source_block("sync", "tk-syncfeed", f"{svc.base}/SyncFeed/2.0/Feed"))
        mon.poll(mon.settings.sources[0], fetcher())
    assert q(tmp_path, "SELECT reference FROM letter") == [(LETTER,)]
    assert q(tmp_path, "SELECT parent_reference FROM attachment") == [(LETTER,)]


# ------------------------------------------------------------------ 6. titles, kinds, type filters

def test_6_motie_is_not_a_letter_and_is_never_fetched(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        mon = make_monitor(tmp_path, three_sources(svc.base))
        for spec in mon.settings.sources:
            mon.poll(spec, fetcher())
        assert svc.hits("/SyncFeed/2.0/Resources/5c3e9a7b") == 0
        assert svc.hits("/frbr/officielepublicaties/kst/32545/") == 0
    assert q(tmp_path, "SELECT count(*) FROM letter WHERE reference = 'kst-32545-143' OR kind = 'motie'") == [(0,)]
    kinds = dict(q(tmp_path, "SELECT reference, kind FROM letter"))
    assert kinds[LETTER] == "brief" and kinds["2021Z09739"] == "antwoorden-kamervragen"


def test_6_document_types_from_config(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        mon = make_monitor(tmp_path, source_block("sync", "tk-syncfeed", f"{svc.base}/SyncFeed/2.0/Feed",
                                                  'document_types = ["Motie"]'))
        mon.poll(mon.settings.sources[0], fetcher())
        assert svc.hits("/SyncFeed/2.0/Resources/5c3e9a7b") == 1
        assert svc.hits(f"/SyncFeed/2.0/Resources/{GUID}") == 0
    assert q(tmp_path, "SELECT kind FROM letter") == [("motie",)]


def test_6_config_errors_name_the_key(tmp_path):
    import pytest

    from monitor.config import ConfigError
    for extra, key in (('document_types = [""]', "sources[0].document_types"),
                       ('allowed_hosts = ["https://evil.example/x"]', "sources[0].allowed_hosts"),
                       ("retries_per_document = 0", "sources[0].retries_per_document"),
                       ('document_types = "Brief regering"\nfilter = 1', "sources[0].filter")):
        with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
            make_monitor(tmp_path, source_block("x", "sru", "https://repository.overheid.nl/sru", extra))


# ------------------------------------------------------------------ 8. unverified risks

def test_8_sru_koop_internal_kst_id_gets_the_dossier_reference(tmp_path):
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        mon = make_monitor(tmp_path, source_block("koop", "sru", f"{svc.base}/sru"))
        mon.poll(mon.settings.sources[0], fetcher())
    refs = {r for (r,) in q(tmp_path, "SELECT reference FROM letter")}
    assert "kst-27925-781" in refs and "kst-1027283" not in refs
    assert ("kst-1027283",) in q(tmp_path, "SELECT alias FROM letter_alias")
    assert "2021Z09739" in refs  # the ah-tk answer by its vraagnummer


def test_8_odata_without_nextlink_under_top_pages_with_skip(tmp_path):
    import json
    with FakeServices() as svc:
        serve_official(svc, svc.base)
        docs = json.loads(odata_page(svc.base))["value"]
        letters = [d for d in docs if d["Soort"] == "Brief regering"]  # 4 letters, pages of 2, never a nextLink

        def page(path: str):
            skip = int(path.split("%24skip=")[1].split("&")[0]) if "%24skip=" in path else 0
            return 200, JSON, json.dumps({"value": letters[skip:skip + 2]}).encode()
        svc.routes["/OData/v4/2.0/Document"] = page
        mon = make_monitor(tmp_path, source_block("tk", "tk-odata", f"{svc.base}/OData/v4/2.0/", "page_size = 2"))
        result = mon.poll(mon.settings.sources[0], fetcher())
    assert stored(result) == 4 and not result.error

"""From stored changes to feed documents: change sets as readers get them, ETag and Last-Modified, archive pages.

A small in-memory SQLite store (the models' schema, no migrations, no ingest) with two letters that change two topics;
fast enough for the mutation run (`[tool.mutmut]`).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import hashlib
from collections.abc import Iterator

import feedparser
import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from monitor.config import FeedSettings, Settings
from monitor.publish import FeedPublisher, changeset_url, changesets, letter_url, recent_changesets, shown_source
from monitor.store import version as data_version
from monitor.store.models import (AnalysisRun, Base, ChangeRecord, DataVersion, Letter, LetterVersion, Review, Source,
                                  StatementRecord)

UTC = dt.timezone.utc
BASE = "http://monitor.example"
T0 = dt.datetime(2021, 9, 1, 10, 0, tzinfo=UTC)  # the analysis run that computed every change

# The earlier letter (May) states the policy, the later one (August) changes it.
OLD = {"terugkeer": "Nederland faciliteert de vrijwillige terugkeer van uitgeprocedeerde Afghanen.",
       "veiligheid": "Nederland levert ca. 80 militairen ter versterking van de beveiliging in Kaboel.",
       "kaboel": "De ambassade in Kaboel blijft open zolang de veiligheidssituatie dat toestaat."}
NEW = {"terugkeer": "Nederland onderzoekt de gedwongen terugkeer van uitgeprocedeerde Afghanen.",
       "veiligheid": "Nederland levert honderdtwintig militairen ter versterking van de beveiliging in Kaboel.",
       "kept": "Het kabinet volgt de situatie in Afghanistan nauwlettend.",
       "ambassade": "De ambassade in Kaboel blijft voorlopig gesloten.",
       "rejected": "Nederland steunt de terugkeer van Afghanen via IOM."}


class Store:
    def __init__(self, url: str):
        self.engine = create_engine(url, poolclass=StaticPool)  # one connection: the in-memory database lives on
        Base.metadata.create_all(self.engine)
        self.session = Session(self.engine, expire_on_commit=False)
        self.statements: dict[tuple[int, str], StatementRecord] = {}  # (letter id, name) → statement
        s = self.session
        self.run = AnalysisRun(kind="changes", version="t", fingerprint="t", started_at=T0)
        s.add(self.run)
        s.add(DataVersion(id=1, version=1, changed_at=dt.datetime(2021, 9, 2, 8, 30, 5, tzinfo=UTC)))
        self.may = self.letter("kst-27925-800", "Terugkeer militairen", dt.date(2021, 5, 12), "27925",
                               ["/srv/monitor/inbox/2021-05-12-defensie.txt", "https://tk.example/kst-27925-800",
                                "/var/mirror/2021-05-12-defensie.txt"], OLD)
        self.aug = self.letter("kst-27925-900", "", dt.date(2021, 8, 26), "27925",
                               ["https://tk.example/kst-27925-900"], NEW)
        self.other = self.letter("kst-29521-1", "Vredesmissies", dt.date(2021, 3, 1), "29521", [],
                                 {"veiligheid": "Nederland levert 40 militairen aan de missie."})
        # August against May: a modified stance (most significant), a modified number, a new statement,
        # a kept (folded) one, one an analyst rejected; and one superseded row of an earlier run
        self.change("m-terugkeer", "terugkeer", "modified", self.aug, "terugkeer", self.may, "terugkeer", 0.9,
                    aspects="modality", details={"modality": {"old": "doing", "new": "exploring"},
                                                 "diff": [["=", "Nederland "], ["-", "faciliteert de vrijwillige"],
                                                          ["+", "onderzoekt de gedwongen"],
                                                          ["=", " terugkeer van uitgeprocedeerde Afghanen."]],
                                                 "why": ["stance"]})
        self.change("a-ambassade", "terugkeer", "added", self.aug, "ambassade", None, None, 0.4)
        self.change("k-kept", "terugkeer", "added", self.aug, "kept", None, None, 0.95, published=False)
        self.change("r-rejected", "terugkeer", "added", self.aug, "rejected", None, None, 0.99)
        self.change("m-veiligheid", "veiligheid", "modified", self.aug, "veiligheid", self.may, "veiligheid", 0.7,
                    aspects="numbers", details={"numbers": {"old": [80], "new": [120]}, "diff": []})
        self.change("k-veiligheid", "veiligheid", "added", self.aug, "kept", None, None, 0.2, published=False)
        self.change("i-may", "terugkeer", "initial", self.may, "terugkeer", None, None, 0.5)
        self.change("i-may-v", "veiligheid", "initial", self.may, "veiligheid", None, None, 0.5)
        self.change("i-other", "veiligheid", "initial", self.other, "veiligheid", None, None, 0.3,
                    computed=T0 - dt.timedelta(days=60), superseded=T0 - dt.timedelta(days=30))
        self.change("i-other", "veiligheid", "initial", self.other, "veiligheid", None, None, 0.5,
                    computed=T0 - dt.timedelta(days=30))
        # a kept-only change set (nothing published) makes no entry
        self.change("k-only", "migratie", "added", self.aug, "kept", None, None, 0.1, published=False)
        s.add_all([Review(change_uid="r-rejected", verdict="reject", by="ana", at=T0 + dt.timedelta(days=2)),
                   Review(change_uid="a-ambassade", verdict="confirm", by="ana", at=T0 + dt.timedelta(days=1)),
                   Review(change_uid="a-ambassade", verdict="note", note="Zie het AO van 1 juni.", by="bob",
                          at=T0 + dt.timedelta(days=1, hours=1))])
        s.commit()

    def letter(self, key: str, title: str, date: dt.date, dossier: str, sources: list[str],
               texts: dict[str, str]) -> Letter:
        s = self.session
        letter = Letter(key=key, title=title, date=date, dossier=dossier, created_at=T0, updated_at=T0)
        s.add(letter)
        s.flush()
        version = LetterVersion(letter_id=letter.id, number=1, text_sha256=key, raw_sha256=key, raw=b"",
                                media_type="text/plain", cleaned_text="", ingested_at=T0)
        s.add(version)
        s.flush()
        letter.current_version_id = version.id
        for i, (name, text) in enumerate(texts.items()):
            st = StatementRecord(uid=f"{key}-{name}", version_id=version.id, letter_id=letter.id, position=i,
                                 kind="paragraph", text=text, char_start=0, char_end=len(text))
            s.add(st)
            self.statements[(letter.id, name)] = st
        for locator in sources:
            s.add(Source(kind="folder" if locator.startswith("/") else "tk-odata", locator=locator,
                         raw_sha256=locator, letter_id=letter.id, version_id=version.id, first_seen=T0, last_seen=T0))
        s.flush()
        return letter

    def change(self, uid: str, topic: str, kind: str, letter: Letter, statement: str | None, previous: Letter | None,
               previous_statement: str | None, significance: float, published: bool = True, aspects: str = "",
               details: dict | None = None, computed: dt.datetime = T0, superseded: dt.datetime | None = None
               ) -> ChangeRecord:
        row = ChangeRecord(uid=uid, topic=topic, kind=kind, letter_id=letter.id, letter_date=letter.date,
                           statement_id=self.statements[(letter.id, statement)].id if statement else None,
                           previous_letter_id=previous.id if previous else None,
                           previous_statement_id=(self.statements[(previous.id, previous_statement)].id
                                                  if previous and previous_statement else None),
                           significance=significance, aspects=aspects, details=details or {}, run_id=self.run.id,
                           computed_at=computed, superseded_at=superseded, published=published)
        self.session.add(row)
        self.session.flush()
        return row


@pytest.fixture()
def store() -> Iterator[Store]:
    st = Store("sqlite://")
    yield st
    st.session.close()
    st.engine.dispose()


def _by_key(sets):
    return {(cs.letter.key, cs.topic): cs for cs in sets}


def test_a_change_set_holds_its_published_changes_most_significant_first_then_the_kept_ones(store):
    sets = _by_key(changesets(store.session, BASE))
    assert set(sets) == {("kst-27925-800", "terugkeer"), ("kst-27925-800", "veiligheid"),
                         ("kst-27925-900", "terugkeer"), ("kst-27925-900", "veiligheid"),
                         ("kst-29521-1", "veiligheid")}  # not the migratie set: it has nothing published
    aug = sets[("kst-27925-900", "terugkeer")]
    # the rejected item leaves the feed; the kept one, though more significant, comes after the published ones
    assert [(c.uid, c.published) for c in aug.changes] == [("m-terugkeer", True), ("a-ambassade", True),
                                                           ("k-kept", False)]
    modified = aug.changes[0]
    assert (modified.kind, modified.aspects, modified.significance) == ("modified", ("modality",), 0.9)
    assert (modified.old_text, modified.new_text) == (OLD["terugkeer"], NEW["terugkeer"])
    assert modified.diff[1] == ("-", "faciliteert de vrijwillige") and len(modified.diff) == 4
    assert modified.details == {"modality": {"old": "doing", "new": "exploring"}}  # not the diff, not "why"
    assert modified.old_letter is not None and modified.old_letter.key == "kst-27925-800"
    added = aug.changes[1]
    assert (added.old_text, added.old_letter, added.aspects, added.diff) == (None, None, (), ())
    assert added.verdict == "confirmed" and added.notes == ("Zie het AO van 1 juni.",)
    assert modified.verdict == "" and modified.notes == ()
    numbers = sets[("kst-27925-900", "veiligheid")].changes[0]
    assert numbers.details == {"numbers": {"old": [80], "new": [120]}} and numbers.aspects == ("numbers",)


def test_equal_significance_keeps_the_letters_order(store):
    """Ties in significance are read in the order the letter makes its points (statement position)."""
    store.change("z-tie", "terugkeer", "added", store.aug, "kept", None, None, 0.4)  # before "ambassade"
    store.session.commit()
    aug = _by_key(changesets(store.session, BASE))[("kst-27925-900", "terugkeer")]
    assert [c.uid for c in aug.changes] == ["m-terugkeer", "z-tie", "a-ambassade", "k-kept"]


def test_a_change_set_links_our_pages_and_names_local_files_only(store):
    aug = _by_key(changesets(store.session, BASE))[("kst-27925-900", "terugkeer")]
    assert aug.url == f"{BASE}/changes/kst-27925-900/terugkeer"
    assert aug.letter.url == f"{BASE}/letters/kst-27925-900"
    assert aug.letter.title == "kst-27925-900"  # no title: the key
    # whatever a key or topic holds, it stays one path segment
    assert letter_url(BASE, "kst/27 925") == f"{BASE}/letters/kst%2F27%20925"
    assert changeset_url(BASE, "kst/1", "a b/c") == f"{BASE}/changes/kst%2F1/a%20b%2Fc"
    assert aug.letter.date == dt.date(2021, 8, 26) and aug.letter.sources == ("https://tk.example/kst-27925-900",)
    may = aug.changes[0].old_letter
    assert may is not None and may.title == "Terugkeer militairen"
    # a file is published by its name (once, though two folders had it), never by its path on this server
    assert may.sources == ("2021-05-12-defensie.txt", "https://tk.example/kst-27925-800")
    assert shown_source("http://tk.example/a b") == "http://tk.example/a b"
    assert shown_source("inbox/2026/brief.pdf") == "brief.pdf" and shown_source("https://x/a.pdf") == "https://x/a.pdf"


def test_first_publication_revision_and_review_date_the_change_set(store):
    sets = _by_key(changesets(store.session, BASE))
    aug = sets[("kst-27925-900", "terugkeer")]
    assert aug.first_seen == T0 and aug.revised is None
    # the latest review of any item, also of the one it hides, dates the entry's revision
    assert aug.reviewed == T0 + dt.timedelta(days=2)
    assert sets[("kst-27925-900", "veiligheid")].reviewed is None
    recomputed = sets[("kst-29521-1", "veiligheid")]
    assert recomputed.first_seen == T0 - dt.timedelta(days=60) and recomputed.revised == T0 - dt.timedelta(days=30)


def test_silence_several_aspects_and_a_note_only_review(store):
    store.change("n-kaboel", "veiligheid", "not_restated", store.aug, None, store.may, "kaboel", 0.3)
    store.change("m-both", "veiligheid", "modified", store.aug, "ambassade", store.may, "veiligheid", 0.5,
                 aspects="numbers,modality", details={"numbers": {"old": [80], "new": []},
                                                      "modality": {"old": "doing", "new": "stopping"}})
    store.session.add(Review(change_uid="m-veiligheid", verdict="note", note="Aantal nagevraagd.", by="ana",
                             at=T0 + dt.timedelta(days=4)))
    store.session.commit()
    items = {c.uid: c for c in _by_key(changesets(store.session, BASE))[("kst-27925-900", "veiligheid")].changes}
    silent = items["n-kaboel"]
    assert (silent.kind, silent.old_text, silent.new_text) == ("not_restated", OLD["kaboel"], None)
    assert items["m-both"].aspects == ("numbers", "modality")
    assert items["m-veiligheid"].verdict == "" and items["m-veiligheid"].notes == ("Aantal nagevraagd.",)


def test_change_sets_come_in_the_order_the_letters_were_sent_then_by_topic(store):
    """Notifications are planned in this order."""
    assert [(cs.letter.key, cs.topic) for cs in changesets(store.session, BASE)] == [
        ("kst-29521-1", "veiligheid"), ("kst-27925-800", "terugkeer"), ("kst-27925-800", "veiligheid"),
        ("kst-27925-900", "terugkeer"), ("kst-27925-900", "veiligheid")]


def test_change_sets_of_one_topic_dossier_letter_or_the_most_recent_letters(store):
    def keys(**kw):
        return sorted((cs.letter.key, cs.topic) for cs in changesets(store.session, BASE, **kw))
    assert keys(topic="terugkeer") == [("kst-27925-800", "terugkeer"), ("kst-27925-900", "terugkeer")]
    assert keys(dossier="29521") == [("kst-29521-1", "veiligheid")]
    assert keys(letter_key="kst-27925-800") == [("kst-27925-800", "terugkeer"), ("kst-27925-800", "veiligheid")]
    assert keys(letter_key="kst-unknown") == []
    assert keys(recent=1) == [("kst-27925-900", "terugkeer"), ("kst-27925-900", "veiligheid")]
    assert keys(recent=1, dossier="29521") == [("kst-29521-1", "veiligheid")]
    assert keys(recent=2, topic="veiligheid") == [("kst-27925-800", "veiligheid"), ("kst-27925-900", "veiligheid")]
    assert keys(letter_ids=(store.other.id,), letter_key="kst-27925-800") == [("kst-29521-1", "veiligheid")]
    assert keys(letter_ids=()) == []
    # the most recent letters on a topic: a later letter on another topic does not count
    later = store.letter("kst-27925-950", "Terugkeer", dt.date(2021, 9, 30), "27925", [], {"t": NEW["terugkeer"]})
    store.change("i-later", "terugkeer", "added", later, "t", None, None, 0.5)
    store.session.commit()
    assert keys(recent=1, topic="veiligheid") == [("kst-27925-900", "veiligheid")]
    assert keys(recent=1) == [("kst-27925-950", "terugkeer")]


def test_the_front_pages_recent_change_sets_are_the_change_sets_of_the_most_recent_letters(store):
    # a change set whose only published item an analyst rejected is none; a kept-only one neither
    store.change("r-only", "migratie", "added", store.aug, "rejected", None, None, 0.9)
    store.session.add(Review(change_uid="r-only", verdict="reject", by="ana", at=T0))
    store.session.commit()
    recent = recent_changesets(store.session, BASE, letters=1)
    assert [(r.topic, r.letter.key, r.url, sorted(r.published)) for r in recent] == [
        ("terugkeer", "kst-27925-900", changeset_url(BASE, "kst-27925-900", "terugkeer"), ["a-ambassade", "m-terugkeer"]),
        ("veiligheid", "kst-27925-900", changeset_url(BASE, "kst-27925-900", "veiligheid"), ["m-veiligheid"])]
    assert recent[0].letter.title == "kst-27925-900" and recent[0].letter.date == dt.date(2021, 8, 26)
    for letters, limit in ((1, 20), (2, 20), (3, 20), (3, 3)):  # newest letter first, as the full change sets
        full = sorted(changesets(store.session, BASE, recent=letters), key=lambda c: (c.letter.date, c.letter.key),
                      reverse=True)[:limit]
        assert [(r.topic, r.letter.key, r.letter.title, r.letter.date, r.letter.url, r.url, sorted(r.published))
                for r in recent_changesets(store.session, BASE, letters, limit)] == [
            (c.topic, c.letter.key, c.letter.title, c.letter.date, c.letter.url, c.url, sorted(x.uid for x in c.published))
            for c in full]


def _publisher(page_size: int = 50, base_url: str = BASE + "/") -> FeedPublisher:
    return FeedPublisher(Settings(feed=FeedSettings(title="Beleidsmonitor", base_url=base_url, page_size=page_size,
                                                    tag_authority="monitor.example,2026", author="Monitor")))


def test_each_feed_has_its_own_id_title_and_address():
    pub = _publisher()
    overall = pub.meta("all", None)
    assert (overall.id, overall.title, overall.self_url, overall.html_url) == (
        "tag:monitor.example,2026:feed/feed", "Beleidsmonitor", f"{BASE}/feed.atom", f"{BASE}/")
    assert overall.archive_url.format(n=3) == f"{BASE}/feed/archive/3.atom" and overall.author == "Monitor"
    assert overall.archive_id.format(n=3) == "tag:monitor.example,2026:feed/archive/3"  # not …:feed/feed/archive/3
    topic = pub.meta("topic", "terugkeer")
    assert (topic.id, topic.title, topic.self_url) == ("tag:monitor.example,2026:feed/topics/terugkeer",
                                                       "Beleidsmonitor — terugkeer", f"{BASE}/topics/terugkeer.atom")
    assert topic.archive_url.format(n=1) == f"{BASE}/topics/terugkeer/archive/1.atom"
    dossier = pub.meta("dossier", "27 925/A")
    assert (dossier.id, dossier.title, dossier.self_url) == (
        "tag:monitor.example,2026:feed/dossiers/27%20925%2FA", "Beleidsmonitor — dossier 27 925/A",
        f"{BASE}/dossiers/27%20925%2FA.atom")


def test_the_overall_feed_has_one_entry_per_letter_a_topic_feed_one_per_letter_and_topic(store):
    pub = _publisher()
    overall = feedparser.parse(pub.document(store.session).body)
    assert [e.id for e in overall.entries] == [  # newest first
        "tag:monitor.example,2026:changeset/kst-27925-900/alle", "tag:monitor.example,2026:changeset/kst-27925-800/alle",
        "tag:monitor.example,2026:changeset/kst-29521-1/alle"]
    assert overall.entries[0].link == f"{BASE}/letters/kst-27925-900"  # the letter's page
    topic = feedparser.parse(pub.document(store.session, "topic", "terugkeer").body)
    assert [e.id for e in topic.entries] == ["tag:monitor.example,2026:changeset/kst-27925-900/terugkeer",
                                             "tag:monitor.example,2026:changeset/kst-27925-800/terugkeer"]
    assert topic.entries[0].link == f"{BASE}/changes/kst-27925-900/terugkeer"
    assert topic.feed.title == "Beleidsmonitor — terugkeer"
    dossier = feedparser.parse(pub.document(store.session, "dossier", "29521").body)
    assert [e.id for e in dossier.entries] == ["tag:monitor.example,2026:changeset/kst-29521-1/alle"]
    content = overall.entries[0].content[0].value
    assert "2021-05-12-defensie.txt" in content and "/srv/monitor" not in content


def test_etag_and_last_modified_come_from_the_body_and_the_stores_last_write(store):
    pub = _publisher()
    doc = pub.document(store.session, "topic", "terugkeer")
    assert doc.etag == '"' + hashlib.sha256(doc.body).hexdigest()[:32] + '"'
    assert doc.updated == "Thu, 02 Sep 2021 08:30:05 GMT"
    assert email.utils.parsedate_to_datetime(doc.updated) == dt.datetime(2021, 9, 2, 8, 30, 5, tzinfo=UTC)
    assert pub.document(store.session, "topic", "veiligheid").etag != doc.etag
    # a write readers can see (an analyst confirms an item) bumps the version: the feed is rendered again
    store.session.add(Review(change_uid="m-terugkeer", verdict="confirm", by="ana", at=T0 + dt.timedelta(days=3)))
    data_version.bump(store.session, dt.datetime(2021, 9, 4, 12, 0, tzinfo=UTC))
    store.session.commit()
    again = pub.document(store.session, "topic", "terugkeer")
    assert again.etag != doc.etag and again.updated == "Sat, 04 Sep 2021 12:00:00 GMT"
    assert "Bevestigd door een analist" in feedparser.parse(again.body).entries[0].content[0].value


def test_a_store_never_written_has_no_last_modified(store):
    store.session.execute(update(DataVersion).values(changed_at=None))
    store.session.commit()
    doc = _publisher().document(store.session)
    assert doc.updated == "" and feedparser.parse(doc.body).entries


def test_archive_pages_follow_rfc5005_and_keep_their_entries(store):
    pub = _publisher(page_size=2)
    current = feedparser.parse(pub.document(store.session, "topic", "veiligheid").body)
    assert [e.id.split(":changeset/")[1].rsplit("/", 1)[0] for e in current.entries] == ["kst-27925-900"]
    older = [l.href for l in current.feed.links if l.rel == "prev-archive"]
    assert older == [f"{BASE}/topics/veiligheid/archive/1.atom"]
    archive = pub.document(store.session, "topic", "veiligheid", archive=1)
    parsed = feedparser.parse(archive.body)
    assert [e.id.split(":changeset/")[1].rsplit("/", 1)[0] for e in parsed.entries] == ["kst-27925-800", "kst-29521-1"]
    assert parsed.feed.id == "tag:monitor.example,2026:feed/topics/veiligheid/archive/1"
    assert b"http://purl.org/syndication/history/1.0" in archive.body and archive.etag != current.get("etag")
    with pytest.raises(IndexError):
        pub.document(store.session, "topic", "veiligheid", archive=2)


def test_a_recomputed_change_set_keeps_its_entry_id_and_says_it_was_revised(store):
    pub = _publisher()
    before = feedparser.parse(pub.document(store.session, "topic", "veiligheid").body).entries
    later = T0 + dt.timedelta(days=10)
    store.session.execute(update(ChangeRecord).where(ChangeRecord.uid == "m-veiligheid").values(superseded_at=later))
    store.change("m-veiligheid", "veiligheid", "modified", store.aug, "veiligheid", store.may, "veiligheid", 0.75,
                 aspects="numbers", details={"numbers": {"old": [80], "new": [120]}}, computed=later)
    data_version.bump(store.session, later)
    store.session.commit()
    after = feedparser.parse(pub.document(store.session, "topic", "veiligheid").body).entries
    assert [e.id for e in after] == [e.id for e in before]
    assert before[0].updated == "2021-08-26T00:00:00+00:00" and after[0].updated == "2021-09-11T10:00:00+00:00"
    assert "Herzien op 11 september 2021" in after[0].content[0].value


def test_the_base_url_is_used_without_its_trailing_slash():
    assert _publisher(base_url=BASE + "///").meta("all", None).self_url == f"{BASE}/feed.atom"
    pub = dataclasses.replace(_publisher().settings.feed, base_url=BASE)
    assert FeedPublisher(Settings(feed=pub)).meta("topic", "a/b").self_url == f"{BASE}/topics/a%2Fb.atom"

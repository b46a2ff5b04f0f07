"""Several followed subjects from one inbox, and letters about subjects nobody follows (issue 26).

Real parts: the CLI on real SQLite/PostgreSQL databases, the seed letters, the app served on loopback and
its feeds read with feedparser.
"""
from __future__ import annotations

import contextlib
import json
import re
import logging
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent

import feedparser
import httpx
import pytest
from alembic import command
from click.testing import CliRunner

from monitor.api import create_app
from monitor.cli import main
from monitor.config import ConfigError, load_settings, settings_from_mapping
from monitor.pipeline import parse_letter
from monitor.scope import SubjectSpec, assess_scope
from monitor.store.db import alembic_config, make_engine
from tests.conftest import ROOT, execute, free_port, query, served, write_config

# The shipped config (Afghanistan) plus a second country followed by its name only: the seed JBZ letter of
# 26 August 2021 reports on Afghanistan and, in a section of its own, on Lithuania's border with Belarus.
BELARUS = '\n[[subjects]]\nname = "Belarus"\n'
JBZ_KEY_TITLE = "Ingelaste JBZ-Raad"


def _config(tmp_path: Path, inbox: Path, extra: str = "", name: str = "config.toml") -> Path:
    return write_config(tmp_path / name, inbox, extra)


def _run(cfg: Path, db_url: str, *args: str, expect: int = 0) -> str:
    result = CliRunner().invoke(main, ["--config", str(cfg), "--database", db_url, *args], catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result.output


@contextlib.contextmanager
def _serving(cfg: Path, db_url: str) -> Iterator[str]:
    port = free_port()
    settings = load_settings(cfg, database_url=db_url).serving("127.0.0.1", port)
    with served(create_app(settings), port) as base:
        yield base


def _entries(base: str, path: str) -> dict[str, str]:
    """Entry id → its content (links without the server's address), of a feed read as a reader reads it."""
    response = httpx.get(base + path, timeout=30)
    assert response.status_code == 200, path
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return {e.id: (e.get("content", [{}])[0].get("value", "") + e.get("summary", "")).replace(base, "")
            for e in parsed.entries}


def _changes(db_url: str, subject: str | None = None) -> list[tuple]:
    """Current changes of one subject (None: all) as (uid, letter, topic, kind, its statement's uid (the new
    one, else the one not restated), subject)."""
    rows = query(db_url, "SELECT c.uid, l.key, c.topic, c.kind, COALESCE(s.uid, o.uid), c.subject, c.computed_at "
                         "FROM change c JOIN letter l ON l.id = c.letter_id "
                         "LEFT JOIN statement s ON s.id = c.statement_id "
                         "LEFT JOIN statement o ON o.id = c.previous_statement_id WHERE c.superseded_at IS NULL")
    return sorted(r[:6] for r in rows if subject is None or r[5] == subject)


# ---------------------------------------------------------------- a country needs only its name

def _assess(text: str, spec: SubjectSpec, title: str = "") -> dict[str, bool]:
    statements = parse_letter(dedent(text).encode(), "x.txt").statements
    return {st.text: v.in_scope for st, v in zip(statements, assess_scope(statements, spec, title))}


def test_a_country_followed_by_its_name_only_is_named_by_its_adjectives_capital_and_cities() -> None:
    verdicts = _assess("""\
        Geachte voorzitter,

        De Syrische regering heeft de grens gesloten.

        In Aleppo zijn 40 scholen herbouwd.

        Het kabinet steunt de VN-missie in Damascus.

        In Bagdad is de situatie verslechterd.
        """, SubjectSpec("Syrië", ()))
    assert verdicts["De Syrische regering heeft de grens gesloten."]
    assert verdicts["In Aleppo zijn 40 scholen herbouwd."]
    assert verdicts["Het kabinet steunt de VN-missie in Damascus."]
    assert not verdicts["In Bagdad is de situatie verslechterd."]  # Iraq's capital: another subject


def test_subjects_in_the_configuration_old_and_new() -> None:
    root = Path(".")
    # [[subjects]]: a country by its name only; a theme needs terms
    s = settings_from_mapping({"subjects": [{"name": "Afghanistan", "terms": ["afghan*"]}, {"name": "Syrië"}]},
                              root, environ={})
    assert [x.name for x in s.subjects] == ["Afghanistan", "Syrië"] and s.subject.name == "Afghanistan"
    assert s.subject_by("syrie") is s.subjects[1] and s.subjects[1].slug == "syrie"
    with pytest.raises(ConfigError, match=r"subjects\[1\]\.terms: 'Atlantis' is no country"):
        settings_from_mapping({"subjects": [{"name": "Syrië"}, {"name": "Atlantis"}]}, root, environ={})
    with pytest.raises(ConfigError, match=r"subjects\[1\]\.name: 'syrië' is followed twice"):
        settings_from_mapping({"subjects": [{"name": "Syrië"}, {"name": "syrië"}]}, root, environ={})
    # the older single [subject] is the first (and only) subject; an empty name follows everything
    old = settings_from_mapping({"subject": {"name": "Afghanistan", "terms": ["afghan*"]}}, root, environ={})
    assert old.subjects == s.subjects[:1]
    assert settings_from_mapping({"subject": {"name": ""}}, root, environ={}).subjects == ()
    with pytest.raises(ConfigError, match="not both"):
        settings_from_mapping({"subject": {"name": "Irak"}, "subjects": [{"name": "Syrië"}]}, root, environ={})
    # MONITOR_SUBJECT_* (how eval/corpus.py sets a dossier's subject) overrides the first subject's keys
    env = {"MONITOR_SUBJECT_NAME": '"Irak"', "MONITOR_SUBJECT_TERMS": '["irak*"]'}
    shipped = load_settings(ROOT / "config.toml", environ=env)
    assert [(x.name, x.terms) for x in shipped.subjects] == [("Irak", ("irak*",))]
    # a subscription names the followed subjects it sends
    with pytest.raises(ConfigError, match=r"subscriptions\[0\]\.subjects: 'Irak' is not followed"):
        settings_from_mapping({"subjects": [{"name": "Syrië"}],
                               "subscriptions": [{"name": "a", "to": "mailto:a@b", "subjects": ["Irak"]}]},
                              root, environ={})


# ---------------------------------------------------------------- two subjects from one inbox

@pytest.fixture()
def two_subjects(tmp_path: Path, db_url: str, seeds_copy: Path) -> tuple[Path, Path, str]:
    """The seeds ingested by a deployment that follows Afghanistan and Belarus; and the one-subject config."""
    one = _config(tmp_path, seeds_copy, name="one.toml")
    two = _config(tmp_path, seeds_copy, BELARUS, name="two.toml")
    _run(two, db_url, "ingest", str(seeds_copy))
    return one, two, db_url


def test_a_council_letter_on_two_followed_subjects_appears_in_both_with_only_its_own_statements(
        two_subjects, tmp_path, seeds_copy, databases) -> None:
    one, two, db_url = two_subjects
    jbz = [r for r in _changes(db_url) if r[1] == _jbz_key(db_url)]
    on_belarus = [r for r in jbz if r[5] == "Belarus"]
    on_afghanistan = [r for r in jbz if r[5] == "Afghanistan"]
    assert on_belarus and on_afghanistan
    # each subject's changes carry only statements about it: Belarus's are out of Afghanistan's scope
    scope = {uid: (in_scope, evidence) for uid, in_scope, evidence in query(
        db_url, "SELECT uid, in_scope, scope_evidence FROM statement")}
    for row in on_belarus:
        in_afghanistan, evidence = scope[row[4]]
        assert not in_afghanistan and _subjects(evidence)["Belarus"], row
    for row in on_afghanistan:
        assert scope[row[4]][0], row
    assert not {r[4] for r in on_belarus} & {r[4] for r in on_afghanistan}
    # Afghanistan's changes are those of a deployment that follows Afghanistan alone: the same ids
    alone = databases.new("alone")
    _run(one, alone, "ingest", str(seeds_copy))
    assert [r[:5] for r in _changes(db_url, "Afghanistan")] == [r[:5] for r in _changes(alone)]

    # its own feeds, and the desk filter; the first subject's feeds keep their URLs and entry ids
    with _serving(one, alone) as base:
        plain_alone = _entries(base, "/feed.atom")
        topic_alone = _entries(base, "/topics/migratie.atom")
    with _serving(two, db_url) as base:
        assert _entries(base, "/feed.atom") == plain_alone
        assert _entries(base, "/topics/migratie.atom") == topic_alone
        assert set(_entries(base, "/onderwerpen/afghanistan.atom")) == set(plain_alone)
        belarus = _entries(base, "/onderwerpen/belarus.atom")
        assert belarus and all(":changeset/belarus/" in i for i in belarus)
        assert any(_jbz_key(db_url) in i for i in belarus)
        text = " ".join(belarus.values())
        assert "Belarus" in text and "Afghaanse" not in text
        assert _entries(base, "/onderwerpen/belarus/migratie.atom")
        assert httpx.get(base + "/onderwerpen/atlantis.atom").status_code == 404
        desk = httpx.get(base + "/?onderwerp=belarus").text
        assert JBZ_KEY_TITLE in desk and 'href="/onderwerpen/belarus.atom"' in desk
        assert httpx.get(base + "/?onderwerp=atlantis").status_code == 404
        found = httpx.get(base + "/search", params={"onderwerp": "belarus"}).text
        assert 'name="onderwerp" value="belarus"' in found and "Afghaanse" not in found
        topic = httpx.get(base + "/topics/migratie", params={"onderwerp": "belarus"}).text
        assert "/onderwerpen/belarus/migratie.atom" in topic and "Belarus" in topic
        bars = re.findall(r'<a href="(/topics/migratie\?as_of=[^"]+#standpunt)" aria-label', topic)
        assert bars and all("onderwerp=belarus" in href for href in bars), bars  # the chart stays on the subject
        api = httpx.get(base + "/api/changes", params={"subject": "Belarus", "limit": 200}).json()
        assert api["items"] and {i["subject"] for i in api["items"]} == {"Belarus"}
        assert {i["id"] for i in api["items"]} == {r[0] for r in _changes(db_url, "Belarus") if r[3] != "reaffirmed"}
        subjects = httpx.get(base + "/api/subjects").json()["items"]
        assert [(s["name"], s["feed"]) for s in subjects] == [("Afghanistan", "/onderwerpen/afghanistan.atom"),
                                                              ("Belarus", "/onderwerpen/belarus.atom")]
    # the CLI: --subject, and the subjects command
    listed = _run(two, db_url, "changes", "--subject", "belarus", "--json", "--limit", "500")
    assert listed.strip() and all('"letter"' in line for line in listed.strip().splitlines())
    assert _run(two, db_url, "changes", "--subject", "Atlantis", expect=2)
    table = _run(two, db_url, "subjects")
    assert "Afghanistan" in table and "Belarus" in table and "/onderwerpen/belarus.atom" in table


def _jbz_key(db_url: str) -> str:
    return query(db_url, "SELECT key FROM letter WHERE title LIKE :t", t=JBZ_KEY_TITLE + "%")[0][0]


def _subjects(evidence: object) -> dict[str, bool]:
    data = json.loads(evidence) if isinstance(evidence, str) else evidence
    return dict((data or {}).get("subjects", {}))


def test_adding_and_removing_a_subject_redoes_only_that_subject(tmp_path, db_url, seeds_copy) -> None:
    one = _config(tmp_path, seeds_copy, name="one.toml")
    two = _config(tmp_path, seeds_copy, BELARUS, name="two.toml")
    _run(one, db_url, "ingest", str(seeds_copy))
    before = _changes(db_url)
    runs = query(db_url, "SELECT kind FROM analysis_run ORDER BY id")
    out = _run(two, db_url, "ingest", str(seeds_copy))
    assert "scope:" in out
    # no topic run, the first subject's changes untouched (same rows, same computation time); Belarus added
    assert [k for (k,) in query(db_url, "SELECT kind FROM analysis_run ORDER BY id")][:len(runs)] == [k for (k,) in runs]
    assert "topics" not in [k for (k,) in query(db_url, "SELECT kind FROM analysis_run ORDER BY id")][len(runs):]
    assert _changes(db_url, "Afghanistan") == before
    assert query(db_url, "SELECT count(*) FROM change WHERE superseded_at IS NOT NULL")[0][0] == 0
    assert _changes(db_url, "Belarus")
    # removing it: its changes leave the current ones (kept as history); Afghanistan's stay as they were
    _run(one, db_url, "ingest", str(seeds_copy))
    assert _changes(db_url) == before
    assert query(db_url, "SELECT count(*) FROM change WHERE superseded_at IS NOT NULL AND subject = 'Belarus'")[0][0]


def test_a_database_of_one_subject_migrates_with_its_ids_and_feeds(tmp_path, db_url, seeds_copy) -> None:
    one = _config(tmp_path, seeds_copy, name="one.toml")
    two = _config(tmp_path, seeds_copy, BELARUS, name="two.toml")
    _run(one, db_url, "ingest", str(seeds_copy))
    with _serving(one, db_url) as base:
        feed_before = _entries(base, "/feed.atom")
        topic_before = _entries(base, "/topics/terugkeer.atom")
    before = [r[:5] for r in _changes(db_url)]
    # back to the schema of one subject (0012), with the run records of then
    engine = make_engine(db_url)
    command.downgrade(alembic_config(engine), "0012")
    engine.dispose()
    for kind in ("changes", "topics"):
        for run_id, config in query(db_url, "SELECT id, config FROM analysis_run WHERE kind = :k", k=kind):
            data = json.loads(config) if isinstance(config, str) else config
            data.pop("subjects", None), data.pop("scope", None)
            execute(db_url, "UPDATE analysis_run SET config = :c WHERE id = :i", c=json.dumps(data), i=run_id)
    _run(one, db_url, "migrate")
    assert {s for (s,) in query(db_url, "SELECT DISTINCT subject FROM change")} == {""}
    # served before any analysis: the first subject's feeds already read the rows of before
    with _serving(one, db_url) as base:
        assert _entries(base, "/feed.atom") == feed_before
    # the next analysis, now following two subjects: the rows of before are the first subject's, untouched
    _run(two, db_url, "ingest", str(seeds_copy))
    assert [r[:5] for r in _changes(db_url, "Afghanistan")] == before
    assert query(db_url, "SELECT count(*) FROM change WHERE subject = ''")[0][0] == 0
    assert query(db_url, "SELECT count(*) FROM change WHERE superseded_at IS NOT NULL")[0][0] == 0
    assert _changes(db_url, "Belarus")
    with _serving(two, db_url) as base:
        assert _entries(base, "/feed.atom") == feed_before
        assert _entries(base, "/topics/terugkeer.atom") == topic_before


# ---------------------------------------------------------------- never silent

IRAQ = """\
Geachte voorzitter,

Hierbij informeer ik uw Kamer over de situatie in Irak.

De veiligheidssituatie in Irak blijft zorgelijk. Het kabinet zal de steun aan Iraakse vluchtelingen in Erbil
voortzetten. In Mosul worden dit jaar 200 huizen herbouwd met Nederlandse steun.

De Iraakse regering heeft toegezegd de terugkeer van ontheemden te bevorderen. Nederland draagt daar
5 miljoen euro aan bij.

Het kabinet blijft de ontwikkelingen in Bagdad nauwgezet volgen.

De minister van Buitenlandse Zaken,
"""


def test_a_letter_about_an_unfollowed_country_is_reported_in_the_log_on_the_desk_and_in_healthz(
        tmp_path, db_url, caplog) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "2026-09-01-irak.txt").write_text(IRAQ, encoding="utf-8")
    (inbox / "2026-09-01-irak.meta.toml").write_text(
        'title = "Situatie in Irak"\ndate = 2026-09-01\nkind = "brief"\n', encoding="utf-8")
    cfg = _config(tmp_path, inbox)
    with caplog.at_level(logging.INFO):
        out = _run(cfg, db_url, "ingest", str(inbox))
    # no empty success: the ingest says how much fell outside every followed subject, and how to follow it
    assert "outside every followed subject:" in out
    assert "1 letter about subjects you do not follow: Irak (1)" in out
    assert '[[subjects]] name = "Irak"' in out
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "Irak" in r.getMessage()]
    assert warned and "statements about no followed subject" in warned[0]
    with _serving(cfg, db_url) as base:
        health = httpx.get(base + "/healthz").json()
        assert health["status"] == "ok"
        assert health["unfollowed"]["message"] == \
            "1 letter of the last 7 days was about subjects you do not follow: Irak (1)"
        assert health["unfollowed"]["follow"] == ['[[subjects]] name = "Irak"']
        desk = httpx.get(base + "/").text
        assert "onderwerpen die u niet volgt: Irak (1)" in desk
        assert "[[subjects]] name = &#34;Irak&#34;" in desk or '[[subjects]] name = "Irak"' in desk
    table = _run(cfg, db_url, "subjects")
    assert "Irak" in table and 'to follow: [[subjects]] name = "Irak"' in table
    # followed, it is no longer reported: its statements count for it
    followed = _config(tmp_path, inbox, '\n[[subjects]]\nname = "Irak"\n', name="irak.toml")
    out = _run(followed, db_url, "ingest", str(inbox))
    assert "you do not follow" not in out
    with _serving(followed, db_url) as base:
        assert "unfollowed" not in httpx.get(base + "/healthz").json()
        assert _entries(base, "/onderwerpen/irak.atom")


# ---------------------------------------------------------------- notification rules per subject

def test_a_subscription_sends_the_changes_of_the_subjects_it_names(tmp_path, seeds_copy) -> None:
    import sqlite3
    import threading
    from http.server import ThreadingHTTPServer

    from monitor.daemon import run_daemon
    from tests.test_notify import Hook

    Hook.received, Hook.fail_first = [], 0
    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{hook.server_address[1]}/hook"
    try:
        cfg = _config(tmp_path, seeds_copy, BELARUS + f"""
[[subscriptions]]
name = "belarus"
to = "{url}"
subjects = ["Belarus"]

[[subscriptions]]
name = "eerste"
to = "{url}"
""")
        db = tmp_path / "monitor.db"
        assert run_daemon(load_settings(cfg, database_url=f"sqlite:///{db}"), "127.0.0.1", 8099, serve=False,
                          once=True) == 0
    finally:
        hook.shutdown()
    with contextlib.closing(sqlite3.connect(db)) as con:
        def sets(subject: str) -> set[tuple[str, str]]:
            return {(k, t) for k, t in con.execute(
                "SELECT DISTINCT l.key, c.topic FROM change c JOIN letter l ON l.id = c.letter_id "
                "WHERE c.superseded_at IS NULL AND c.published AND c.subject = ?", (subject,))}
        on_belarus, on_afghanistan = sets("Belarus"), sets("Afghanistan")
    assert on_belarus and on_afghanistan
    got = {name: sorted((b["letter"]["id"], b["topic"]) for b in Hook.received if b["subscription"] == name)
           for name in ("belarus", "eerste")}
    assert got["belarus"] == sorted(on_belarus)
    assert got["eerste"] == sorted(on_afghanistan)
    belarus = [b for b in Hook.received if b["subscription"] == "belarus"]
    assert all(b["followed_subject"] == "Belarus" and b["url"].endswith("?onderwerp=belarus") for b in belarus)


def test_a_letter_outside_every_subject_is_about_a_country_only_when_that_country_stands_out() -> None:
    from monitor.subjects import main_other, outside_report

    iraq = {"statements": 10, "outside": 9, "about": {"Irak": 6, "Syrië": 1}}
    council = {"statements": 40, "outside": 38, "about": {"Luxemburg": 2, "Griekenland": 1}}  # where it met
    assert main_other(iraq) == "Irak" and main_other(council) == ""
    line = outside_report([("a", iraq), ("b", council), ("c", {"statements": 20, "outside": 1, "about": {}})])
    assert line == ("outside every followed subject: 48 of 70 statements in 3 letters; 2 letters about subjects "
                    'you do not follow: Irak (1), no single country (1) (to follow one: [[subjects]] name = "Irak")')

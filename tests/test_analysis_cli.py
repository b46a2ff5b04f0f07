"""Topic analysis through the real CLI and database: evidence stored, re-runs recorded."""
from __future__ import annotations

import json

from alembic import command
from click.testing import CliRunner

from monitor.cli import main
from monitor.store.db import alembic_config, make_engine
from tests.conftest import ROOT
from tests.conftest import json_value
from tests.conftest import query as _q


def test_topics_are_stored_with_evidence_and_shown(cli, db_url, seeded):
    rows = _q(db_url, "SELECT t.topic, t.rule, t.evidence FROM topic_assignment t JOIN statement s "
                      "ON s.id = t.statement_id WHERE s.text LIKE 'Vooralsnog is de inzet deze toezegging%'")
    assert [(r[0], r[1]) for r in rows] == [("ontwikkeling", "anaphora")]
    assert "source_uids" in json.dumps(json_value(rows[0][2]))  # JSON: text on SQLite, parsed on PostgreSQL
    out = cli("topics", "kst-27925-781").output
    assert "not terugkeer" in out and "veiligheid" in out
    forbidden = _q(db_url, "SELECT count(*) FROM topic_assignment t JOIN statement s ON s.id = t.statement_id "
                           "WHERE s.kind = 'procedural'")
    assert forbidden == [(0,)]


def test_changed_topic_config_reruns_the_analysis_and_records_it(tmp_path, db_url, seeds_copy):
    cfg = tmp_path / "config.toml"
    base = (ROOT / "config.toml").read_text(encoding="utf-8")
    cfg.write_text(base, encoding="utf-8")
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(main, ["--config", str(cfg), "--database", db_url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("ingest", str(seeds_copy))
    cfg.write_text(base + '\n[topics.mensenrechten]\nlabel = "Mensenrechten"\n'
                   'terms = ["mensenrecht*", "vrouwenrechten"]\n', encoding="utf-8")
    out = run("analyse", "--note", "added mensenrechten")
    assert "in 5 letters" in out
    runs = _q(db_url, "SELECT kind, version, fingerprint, note FROM analysis_run WHERE kind = 'topics' ORDER BY id")
    assert len(runs) == 2 and runs[0][2] != runs[1][2] and runs[1][3] == "added mensenrechten"
    hits = _q(db_url, "SELECT count(*) FROM topic_assignment WHERE topic = 'mensenrechten'")
    assert hits[0][0] > 0
    # every assignment now comes from the newest run
    assert _q(db_url, "SELECT count(DISTINCT run_id) FROM topic_assignment") == [(1,)]


def test_a_database_behind_the_schema_is_refused_clearly(db_url, seeds_copy):
    url = db_url
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0001")
    engine.dispose()
    result = CliRunner().invoke(main, ["--database", url, "ingest", str(seeds_copy)])
    assert result.exit_code == 1
    assert "run `policy-monitor migrate`" in result.output
    result = CliRunner().invoke(main, ["--database", url, "migrate"])
    assert result.exit_code == 0 and "was 0001" in result.output


def test_topics_explain_prints_the_chain_for_a_stored_statement(cli, seeds_copy):
    import json as _json
    cli("ingest", str(seeds_copy))
    exported = _json.loads(cli("export", "-o", "-").output)
    assert _json.loads(cli("export").output) == exported  # without -o: stdout, no file left in the folder
    out_of_scope = next(s for l in exported["letters"] for s in l["statements"]
                        if "Russische troepenopbouw" in s["text"])
    text = cli("topics", "--explain", out_of_scope["id"]).output
    assert "veiligheid: own terms troepenopbouw" in text
    assert "function: assessment" in text and "out of scope of Afghanistan" in text and "Oekraïne" in text
    assert "no statement 's-missing'" in cli("topics", "--explain", "s-missing", expect=1).output
    assert cli("topics", expect=2).exit_code == 2  # neither a letter nor --explain


def test_a_full_analysis_reports_progress_once_per_letter_and_step(cli, db_url, seeds_copy):
    from monitor.config import load_settings
    from monitor.process import analyse_letters
    from monitor.store.db import session_factory, utcnow

    cli("ingest", str(seeds_copy))
    reported: dict[str, list[int]] = {}

    def progress(label: str, total: int):
        reported[label] = [total, 0]

        def tick() -> None:
            reported[label][1] += 1
        return tick
    settings = load_settings(ROOT / "config.toml", database_url=db_url)
    sessions = session_factory(make_engine(db_url))
    analyse_letters(sessions, settings, utcnow(), None, note="test", progress=progress)
    assert reported == {"topics": [5, 5], "changes": [5, 5]}
    reported.clear()
    analyse_letters(sessions, settings, utcnow(), [], progress=progress)  # nothing due: no step, no bar
    assert reported == {}

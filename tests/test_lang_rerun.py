"""Editing a language file re-runs exactly the stage of the analysis that reads it, through the real CLI."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from monitor import timeline
from monitor.cli import main
from monitor.lang import Language
from tests.conftest import query as _q


def _runs(db_url: str) -> list[str]:
    return [kind for (kind,) in _q(db_url, "SELECT kind FROM analysis_run ORDER BY id")]


def _export(runner: CliRunner, db_url: str, path) -> str:
    result = runner.invoke(main, ["--database", db_url, "export", "-o", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("stage, expected", [("changes", ["changes"]), ("topics", ["topics", "changes"])])
def test_a_language_edit_reruns_its_stage_only(monkeypatch, tmp_path, db_url, seeds_copy, stage, expected):
    runner = CliRunner()

    def ingest() -> None:
        result = runner.invoke(main, ["--database", db_url, "ingest", str(seeds_copy)], catch_exceptions=False)
        assert result.exit_code == 0, result.output

    ingest()
    assert _runs(db_url) == ["topics", "changes"]
    before = _export(runner, db_url, tmp_path / "before.json")
    ingest()  # nothing new, nothing edited: nothing re-runs
    assert _runs(db_url) == ["topics", "changes"]
    # an edit of a file the stage reads changes that stage's fingerprint (as a real edit would)
    if stage == "changes":
        monkeypatch.setattr(timeline, "CHANGES_FINGERPRINT", timeline.CHANGES_FINGERPRINT + "-edited")
    else:
        real = Language.fingerprint_of
        monkeypatch.setattr(Language, "fingerprint_of",
                            lambda self, s: real(self, s) + ("-edited" if s == "topics" else ""))
    ingest()
    assert _runs(db_url) == ["topics", "changes", *expected]
    ingest()  # done once, not again
    assert _runs(db_url) == ["topics", "changes", *expected]
    assert _export(runner, db_url, tmp_path / "after.json") == before  # the same rules give the same results

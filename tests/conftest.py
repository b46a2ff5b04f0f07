from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
EVAL_DIR = ROOT.parent / "shared" / "eval"


@pytest.fixture()
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Path:
    """The seed letters (with sidecars) in a private folder a test may change."""
    dest = tmp_path / "inbox"
    shutil.copytree(SEEDS, dest)
    return dest


@pytest.fixture()
def cli(db_url: str, tmp_path: Path):
    """Run the real CLI against a private database and the project's config.toml."""
    runner = CliRunner()

    def run(*args: str, expect: int | None = 0):
        result = runner.invoke(main, ["--config", str(ROOT / "config.toml"), "--database", db_url, *args],
                               catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, result.output
        return result
    return run

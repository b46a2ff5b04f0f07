from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
EVAL_DIR = ROOT.parent / "shared" / "eval"
# The seed letters the tests use, by name: a letter a user drops into seeds/ (or the inbox) never changes a test.
SEED_LETTERS = (
    "2021-04-14-navo-raad-afghanistan.txt",
    "2021-05-12-defensie-terugkeer-afghanistan.txt",
    "2021-06-18-toekomstige-inzet-en-hulp-afghanistan.txt",
    "2021-08-26-jbz-raad-afghanistan.txt",
    "2026-07-10-antwoorden-kamervragen-eu-gesprekken-taliban.md",
)


def copy_seeds(dest: Path, names: tuple[str, ...] = SEED_LETTERS) -> Path:
    """Copy the named seed letters with their sidecars into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SEEDS / name, dest / name)
        sidecar = SEEDS / (Path(name).stem + ".meta.toml")
        if sidecar.exists():
            shutil.copy(sidecar, dest / sidecar.name)
    return dest


def current_changes(db: Path) -> list[tuple]:
    """Every current (not superseded) change, as readers see it, in a stable order."""
    con = sqlite3.connect(db)
    try:
        return sorted(con.execute(
            "SELECT l.key, c.topic, c.kind, c.uid, c.published, round(c.significance, 9), c.aspects, ns.uid, os.uid "
            "FROM change c JOIN letter l ON l.id = c.letter_id LEFT JOIN statement ns ON ns.id = c.statement_id "
            "LEFT JOIN statement os ON os.id = c.previous_statement_id WHERE c.superseded_at IS NULL").fetchall())
    finally:
        con.close()


def write_config(path: Path, inbox: Path, extra: str = "", inbox_seconds: int | None = None) -> Path:
    """The project's config.toml with ``inbox`` as the only inbox folder (plus ``extra`` TOML), at ``path``."""
    text = re.sub(r"^folders = .*$", f'folders = ["{inbox}"]', (ROOT / "config.toml").read_text(encoding="utf-8"),
                  count=1, flags=re.M)
    if inbox_seconds is not None:
        text = re.sub(r"^inbox_seconds = .*$", f"inbox_seconds = {inbox_seconds}", text, count=1, flags=re.M)
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path


def synthetic_letters(dest: Path, count: int = 3) -> list[Path]:
    """Re-dated, slightly edited copies of the May 2021 seed letter: new letters (new reference, date and
    numbers) that move the standing position, for tests that need more letters than the five seeds."""
    text = (SEEDS / "2021-05-12-defensie-terugkeer-afghanistan.txt").read_text(encoding="utf-8")
    out = []
    numbers = ("tien", "elf", "twaalf", "dertien", "veertien")
    for i in range(count):
        month = 9 + i  # September 2021 onwards: between the seeds of 2021 and 2026
        months = ("september", "oktober", "november", "december", "januari", "februari")
        body = (text.replace("Nr. 781", f"Nr. {790 + i}").replace("12 mei 2021", f"1 {months[i]} 2021")
                .replace("team van negen extra", f"team van {numbers[i]} extra")
                .replace("in juli 2021 voorzien", f"in {months[i + 1]} 2021 voorzien"))
        path = dest / f"2021-{month:02d}-01-vervolg-{i}.txt"
        path.write_text(body, encoding="utf-8")
        (dest / f"2021-{month:02d}-01-vervolg-{i}.meta.toml").write_text(
            f'title = "Vervolgbrief {i} over de terugkeer uit Afghanistan"\ndate = 2021-{month:02d}-01\n'
            f'kind = "brief"\nreference = "kst-27925-{790 + i}"\n', encoding="utf-8")
        out.append(path)
    return out


@pytest.fixture()
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Path:
    """The seed letters (with sidecars) in a private folder a test may change."""
    return copy_seeds(tmp_path / "inbox")


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

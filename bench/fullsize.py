"""The benchmark database of N distinct full-size letters (bench/e2e.py's corpus), built once under var/bench/.

    from fullsize import database
    db = database(1000)          # var/bench/full-1000.db, ingested through the real CLI on first use

The letters are the seed letters made distinct (own reference, date and shuffled paragraphs, some words and
numbers changed): full size (~15 KB each), unlike bench/healthz.py's short letters of six seed paragraphs.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from e2e import corpus  # noqa: E402


def database(letters: int, rebuild: bool = False) -> Path:
    """var/bench/full-N.db with ``letters`` letters stored and analysed (built now when missing)."""
    db = ROOT / "var" / "bench" / f"full-{letters}.db"
    if db.exists() and not rebuild:
        return db
    inbox = db.parent / f"full-inbox-{letters}"
    inbox.mkdir(parents=True, exist_ok=True)
    for old in [*db.parent.glob(db.name + "*"), *inbox.iterdir()]:
        old.unlink()
    corpus(inbox, letters)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "monitor.cli", "--config", str(ROOT / "config.toml"), "--database",
                    f"sqlite:///{db}", "ingest", str(inbox)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    print(f"built {db} with {letters} full-size letters in {time.perf_counter() - t0:.0f} s", flush=True)
    return db

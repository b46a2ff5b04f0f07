"""End-to-end `ingest` of distinct full-size letters with 1 and with 2 workers, beside a floor writing the same rows.

    python bench/e2e.py [--letters 300] [--repeats 1] [--profile]

The corpus: the seed letters, each turned into N/5 distinct letters (full size: every paragraph kept) —
its own reference (kst-99xxx-N, all distinct) and date (one a day), paragraphs shuffled, some words swapped,
some numbers changed — with a sidecar each, so no letter is a new version of another.

Each ingest runs as a user runs it: ``policy-monitor ingest FOLDER`` in its own process (imports, migration
check, store, topics, changes; no profiler), into a fresh SQLite database, with ``analysis.workers`` 1 and 2
(alternating when repeated; the median is printed). Printed:

* letters/s with 1 and with 2 workers, the ratio, the CPU (user+sys, workers included) and the load average
  around each run (the machine may be shared: read the numbers with it);
* the floor, measured in the same run: the rows the 2-worker ingest stored (letters, versions, statements
  with the full-text index, footnotes, topic rows, changes, sources, log) written again with plain
  ``executemany`` into a fresh database of the same schema, one transaction per letter; and the per-letter
  work (parse, clean, segment, topics, function, scope) in one process. Floor with N workers:
  max(write, (work + write) / N). Each ingest's ratio to its floor;
* ``--profile``: one more ingest in this process under cProfile (1.7x slower, 1 worker: the parse runs in a
  reading process the profile does not see), split by stage.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import random
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SWAPS = {"belangrijk": "wezenlijk", "steun": "ondersteuning", "momenteel": "op dit moment", "verder": "voorts",
         "echter": "evenwel", "groot": "aanzienlijk"}


def distinct_text(src: Path, rng: random.Random, tail: list[str] | None = None) -> str:
    """A seed letter made another full-size letter: its paragraphs after the head shuffled, some words swapped,
    some numbers moved (``tail``: paragraphs added at the end). bench/history.py builds its letters with it too."""
    paras = src.read_text(encoding="utf-8").split("\n\n")
    head, body = paras[:3], paras[3:]
    rng.shuffle(body)
    text = "\n\n".join(head + body + (tail or []))
    for a, b in SWAPS.items():
        if rng.random() < 0.5:
            text = re.sub(rf"\b{a}\b", b, text)
    return re.sub(r"\b(\d{2,3}) (miljoen|militairen|procent)\b",
                  lambda m: f"{int(m.group(1)) + rng.randint(1, 9)} {m.group(2)}" if rng.random() < 0.3
                  else m.group(0), text)


def corpus(folder: Path, n: int, seed: int = 5) -> list[Path]:
    """N distinct letters with sidecars in ``folder``; returns the letter files in date order."""
    rng = random.Random(seed)
    seeds = sorted(p for p in (ROOT / "seeds").iterdir() if not p.name.endswith(".meta.toml"))
    out = []
    for i in range(n):
        src = seeds[i % len(seeds)]
        text = distinct_text(src, rng)
        day = dt.date(2022, 1, 1) + dt.timedelta(days=i)
        name = f"{day.isoformat()}-letter-{i:05d}{src.suffix}"
        (folder / name).write_text(text, encoding="utf-8")
        (folder / name.replace(src.suffix, ".meta.toml")).write_text(
            f'title = "Brief {i} over Afghanistan"\ndate = {day.isoformat()}\nreference = "kst-99{i:03d}-{i + 1}"\n'
            'kind = "brief"\n', encoding="utf-8")
        out.append(folder / name)
    return out


def cli(*args: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run([sys.executable, "-m", "monitor.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**{k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}, **(env or {})})
    if done.returncode != 0:
        raise SystemExit(f"policy-monitor {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def ingest(tmp: Path, inbox: Path, name: str, workers: int) -> dict[str, float]:
    """One ``policy-monitor ingest`` into a fresh, migrated database: wall seconds, CPU seconds, load."""
    db = f"sqlite:///{tmp}/{name}.db"
    args = ["--config", str(ROOT / "config.toml"), "--database", db]
    cli(*args, "migrate")
    load_before = os.getloadavg()[0]
    cpu0, t0 = children_cpu(), time.perf_counter()
    cli(*args, "ingest", str(inbox), env={"MONITOR_ANALYSIS_WORKERS": str(workers)})
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    return {"wall": wall, "cpu": cpu, "load": max(load_before, os.getloadavg()[0])}


# ------------------------------------------------------------------------------------------------ the floor

# Tables whose rows belong to one letter, in the order they can be written, and how a row finds its letter.
LETTER_TABLES = [("letter", "id"), ("letter_alias", "letter_id"), ("letter_version", "letter_id"),
                 ("statement", "letter_id"), ("footnote", "version_id"), ("topic_assignment", "statement_id"),
                 ("source", "letter_id"), ("change", "letter_id"), ("ingest_log", "letter_key")]
LATE = ("current_version_id", "topics_version_id", "changes_version_id")  # letter → its version: set after it


def floor_write(stored: Path, fresh: Path) -> tuple[float, int]:
    """Write the rows of ``stored`` into ``fresh`` (same schema, empty) with plain executemany, one transaction
    a letter, the app's pragmas; returns (seconds, letters)."""
    src = sqlite3.connect(stored)
    version_letter = dict(src.execute("SELECT id, letter_id FROM letter_version"))
    statement_letter = dict(src.execute("SELECT id, letter_id FROM statement"))
    key_letter = {k: i for i, k in src.execute('SELECT id, "key" FROM letter')}
    to_letter = {"id": lambda v: v, "letter_id": lambda v: v, "version_id": version_letter.get,
                 "statement_id": statement_letter.get, "letter_key": key_letter.get}
    per_letter: dict[int, list[tuple[str, list[str], list[tuple[Any, ...]]]]] = defaultdict(list)
    late: dict[int, tuple[Any, ...]] = {}
    for table, link in LETTER_TABLES:
        cols = [c[1] for c in src.execute(f'PRAGMA table_info("{table}")')]
        groups: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for row in src.execute(f'SELECT {", ".join(map(repr_col, cols))} FROM "{table}" ORDER BY id'):
            values = dict(zip(cols, row))
            letter = to_letter[link](values[link])
            if letter is None:
                continue
            if table == "letter":
                late[letter] = tuple(values[c] for c in LATE)
                values.update({c: None for c in LATE})
            groups[letter].append(tuple(values[c] for c in cols))
        for letter, rows in groups.items():
            per_letter[letter].append((table, cols, rows))
    runs = src.execute("SELECT * FROM analysis_run").fetchall()
    src.close()
    con = sqlite3.connect(fresh, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        con.execute(f"PRAGMA {pragma}")
    con.execute("BEGIN")
    con.executemany(f"INSERT INTO analysis_run VALUES ({', '.join('?' * len(runs[0]))})", runs)
    con.execute("COMMIT")
    t0 = time.process_time()  # CPU: on a shared machine the wall clock measures the neighbours
    for letter in sorted(per_letter):
        con.execute("BEGIN")
        for table, cols, rows in per_letter[letter]:
            con.executemany(f'INSERT INTO "{table}" ({", ".join(map(repr_col, cols))}) '
                            f'VALUES ({", ".join("?" * len(cols))})', rows)
        con.execute(f"UPDATE letter SET {', '.join(f'{c} = ?' for c in LATE)} WHERE id = ?", (*late[letter], letter))
        con.execute("COMMIT")
    seconds = time.process_time() - t0
    con.close()
    return seconds, len(per_letter)


def repr_col(c: str) -> str:
    return f'"{c}"'


def work_seconds(files: list[Path]) -> float:
    """CPU seconds of the per-letter work of every letter in this one process: parse, clean, segment (as
    ingest's workers do), then topics, function and scope (as the analysis pass's workers do)."""
    import dataclasses

    from monitor.config import load_settings
    from monitor.process import _analyse_job, scheme_for, subjects_for
    from monitor.sources.folder import candidate_for
    from monitor.work import prepare_letter

    settings = load_settings(ROOT / "config.toml", environ={})
    scheme, subjects = scheme_for(settings), subjects_for(settings)
    cands = [candidate_for(f, 10**8) for f in files]

    def one(c: Any) -> None:
        parsed = prepare_letter(c.data or b"", c.name, c.override).parsed
        assert parsed is not None
        statements = [dataclasses.replace(st, footnotes=()) for st in parsed.statements]  # as stored
        _analyse_job(scheme, subjects, (1, parsed.meta.title or "", parsed.meta.kind or "", statements))

    one(cands[0])  # loads the language, the lemma dictionary and the scheme's caches, as a run does
    t0 = time.process_time()
    for c in cands:
        one(c)
    return time.process_time() - t0


# ------------------------------------------------------------------------------------------------ --profile

def profiled(tmp: Path, inbox: Path, n: int) -> None:
    from click.testing import CliRunner

    from monitor.cli import main

    args = ["--config", str(ROOT / "config.toml"), "--database", f"sqlite:///{tmp}/profiled.db"]
    runner = CliRunner()
    assert runner.invoke(main, [*args, "migrate"]).exit_code == 0
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    result = runner.invoke(main, [*args, "ingest", str(inbox)], env={"MONITOR_ANALYSIS_WORKERS": "1"})
    prof.disable()
    wall = time.perf_counter() - t0
    assert result.exit_code == 0, result.output[-2000:]
    wanted = {("letters.py", "store_parsed"): "store (letter, statements)",
              ("process.py", "compute"): "topics, function, scope (work)",
              ("process.py", "write"): "topic rows and changes, as each letter is stored",
              ("timeline.py", "track"): "changes: position tracker (pure)",
              ("timeline.py", "record"): "changes: writes",
              ("process.py", "analyse_topics"): "analysis pass after the ingest (letters not analysed while stored)",
              ("timeline.py", "update"): "changes after the ingest (letters not followed)"}
    split: dict[str, float] = defaultdict(float)
    for (file, _, func), (_, _, _, cum, _) in pstats.Stats(prof).stats.items():  # type: ignore[attr-defined]
        label = wanted.get((Path(file).name, func))
        if label:
            split[label] += cum
    print(f"profiled (cProfile, 1 worker, in-process): {n / wall:.1f} letters/s ({wall:.1f} s)")
    for label, s in sorted(split.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<42} {s:6.1f} s  {100 * s / wall:5.1f} %  {1000 * s / n:6.1f} ms a letter")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--letters", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=1, help="ingests per worker count (median printed)")
    ap.add_argument("--profile", action="store_true", help="also one ingest under cProfile, split by stage")
    a = ap.parse_args()
    n = a.letters
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        inbox = tmp / "inbox"
        inbox.mkdir()
        files = corpus(inbox, n)
        runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
        for r in range(a.repeats):
            for workers in (1, 2):
                runs[workers].append(ingest(tmp, inbox, f"w{workers}-{r}", workers))
        cli("--config", str(ROOT / "config.toml"), "--database", f"sqlite:///{tmp}/floor.db", "migrate")
        write_s, letters = floor_write(tmp / "w2-0.db", tmp / "floor.db")
        assert letters == n, f"{letters} letters stored of {n}"
        statements = sqlite3.connect(tmp / "w2-0.db").execute("SELECT count(*) FROM statement").fetchone()[0]
        work_s = work_seconds(files)
        if a.profile:
            profiled(tmp, inbox, n)

    def med(workers: int, key: str) -> float:
        return statistics.median(run[key] for run in runs[workers])

    print(f"corpus: {n} distinct full-size letters ({statements} statements), each its own reference and date; "
          f"`policy-monitor ingest` in its own process, fresh SQLite file, no profiler; "
          f"median of {a.repeats}; {os.cpu_count()} cores")
    floors = {w: max(write_s, (work_s + write_s) / w) for w in (1, 2)}
    for w in (1, 2):
        wall = med(w, "wall")
        print(f"ingest, {w} worker{'s' if w > 1 else ' '}: {n / wall:6.1f} letters/s  ({wall:.1f} s, CPU "
              f"{med(w, 'cpu'):.1f} s = {1000 * med(w, 'cpu') / n:.0f} ms a letter; load {med(w, 'load'):.2f}); "
              f"{wall / floors[w]:.2f}x its floor by wall time, {med(w, 'cpu') / (work_s + write_s):.2f}x by CPU")
    print(f"2 workers / 1 worker: {med(1, 'wall') / med(2, 'wall'):.2f}x")
    print(f"floor: the same rows written with plain executemany {1000 * write_s / n:.1f} ms a letter + the per-letter "
          f"work {1000 * work_s / n:.1f} ms a letter; 1 worker {n / floors[1]:.1f} letters/s, "
          f"2 workers {n / floors[2]:.1f} letters/s")
    print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

"""End-to-end ingest and re-analysis over distinct full-size letters, beside the physical floor.

    python bench/e2e.py [--letters 300] [--database URL]

The corpus: the five seed letters, each turned into N/5 distinct letters — its own
reference (kst-99xxx-N) and date (one a day, in date order), paragraphs
shuffled, some words swapped, some numbers changed — with a sidecar each, so no
letter is a new version of another. Printed:

* ingest letters/s (the CLI path: store, then topics and changes for what is new),
  with the time per stage (parse, store, topics, changes);
* re-analysis letters/s (``analyse``: everything again);
* the floor measured in the same run: parse only, and raw sqlite3 bulk inserts
  of the same statement rows; and the ratio to it;
* peak RSS of this process.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import random
import re
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.config import load_settings  # noqa: E402
from monitor.pipeline import parse_letter  # noqa: E402

SWAPS = {"belangrijk": "wezenlijk", "steun": "ondersteuning", "momenteel": "op dit moment", "verder": "voorts",
         "echter": "evenwel", "groot": "aanzienlijk"}
MONTHS = "januari februari maart april mei juni juli augustus september oktober november december".split()


def corpus(folder: Path, n: int, seed: int = 5) -> list[Path]:
    """N distinct letters with sidecars in ``folder``; returns the letter files in date order."""
    rng = random.Random(seed)
    seeds = sorted(p for p in (ROOT / "seeds").iterdir() if not p.name.endswith(".meta.toml"))
    out = []
    for i in range(n):
        src = seeds[i % len(seeds)]
        paras = src.read_text(encoding="utf-8").split("\n\n")
        head, body = paras[:3], paras[3:]
        rng.shuffle(body)
        text = "\n\n".join(head + body)
        for a, b in SWAPS.items():
            if rng.random() < 0.5:
                text = re.sub(rf"\b{a}\b", b, text)
        text = re.sub(r"\b(\d{2,3}) (miljoen|militairen|procent)\b",
                      lambda m: f"{int(m.group(1)) + rng.randint(1, 9)} {m.group(2)}" if rng.random() < 0.3
                      else m.group(0), text)
        day = dt.date(2022, 1, 1) + dt.timedelta(days=i)
        name = f"{day.isoformat()}-letter-{i:05d}{src.suffix}"
        (folder / name).write_text(text, encoding="utf-8")
        (folder / name.replace(src.suffix, ".meta.toml")).write_text(
            f'title = "Brief {i} over Afghanistan"\ndate = {day.isoformat()}\nreference = "kst-99{i % 900:03d}-{i}"\n'
            'kind = "brief"\n', encoding="utf-8")
        out.append(folder / name)
    return out


STAGES = {"parse": "pipeline.py:15(parse_letter)", "store": "letters.py", "topics": "process.py",
          "changes": "timeline.py"}


def _stage_split(prof: cProfile.Profile) -> dict[str, float]:
    stats = pstats.Stats(prof)
    out: dict[str, float] = {}
    for (file, line, func), (_, _, _, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(file).name}:{line}({func})"
        if where == "pipeline.py:15(parse_letter)":
            out["parse"] = out.get("parse", 0.0) + cum
        elif Path(file).name == "letters.py" and func == "store_parsed":
            out["store"] = out.get("store", 0.0) + cum
        elif Path(file).name == "process.py" and func == "analyse_topics":
            out["topics (+ functions, scope)"] = out.get("topics (+ functions, scope)", 0.0) + cum
        elif Path(file).name == "timeline.py" and func == "update":
            out["changes"] = out.get("changes", 0.0) + cum
    return out


def run(n: int, url: str | None) -> None:
    from click.testing import CliRunner

    from monitor.cli import main as cli

    with tempfile.TemporaryDirectory() as tmp:
        inbox = Path(tmp, "inbox")
        inbox.mkdir()
        files = corpus(inbox, n)
        db = url or f"sqlite:///{tmp}/bench.db"
        args = ["--config", str(ROOT / "config.toml"), "--database", db]
        runner = CliRunner()
        assert runner.invoke(cli, [*args, "migrate"]).exit_code == 0

        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        result = runner.invoke(cli, [*args, "ingest", str(inbox)])
        prof.disable()
        ingest_s = time.perf_counter() - t0
        assert result.exit_code == 0, result.output[-2000:]
        split = _stage_split(prof)

        t0 = time.perf_counter()
        result = runner.invoke(cli, [*args, "analyse"])
        reanalyse_s = time.perf_counter() - t0
        assert result.exit_code == 0, result.output[-2000:]

        # the floor: parse only, and raw bulk inserts of the same statement rows
        settings = load_settings(ROOT / "config.toml", environ={})
        del settings
        t0 = time.perf_counter()
        parsed = [parse_letter(f.read_bytes(), f.name) for f in files]
        parse_s = time.perf_counter() - t0
        con = sqlite3.connect(f"{tmp}/floor.db")
        con.execute("CREATE TABLE s (id INTEGER PRIMARY KEY, uid TEXT, letter INTEGER, position INTEGER, kind TEXT,"
                    " text TEXT, section TEXT)")
        t0 = time.perf_counter()
        for i, p in enumerate(parsed):
            with con:
                con.executemany("INSERT INTO s (uid, letter, position, kind, text, section) VALUES (?,?,?,?,?,?)",
                                [(f"s-{i}-{st.position}", i, st.position, st.kind, st.text, st.section)
                                 for st in p.statements])
        insert_s = time.perf_counter() - t0
        con.close()
        statements = sum(len(p.statements) for p in parsed)

    floor = parse_s + insert_s
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus: {n} distinct letters ({statements} statements), each its own reference and date, "
          f"ingested in date order; database {'given URL' if url else 'SQLite file'}")
    print(f"ingest:      {n / ingest_s:7.1f} letters/s  ({ingest_s:.1f} s)")
    for stage, s in sorted(split.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<28} {s:6.1f} s  {100 * s / ingest_s:5.1f} %  {1000 * s / n:6.1f} ms a letter")
    print(f"re-analysis: {n / reanalyse_s:7.1f} letters/s  ({reanalyse_s:.1f} s)")
    print(f"floor:       {n / floor:7.1f} letters/s  (parse {1000 * parse_s / n:.1f} ms + raw bulk insert "
          f"{1000 * insert_s / n:.1f} ms a letter); ingest is {ingest_s / floor:.1f}x the floor")
    print(f"peak RSS:    {rss_mb:.0f} MB")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--letters", type=int, default=300)
    ap.add_argument("--database", default=None, help="a database URL (default: a fresh SQLite file)")
    a = ap.parse_args()
    run(a.letters, a.database)

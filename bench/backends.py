"""SQLite and PostgreSQL side by side: the same synthetic letters through the real path on each backend.

    python bench/backends.py --postgres postgresql+psycopg://USER@HOST:PORT/DB [--sqlite sqlite:///x.db]
                             [--letters 1000] [--scale-seconds 300]
    make bench-backends SCALE_SECONDS=1200      # starts a throw-away PostgreSQL server itself

Per backend: ingest letters/s (parse, store, topics, changes: one transaction per letter, as the daemon
does), the cost of one new letter at 1,000 letters, then — PostgreSQL only, the backend meant for large
archives — a scale run that keeps adding letters until ``--scale-seconds`` have passed, and the cost of
one new letter at that size. Then the feed page and ``/api/changes`` median (p50) over real HTTP-level
requests (Starlette's test client, no network) at the final size. The scale run's letter count is
printed: it is as many as fit in the time budget on this machine. Not part of CI.

The PostgreSQL URL names a database this benchmark may create others beside (``CREATE DATABASE``);
it creates ``pm_bench_<pid>`` and drops it at the end.
"""
from __future__ import annotations

import argparse
import logging
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from monitor.config import load_settings  # noqa: E402
from monitor.ingest import ingest_one  # noqa: E402
from monitor.process import analyse_letters  # noqa: E402
from monitor.sources.folder import candidate_for  # noqa: E402
from monitor.store.db import open_database, session_factory, utcnow  # noqa: E402
from monitor.timeline import Timeline  # noqa: E402

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")
PROBE = 30  # letters timed one by one for "one new letter's cost"


def write_letter(folder: Path, i: int, seeds: list[Path], rng: random.Random) -> Path:
    """A distinct letter: a seed's sentences reshuffled, its own date and reference (a sidecar)."""
    src = seeds[i % len(seeds)]
    sentences = src.read_text(encoding="utf-8").split(". ")
    rng.shuffle(sentences)
    day = dt.date(2000, 1, 1) + dt.timedelta(days=i // 3)
    body = f"Den Haag, {day.day} {MONTHS[day.month - 1]} {day.year}\n\n" + ". ".join(sentences)
    path = folder / f"letter-{i:06d}.txt"
    path.write_text(body, encoding="utf-8")
    (folder / f"letter-{i:06d}.meta.toml").write_text(
        f'title = "Synthetische brief {i}"\ndate = {day.isoformat()}\nkind = "brief"\n'
        f'reference = "kst-99999-{i}"\n', encoding="utf-8")
    return path


class Run:
    def __init__(self, url: str, folder: Path):
        self.url = url
        self.settings = load_settings(ROOT / "config.toml", database_url=url, environ={})
        self.engine = open_database(url, create=True)
        self.sessions = session_factory(self.engine)
        self.timeline = Timeline(self.settings)
        self.folder = folder
        self.seeds = sorted(p for p in (ROOT / "seeds").iterdir()
                            if p.suffix in (".txt", ".md") and not p.name.endswith(".meta.toml"))
        self.rng = random.Random(11)
        self.count = 0

    def add(self) -> float:
        """Ingest and analyse one new letter; returns its seconds."""
        path = write_letter(self.folder, self.count, self.seeds, self.rng)
        t0 = time.perf_counter()
        r = ingest_one(self.sessions, candidate_for(path, 10**8), utcnow(), 10**8)
        analyse_letters(self.sessions, self.settings, utcnow(), [r.letter_id] if r.changed else [],
                        timeline=self.timeline)
        self.count += 1
        path.unlink()
        return time.perf_counter() - t0

    def p50_ms(self, path: str, n: int = 25) -> tuple[float, float]:
        """(first request, median of the next n) in ms for GET path."""
        from starlette.testclient import TestClient

        from monitor.api import create_app
        client = TestClient(create_app(self.settings.serving("127.0.0.1", 8080)))
        times = []
        for _ in range(n + 1):
            t0 = time.perf_counter()
            assert client.get(path).status_code == 200
            times.append((time.perf_counter() - t0) * 1000)
        return times[0], statistics.median(times[1:])


def measure(name: str, url: str, letters: int, scale_seconds: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        run = Run(url, Path(tmp))
        t0 = time.perf_counter()
        for _ in range(letters - PROBE):
            run.add()
        probe = [run.add() for _ in range(PROBE)]
        out: dict[str, object] = {"backend": name, "letters/s (first %d)" % letters: letters / (time.perf_counter() - t0),
                                  f"one letter ms at {letters:,}": statistics.median(probe) * 1000}
        if scale_seconds:
            deadline = time.monotonic() + scale_seconds
            while time.monotonic() < deadline:
                run.add()
            probe = [run.add() for _ in range(PROBE)]
            out["scale letters"] = run.count
            out["one letter ms at scale"] = statistics.median(probe) * 1000
        out["letters"] = run.count
        first, p50 = run.p50_ms("/feed.atom")
        out["feed first ms"], out["feed p50 ms"] = first, p50
        out["/api/changes p50 ms"] = run.p50_ms("/api/changes?limit=50&offset=100")[1]
        run.engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postgres", required=True, metavar="URL", help="a PostgreSQL URL; a bench database is made beside")
    ap.add_argument("--sqlite", default="", metavar="URL", help="default: a file in a temporary folder")
    ap.add_argument("--letters", type=int, default=1000)
    ap.add_argument("--scale-seconds", type=float, default=300, help="time budget of the PostgreSQL scale run")
    args = ap.parse_args()
    logging.disable(logging.WARNING)  # the seeds' parse warnings, once per synthetic letter, are not figures
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    bench_db = f"pm_bench_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{bench_db}"'))
    pg_url = make_url(args.postgres).set(database=bench_db).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            results = [measure("sqlite", args.sqlite or f"sqlite:///{tmp}/bench.db", args.letters, 0),
                       measure("postgresql", pg_url, args.letters, args.scale_seconds)]
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)'))
    keys = list(dict.fromkeys(k for r in results for k in r))
    print(f"{'':28}" + "".join(f"{r['backend']:>14}" for r in results))
    for k in keys[1:]:
        cells = "".join(f"{r[k]:>14.1f}" if isinstance(r.get(k), float) else f"{str(r.get(k, '-')):>14}"
                        for r in results)
        print(f"{k:28}{cells}")
    print(f"PostgreSQL scale run: {results[1].get('scale letters', '-')} letters in a {args.scale_seconds:g} s budget "
          "(synthetic: reshuffled seed letters, each its own reference)")


if __name__ == "__main__":
    main()

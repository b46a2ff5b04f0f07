"""What one more letter costs as the history grows: stores of 100, 1,000 and 3,000 distinct full-size letters.

    python bench/history.py [--sizes 100,1000,3000] [--repeat 3]

The letters: the seed letters' text, each copy its own reference (kst-98xxx-N),
date (one a day, in date order) and title, paragraphs shuffled, some words
swapped and some numbers changed, with a sidecar each — so no letter is a new
version or a duplicate of another. The stores are built once by the real
``ingest`` and cached under ``var/bench-history/`` (building 3,000 takes
minutes; reruns take seconds); each measurement runs on a fresh copy,
migrated to the current schema and warmed by one letter, as an upgraded
deployment would be. Printed per size (CPU = user + system of the process
doing the work, medians):

* ``ingest`` of one new file: the CLI in a process of its own (start-up included);
* the daemon's first letter after a start: a fresh process builds the daemon's
  polling work, finishes start-up, then one inbox poll finds one new letter
  beside the N unchanged ones and analyses it;
* one poll of the unchanged inbox (N letters and N sidecars), as the daemon
  repeats it every ``schedule.inbox_seconds``;
* the peak RSS of the one-file ``ingest``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from e2e import distinct_text  # noqa: E402

CACHE = ROOT / "var" / "bench-history"
GENERATOR = "history-2"  # bump when the letters change: the cached stores are rebuilt
FIRST_DAY = dt.date(2010, 1, 1)


def write_letter(folder: Path, i: int, day: dt.date, rng: random.Random) -> Path:
    """Letter ``i``: a seed letter's text, shuffled and lightly edited, with its own sidecar."""
    seeds = sorted(p for p in (ROOT / "seeds").iterdir() if not p.name.endswith(".meta.toml"))
    src = seeds[i % len(seeds)]
    text = distinct_text(src, rng, [f"Deze brief heeft volgnummer {i}."])  # no two letters the same text
    name = f"{day.isoformat()}-letter-{i:05d}{src.suffix}"
    (folder / name).write_text(text, encoding="utf-8")
    (folder / name.replace(src.suffix, ".meta.toml")).write_text(
        f'title = "Brief {i} over Afghanistan"\ndate = {day.isoformat()}\nreference = "kst-98{i % 900:03d}-{i}"\n'
        'kind = "brief"\n', encoding="utf-8")
    return folder / name


def config_for(folder: Path, inbox: list[Path]) -> Path:
    """The project's config with its own inbox folders; the database is given by URL."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^folders = .*$', "folders = " + json.dumps([str(p) for p in inbox]), text, count=1)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cli(config: Path, db: Path, *args: str) -> tuple[float, float]:
    """Run ``policy-monitor ARGS`` in its own process: (CPU seconds, peak RSS in MB)."""
    cmd = [str(ROOT / ".venv" / "bin" / "policy-monitor"), "--config", str(config), "--database", f"sqlite:///{db}",
           *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.decode(errors='replace')[-3000:]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def build(sizes: list[int]) -> dict[int, tuple[Path, Path]]:
    """size → (store, its inbox folder), built incrementally and cached: store N+ starts from store N."""
    CACHE.mkdir(parents=True, exist_ok=True)
    out: dict[int, tuple[Path, Path]] = {}
    previous: Path | None = None
    for n in sorted(sizes):
        store, inbox = CACHE / f"store-{n}.db", CACHE / f"inbox-{n}"
        stamp = CACHE / f"store-{n}.stamp"
        if not (store.exists() and stamp.exists() and stamp.read_text() == GENERATOR):
            shutil.rmtree(inbox, ignore_errors=True)
            inbox.mkdir()
            rng = random.Random(27)
            for i in range(n):
                write_letter(inbox, i, FIRST_DAY + dt.timedelta(days=i), rng)
            store.unlink(missing_ok=True)
            if previous is not None:
                shutil.copyfile(previous, store)
            config = config_for(CACHE, [inbox])
            t0 = time.perf_counter()
            print(f"building the store of {n} letters (once; cached in {CACHE}) …", flush=True)
            cli(config, store, "migrate")
            cli(config, store, "ingest", str(inbox))
            print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
            stamp.write_text(GENERATOR)
        out[n] = (store, inbox)
        previous = store
    return out


DAEMON = r"""
import json, os, shutil, sys, time
from pathlib import Path
from monitor.config import load_settings
from monitor.daemon import Monitor
config, new, letter = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
settings = load_settings(config, environ={"MONITOR_DATABASE_URL": sys.argv[4]})
monitor = Monitor(settings)
monitor.analyse([])  # start-up: finish anything unfinished (nothing is)
for f in (letter, letter.with_name(letter.name.rsplit(".", 1)[0] + ".meta.toml")):
    shutil.copyfile(f, new / f.name)
    # it arrived while the daemon was down (an hour ago): settled, taken at the first poll (monitor.sources.folder.Settle)
    os.utime(new / f.name, (time.time() - 3600, time.time() - 3600))
t0 = time.process_time()
first = monitor.poll_inbox()
first_cpu = time.process_time() - t0
assert first.stored == 1, first
polls = []
for _ in range(int(sys.argv[5])):
    t0 = time.process_time()
    again = monitor.poll_inbox()
    polls.append(time.process_time() - t0)
    assert again.stored == 0 and not again.failed, again
print(json.dumps({"first": first_cpu, "polls": polls}))
"""


def daemon(config: Path, new: Path, letter: Path, db: Path, polls: int) -> dict[str, object]:
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", DAEMON, str(config), str(new), str(letter),
                          f"sqlite:///{db}", str(polls)], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"daemon measurement failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(n: int, store: Path, inbox: Path, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp_:
        tmp = Path(tmp_)
        db, new, extra = tmp / "store.db", tmp / "new", tmp / "extra"
        new.mkdir()
        extra.mkdir()
        shutil.copyfile(store, db)
        config = config_for(tmp, [inbox, new])
        rng = random.Random(n)
        later = [write_letter(extra, 90000 + k, dt.date(2030, 1, 1) + dt.timedelta(days=k), rng)
                 for k in range(repeat + 3)]
        cli(config, db, "migrate")
        cli(config, db, "ingest", str(later[0]))  # warm: an upgraded store after its first letter
        ingest = [cli(config, db, "ingest", str(f)) for f in later[1:1 + repeat]]
        daemon(config, new, later[-2], db, 0)  # warm: the daemon's first poll after an upgrade
        d = daemon(config, new, later[-1], db, repeat)
    polls = d["polls"]
    assert isinstance(polls, list)
    return {"ingest": statistics.median(c for c, _ in ingest), "rss": max(r for _, r in ingest),
            "first": float(d["first"]), "poll": statistics.median(polls)}  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000,3000")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    stores = build(sizes)
    rows = {n: measure(n, *stores[n], a.repeat) for n in sizes}
    load = os.getloadavg()
    print(f"stored letters (distinct, full size); CPU seconds, medians of {a.repeat}; "
          f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'':44}" + "".join(f"{n:>10,}" for n in sizes) + f"{'ratio':>10}")
    first_n, last_n = sizes[0], sizes[-1]
    for key, label, fmt in (("ingest", "`ingest` of one new file (CPU s)", "{:10.2f}"),
                            ("first", "daemon: first letter after a start (CPU s)", "{:10.2f}"),
                            ("poll", "daemon: one poll, unchanged inbox (CPU ms)", "{:10.1f}"),
                            ("rss", "peak RSS of a one-file ingest (MB)", "{:10.0f}")):
        scale = 1000 if key == "poll" else 1
        values = [rows[n][key] * scale for n in sizes]
        ratio = rows[last_n][key] / rows[first_n][key] if rows[first_n][key] else float("nan")
        print(f"{label:44}" + "".join(fmt.format(v) for v in values) + f"{ratio:9.2f}x")


if __name__ == "__main__":
    main()

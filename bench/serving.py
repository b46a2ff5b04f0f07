"""Serving at scale: `/`, a feed page and the 304 path of a real `policy-monitor serve`.

    .venv/bin/python bench/serving.py [--database URL] [--letters 1000] [--seconds 10] [--render-processes N]

Without ``--database`` it uses (and builds once) the database of ``bench/healthz.py`` with ``--letters``
short letters. Prints the number of current changes, then for ``/``, ``/feed.atom`` and a topic feed:
the first render after start (cold page cache) and p50/p99 of 50 sequential requests (cached per data
version); then the 304 path (``If-None-Match`` with the feed's ETag) as requests/s from ``--clients``
keep-alive clients in two client processes for ``--seconds``, and the server's peak RSS (server process
and render processes). Goals (issue 13, at 100,000 changes): `/` and a feed page p50 < 20 ms, 304 path
≥ 1,000 requests/s.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import healthz  # noqa: E402 - the benchmark database and server helpers

PAGES = ["/", "/feed.atom", "/topics/terugkeer.atom"]


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the render processes), from /proc."""
    total = 0.0
    pids = [pid] + [int(p.parent.name) for p in Path("/proc").glob("[0-9]*/stat")
                    if _ppid(p) == pid]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):  # peak resident set
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def _ppid(stat: Path) -> int:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _hammer(base: str, path: str, etag: str, clients: int, seconds: float, out: "multiprocessing.Queue") -> None:
    counts: list[int] = []
    bad: list[int] = []
    stop = time.monotonic() + seconds

    def client() -> None:
        n = 0
        with httpx.Client(base_url=base, timeout=30, headers={"If-None-Match": etag}) as c:
            while time.monotonic() < stop:
                r = c.get(path)
                if r.status_code != 304:
                    bad.append(r.status_code)
                n += 1
        counts.append(n)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((sum(counts), bad[:3]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", default=None)
    ap.add_argument("--letters", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--render-processes", type=int, default=None)
    args = ap.parse_args()
    url = args.database or f"sqlite:///{healthz.database(args.letters)}"
    with create_engine(url).connect() as con:
        changes = con.execute(text("SELECT count(*) FROM change WHERE superseded_at IS NULL")).scalar_one()
        letters = con.execute(text("SELECT count(*) FROM letter")).scalar_one()
    with healthz.serve(url, args.render_processes) as (server, base):
        time.sleep(3)  # the render processes start after the server answers /healthz
        print(f"{letters} letters, {changes} current changes; render processes: "
              f"{args.render_processes if args.render_processes is not None else 'config'}; "
              f"load average {os.getloadavg()[0]:.1f}")
        with httpx.Client(base_url=base, timeout=600) as c:
            for path in PAGES:
                t = time.perf_counter()
                first = c.get(path)
                first_ms = (time.perf_counter() - t) * 1000
                ms = []
                for _ in range(50):
                    t = time.perf_counter()
                    c.get(path)
                    ms.append((time.perf_counter() - t) * 1000)
                ms.sort()
                print(f"  {path:26} {first.status_code} first {first_ms:8.1f} ms; cached p50 "
                      f"{statistics.median(ms):6.1f} ms p99 {ms[int(0.99 * len(ms))]:6.1f} ms")
            etag = c.get("/feed.atom").headers["etag"]
        out: multiprocessing.Queue = multiprocessing.Queue()
        procs = [multiprocessing.Process(target=_hammer, args=(base, "/feed.atom", etag, args.clients // 2,
                                                               args.seconds, out)) for _ in range(2)]
        for p in procs:
            p.start()
        results = [out.get(timeout=args.seconds + 120) for _ in procs]
        for p in procs:
            p.join()
        total = sum(n for n, _ in results)
        bad = [b for _, bs in results for b in bs]
        print(f"  304 path: {total / args.seconds:7.0f} requests/s ({args.clients} keep-alive clients, "
              f"{args.seconds:g} s; not 304: {bad or 'none'})")
        print(f"  server peak RSS (with its render processes): {_rss_mb(server.pid):.0f} MB")


if __name__ == "__main__":
    main()

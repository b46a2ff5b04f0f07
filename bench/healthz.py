"""Does the server stall? /healthz latency while 20 clients keep requesting pages, 1,000 letters stored.

Builds (once, cached under var/bench/) a database of N short letters made of
seed paragraphs with their own dates and references, starts the real server
(`policy-monitor serve`, a separate process), then runs 20 threads that
request pages, feeds and API lists (many distinct letter pages, so the cache
does not hide the work) while one more thread asks /healthz every 50 ms.
Prints p50/p99 of /healthz and of the page requests. Goal: /healthz p99 < 100 ms.

    .venv/bin/python bench/healthz.py [--letters 1000] [--seconds 20] [--rebuild]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import multiprocessing
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
MONTHS = "januari februari maart april mei juni juli augustus september oktober november december".split()


def paragraphs() -> list[str]:
    out = []
    for p in sorted((ROOT / "seeds").glob("20*.*")):
        if p.name.endswith(".meta.toml"):
            continue
        text = p.read_text(encoding="utf-8")
        out += [" ".join(b.split()) for b in re.split(r"\n\s*\n", text) if len(b.split()) > 25]
    return out


def build(db: Path, n: int) -> None:
    rng = random.Random(7)
    paras = paragraphs()
    inbox = db.parent / f"inbox-{n}"
    inbox.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        day = dt.date(2019, 1, 1) + dt.timedelta(days=2 * i)
        body = "\n\n".join([f"Den Haag, {day.day} {MONTHS[day.month - 1]} {day.year}", "Geachte voorzitter,"]
                           + rng.sample(paras, 6))
        (inbox / f"brief-{i:05d}.txt").write_text(body, encoding="utf-8")
        (inbox / f"brief-{i:05d}.meta.toml").write_text(
            f'title = "Brief {i} over Afghanistan"\ndate = {day.isoformat()}\nkind = "brief"\n'
            f'reference = "bench-{i:05d}"\ndossier = "{27925 + i % 7}"\n', encoding="utf-8")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "monitor.cli", "--config", str(ROOT / "config.toml"), "--database",
                    f"sqlite:///{db}", "ingest", str(inbox)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    print(f"built {db} with {n} letters in {time.perf_counter() - t0:.0f} s", flush=True)


PATHS = ["/", "/feed.atom", "/topics/terugkeer", "/topics/veiligheid.atom", "/api/changes?limit=50",
         "/api/letters?limit=50", "/dossiers/27925.atom"]


def load(base: str, keys: list[str], clients: int, seconds: float, results: "multiprocessing.Queue") -> None:
    """``clients`` threads requesting pages (letter pages 3 times as often) for ``seconds``."""
    stop = threading.Event()
    page_ms: list[float] = []
    by_path: dict[str, list[float]] = {}
    errors: list[str] = []

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=120) as c:
            while not stop.is_set():
                path = rng.choice(PATHS + [f"/letters/{rng.choice(keys)}"] * 3)
                t = time.perf_counter()
                r = c.get(path)
                page_ms.append((time.perf_counter() - t) * 1000)
                by_path.setdefault("/letters/…" if path.startswith("/letters/") else path, []).append(page_ms[-1])
                if r.status_code != 200:
                    errors.append(f"{path}: {r.status_code}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    results.put((page_ms, by_path, errors))


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def database(letters: int, rebuild: bool = False) -> Path:
    """The benchmark database of ``letters`` letters under var/bench/, built once (again with ``rebuild``)."""
    db = ROOT / "var" / "bench" / f"healthz-{letters}.db"
    if rebuild or not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        for f in db.parent.glob(db.name + "*"):
            f.unlink()
        build(db, letters)
    return db


@contextlib.contextmanager
def serve(url: str, render_processes: int | None = None) -> Iterator[tuple[subprocess.Popen, str]]:
    """A real `policy-monitor serve` on a free loopback port, answering /healthz: (process, base URL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ)
    if render_processes is not None:
        env["MONITOR_SERVER_RENDER_PROCESSES"] = str(render_processes)
    server = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--config", str(ROOT / "config.toml"),
                               "--database", url, "serve", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield server, base
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--letters", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--render-processes", type=int, default=None,
                    help="server.render_processes for the server (default: config.toml's)")
    args = ap.parse_args()
    db = database(args.letters, args.rebuild)
    with serve(f"sqlite:///{db}", args.render_processes) as (_, base):
        keys = [f"bench-{i:05d}" for i in range(args.letters)]
        # the page load runs in its own process, so its client threads never delay the /healthz probe
        results: multiprocessing.Queue = multiprocessing.Queue()
        loader = multiprocessing.Process(target=load, args=(base, keys, args.clients, args.seconds, results))
        loader.start()
        health_ms: list[float] = []
        with httpx.Client(base_url=base, timeout=120) as c:
            end = time.monotonic() + args.seconds
            while time.monotonic() < end:
                t = time.perf_counter()
                c.get("/healthz")
                health_ms.append((time.perf_counter() - t) * 1000)
                time.sleep(0.05)
        page_ms, by_path, errors = results.get(timeout=600)
        loader.join()
        shown = args.render_processes if args.render_processes is not None else "config"
        print(f"{args.letters} letters, {args.clients} concurrent page clients, {args.seconds:g} s, "
              f"render processes: {shown}; load average {os.getloadavg()[0]:.1f}")
        print(f"/healthz: n={len(health_ms)} p50={statistics.median(health_ms):.1f} ms "
              f"p99={percentile(health_ms, 0.99):.1f} ms max={max(health_ms):.1f} ms (goal p99 < 100 ms)")
        print(f"pages:    n={len(page_ms)} p50={statistics.median(page_ms):.1f} ms "
              f"p99={percentile(page_ms, 0.99):.1f} ms; errors: {len(errors)} {errors[:3]}")
        for path, ms in sorted(by_path.items()):
            print(f"  {path:28} n={len(ms):4} p50={statistics.median(ms):8.1f} ms max={max(ms):8.1f} ms")


if __name__ == "__main__":
    main()

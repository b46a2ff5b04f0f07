"""Every page of the web side on 1,000 letters: p50 and p95, cold (first render) and warm (cached).

Builds (once, cached under var/bench/) the database of bench/healthz.py (N
short letters of seed paragraphs with their own dates, references and
dossiers), upgrades it to the newest schema, and asks each page in-process
over real HTTP on loopback. "cold" requests a distinct URL each time (another
letter, date or search word), so no cache answers; "warm" repeats one URL.
"cold cpu" is the CPU time of this process (server and client, all threads)
per cold request: what the page costs, even when other work shares the
machine and stretches the wall-clock times. Goal (issue 18): every page
< 100 ms p50.

    .venv/bin/python bench/pages.py [--letters 1000] [--rounds 15] [--rebuild]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from healthz import build  # noqa: E402

from monitor.api import create_app  # noqa: E402
from monitor.config import load_settings  # noqa: E402
from monitor.store.db import make_engine, upgrade  # noqa: E402

WORDS = ["terugkeer", "kaboel", "taliban", "veiligheid", "evacuatie", "humanitaire", "migratie", "navo", "vrouwen",
         "mensenrechten", "ambassade", "tolken", "steun", "kabinet", "europese"]


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--letters", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    db = ROOT / "var" / "bench" / f"healthz-{args.letters}.db"
    if args.rebuild or not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        db.unlink(missing_ok=True)
        build(db, args.letters)
    url = f"sqlite:///{db}"
    upgrade(make_engine(url))
    settings = load_settings(ROOT / "config.toml", database_url=url)
    port = free_port()
    app = create_app(settings.serving("127.0.0.1", port))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=srv.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=base, timeout=60)
    for _ in range(200):
        try:
            if client.get("/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    rng = random.Random(3)
    letters = [i["id"] for i in client.get("/api/letters", params={"limit": 200}).json()["items"]]
    sets = [(c["letter"], c["topic"]) for c in client.get("/api/changes", params={"limit": 200, "published": "true"}
                                                          ).json()["items"]]
    topics = settings.topic_names
    days = [f"{2019 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(100)]
    pages = {
        "/": lambda i: "/",
        "/search?q=": lambda i: f"/search?q={WORDS[i % len(WORDS)]}&pagina={1 + i // len(WORDS)}",
        "/search (filters)": lambda i: f"/search?topic={topics[i % len(topics)]}&since={days[i]}&betekenis=published",
        "/letters": lambda i: f"/letters?pagina={1 + i}",
        "/letters/{key}": lambda i: f"/letters/{letters[i % len(letters)]}",
        "/topics": lambda i: f"/topics?i={i}",
        "/topics/{topic}?as_of": lambda i: f"/topics/{topics[i % len(topics)]}?as_of={days[i]}",
        "/changes/{key}/{topic}": lambda i: "/changes/{}/{}".format(*sets[i % len(sets)]),
        "/changes/…?weergave=naast": lambda i: "/changes/{}/{}?weergave=naast".format(*sets[(i + 7) % len(sets)]),
        "/compare": lambda i: f"/compare?topic={topics[i % len(topics)]}&a={letters[i + 20]}&b={letters[i]}",
    }
    n = client.get("/api/letters", params={"limit": 1}).json()["total"]
    print(f"{n} letters; {args.rounds} requests per page; ms")
    print(f"{'page':32} {'cold p50':>9} {'cold p95':>9} {'cold cpu':>9} {'warm p50':>9}")
    worst = 0.0
    for name, make in pages.items():
        cold, cpu, warm = [], [], []
        for i in range(args.rounds):
            path = make(i + rng.randrange(0, 3) * args.rounds)
            t0, c0 = time.perf_counter(), time.process_time()
            r = client.get(path)
            cold.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            assert r.status_code == 200, (path, r.status_code, r.text[:200])
        path = make(0)
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            client.get(path)
            warm.append((time.perf_counter() - t0) * 1000)
        c50, c95 = statistics.median(cold), sorted(cold)[int(0.95 * (len(cold) - 1))]
        worst = max(worst, c50)
        print(f"{name:32} {c50:9.1f} {c95:9.1f} {statistics.median(cpu):9.1f} {statistics.median(warm):9.1f}",
              flush=True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"slowest cold p50: {worst:.1f} ms ({'within' if worst < 100 else 'OVER'} the 100 ms goal)")
    srv.should_exit = True


if __name__ == "__main__":
    main()

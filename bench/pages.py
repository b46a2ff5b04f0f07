"""Every page of the web side on 1,000 full-size letters, through a real server and its render processes.

Starts `policy-monitor serve` (``server.render_processes`` = 2) on the full-size benchmark database of
bench/fullsize.py (built once under var/bench/) and asks each page over real HTTP on loopback:

* "cold": a distinct URL every request (another letter, date, page or search word; for pages without such a
  parameter an extra ``?koud=N``), so no cache answers and a render process builds the page;
* "warm": the same URL again (the cache shared by the render processes, per data version);
* "cold cpu": the CPU time (user + system, from /proc) the server process and its render processes spent over
  the cold requests of a page, per request: what the page costs, even when other work on the machine
  stretches the wall-clock times.

Goal (issues 18 and 27): every page < 100 ms p50 cold; `/` < 100 ms cold at 1,000 full-size letters.

    .venv/bin/python bench/pages.py [--letters 1000] [--rounds 15] [--database URL]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from conditional import children, cpu_seconds, free_port, started  # noqa: E402

WORDS = ["terugkeer", "kaboel", "taliban", "veiligheid", "evacuatie", "humanitaire", "migratie", "navo", "vrouwen",
         "mensenrechten", "ambassade", "tolken", "steun", "kabinet", "europese"]
TOPICS = ["veiligheid", "ontwikkeling", "migratie", "terugkeer"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--letters", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--database", default=None)
    args = ap.parse_args()
    if args.database is None:
        from fullsize import database
        args.database = f"sqlite:///{database(args.letters)}"
    port = free_port()
    with started([sys.executable, "-m", "monitor.cli", "--config", str(ROOT / "config.toml"), "--database",
                  args.database, "serve", "--port", str(port)], port,
                 env={"MONITOR_SERVER_RENDER_PROCESSES": "2"}) as server:
        time.sleep(2)  # the render processes start after the server answers
        pids = [server.pid, *children(server.pid)]
        run(f"http://127.0.0.1:{port}", pids, args.rounds)


def run(base: str, pids: list[int], rounds: int) -> None:
    client = httpx.Client(base_url=base, timeout=120)
    rng = random.Random(3)
    letters = [i["id"] for i in client.get("/api/letters", params={"limit": 200}).json()["items"]]
    sets = [(c["letter"], c["topic"]) for c in client.get("/api/changes", params={"limit": 200, "published": "true"}
                                                          ).json()["items"]]
    days = [f"{2019 + i % 6}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(100)]
    pages = {
        "/": lambda i: f"/?koud={i}",
        "/search?q=": lambda i: f"/search?q={WORDS[i % len(WORDS)]}&pagina={1 + i // len(WORDS)}",
        "/search (filters)": lambda i: f"/search?topic={TOPICS[i % 4]}&since={days[i]}&betekenis=published",
        "/letters": lambda i: f"/letters?pagina={1 + i}",
        "/letters/{key}": lambda i: f"/letters/{letters[i % len(letters)]}",
        "/topics": lambda i: f"/topics?koud={i}",
        "/topics/{topic}?as_of": lambda i: f"/topics/{TOPICS[i % 4]}?as_of={days[i]}",
        "/changes/{key}/{topic}": lambda i: "/changes/{}/{}".format(*sets[i % len(sets)]),
        "/changes/…?weergave=naast": lambda i: "/changes/{}/{}?weergave=naast".format(*sets[(i + 7) % len(sets)]),
        "/compare": lambda i: f"/compare?topic={TOPICS[i % 4]}&a={letters[i + 20]}&b={letters[i]}",
    }
    for path in ("/", "/compare", "/search?q=kabinet", "/feed.atom"):  # each render process: imports, dictionaries
        for _ in range(4):
            client.get(path + ("&" if "?" in path else "?") + f"opwarmen={rng.random()}")
    n = client.get("/api/letters", params={"limit": 1}).json()["total"]
    print(f"{n} full-size letters, through `serve` with {len(pids) - 1} child processes; {rounds} requests per "
          f"page; ms")
    print(f"{'page':32} {'cold p50':>9} {'cold p95':>9} {'cold cpu':>9} {'warm p50':>9}")
    worst, home = 0.0, 0.0
    seen: set[str] = set()
    for name, make in pages.items():
        cold, warm = [], []
        c0 = sum(cpu_seconds(p) for p in pids)
        for i in range(rounds):
            path = make(i + rng.randrange(0, 3) * rounds)
            while path in seen:  # never the same URL twice: no cache may answer
                path = make(rng.randrange(0, 100))
            seen.add(path)
            t0 = time.perf_counter()
            r = client.get(path)
            cold.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, (path, r.status_code, r.text[:200])
        cpu = (sum(cpu_seconds(p) for p in pids) - c0) / rounds * 1000
        path = make(0)
        client.get(path)
        for _ in range(rounds):
            t0 = time.perf_counter()
            client.get(path)
            warm.append((time.perf_counter() - t0) * 1000)
        c50, c95 = statistics.median(cold), sorted(cold)[int(0.95 * (len(cold) - 1))]
        worst = max(worst, c50)
        home = c50 if name == "/" else home
        print(f"{name:32} {c50:9.1f} {c95:9.1f} {cpu:9.1f} {statistics.median(warm):9.1f}", flush=True)
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"cold /: {home:.1f} ms p50 ({'within' if home < 100 else 'OVER'} the 100 ms goal); slowest cold p50: "
          f"{worst:.1f} ms ({'within' if worst < 100 else 'OVER'} 100 ms)")


if __name__ == "__main__":
    main()

"""The 304 path: server CPU per conditional request, against a bare Starlette app answering 304.

    .venv/bin/python bench/conditional.py [--letters 1000] [--requests 4000] [--clients 4] [--database URL]
                                          [--paths /feed.atom,/]

Starts a real `policy-monitor serve` (2 render processes, config.toml) on the full-size benchmark database
(bench/fullsize.py), and beside it, started the same way (uvicorn, the service's logging, access log
included), a bare Starlette app whose one route answers ``If-None-Match`` with a 304. Each gets the same
``--requests`` conditional GETs from ``--clients`` keep-alive clients in another process; the CPU time the
server used meanwhile (user + system, from /proc), divided by the requests, is its cost per 304. For the
monitor the render processes' CPU is counted too (and shown apart). Goal (issue 27): ≤ 1.5× the bare app.
"""
from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

PATHS = ["/feed.atom", "/topics/terugkeer.atom", "/", "/topics/migratie"]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            pass
    return out


def bare_server(port: int) -> None:
    """A Starlette app with one route: 304 when If-None-Match holds its ETag, else the document."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from monitor.logs import setup_service_logging
    body, etag = b"<feed/>" * 1000, '"0123456789abcdef0123456789abcdef"'

    def feed(request: Request) -> Response:
        headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/atom+xml", headers=headers)
    setup_service_logging()
    uvicorn.run(Starlette(routes=[Route("/{path:path}", feed)]), host="127.0.0.1", port=port, log_level="info",
                log_config=None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def started(cmd: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, f"{cmd} did not start"
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _client(base: str, jobs: list[tuple[str, str]], out: "multiprocessing.Queue") -> None:
    bad = []
    with httpx.Client(base_url=base, timeout=60) as c:
        for path, etag in jobs:
            r = c.get(path, headers={"If-None-Match": etag})
            if r.status_code != 304:
                bad.append(r.status_code)
    out.put(bad)


def hammer(base: str, etags: dict[str, str], requests: int, clients: int) -> tuple[float, list[int]]:
    """``requests`` conditional GETs over ``clients`` keep-alive connections (one client process each);
    returns (wall seconds, statuses that were not 304)."""
    jobs = [(p, e) for p, e in etags.items()] * (requests // len(etags))
    out: multiprocessing.Queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_client, args=(base, jobs[i::clients], out)) for i in range(clients)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    bad = [b for _ in procs for b in out.get(timeout=600)]
    for p in procs:
        p.join()
    return time.perf_counter() - t0, bad


def measure(base: str, pids: list[int], paths: list[str], requests: int, clients: int
            ) -> tuple[list[float], float, int]:
    with httpx.Client(base_url=base, timeout=600) as c:
        etags = {}
        for path in paths:
            r = c.get(path)
            assert r.status_code == 200, (path, r.status_code)
            etags[path] = r.headers["etag"]
            c.get(path, headers={"If-None-Match": etags[path]})  # warm: the server may now know the ETag
    hammer(base, etags, 200, clients)  # warm the connection handling too
    before = [cpu_seconds(p) for p in pids]
    wall, bad = hammer(base, etags, requests, clients)
    after = [cpu_seconds(p) for p in pids]
    n = requests // len(paths) * len(paths)
    assert not bad, f"not 304: {bad[:5]}"
    return [(a - b) / n * 1000 for a, b in zip(after, before)], n / wall, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--letters", type=int, default=1000)
    ap.add_argument("--database", default=None)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--paths", default=",".join(PATHS), help="the documents asked for, comma-separated")
    ap.add_argument("--bare-server", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare_server:
        bare_server(args.bare_server)
        return
    if args.database is None:
        from fullsize import database
        args.database = f"sqlite:///{database(args.letters)}"
    paths = args.paths.split(",")
    port = free_port()
    with started([sys.executable, str(Path(__file__).resolve()), "--bare-server", str(port)], port) as bare:
        (bare_ms,), bare_rate, n = measure(f"http://127.0.0.1:{port}", [bare.pid], paths, args.requests,
                                           args.clients)
    port = free_port()
    with started([sys.executable, "-m", "monitor.cli", "--config", str(ROOT / "config.toml"), "--database",
                  args.database, "serve", "--port", str(port)], port,
                 env={"MONITOR_SERVER_RENDER_PROCESSES": "2"}) as server:
        time.sleep(2)  # the render processes start after the server answers
        workers = [p for p in children(server.pid)
                   if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()
                   and b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]
        ms, rate, n = measure(f"http://127.0.0.1:{port}", [server.pid, *workers], paths, args.requests,
                              args.clients)
    own, pool = ms[0], sum(ms[1:])
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{n} conditional GETs of {', '.join(paths)} from {args.clients} keep-alive clients; load {load}")
    print(f"  bare Starlette app:       {bare_ms:6.3f} ms CPU a 304 ({bare_rate:5.0f} requests/s)")
    print(f"  policy-monitor serve:     {own + pool:6.3f} ms CPU a 304 ({rate:5.0f} requests/s): server process "
          f"{own:.3f} ms, its {len(workers)} render processes {pool:.3f} ms")
    ratio = (own + pool) / bare_ms
    print(f"  ratio to the bare app:    {ratio:6.2f}× ({'within' if ratio <= 1.5 else 'OVER'} the 1.5× goal)")


if __name__ == "__main__":
    main()

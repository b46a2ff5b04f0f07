"""Pages rendered in worker processes (``server.render_processes``): the same bytes as in-process, and a
dead worker costs no reader a page. Real server on loopback, real processes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest

from monitor.api import create_app, create_server
from monitor.config import load_settings
from monitor.web.renderpool import RenderPool
from tests.conftest import ROOT, free_port, served


@pytest.fixture()
def servers(seeded, db_url, monkeypatch) -> Iterator[tuple[str, str, RenderPool]]:
    """(in-process server, pooled server, its pool) on the same seed database and the same base URL."""
    monkeypatch.setenv("MONITOR_SERVER_RENDER_PROCESSES", "2")
    port_a, port_b = free_port(), free_port()
    # one base URL for both, so feeds and pages that carry absolute links can be compared byte for byte
    settings = load_settings(ROOT / "config.toml", database_url=db_url).serving("127.0.0.1", port_a)
    pooled = create_server(settings)
    assert isinstance(pooled, RenderPool)
    pooled.wait_ready()
    try:
        with served(create_app(settings), port_a) as base_a, served(pooled, port_b) as base_b:
            yield base_a, base_b, pooled
    finally:
        pooled.close()


PATHS = ["/", "/feed.atom", "/topics/terugkeer", "/topics/veiligheid.atom", "/letters", "/api/changes?limit=5",
         "/api/changes?kind=modified&kind=added&limit=2", "/search?q=terugkeer", "/geen-pagina"]


def test_pooled_pages_are_the_bytes_an_in_process_render_gives(servers):
    inproc, pooled, _ = servers
    for path in PATHS:
        a, b = httpx.get(inproc + path), httpx.get(pooled + path)
        assert (b.status_code, b.headers.get("content-type"), b.headers.get("etag")) == (
            a.status_code, a.headers.get("content-type"), a.headers.get("etag")), path
        assert b.content == a.content, path
    feed = httpx.get(pooled + "/feed.atom")
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo and parsed.entries
    # conditional GET, gzip and HEAD pass through the worker unchanged
    assert httpx.get(pooled + "/feed.atom", headers={"If-None-Match": feed.headers["etag"]}).status_code == 304
    zipped = httpx.get(pooled + "/feed.atom", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.content == feed.content
    head = httpx.head(pooled + "/feed.atom")
    assert head.status_code == 200 and head.content == b""


def test_health_metrics_and_writes_are_answered_by_the_server_process(servers):
    _, pooled, pool = servers
    assert httpx.get(pooled + "/healthz").json()["status"] == "ok"
    assert "policy_monitor_up 1" in httpx.get(pooled + "/metrics").text
    # a login attempt without the form's token is refused by the server process's writing side
    r = httpx.post(pooled + "/login", data={"name": "x", "password": "y", "csrf": "z"})
    assert r.status_code in (400, 403)
    # and the workers never saw it: stopping them leaves health and writes answering
    for pid in _worker_pids(pool):
        os.kill(pid, signal.SIGSTOP)
    try:
        assert httpx.get(pooled + "/healthz", timeout=5).status_code == 200
        assert httpx.post(pooled + "/login", data={}, timeout=5).status_code in (400, 403)
    finally:
        for pid in _worker_pids(pool):
            os.kill(pid, signal.SIGCONT)


def _worker_pids(pool: RenderPool) -> list[int]:
    deadline = time.monotonic() + 30
    while True:
        pids = pool.pids()
        if len(pids) == pool.processes or time.monotonic() > deadline:
            return pids
        time.sleep(0.05)


def test_a_killed_render_process_costs_no_reader_a_page(servers):
    inproc, pooled, pool = servers
    expected = httpx.get(inproc + "/topics/terugkeer").content
    assert httpx.get(pooled + "/topics/terugkeer").content == expected
    victims = _worker_pids(pool)
    assert len(victims) == 2
    os.kill(victims[0], signal.SIGKILL)
    time.sleep(0.5)  # the pool notices the death before the next request
    for _ in range(3):
        r = httpx.get(pooled + "/topics/terugkeer", timeout=60)
        assert r.status_code == 200 and r.content == expected
    survivors = _worker_pids(pool)
    assert len(survivors) == 2 and victims[0] not in survivors


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_render_processes_end_with_the_server(seeded, db_url, sig):
    port = free_port()
    env = {**os.environ, "MONITOR_SERVER_RENDER_PROCESSES": "2"}
    server = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--config", str(ROOT / "config.toml"),
                               "--database", db_url, "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 2:  # the spawn workers (multiprocessing's resource tracker is a child too)
            workers = {p for p in _children(server.pid)
                       if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()
                       and b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()}
            assert server.poll() is None and time.monotonic() < deadline, "server or its workers did not start"
            time.sleep(0.1)
        assert httpx.get(f"http://127.0.0.1:{port}/feed.atom", timeout=60).status_code == 200
        server.send_signal(sig)
        server.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in workers):
            assert time.monotonic() < deadline, f"render processes outlived the server ({sig.name})"
            time.sleep(0.1)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

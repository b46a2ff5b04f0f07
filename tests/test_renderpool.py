"""Pages rendered in worker processes (``server.render_processes``): the same bytes as in-process, and a
dead worker costs no reader a page. Real server on loopback, real processes."""
from __future__ import annotations

import concurrent.futures
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
from monitor.store.db import make_engine
from monitor.store.version import VersionProbe
from monitor.web.renderpool import RenderPool
from tests.conftest import ROOT, free_port, query, served


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


def counting_app(settings, cache_dir=None):
    """The real app, run by real render processes, that also writes a line to the file named by
    ``POLICY_MONITOR_TEST_LOG`` for every document a cache of it builds ("build PID KEY") and every request
    the process answers ("serve PID PATH"): counts across processes, not timings."""
    from monitor import webcache
    from monitor.web import renderpool
    log = os.environ["POLICY_MONITOR_TEST_LOG"]

    def note(line: str) -> None:
        with open(log, "a", encoding="utf-8") as f:  # one short append: whole lines, whichever process writes
            f.write(line + "\n")
    respond = renderpool._respond

    def counting(get):
        def counted_get(self, key, version, build):
            return get(self, key, version, lambda: (note(f"build {os.getpid()} {key!r}"), build())[1])
        return counted_get

    def counted_respond(scope, body):
        note(f"serve {os.getpid()} {scope['path']}")
        return respond(scope, body)
    for cache in (webcache.SharedCache, webcache.VersionedCache):  # whichever cache the app uses
        cache.get = counting(cache.get)
    renderpool._respond = counted_respond  # the pool sends tasks by name: the worker's own attribute runs
    return create_app(settings, cache_dir=cache_dir)


@pytest.fixture()
def counted(seeded, db_url, tmp_path, monkeypatch) -> Iterator[tuple[str, Path, RenderPool]]:
    """A server with 2 render processes running :func:`counting_app`; yields (base, its log, its pool)."""
    log = tmp_path / "renders.log"
    log.touch()
    monkeypatch.setenv("POLICY_MONITOR_TEST_LOG", str(log))
    settings = load_settings(ROOT / "config.toml", database_url=db_url)
    engine = make_engine(db_url, readonly=True)
    pool = RenderPool(create_app(settings, engine), counting_app, settings, 2, version=VersionProbe(engine))
    pool.wait_ready()
    try:
        with served(pool) as base:
            yield base, log, pool
    finally:
        pool.close()
        engine.dispose()


def _all_at_once(base: str, paths: list[str], headers: dict[str, str] | None = None) -> list[httpx.Response]:
    with concurrent.futures.ThreadPoolExecutor(len(paths)) as ex:
        return list(ex.map(lambda p: httpx.get(base + p, headers=headers, timeout=60), paths))


def _lines(log: Path, kind: str) -> list[list[str]]:
    return [line.split()[1:] for line in log.read_text().splitlines() if line.startswith(kind + " ")]


def test_a_data_change_costs_one_render_across_the_render_processes(counted, db_url, cli):
    base, log, pool = counted
    wanted = ["/", "/feed.atom"] * 12
    for round_ in (1, 2):
        served_by: dict[str, set[str]] = {}
        for _ in range(3):  # concurrent bursts, then more: both processes answer both documents
            assert all(r.status_code == 200 for r in _all_at_once(base, wanted))
            served_by = {}
            for pid, path in _lines(log, "serve"):
                served_by.setdefault(path, set()).add(pid)
            if all(len(served_by.get(p, ())) == 2 for p in ("/", "/feed.atom")):
                break
        assert all(len(served_by[p]) == 2 for p in ("/", "/feed.atom")), served_by
        builds = [" ".join(key) for _, *key in _lines(log, "build")]
        # one page and one feed document per data version, whichever process was asked first
        assert sorted(builds) == ["('/', '')", "('all', None, None, None)"], builds
        if round_ == 1:  # a real writer changes what readers see
            uid = query(db_url, "SELECT uid FROM change WHERE superseded_at IS NULL AND published "
                                "ORDER BY significance DESC, uid")[0][0]
            cli("review", "reject", uid, "--by", "anna")
            log.write_text("")


def test_a_304_is_answered_by_the_server_process_until_the_data_changes(counted, db_url, cli):
    base, _, pool = counted
    first = httpx.get(base + "/feed.atom")
    etag = first.headers["etag"]
    home = httpx.get(base + "/")
    assert home.headers["etag"] and home.headers["etag"] != etag
    # the conditional request a worker answered: from now on the server process knows the ETag
    assert httpx.get(base + "/feed.atom", headers={"If-None-Match": etag}).status_code == 304
    assert httpx.get(base + "/", headers={"If-None-Match": home.headers["etag"]}).status_code == 304
    for pid in _worker_pids(pool):
        os.kill(pid, signal.SIGSTOP)
    try:  # stopped workers answer nothing: these 304s come from the server process
        r = httpx.get(base + "/feed.atom", headers={"If-None-Match": etag}, timeout=5)
        assert (r.status_code, r.headers["etag"], r.content) == (304, etag, b"")
        assert r.headers["cache-control"] == first.headers["cache-control"]
        assert httpx.get(base + "/", headers={"If-None-Match": home.headers["etag"]}, timeout=5).status_code == 304
    finally:
        for pid in _worker_pids(pool):
            os.kill(pid, signal.SIGCONT)
    uid = query(db_url, "SELECT uid FROM change WHERE superseded_at IS NULL AND published "
                        "ORDER BY significance DESC, uid")[0][0]
    cli("review", "reject", uid, "--by", "anna")
    # the same validator after the change: the new document, with its own ETag, and it parses
    again = httpx.get(base + "/feed.atom", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag
    parsed = feedparser.parse(again.content)
    assert not parsed.bozo and parsed.entries
    assert again.content == httpx.get(base + "/feed.atom").content
    assert httpx.get(base + "/", headers={"If-None-Match": home.headers["etag"]}).status_code == 200
    assert httpx.get(base + "/feed.atom", headers={"If-None-Match": again.headers["etag"]}).status_code == 304

"""Pages rendered in worker processes, so the server process never stalls behind a render.

Why: a page over 1,000 letters is tens of milliseconds of pure Python (ORM rows,
templates). Rendered on threads of the server process, twenty such requests
share one GIL with the event loop, and ``/healthz`` waited up to 160 ms behind
them (bench/healthz.py). Processes do not share a GIL.

What holds:

* The server process answers ``/healthz``, ``/metrics`` and every request that
  writes (any method but GET and HEAD: logins, reviews) itself, so a health
  check never queues behind pages and the login throttle is one per server.
* Every other request (method, path, query, headers, body) goes whole to one of
  ``server.render_processes`` worker processes, each running the same app
  (:func:`monitor.api.create_app`) on its own read-only engine and caches; the
  response comes back whole (status, headers, body, gzip and ETag included) and
  is sent unchanged. A response is the same byte for byte as one rendered
  in-process.
* Workers are started with ``spawn`` (the daemon has scheduler threads; forking
  them is unsafe) and warmed up at start, so the first reader does not wait for
  an import.
* A worker that dies (killed, out of memory) costs no reader a page: the pool is
  replaced and each request it held (GET or HEAD, so safe to repeat) is asked
  once more; only a request that kills a second worker too gets a 503 naming
  the path.
* The workers share one page and feed cache (:class:`monitor.webcache.SharedCache`
  in a folder the pool makes and removes): a data change costs one render of a
  page, whichever worker is asked and however many there are.
* A conditional request (``If-None-Match``, ``If-Modified-Since``) for a document
  the server process has seen a worker send at the current data version is
  answered with its 304 here, from the ETag remembered with that version: no
  trip to a worker (bench/serving.py: as cheap as a bare Starlette app's 304).
  Readers' validators are only ever compared with the current version's, so a
  data change gives the next such request the new document. Requests with a
  cookie or credentials always go to a worker (a page may differ for them).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
import weakref
from concurrent.futures.process import BrokenProcessPool
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any, NamedTuple

from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import Settings
from .common import not_modified

log = logging.getLogger("monitor.web")

# What a worker needs of the ASGI scope (the rest, like the app and router, is the server's own).
_SCOPE_KEYS = ("type", "asgi", "http_version", "method", "scheme", "path", "raw_path", "root_path", "query_string",
               "headers", "client", "server")
LOCAL_PATHS = frozenset({"/healthz", "/metrics"})
# What a remembered 304 carries: the validators and caching rules the worker's response had (RFC 9110 §15.4.5)
_KEPT_HEADERS = (b"etag", b"last-modified", b"cache-control", b"vary", b"expires", b"content-location")
_REMEMBERED = 4096  # documents whose validators the server process keeps (a few hundred bytes each)


class _Validators(NamedTuple):
    version: int
    etag: str
    last_modified: str | None
    headers: list[tuple[bytes, bytes]]

_app: ASGIApp | None = None
_loop: asyncio.AbstractEventLoop | None = None


def _start_worker(server: int, make_app: Callable[..., ASGIApp], settings: Settings, cache_dir: Path) -> None:
    """Worker initializer: the app (``make_app(settings, cache_dir=cache_dir)``) and an event loop, made once
    per process.

    ``server``: the pid of the server process, taken there when the pool was made. Not ``os.getppid()`` here: by
    the time a worker runs this (after importing what unpickling ``make_app`` needs) the server may already be
    gone, and the worker would then wait for a parent that is already gone.
    """
    global _app, _loop
    # Ctrl-C reaches the whole process group: the server process stops the workers, in order
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(server, cache_dir), name="parent-watch", daemon=True).start()
    from ..logs import setup_service_logging
    setup_service_logging()
    _app = make_app(settings, cache_dir=cache_dir)
    _loop = asyncio.new_event_loop()


def _exit_with_parent(parent: int, cache_dir: Path) -> None:
    """End this worker once its server process is gone. A server stopped by a signal exits without running
    its pool's shutdown (uvicorn re-raises the signal; SIGKILL runs nothing), and a worker blocked on the
    task queue would otherwise wait forever: it holds that queue's write end itself, so it never sees EOF.
    The shared cache's folder goes too, then (the server did not live to remove it)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    shutil.rmtree(cache_dir, ignore_errors=True)
    os._exit(0)


def _ready() -> bool:
    return _app is not None


def _respond(scope: dict[str, Any], body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run one request through this worker's app: (status, headers, body)."""
    assert _app is not None and _loop is not None, "worker not started"
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client's disconnect is the server process's business
        raise AssertionError("unreachable")

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))

    _loop.run_until_complete(_app(dict(scope), receive, send))
    return status, headers, b"".join(chunks)


class RenderPool:
    """An ASGI app: ``local`` for health, metrics and writes; a process pool running the app for the rest."""

    def __init__(self, local: ASGIApp, make_app: Callable[..., ASGIApp], settings: Settings, processes: int,
                 version: Callable[[], int | None] | None = None):
        """``make_app(settings, cache_dir=FOLDER)`` builds the app each worker runs, its caches in FOLDER; it
        must be a module-level function (workers are spawned, so it travels by name) — handed in, so this
        module need not import the one that builds it. ``version``: the store's current data version (None
        when unknown); without it every request goes to a worker."""
        if processes < 1:
            raise ValueError("a render pool needs at least one process")
        self.local = local
        self.make_app = make_app
        self.settings = settings
        self.processes = processes
        self.version = version
        self.cache_dir = Path(tempfile.mkdtemp(prefix="policy-monitor-pages-"))
        # removed by close(), else when the pool is collected or the interpreter exits (a caller that never
        # closes it); a worker removes it when a killed server could not
        self._remove_cache = weakref.finalize(self, shutil.rmtree, str(self.cache_dir), True)
        self._validators: dict[tuple[str, bytes], _Validators] = {}
        self._lock = threading.Lock()
        self._warming: list[concurrent.futures.Future[bool]] = []
        self._pool = self._new_pool()

    def _new_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker, initargs=(os.getpid(), self.make_app, self.settings, self.cache_dir))
        # start and warm every worker now, not on the first reader's request
        self._warming = [pool.submit(_ready) for _ in range(self.processes)]
        return pool

    def wait_ready(self, timeout: float = 60) -> None:
        """Block until every worker has started (its app built); raises if one failed to start."""
        for future in self._warming:
            future.result(timeout=timeout)

    def _replace(self, broken: concurrent.futures.ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                log.error("a render process died; starting a new pool of %d", self.processes)
                broken.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()

    def pids(self) -> list[int]:
        """The process ids of the live workers (for operators and tests)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return [p.pid for p in processes.values() if p.is_alive() and p.pid is not None]

    def close(self) -> None:
        """Stop the workers and wait until they are gone. They are ended, not asked: a worker still starting
        (importing and building its app, many seconds on a busy machine) would finish that first, and a
        worker holds nothing to save (it only reads)."""
        pool = self._pool
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=30)
        self._remove_cache()

    def _answer_here(self, scope: Scope, version: int | None) -> _Validators | None:
        """The validators to answer this conditional request with a 304 here, or None (ask a worker)."""
        if version is None:
            return None
        known = self._validators.get((scope["path"], scope.get("query_string", b"")))
        if known is None or known.version != version:
            return None
        headers = _Headers(scope["headers"])
        return known if not_modified(headers, known.etag, known.last_modified) else None

    def _remember(self, scope: Scope, version: int | None, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        """Keep a worker's validators for this URL, valid while the data version is the one read before the
        worker was asked: the worker read a version at least as new, and versions only grow, so the ETag is
        compared only while it is still the document's (or, after a change raced the request, never)."""
        if version is None or status not in (200, 304):
            return
        found = dict((k.lower(), v) for k, v in headers)
        etag = found.get(b"etag")
        if etag is None or b"no-store" in found.get(b"cache-control", b"") or b"set-cookie" in found:
            return
        if len(self._validators) >= _REMEMBERED:
            self._validators.clear()
        last = found.get(b"last-modified")
        self._validators[(scope["path"], scope.get("query_string", b""))] = _Validators(
            version, etag.decode("latin-1"), last.decode("latin-1") if last else None,
            [(k, v) for k, v in headers if k.lower() in _KEPT_HEADERS])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # an orderly stop (uvicorn's lifespan) stops the workers too
            async def receive_then_close() -> MutableMapping[str, Any]:
                message = await receive()
                if message["type"] == "lifespan.shutdown":
                    await asyncio.get_running_loop().run_in_executor(None, self.close)
                return message
            await self.local(scope, receive_then_close, send)
            return
        if scope["type"] != "http" or scope["path"] in LOCAL_PATHS or scope["method"] not in ("GET", "HEAD"):
            await self.local(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        version = None
        names = {k for k, _ in scope["headers"]}
        # only conditional requests read the version (its cost is only worth it where a 304 may follow): a
        # reader's first, plain fetch goes to a worker, its conditional ones are answered here
        if self.version is not None and names & {b"if-none-match", b"if-modified-since"} \
                and not names & {b"cookie", b"authorization"}:
            version = self.version()
            if (known := self._answer_here(scope, version)) is not None:
                await send({"type": "http.response.start", "status": 304, "headers": known.headers})
                await send({"type": "http.response.body", "body": b""})
                return
        job = {k: scope[k] for k in _SCOPE_KEYS if k in scope}
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):  # GET and HEAD only: safe to ask a fresh pool once more
            pool = self._pool
            try:
                status, headers, content = await loop.run_in_executor(pool, _respond, job, body)
                break
            except BrokenProcessPool as exc:
                self._replace(pool)
                if attempt == 2:
                    content = f"render process died while answering {scope['path']}: {exc}; try again".encode()
                    status, headers = 503, [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"1"),
                                            (b"content-length", str(len(content)).encode())]
        self._remember(scope, version, status, headers)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


class _Headers:
    """An ASGI scope's raw headers, read as :func:`not_modified` reads a request's (lower-case names)."""

    def __init__(self, raw: list[tuple[bytes, bytes]]):
        self.raw = raw

    def get(self, name: str) -> str | None:
        key = name.encode()
        for k, v in self.raw:
            if k.lower() == key:
                return v.decode("latin-1")
        return None

"""Reading one letter file in a separate process that is stopped when it takes too long.

Why a process: a hostile file can make a parser work for minutes (a Word file of millions of tiny
paragraphs took 79 s; a bigger one ran past 300 s at 4 GB), and a thread cannot be stopped. A process can:
past ``limits.parse_seconds`` it is killed and the file is refused, naming the limit; its memory goes with
it. A reading process serves one letter after another (a fork per letter cost ten times the parse) and is
replaced when it was stopped, died, or holds too much memory after a letter. A process with one thread (the
CLI) forks it. In a writer with threads (the daemon's scheduler and server) it is forked from a server process
that has the pipeline imported already (multiprocessing's ``forkserver``), so none is forked from the writer's
threads. On a pool
worker of :mod:`monitor.workers` (one thread, forked from the writer, the language already loaded) it is
forked from that worker: the writer's fork server is not the worker's to use.

What holds: :func:`prepare` returns what :func:`monitor.work.prepare_letter` returns (a
:class:`~monitor.work.LetterWork`, never raising), with a timed-out or dead child as the file's error;
:func:`parse_letter` returns the parsed letter or raises :class:`~monitor.parse.InputError` (the file's
fault: refused, over a limit, or a child that died) or :class:`ParserFailure` (a parser bug).
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import threading
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext, ForkServerContext
from multiprocessing.process import BaseProcess

from .limits import Limits
from .model import LetterMeta, ParsedLetter
from .parse import DEFAULT_MAX_BYTES, InputError
from .work import LetterWork, prepare_letter
from .workers import child_of_writer

_context: ForkServerContext | None = None
_context_pid = 0
_context_lock = threading.Lock()


class ParserFailure(RuntimeError):
    """The parser raised something other than InputError: a bug, reported with the file, never a crash."""


def _ctx() -> ForkContext | ForkServerContext:
    global _context, _context_pid
    if threading.active_count() == 1:
        # one thread (the CLI, a pool worker): a plain fork is safe, inherits the warm caches, and needs no
        # fork server (starting one is an interpreter start, ~0.4 s the first letter waited for)
        return multiprocessing.get_context("fork")
    with _context_lock:
        if _context is not None and _context_pid != os.getpid():
            # a fork of the process that started the fork server (a pool worker of monitor.workers, one
            # thread): that server is not ours to ask (multiprocessing would wait on a process that is not
            # our child); fork is safe here and inherits the warm caches
            return multiprocessing.get_context("fork")
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            # monitor.parsewarm runs one small parse in the server, so every child inherits warm caches
            ctx.set_forkserver_preload(["monitor.work", "monitor.parsewarm"])
            _context, _context_pid = ctx, os.getpid()
        return _context


def _serve(conn: Connection, theirs: Connection) -> None:
    """A reading process: letters in, (:class:`LetterWork`, whether it ends now) out, until the other end
    closes. It ends itself after a letter that left it holding more than ``RECYCLE_RSS_MB`` (Python keeps
    memory it once held), and says so with that letter's result, so the next letter starts in a fresh one.

    It dies with the process that started it (``PR_SET_PDEATHSIG``) and closes that process's end of the pipe
    (``theirs``, inherited by a fork): a killed ingest leaves no reader holding its output open."""
    theirs.close()
    child_of_writer()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the process that asks is gone: so are we
            return
        work = prepare_letter(*job)
        leaving = _rss_mb() > RECYCLE_RSS_MB
        conn.send((work, leaving))
        if leaving:
            return


def _rss_mb() -> float:
    """This process's resident memory now (Linux), else its peak."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


RECYCLE_RSS_MB = 400  # a reading process that peaked above this is replaced after its letter

# Idle reading processes of this process (the pid: a fork's are not its own), reused letter after letter:
# one fork per letter cost ~30 ms, the parse itself ~3 ms (bench/e2e.py). Taken one per call, so threads
# (the daemon's polls) never share one.
_idle: list[tuple[int, BaseProcess, Connection]] = []
_idle_lock = threading.Lock()


def _take() -> tuple[BaseProcess, Connection]:
    with _idle_lock:
        while _idle:
            pid, proc, conn = _idle.pop()
            if pid == os.getpid() and proc.is_alive():
                return proc, conn
    ctx = _ctx()
    ours, theirs = ctx.Pipe(duplex=True)
    proc = ctx.Process(target=_serve, args=(theirs, ours), daemon=True, name="policy-monitor parse")
    proc.start()
    theirs.close()  # ours only: a process that dies makes recv() end, not wait
    return proc, ours


def _give_back(proc: BaseProcess, conn: Connection) -> None:
    with _idle_lock:
        _idle.append((os.getpid(), proc, conn))


def _stop(proc: BaseProcess, conn: Connection) -> None:
    conn.close()
    if proc.is_alive():
        proc.kill()
    proc.join()


def prepare(data: bytes, name: str, override: LetterMeta | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
            limits: Limits | None = None) -> LetterWork:
    """:func:`monitor.work.prepare_letter` in a reading process stopped after ``limits.parse_seconds`` (then
    killed, with whatever memory the file made it take; the next letter gets a new one)."""
    limits = limits or Limits()
    proc, conn = _take()
    try:
        try:
            conn.send((data, name, override, max_bytes, limits))
        except OSError:  # an idle one that ended meanwhile (killed from outside): this letter gets a new one
            _stop(proc, conn)
            proc, conn = _take()
            conn.send((data, name, override, max_bytes, limits))
        if not conn.poll(limits.parse_seconds):
            _stop(proc, conn)
            return LetterWork(error=f"reading took more than {limits.parse_seconds:g} s (limits.parse_seconds): "
                                    "stopped; refused, nothing stored")
        work, leaving = conn.recv()
    except (EOFError, OSError):
        proc.join(5)
        code = proc.exitcode
        _stop(proc, conn)
        return LetterWork(error=f"the process reading the file died (exit status {code}; "
                                "out of memory?): refused, nothing stored")
    if leaving:
        _stop(proc, conn)
    else:
        _give_back(proc, conn)
    return work


def parse_letter(data: bytes, name: str, override: LetterMeta | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, limits: Limits | None = None) -> ParsedLetter:
    """:func:`monitor.pipeline.parse_letter` in a child stopped after ``limits.parse_seconds``."""
    work = prepare(data, name, override, max_bytes, limits)
    if work.parsed is not None:
        return work.parsed
    if work.error:
        raise InputError(work.error)
    raise ParserFailure(work.crash)

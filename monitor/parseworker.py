"""Reading one letter file in a child process that is stopped when it takes too long.

Why a process: a hostile file can make a parser work for minutes (a Word file of millions of tiny
paragraphs took 79 s; a bigger one ran past 300 s at 4 GB), and a thread cannot be stopped. A process can:
past ``limits.parse_seconds`` it is killed and the file is refused, naming the limit; its memory goes with
it. In the writer (which may have threads: the daemon's scheduler and server) the child is forked from a
server process that has the pipeline imported already (multiprocessing's ``forkserver``), so one costs
milliseconds, not an interpreter start, and none is forked from the writer's threads. On a pool worker of
:mod:`monitor.workers` (one thread, forked from the writer, the language already loaded) it is forked from
that worker: the writer's fork server is not the worker's to use.

What holds: :func:`prepare` returns what :func:`monitor.work.prepare_letter` returns (a
:class:`~monitor.work.LetterWork`, never raising), with a timed-out or dead child as the file's error;
:func:`parse_letter` returns the parsed letter or raises :class:`~monitor.parse.InputError` (the file's
fault: refused, over a limit, or a child that died) or :class:`ParserFailure` (a parser bug).
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext, ForkServerContext

from .limits import Limits
from .model import LetterMeta, ParsedLetter
from .parse import DEFAULT_MAX_BYTES, InputError
from .work import LetterWork, prepare_letter

_context: ForkServerContext | None = None
_context_pid = 0
_context_lock = threading.Lock()


class ParserFailure(RuntimeError):
    """The parser raised something other than InputError: a bug, reported with the file, never a crash."""


def _ctx() -> ForkContext | ForkServerContext:
    global _context, _context_pid
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


def _work(conn: Connection, data: bytes, name: str, override: LetterMeta | None, max_bytes: int,
          limits: Limits) -> None:
    conn.send(prepare_letter(data, name, override, max_bytes, limits))
    conn.close()


def prepare(data: bytes, name: str, override: LetterMeta | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
            limits: Limits | None = None) -> LetterWork:
    """:func:`monitor.work.prepare_letter` in a child process stopped after ``limits.parse_seconds``."""
    limits = limits or Limits()
    ctx = _ctx()
    receive, send = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_work, args=(send, data, name, override, max_bytes, limits), daemon=True,
                         name="policy-monitor parse")
    worker.start()
    send.close()  # ours closed: a child that dies makes receive() end, not wait
    try:
        if not receive.poll(limits.parse_seconds):
            return LetterWork(error=f"reading took more than {limits.parse_seconds:g} s (limits.parse_seconds): "
                                    "stopped; refused, nothing stored")
        try:
            work: LetterWork = receive.recv()
        except (EOFError, OSError):
            worker.join(5)
            return LetterWork(error=f"the process reading the file died (exit status {worker.exitcode}; "
                                    "out of memory?): refused, nothing stored")
    finally:
        receive.close()
        if worker.is_alive():
            worker.kill()
        worker.join()
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

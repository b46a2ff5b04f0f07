"""Ingestion: candidates from any source → stored letters, one transaction each.

What holds: a failing file (unreadable, corrupt, too large, a database error)
is logged in ``ingest_log`` with a message naming it and never stops the
others; nothing already stored changes when a file fails, because each file
is stored in its own transaction and rolled back whole. A database that
refuses writes (locked, read-only) fails the file with a message saying so,
and the next file is still tried.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from . import faults
from .ids import sha256
from .limits import Limits
from .parseworker import prepare
from .sources.base import Candidate
from .sources.folder import Listed, candidate_for, listing, shown_path
from .store import letters as repo
from .store import version as data_version
from .work import LetterWork
from .workers import ordered

if TYPE_CHECKING:  # the analysis is the caller's to give; ingesting never needs it
    from .ingest_analysis import IngestAnalysis, LetterAnalysis

log = logging.getLogger("monitor.ingest")


@dataclass(frozen=True)
class IngestResult:
    locator: str
    outcome: str
    message: str
    letter_key: str = ""
    letter_id: int | None = None

    @property
    def changed(self) -> bool:
        return self.outcome in (repo.STORED, repo.NEW_VERSION, repo.REDATED)

    @property
    def failed(self) -> bool:
        return self.outcome in (repo.ERROR, repo.FAILED_BEFORE)


def _record(sessions: sessionmaker[Session], cand: Candidate, outcome: str, message: str, now: dt.datetime,
            started: float, letter: str = "", fingerprint: str = "") -> None:
    """Log an outcome; a database that cannot take the entry (locked, read-only) is reported, never raised,
    so the next file is still tried."""
    try:
        with sessions.begin() as session:
            repo.log(session, kind=cand.kind, locator=cand.locator, outcome=outcome, message=message, letter=letter,
                     now=now, duration_ms=(time.perf_counter() - started) * 1000, fingerprint=fingerprint)
    except SQLAlchemyError as exc:
        log.error("%s: could not record %s in the ingest log: %s", cand.locator, outcome, _db_error(exc),
                  extra=_fields(cand))


def _fields(cand: Candidate, letter: str = "") -> dict[str, str]:
    """The structured fields of a log line about one candidate (see :mod:`monitor.logs`)."""
    return {"source": cand.kind, "locator": cand.locator, "letter": letter}


def _db_error(exc: SQLAlchemyError) -> str:
    """The driver's own words ("database is locked"), without SQLAlchemy's statement dump."""
    orig = getattr(exc, "orig", None)
    return f"{type(orig or exc).__name__}: {orig or exc}".splitlines()[0]


def _stored_meanwhile(sessions: sessionmaker[Session], cand: Candidate, now: dt.datetime,
                      fingerprint: str) -> tuple[str, int] | None:
    """(key, id) of the letter another process stored from these bytes, or None."""
    try:
        with sessions.begin() as session:
            known = repo.current_source(session, cand.kind, cand.locator, fingerprint)
            if known is None:
                return None
            repo.seen_again(known, now, cand.stat)
            return known.letter.key, known.letter_id
    except SQLAlchemyError:
        return None


def _lookup(sessions: sessionmaker[Session], cand: Candidate, now: dt.datetime, started: float,
            fingerprint: str) -> IngestResult | None:
    """The result for a candidate that needs no parsing (known, failed before with these bytes, or a
    source error), or None."""
    try:
        with sessions.begin() as session:
            known = repo.current_source(session, cand.kind, cand.locator, fingerprint)
            if known is not None:
                repo.seen_again(known, now, cand.stat)
                letter_key, letter_id = known.letter.key, known.letter_id
            failed = None if known is not None else repo.failed_before(session, cand.kind, cand.locator, fingerprint)
    except SQLAlchemyError as exc:
        message = f"database error, nothing stored: {_db_error(exc)}"
        log.error("%s: %s", cand.locator, message, extra=_fields(cand))
        return IngestResult(cand.locator, repo.ERROR, message)
    if known is not None:
        return IngestResult(cand.locator, repo.UNCHANGED, f"unchanged since last ingest ({letter_key})",
                            letter_key, letter_id)
    if failed is not None:
        return IngestResult(cand.locator, repo.FAILED_BEFORE,
                            f"unchanged since it failed ({failed}); not retried until the file changes")
    if cand.error or cand.data is None:
        message = cand.error or "no data"
        log.error("%s: %s", cand.locator, message, extra=_fields(cand))
        _record(sessions, cand, repo.ERROR, message, now, started, fingerprint=fingerprint)
        return IngestResult(cand.locator, repo.ERROR, message)
    return None


def _fingerprint(cand: Candidate) -> str:
    return sha256(cand.data + cand.extra) if cand.data is not None else sha256(cand.error or "no data")


def _failed(sessions: sessionmaker[Session], cand: Candidate, now: dt.datetime, exc: Exception) -> IngestResult:
    """Whatever went wrong with one file outside parsing (a bug, an odd name): that file's error, the run goes on."""
    message = f"could not ingest: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    log.exception("%s: %s", cand.locator, message, extra=_fields(cand))
    try:
        _record(sessions, cand, repo.ERROR, message, now, time.perf_counter())
    except Exception:  # noqa: BLE001 - the log line above is what is left
        pass
    return IngestResult(cand.locator, repo.ERROR, message)


def ingest_one(sessions: sessionmaker[Session], cand: Candidate, now: dt.datetime, max_bytes: int,
               limits: Limits | None = None) -> IngestResult:
    """Store one candidate in its own transaction; every failure is a result, never an exception.

    A candidate that failed before with the same bytes (or the same source
    error) is not parsed again: it answers ``failed_before`` until it changes.
    ``limits``: how much reading the file may cost (:mod:`monitor.limits`); past one it fails, nothing stored.
    """
    try:
        started = time.perf_counter()
        fingerprint = _fingerprint(cand)
        early = _lookup(sessions, cand, now, started, fingerprint)
        if early is not None:
            return early
        return _store(sessions, cand, _prepare((cand, max_bytes, limits or Limits())), now, started, fingerprint)
    except Exception as exc:  # noqa: BLE001 - one bad file is one failed file, whatever went wrong
        return _failed(sessions, cand, now, exc)


def _prepare(job: tuple[Candidate, int, Limits]) -> LetterWork:
    """Parse one candidate (on a pool worker or here) in a process stopped at ``limits.parse_seconds``."""
    cand, max_bytes, limits = job
    assert cand.data is not None
    return prepare(cand.data, cand.name, cand.override, max_bytes, limits)


def _prepare_analysed(analysis: IngestAnalysis | None,
                      job: tuple[Candidate, int, Limits]) -> tuple[LetterWork, LetterAnalysis | None]:
    """:func:`_prepare`, then (given ``analysis``) the parsed letter's topics, functions and scope, on the same
    worker: the writer stores them with the letter instead of reading it back to analyse it."""
    work = _prepare(job)
    if analysis is None or work.parsed is None:
        return work, None
    try:
        return work, analysis.compute(work.parsed)
    except Exception:  # noqa: BLE001 - an analysis bug: the letter is stored, and analysed (and reported) after
        log.exception("%s: could not analyse while ingesting; analysed after storing", job[0].locator)
        return work, None


def ingest_many(sessions: sessionmaker[Session], cands: Iterable[Candidate], now: dt.datetime, max_bytes: int,
                workers: int = 1, limits: Limits | None = None,
                analysis: IngestAnalysis | None = None) -> Iterator[IngestResult]:
    """:func:`ingest_one` for each candidate, in order, with the parsing on ``workers`` processes
    (:func:`monitor.workers.ordered`) while this process stores: the same results, the same rows.

    ``analysis``: also analyse each letter on the workers and store the analysis with it
    (:class:`monitor.ingest_analysis.IngestAnalysis`); the letters it could not are left due, as without it.
    """
    limits = limits or Limits()
    todo: list[tuple[Candidate, float, str, IngestResult | None]] = []
    for cand in cands:
        started = time.perf_counter()
        try:
            fingerprint = _fingerprint(cand)
            early = _lookup(sessions, cand, now, started, fingerprint)
        except Exception as exc:  # noqa: BLE001 - one bad file is one failed file
            fingerprint, early = "", _failed(sessions, cand, now, exc)
        todo.append((cand, started, fingerprint, early))
    jobs = [(cand, max_bytes, limits) for cand, _, _, early in todo if early is None]
    if analysis is not None and jobs:
        analysis.begin()
    prepared = ordered(functools.partial(_prepare_analysed, analysis), jobs, workers)
    for cand, started, fingerprint, early in todo:
        if early is not None:
            yield early
            continue
        work, analysed = next(prepared)
        try:
            yield _store(sessions, cand, work, now, started, fingerprint, analysis, analysed)
        except Exception as exc:  # noqa: BLE001 - one bad file is one failed file
            yield _failed(sessions, cand, now, exc)
    if analysis is not None:
        analysis.finish()


def _store(sessions: sessionmaker[Session], cand: Candidate, work: LetterWork, now: dt.datetime, started: float,
           fingerprint: str, analysis: IngestAnalysis | None = None,
           analysed: LetterAnalysis | None = None) -> IngestResult:
    if work.error:
        log.error("%s: %s", cand.locator, work.error, extra=_fields(cand))
        _record(sessions, cand, repo.ERROR, work.error, now, started, fingerprint=fingerprint)
        return IngestResult(cand.locator, repo.ERROR, work.error)
    if work.parsed is None:  # a parser bug: reported with its traceback, the other files still tried
        log.error("%s: %s\n%s", cand.locator, work.crash, work.trace.rstrip(), extra=_fields(cand))
        _record(sessions, cand, repo.ERROR, work.crash, now, started, fingerprint=fingerprint)
        return IngestResult(cand.locator, repo.ERROR, work.crash)
    parsed = work.parsed
    warnings = [w for w in parsed.extracted.warnings] + [f"{f.kind}: {f.text}" for f in parsed.cleaned.flags]
    try:
        with sessions.begin() as session:
            # Looked up again in the storing transaction: another process may have stored these very bytes
            # while we parsed them (the unique keys catch the case where both insert at once, below).
            again = repo.current_source(session, cand.kind, cand.locator, fingerprint)
            if again is not None:
                repo.seen_again(again, now, cand.stat)
                key, letter_id = again.letter.key, again.letter_id
                log.info("%s: already known (stored meanwhile by another process: %s)", cand.locator, key,
                         extra=_fields(cand, key))
                return IngestResult(cand.locator, repo.UNCHANGED,
                                    f"already known: stored meanwhile by another process ({key})", key, letter_id)
            out = repo.store_parsed(session, parsed, cand.data or b"", kind=cand.kind, locator=cand.locator,
                                    filename=cand.name, now=now, external_id=cand.external_id,
                                    fingerprint=fingerprint, aliases=cand.aliases, stat=cand.stat,
                                    analysed=analysed.statements if analysed is not None else None)
            if analysis is not None:
                analysis.write(session, out, analysed, parsed.statements)
            message = out.message + (f"; warnings: {'; '.join(warnings)}" if warnings else "")
            repo.log(session, kind=cand.kind, locator=cand.locator, outcome=out.outcome, message=message,
                     letter=out.letter_key, now=now, duration_ms=(time.perf_counter() - started) * 1000)
            data_version.bump(session, now)
        if analysis is not None:
            analysis.committed()
    except IntegrityError as exc:
        # Another process stored these very bytes between our look-up and our insert (a unique key
        # said so): what it stored is what we would have stored, so the letter is already known.
        meanwhile = _stored_meanwhile(sessions, cand, now, fingerprint)
        if meanwhile is not None:
            log.info("%s: already known (stored meanwhile by another process: %s)", cand.locator, meanwhile[0],
                     extra={"letter": meanwhile[0], "source": cand.kind})
            return IngestResult(cand.locator, repo.UNCHANGED,
                                f"already known: stored meanwhile by another process ({meanwhile[0]})", *meanwhile)
        message = f"database error, nothing stored: {_db_error(exc)}"
        log.error("%s: %s", cand.locator, message, extra=_fields(cand))
        _record(sessions, cand, repo.ERROR, message, now, started)
        return IngestResult(cand.locator, repo.ERROR, message)
    except SQLAlchemyError as exc:
        # not remembered as a failure of the file: the next attempt tries it again
        message = f"database error, nothing stored: {_db_error(exc)}"
        log.error("%s: %s", cand.locator, message, extra=_fields(cand))
        _record(sessions, cand, repo.ERROR, message, now, started)
        return IngestResult(cand.locator, repo.ERROR, message)
    faults.point("ingest")
    for w in warnings:
        log.warning("%s: %s", cand.locator, w, extra=_fields(cand, out.letter_key))
    log.info("%s: %s", cand.locator, message, extra=_fields(cand, out.letter_key))
    return IngestResult(cand.locator, out.outcome, message, out.letter_key, out.letter_id)


def inbox_candidates(paths: Iterable[str | os.PathLike[str]], extensions: tuple[str, ...],
                     max_bytes: int, known: Mapping[str, str] | None = None,
                     ready: Callable[[Path], bool] | None = None) -> Iterator[Candidate]:
    """Candidates for letter files under ``paths`` (folders are walked, files taken as named).

    A symbolic link found inside a folder is followed only when it stays inside
    that folder: a link to ``/etc/passwd`` dropped in the inbox is an error
    naming it, never read, stored or served. ``known``: locator → stat key of
    the files read before; a file found with the same key is unchanged and
    left out, unread. Whatever goes wrong listing a folder or looking at a file
    (a name that is not UTF-8, one too long for a sidecar) is that folder's or
    that file's error; the next ones are still listed. ``ready``: a file it says no to is passed over this
    time (:class:`~monitor.sources.folder.Settle`: still being written).
    """
    for root in map(Path, paths):
        try:
            inside = root.resolve() if root.is_dir() else None
            found = listing([root], extensions)
        except Exception as exc:  # noqa: BLE001 - a folder that cannot be listed is one error
            yield Candidate("folder", shown_path(root.absolute()), shown_path(root.name),
                            error=f"cannot list the folder: {type(exc).__name__}: {exc}")
            continue
        for listed in found:
            if listed.stat and known is not None and known.get(listed.locator) == listed.stat:
                continue
            path = listed.path
            try:
                if ready is not None and path.exists() and not ready(path):
                    log.debug("%s: still changing; taken once it is the same at two polls", shown_path(path))
                    continue
                cand = _candidate(listed, inside, max_bytes)
            except Exception as exc:  # noqa: BLE001
                cand = Candidate("folder", shown_path(path.absolute()), shown_path(path.name),
                                 error=f"cannot read file: {type(exc).__name__}: {exc}")
            yield cand


def _candidate(listed: Listed, inside: Path | None, max_bytes: int) -> Candidate:
    path = listed.path
    if listed.locator:  # found by walking the folder, not a link: inside it by construction
        return candidate_for(path, max_bytes)
    if inside is not None and not path.resolve().is_relative_to(inside):
        return Candidate("folder", shown_path(path.absolute()), shown_path(path.name),
                         error=f"link to {shown_path(path.resolve())} leads outside the inbox {inside}: not followed")
    if not path.exists():
        return Candidate("folder", shown_path(path), shown_path(path.name), error="no such file or folder")
    return candidate_for(path, max_bytes)

"""Ingestion: candidates from any source → stored letters, one transaction each.

What holds: a failing file (unreadable, corrupt, too large, a database error)
is logged in ``ingest_log`` with a message naming it and never stops the
others; nothing already stored changes when a file fails, because each file
is stored in its own transaction and rolled back whole.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .ids import sha256
from .parse import InputError
from .pipeline import parse_letter
from .sources.base import Candidate
from .store import letters as repo

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
        return self.outcome in (repo.STORED, repo.NEW_VERSION)

    @property
    def failed(self) -> bool:
        return self.outcome == repo.ERROR


def _record(sessions: sessionmaker[Session], cand: Candidate, outcome: str, message: str, now: dt.datetime,
            started: float, letter: str = "") -> None:
    with sessions.begin() as session:
        repo.log(session, kind=cand.kind, locator=cand.locator, outcome=outcome, message=message, letter=letter,
                 now=now, duration_ms=(time.perf_counter() - started) * 1000)


def ingest_one(sessions: sessionmaker[Session], cand: Candidate, now: dt.datetime, max_bytes: int) -> IngestResult:
    started = time.perf_counter()
    if cand.error or cand.data is None:
        message = cand.error or "no data"
        log.error("%s: %s", cand.locator, message)
        _record(sessions, cand, repo.ERROR, message, now, started)
        return IngestResult(cand.locator, repo.ERROR, message)
    fingerprint = sha256(cand.data + cand.extra)
    with sessions.begin() as session:
        known = repo.known_source(session, cand.kind, cand.locator, fingerprint)
        if known is not None:
            known.last_seen = now
            letter_key = known.letter.key
            letter_id = known.letter_id
    if known is not None:
        return IngestResult(cand.locator, repo.UNCHANGED, f"unchanged since last ingest ({letter_key})",
                            letter_key, letter_id)
    try:
        parsed = parse_letter(cand.data, cand.name, cand.override, max_bytes=max_bytes)
    except InputError as exc:
        log.error("%s: %s", cand.locator, exc)
        _record(sessions, cand, repo.ERROR, str(exc), now, started)
        return IngestResult(cand.locator, repo.ERROR, str(exc))
    except Exception as exc:  # a parser bug must not stop the other files  # noqa: BLE001
        message = f"could not parse: {type(exc).__name__}: {exc}"
        log.exception("%s: %s", cand.locator, message)
        _record(sessions, cand, repo.ERROR, message, now, started)
        return IngestResult(cand.locator, repo.ERROR, message)
    warnings = [w for w in parsed.extracted.warnings] + [f"{f.kind}: {f.text}" for f in parsed.cleaned.flags]
    try:
        with sessions.begin() as session:
            out = repo.store_parsed(session, parsed, cand.data, kind=cand.kind, locator=cand.locator,
                                    filename=cand.name, now=now, external_id=cand.external_id,
                                    fingerprint=fingerprint, aliases=cand.aliases)
            message = out.message + (f"; warnings: {'; '.join(warnings)}" if warnings else "")
            repo.log(session, kind=cand.kind, locator=cand.locator, outcome=out.outcome, message=message,
                     letter=out.letter_key, now=now, duration_ms=(time.perf_counter() - started) * 1000)
    except SQLAlchemyError as exc:
        message = f"database error, nothing stored: {exc.__class__.__name__}: {exc}"
        log.error("%s: %s", cand.locator, message)
        _record(sessions, cand, repo.ERROR, message, now, started)
        return IngestResult(cand.locator, repo.ERROR, message)
    for w in warnings:
        log.warning("%s: %s", cand.locator, w)
    log.info("%s: %s", cand.locator, message)
    return IngestResult(cand.locator, out.outcome, message, out.letter_key, out.letter_id)

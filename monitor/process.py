"""Running the analysis stages over stored letters (the edge between store and pure core).

Topic analysis runs per letter, one transaction each, and records the run
(code version + configuration fingerprint) that produced every assignment.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings
from .function import classify
from .scope import ScopeVerdict, SubjectSpec, assess_scope
from .store import analysis as store
from .store import queries
from .store.models import Letter
from .timeline import Timeline
from .topics import ANALYSIS_VERSION, LetterContext, TopicScheme

log = logging.getLogger("monitor.process")


def scheme_for(settings: Settings) -> TopicScheme:
    return TopicScheme(settings.topics, extra=settings.subject)


def subject_for(settings: Settings) -> SubjectSpec | None:
    """The monitor's subject (None: every statement is in scope)."""
    s = settings.subject
    return SubjectSpec(s.name, s.terms, s.others) if s.name and s.terms else None


_IN_SCOPE = ScopeVerdict(True, "default", (), (), ())  # no subject configured: everything is in scope


def analyse_topics(sessions: sessionmaker[Session], scheme: TopicScheme, now: dt.datetime,
                   letter_ids: Iterable[int] | None = None, note: str = "",
                   subject: SubjectSpec | None = None) -> tuple[int, int]:
    """(Re)assign topics, statement functions and scope for the given letters (all when None).

    Returns (letters, topic assignments).
    """
    with sessions.begin() as session:
        ids = list(letter_ids) if letter_ids is not None else list(session.scalars(select(Letter.id)))
        run = store.start_run(session, kind="topics", version=ANALYSIS_VERSION, fingerprint=scheme.fingerprint(),
                              config={"topics": [dataclasses.asdict(s) for s in scheme.specs]}, now=now, note=note)
        run_id = run.id
    total = 0
    for lid in ids:
        with sessions.begin() as session:
            letter = session.get(Letter, lid)
            if letter is None:
                continue
            records = queries.statements(session, letter)
            statements = [store.to_statement(r) for r in records]
            assignments = scheme.assign(statements, LetterContext(letter.title or "", letter.kind or ""))
            scopes = (assess_scope(statements, subject, letter.title) if subject is not None and subject.terms
                      else [_IN_SCOPE] * len(statements))
            store.replace_functions(records, classify(statements), scopes)
            run = session.get(store.AnalysisRun, run_id)
            total += store.replace_topics(session, records, assignments, run)
    with sessions.begin() as session:
        run = session.get(store.AnalysisRun, run_id)
        run.letters = len(ids)
        run.finished_at = now
    log.info("topics: %d letters, %d assignments (run %d)", len(ids), total, run_id)
    return len(ids), total


def topics_outdated(sessions: sessionmaker[Session], scheme: TopicScheme) -> bool:
    """Was the stored topic analysis made by another code version or configuration?"""
    with sessions() as session:
        last = store.latest_run(session, "topics")
        return last is not None and last.fingerprint != scheme.fingerprint()


def analyse_letters(sessions: sessionmaker[Session], settings: Settings, now: dt.datetime,
                    letter_ids: list[int] | None, note: str = "", timeline: Timeline | None = None) -> str:
    """Bring the analysis up to date after ingest (``letter_ids``) or for everything (None).

    Topics first, then position changes. A changed topic configuration or
    analysis version re-runs every letter, so no stored result is ever from a
    configuration other than the current one. Pass a long-lived ``timeline``
    (the daemon does) to keep the standing positions in memory between calls.
    """
    scheme = scheme_for(settings)
    if letter_ids is not None and topics_outdated(sessions, scheme):
        letter_ids, note = None, "configuration or analysis version changed"
    timeline = timeline or Timeline(settings)
    parts = []
    if letter_ids is None or letter_ids:
        n_letters, n_topics = analyse_topics(sessions, scheme, now, letter_ids, note=note,
                                             subject=subject_for(settings))
        parts.append(f"topics: {n_topics} assignments in {n_letters} letters")
    n_changed = timeline.update(sessions, now, letter_ids, note=note)
    if n_changed:
        parts.append(f"changes: computed for {n_changed} letters")
    return "; ".join(parts)

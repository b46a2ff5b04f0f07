"""Running the analysis stages over stored letters (the edge between store and pure core).

Topic analysis runs per letter, one transaction each, and records the run
(code version + configuration fingerprint) that produced every assignment.
"""
from __future__ import annotations

import dataclasses
import functools
import datetime as dt
import logging
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from . import faults
from .config import Settings, SubjectSettings
from .function import classify
from .scope import ScopeVerdict, SubjectSpec, assess_scope
from .store import analysis as store
from .store import queries
from .store.models import Letter
from .timeline import Progress, Timeline, no_progress
from .topics import ANALYSIS_VERSION, LetterContext, TopicScheme, TopicSpec

log = logging.getLogger("monitor.process")


def scheme_for(settings: Settings) -> TopicScheme:
    """The topic scheme of these settings: one per configuration and process, so the daemon's analysis
    passes share its caches (lemmatised topic terms) instead of building them again for every letter."""
    return _scheme(settings.topics, settings.subject)


@functools.lru_cache(maxsize=8)
def _scheme(topics: tuple[TopicSpec, ...], subject: SubjectSettings) -> TopicScheme:
    return TopicScheme(topics, extra=subject)


def subject_for(settings: Settings) -> SubjectSpec | None:
    """The monitor's subject (None: every statement is in scope)."""
    s = settings.subject
    return SubjectSpec(s.name, s.terms, s.others) if s.name and s.terms else None


_IN_SCOPE = ScopeVerdict(True, "default", (), (), ())  # no subject configured: everything is in scope


def topics_due(session: Session, scheme: TopicScheme) -> list[int]:
    """Letters whose topics are missing, for an older version, or from another configuration or code version.

    This is the durable to-do list: a letter stored but never analysed (a
    crash, a kill, a failed analysis) stays on it until its topics commit.
    """
    fingerprint = scheme.fingerprint()
    rows = session.execute(
        select(Letter.id, Letter.current_version_id, Letter.topics_version_id, store.AnalysisRun.fingerprint)
        .outerjoin(store.AnalysisRun, store.AnalysisRun.id == Letter.topics_run_id)
        .order_by(Letter.id))
    return [lid for lid, current, done, fp in rows
            if current is not None and (done != current or fp != fingerprint)]


def analyse_topics(sessions: sessionmaker[Session], scheme: TopicScheme, now: dt.datetime,
                   letter_ids: Iterable[int] | None = None, note: str = "",
                   subject: SubjectSpec | None = None, progress: Progress = no_progress) -> tuple[int, int]:
    """(Re)assign topics, statement functions and scope for the given letters (all when None).

    Each letter is one transaction that also records which run and version
    its topics are for, and marks its changes due: a crash between letters
    leaves every letter either done or still due, never half done.
    Returns (letters, topic assignments).
    """
    with sessions.begin() as session:
        ids = list(letter_ids) if letter_ids is not None else list(session.scalars(select(Letter.id)))
        run = store.start_run(session, kind="topics", version=ANALYSIS_VERSION, fingerprint=scheme.fingerprint(),
                              config={"topics": [dataclasses.asdict(s) for s in scheme.specs]}, now=now, note=note)
        run_id = run.id
    total = 0
    tick = progress("topics", len(ids))
    for lid in ids:
        with sessions.begin() as session:
            letter = session.get(Letter, lid)
            if letter is None:
                tick()
                continue
            records = queries.statements(session, letter)
            statements = [store.to_statement(r) for r in records]
            assignments = scheme.assign(statements, LetterContext(letter.title or "", letter.kind or ""))
            scopes = (assess_scope(statements, subject, letter.title) if subject is not None and subject.terms
                      else [_IN_SCOPE] * len(statements))
            store.replace_functions(session, records, classify(statements), scopes)
            run = session.get_one(store.AnalysisRun, run_id)
            total += store.replace_topics(session, records, assignments, run)
            letter.topics_run_id, letter.topics_version_id = run_id, letter.current_version_id
            letter.changes_version_id = None  # its changes (and every later letter's) follow its topics
        faults.point("topics")
        tick()
    with sessions.begin() as session:
        run = session.get_one(store.AnalysisRun, run_id)
        run.letters = len(ids)
        run.finished_at = now
    log.info("topics: %d letters, %d assignments (run %d)", len(ids), total, run_id)
    return len(ids), total


class EmptyScheme(ValueError):
    """Analysing with no topics would remove every topic assignment and change; refused."""


def analyse_letters(sessions: sessionmaker[Session], settings: Settings, now: dt.datetime,
                    letter_ids: list[int] | None = None, note: str = "", timeline: Timeline | None = None,
                    progress: Progress = no_progress) -> str:
    """Bring the analysis up to date (``letter_ids`` a list, possibly empty) or redo everything (None).

    What is due is read from the store, not from the caller: letters whose
    topics are missing or stale (a changed configuration or analysis version
    makes that every letter), then the changes of every letter from the
    earliest one due onwards. ``letter_ids`` are only a hint for the log, so
    a run that died half-way is finished by the next call, whoever makes it.
    Pass a long-lived ``timeline`` (the daemon does) to keep the standing
    positions in memory between calls.
    """
    scheme = scheme_for(settings)
    if not scheme.specs:
        raise EmptyScheme("no topics configured: refusing to analyse, as that would remove every topic "
                          "assignment and change (add [topics.NAME] tables to the config)")
    timeline = timeline or Timeline(settings)
    with sessions() as session:
        due = None if letter_ids is None else topics_due(session, scheme)
        if due and not note:
            stale = topics_outdated(session, scheme)
            note = "configuration or analysis version changed" if stale else ""
    parts = []
    if due is None or due:
        n_letters, n_topics = analyse_topics(sessions, scheme, now, due, note=note, subject=subject_for(settings),
                                             progress=progress)
        parts.append(f"topics: {n_topics} assignments in {n_letters} letters")
    n_changed = timeline.update(sessions, now, None if letter_ids is None else [], note=note, progress=progress)
    if n_changed:
        parts.append(f"changes: computed for {n_changed} letters")
    return "; ".join(parts)


def topics_outdated(session: Session, scheme: TopicScheme) -> bool:
    """Was the latest finished topic analysis made by another code version or configuration?"""
    last = store.latest_run(session, "topics")
    return last is not None and last.fingerprint != scheme.fingerprint()

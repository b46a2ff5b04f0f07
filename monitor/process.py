"""Running the analysis stages over stored letters (the edge between store and pure core).

Topic analysis runs per letter, one transaction each, and records the run
(code version + configuration fingerprint) that produced every assignment.
"""
from __future__ import annotations

import dataclasses
import functools
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from . import faults
from .config import Settings, SubjectSettings
from .function import classify
from .lang import dutch
from .model import Statement
from .subjects import follow_line, main_other, mostly_outside, outside_report, outside_summary
from .scope import ScopeVerdict, SubjectSpec, assess_scope
from .store import analysis as store
from .store import queries
from .store.models import Letter
from .timeline import Progress, Timeline, no_progress
from .workers import count, ordered
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
    """The monitor's first subject (None: every statement is in scope)."""
    return _spec(settings.subject)


def _spec(s: SubjectSettings) -> SubjectSpec | None:
    # a country of the country table needs no terms: scope knows its forms from its name
    return SubjectSpec(s.name, s.terms, s.others) if s.name else None


def subjects_for(settings: Settings) -> tuple[tuple[str, SubjectSpec | None], ...]:
    """Every followed subject as (its key in the store, its spec; None: everything), the first one first."""
    return tuple((s.key, _spec(s)) for s in settings.followed)


_IN_SCOPE = ScopeVerdict(True, "default", (), (), ())  # no subject configured: everything is in scope
SCOPE_VERSION = "scope-1"  # what the per-subject scope of every statement (scope_evidence.subjects) was made with


def scope_fingerprint(settings: Settings) -> str:
    """Which followed subjects the stored per-subject scope is for (with the language's country table)."""
    blob = json.dumps([SCOPE_VERSION, dutch().fingerprint_of("topics"),
                       [dataclasses.asdict(s) for s in settings.followed]], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def assess_subjects(statements: list[Statement], title: str,
                    subjects: tuple[tuple[str, SubjectSpec | None], ...]) -> tuple[list[ScopeVerdict], list[dict[str, bool]]]:
    """The first subject's verdicts (stored as ``in_scope``), and per statement whether each subject covers it."""
    per_subject = [assess_scope(statements, spec, title) if spec is not None else [_IN_SCOPE] * len(statements)
                   for _, spec in subjects]
    maps = [{key: verdicts[i].in_scope for (key, _), verdicts in zip(subjects, per_subject)}
            for i in range(len(statements))]
    return (per_subject[0] if per_subject else [_IN_SCOPE] * len(statements)), maps


def tell_outside(key: str, summary: dict[str, Any], collected: list[tuple[str, dict[str, Any]]] | None) -> None:
    """Log what of a letter no followed subject covers: never an empty success without a word."""
    if collected is not None:
        collected.append((key, summary))
    if not summary["outside"]:
        return
    about = ", ".join(f"{name} {n}" for name, n in list(summary["about"].items())[:4])
    line = (f"{key}: {summary['outside']} of {summary['statements']} statements about no followed subject"
            + (f" (they name {about})" if about else ""))
    if mostly_outside(summary):
        other = main_other(summary)
        log.warning("%s; the letter is about a subject you do not follow%s", line,
                    f": to follow it, add {follow_line(other)} to config.toml" if other else "")
    else:
        log.info("%s", line)


def _scoped_for(session: Session) -> str | None:
    """The scope fingerprint of the latest run that scoped every letter (a scope run, or a topics run that
    analysed them all)."""
    for run in session.scalars(select(store.AnalysisRun).where(
            store.AnalysisRun.kind.in_(["scope", "topics"]), store.AnalysisRun.finished_at.is_not(None))
            .order_by(store.AnalysisRun.id.desc()).limit(20)):
        if "scope" in (run.config or {}):
            return str(run.config["scope"])
    return None


def rescope(sessions: sessionmaker[Session], settings: Settings, now: dt.datetime, skip: Iterable[int] = (),
            collected: list[tuple[str, dict[str, Any]]] | None = None) -> int:
    """Bring every letter's per-subject scope in step with the followed subjects (when they changed), then
    record that. Only scope is redone; topics and functions stay; which subjects' changes follow is the
    timeline's business. ``skip``: letters whose scope was just made. Returns the letters re-scoped."""
    fingerprint = scope_fingerprint(settings)
    with sessions.begin() as session:
        if _scoped_for(session) == fingerprint:
            return 0
        done = set(skip)
        ids = [lid for lid in session.scalars(select(Letter.id).where(Letter.current_version_id.is_not(None))
                                              .order_by(Letter.id)) if lid not in done]
        if not ids:  # the topics run just made scoped every letter: it says so, no run of its own
            last = store.latest_run(session, "topics")
            if last is not None:
                last.config = {**(last.config or {}), "scope": fingerprint}
            return 0
    subjects = subjects_for(settings)
    with sessions.begin() as session:
        run_id = store.start_run(session, kind="scope", version=SCOPE_VERSION, fingerprint=fingerprint,
                                 config={"subjects": [dataclasses.asdict(s) for s in settings.followed],
                                         "scope": fingerprint},
                                 now=now, note="followed subjects changed").id
    for lid in ids:
        with sessions.begin() as session:
            letter = session.get(Letter, lid)
            if letter is None:
                continue
            records = queries.statements(session, letter)
            statements = [store.to_statement(r) for r in records]
            scopes, maps = assess_subjects(statements, letter.title or "", subjects)
            store.replace_scope(session, records, scopes, maps)
            letter.outside = outside_summary(statements, scopes, maps)
            tell_outside(letter.key, letter.outside, collected)
    with sessions.begin() as session:
        run = session.get_one(store.AnalysisRun, run_id)
        run.letters, run.finished_at = len(ids), now
    log.info("scope: %d letters re-scoped for %d followed subjects (run %d)", len(ids), len(subjects), run_id)
    return len(ids)


def topics_due(session: Session, scheme: TopicScheme) -> list[int]:
    """Letters whose topics are missing, for an older version, or from another configuration or code version.

    This is the durable to-do list: a letter stored but never analysed (a
    crash, a kill, a failed analysis) stays on it until its topics commit.
    """
    fingerprint = scheme.fingerprint()
    run = store.AnalysisRun
    # decided in SQL: a poll that finds nothing new reads no row per stored letter
    return list(session.scalars(
        select(Letter.id).outerjoin(run, run.id == Letter.topics_run_id)
        .where(Letter.current_version_id.is_not(None),
               Letter.topics_version_id.is_distinct_from(Letter.current_version_id)
               | run.fingerprint.is_distinct_from(fingerprint))
        .order_by(Letter.id)))


# What the analysis of one letter reads (its current version, title, kind and statements), and what it makes
# (topic assignments, functions, the first subject's scope verdicts and every subject's coverage).
_Job = tuple[int | None, str, str, list[Statement]]
_Done = tuple[list[dict[str, Any]], list[Any], list[ScopeVerdict], list[dict[str, bool]]]


def _letter_job(sessions: sessionmaker[Session], lid: int) -> _Job:
    with sessions() as session:
        letter = session.get(Letter, lid)
        if letter is None:
            return None, "", "", []
        return (letter.current_version_id, letter.title or "", letter.kind or "",
                [store.to_statement(r) for r in queries.statements(session, letter)])


def _analyse_job(scheme: TopicScheme, subjects: tuple[tuple[str, SubjectSpec | None], ...],
                 job: _Job) -> tuple[_Job, _Done | None]:
    """Topics, functions and scope of one letter: pure work, run on a worker process (or here)."""
    version_id, title, kind, statements = job
    if version_id is None:
        return job, None
    assignments = scheme.assign(statements, LetterContext(title, kind))
    scopes, maps = assess_subjects(statements, title, subjects)
    return (version_id, title, kind, []), (assignments, classify(statements), scopes, maps)


def analyse_topics(sessions: sessionmaker[Session], scheme: TopicScheme, now: dt.datetime,
                   letter_ids: Iterable[int] | None = None, note: str = "",
                   subjects: tuple[tuple[str, SubjectSpec | None], ...] = (("", None),),
                   progress: Progress = no_progress, collected: list[tuple[str, dict[str, Any]]] | None = None,
                   analysed: list[int] | None = None, workers: int = 1) -> tuple[int, int]:
    """(Re)assign topics, statement functions and scope for the given letters (all when None).

    ``workers``: processes analysing letters ahead of the one writing (:func:`monitor.workers.ordered`).

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
    # read here, analysed on the workers (results in order), written here: one transaction a letter, as before
    jobs = (_letter_job(sessions, lid) for lid in ids)
    results = ordered(functools.partial(_analyse_job, scheme, subjects), jobs, workers)
    for lid, (job, done) in zip(ids, results):
        with sessions.begin() as session:
            letter = session.get(Letter, lid)
            if letter is None:
                tick()
                continue
            records = queries.statements(session, letter)
            statements = [store.to_statement(r) for r in records]
            if done is None or job[:3] != (letter.current_version_id, letter.title or "", letter.kind or ""):
                job, done = _analyse_job(scheme, subjects, (letter.current_version_id, letter.title or "",
                                                            letter.kind or "", statements))
            assert done is not None
            assignments, functions, scopes, maps = done
            store.replace_functions(session, records, functions, scopes, maps)
            letter.outside = outside_summary(statements, scopes, maps)
            tell_outside(letter.key, letter.outside, collected)
            run = session.get_one(store.AnalysisRun, run_id)
            total += store.replace_topics(session, records, assignments, run)
            letter.topics_run_id, letter.topics_version_id = run_id, letter.current_version_id
            letter.changes_version_id = None  # its changes (and every later letter's) follow its topics
            if analysed is not None:
                analysed.append(lid)
        faults.point("topics")
        tick()
    with sessions.begin() as session:
        run = session.get_one(store.AnalysisRun, run_id)
        run.letters = len(ids)
        run.finished_at = now
    log.info("topics: %d letters, %d assignments (run %d)", len(ids), total, run_id)
    return len(ids), total


class Ingested(Protocol):
    """What an ingest that analysed its letters as it stored them reports (:mod:`monitor.ingest_analysis`)."""

    letters: list[int]  # the letters analysed
    assignments: int  # their topic rows
    collected: list[tuple[str, dict[str, Any]]]  # what of each no followed subject covers
    changes: int  # the letters whose changes were computed too


class EmptyScheme(ValueError):
    """Analysing with no topics would remove every topic assignment and change; refused."""


def analyse_letters(sessions: sessionmaker[Session], settings: Settings, now: dt.datetime,
                    letter_ids: list[int] | None = None, note: str = "", timeline: Timeline | None = None,
                    progress: Progress = no_progress, pool: bool = True,
                    ingested: Ingested | None = None) -> str:
    """Bring the analysis up to date (``letter_ids`` a list, possibly empty) or redo everything (None).

    What is due is read from the store, not from the caller: letters whose
    topics are missing or stale (a changed configuration or analysis version
    makes that every letter), then the changes of every letter from the
    earliest one due onwards. ``letter_ids`` are only a hint for the log, so
    a run that died half-way is finished by the next call, whoever makes it.
    Pass a long-lived ``timeline`` (the daemon does) to keep the standing
    positions in memory between calls. ``pool``: analyse on ``analysis.workers`` processes (False: in this
    one; the daemon, whose other threads serve and schedule, does not fork). ``ingested``: the letters an
    ingest just analysed (:class:`monitor.ingest_analysis.IngestAnalysis`), reported with the rest and not
    scoped again.
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
    collected: list[tuple[str, dict[str, Any]]] = list(ingested.collected) if ingested else []
    analysed: list[int] = list(ingested.letters) if ingested else []
    n_letters, n_topics = (len(ingested.letters), ingested.assignments) if ingested else (0, 0)
    if due is None or due:
        more = analyse_topics(sessions, scheme, now, due, note=note, subjects=subjects_for(settings),
                              progress=progress, collected=collected, analysed=analysed,
                              workers=count(settings.analysis.workers) if pool else 1)
        n_letters, n_topics = n_letters + more[0], n_topics + more[1]
    if due is None or due or n_letters:
        parts.append(f"topics: {n_topics} assignments in {n_letters} letters")
    scoped = rescope(sessions, settings, now, skip=analysed, collected=collected)
    if scoped:
        parts.append(f"scope: {scoped} letters for {', '.join(s.name or 'everything' for s in settings.followed)}")
    n_changed = timeline.update(sessions, now, None if letter_ids is None else [], note=note, progress=progress) \
        + (ingested.changes if ingested else 0)
    if n_changed:
        parts.append(f"changes: computed for {n_changed} letters")
    report = outside_report(collected)
    if report:
        parts.append(report)
    return "; ".join(parts)


def topics_outdated(session: Session, scheme: TopicScheme) -> bool:
    """Was the latest finished topic analysis made by another code version or configuration?"""
    last = store.latest_run(session, "topics")
    return last is not None and last.fingerprint != scheme.fingerprint()

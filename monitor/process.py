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
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from . import faults
from .config import Settings, SubjectSettings
from .function import classify
from .lang import dutch
from .model import ParsedLetter, Statement
from .subjects import follow_line, main_other, mostly_outside, outside_report, outside_summary
from .scope import ScopeVerdict, SubjectSpec, assess_scope
from .store import analysis as store
from .store import letters as store_letters
from .store import queries
from .store.models import Letter
from .following import Follower
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


def _tell_outside(key: str, summary: dict[str, Any], collected: list[tuple[str, dict[str, Any]]] | None) -> None:
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
            _tell_outside(letter.key, letter.outside, collected)
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
            _tell_outside(letter.key, letter.outside, collected)
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


def _effective(parsed: ParsedLetter, field: str) -> str:
    """The title or kind a new letter stores: the sidecar's or service's when given, else the one read from
    the text (as :func:`monitor.store.letters.store_parsed` applies them)."""
    strong = getattr(parsed.override, field) if parsed.override is not None else None
    return str(strong or getattr(parsed.meta, field) or "")


@dataclass(frozen=True)
class LetterAnalysis:
    """One parsed letter's topics, functions and scope, as the values of the rows that hold them. Made on a
    worker (plain data: it crosses the process boundary), stored by the writer with the letter."""

    statements: store_letters.Analysed  # the function and scope columns of each statement row
    topics: tuple[list[tuple[str, float, str, list[dict[str, Any]]]], ...]  # per statement, its topic rows
    outside: dict[str, Any]


class IngestAnalysis:
    """The analysis of letters while they are ingested: computed beside the parse on the workers and written in
    the letter's own transaction, so the writer never reads a new letter's statements back to analyse them.

    What holds: a letter stored this way is exactly what :func:`analyse_topics` would have made of it (the same
    statements, title and kind, the same run fingerprint), and is recorded as analysed by this object's topics run;
    a letter it could not be stored with (a title or kind that the store's own metadata rules changed, a
    duplicate) is left due, and the analysis after the ingest does it as before.
    """

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], now: dt.datetime,
                 pipelined: bool = False) -> None:
        """``pipelined``: compute the changes in a process of their own (:class:`monitor.following.Follower`)."""
        self.scheme = scheme_for(settings)
        self.subjects = subjects_for(settings)
        self.sessions, self.now = sessions, now
        self.run_id: int | None = None
        self.letters: list[int] = []
        self.assignments = 0
        self.collected: list[tuple[str, dict[str, Any]]] = []
        self._pending: tuple[int, int, str, dict[str, Any]] | None = None
        self.follower = Follower(Timeline(settings), pipelined)
        self.changes = 0  # letters whose changes were computed as they were stored

    def compute(self, parsed: ParsedLetter) -> LetterAnalysis:
        """Pure work, on a worker: the statements as they are stored (no footnotes), analysed."""
        title, kind = _effective(parsed, "title"), _effective(parsed, "kind")
        statements = [dataclasses.replace(st, footnotes=()) for st in parsed.statements]
        assignments = self.scheme.assign(statements, LetterContext(title, kind))
        scopes, maps = assess_subjects(statements, title, self.subjects)
        columns = tuple(store.function_columns(fn, sc, covers)
                        for fn, sc, covers in zip(classify(statements), scopes, maps))
        return LetterAnalysis(store_letters.Analysed(title, kind, columns),
                              tuple(store.assignment_values(a) for a in assignments),
                              outside_summary(statements, scopes, maps))

    def begin(self) -> None:
        """The topics run the letters are analysed by (its own transaction: it outlives a failed letter), and
        the store followed, when it is in step (:class:`monitor.following.Follower`)."""
        if self.run_id is not None or not self.scheme.specs:
            return
        try:
            self.follower.start(self.sessions, self.now)
            with self.sessions.begin() as session:
                self.run_id = store.start_run(
                    session, kind="topics", version=ANALYSIS_VERSION, fingerprint=self.scheme.fingerprint(),
                    config={"topics": [dataclasses.asdict(s) for s in self.scheme.specs]}, now=self.now,
                    note="analysed while ingesting").id
        except SQLAlchemyError as exc:  # (a locked database) each letter says so; analysed after, as before
            log.warning("not analysing while ingesting: %s", str(getattr(exc, "orig", exc)).splitlines()[0])
            self.follower.stop()
            self.run_id = None

    def write(self, session: Session, out: store_letters.StoreOutcome, analysis: LetterAnalysis | None,
              statements: tuple[Statement, ...] | list[Statement] = ()) -> None:
        """In the letter's transaction, after its statements were stored with their columns: its topic rows,
        what of it no followed subject covers, that its topics are done, and (a new letter after every stored
        one) its changes; call :meth:`committed` once the transaction commits. ``statements``: the parsed
        letter's, in the order it was stored."""
        if self._pending is not None:  # the last letter written did not commit: its changes are not the store's
            self.follower.stop()
        self._pending = None
        self.follower.begin()
        if out.outcome not in (store_letters.STORED, store_letters.NEW_VERSION, store_letters.REDATED):
            return  # the same text again: nothing the analysis reads changed
        if analysis is None or out.analysed is None or self.run_id is None:
            self.follower.stop()  # this letter's topics are still due: the changes after it wait for them
            return
        letter = session.get_one(Letter, out.letter_id)
        uid_by_position = {position: uid for position, _, uid in out.analysed}
        per_statement = [store.assignment_rows(statement_id, values, uid_by_position, self.run_id)
                         for (_, statement_id, _), values in zip(out.analysed, analysis.topics)]
        rows = [row for rows_of in per_statement for row in rows_of]
        store.insert_topic_rows(session, rows)
        letter.outside = analysis.outside
        letter.topics_run_id, letter.topics_version_id = self.run_id, out.version_id
        letter.changes_version_id = None
        if out.outcome == store_letters.STORED:
            session.flush()
            written = ([(position, sid, uid, st.kind, st.text, columns) for (position, sid, uid), st, columns
                        in zip(out.analysed, statements, analysis.statements.columns)],
                       [[(r["topic"], r["rule"], r["evidence"]) for r in rows_of] for rows_of in per_statement])
            self.follower.step(session, letter, written)
        else:  # a new version: the trackers saw the old one, so this letter and all after it are computed again
            self.follower.stop()
        self._pending = (out.letter_id, len(rows), letter.key, analysis.outside)

    def committed(self) -> None:
        """The letter of the last :meth:`write` was committed: counted, and what no subject covers said."""
        if self._pending is None:
            return
        letter_id, rows, key, outside = self._pending
        self._pending = None
        landed = self.follower.committed()
        self.assignments += rows
        self.letters.append(letter_id)
        _tell_outside(key, outside, self.collected)
        faults.point("topics")
        for _ in range(landed):
            faults.point("changes")

    def finish(self) -> None:
        """Both runs finished (the letters whose changes were computed while storing them are in the second)."""
        if self._pending is not None:
            self.follower.stop()
        self.changes = self.follower.finish(self.sessions)
        if self.run_id is None:
            return
        with self.sessions.begin() as session:
            run = session.get_one(store.AnalysisRun, self.run_id)
            run.letters, run.finished_at = len(self.letters), self.now
        log.info("topics: %d letters, %d assignments while ingesting (run %d)", len(self.letters), self.assignments,
                 self.run_id)


class EmptyScheme(ValueError):
    """Analysing with no topics would remove every topic assignment and change; refused."""


def analyse_letters(sessions: sessionmaker[Session], settings: Settings, now: dt.datetime,
                    letter_ids: list[int] | None = None, note: str = "", timeline: Timeline | None = None,
                    progress: Progress = no_progress, pool: bool = True,
                    ingested: IngestAnalysis | None = None) -> str:
    """Bring the analysis up to date (``letter_ids`` a list, possibly empty) or redo everything (None).

    What is due is read from the store, not from the caller: letters whose
    topics are missing or stale (a changed configuration or analysis version
    makes that every letter), then the changes of every letter from the
    earliest one due onwards. ``letter_ids`` are only a hint for the log, so
    a run that died half-way is finished by the next call, whoever makes it.
    Pass a long-lived ``timeline`` (the daemon does) to keep the standing
    positions in memory between calls. ``pool``: analyse on ``analysis.workers`` processes (False: in this
    one; the daemon, whose other threads serve and schedule, does not fork). ``ingested``: the letters an
    ingest just analysed (:class:`IngestAnalysis`), reported with the rest and not scoped again.
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

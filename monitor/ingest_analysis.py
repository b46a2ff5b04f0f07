"""The analysis of letters while an ingest stores them: computed on the workers, written in each letter's
transaction (the edge between :mod:`monitor.ingest` and the analysis; see :class:`IngestAnalysis`)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from . import faults
from .config import Settings
from .function import classify
from .following import Follower
from .model import ParsedLetter, Statement
from .process import tell_outside, assess_subjects, scheme_for, subjects_for
from .store import analysis as store
from .store import letters as store_letters
from .store.models import Letter
from .subjects import outside_summary
from .timeline import Timeline
from .topics import ANALYSIS_VERSION, LetterContext

log = logging.getLogger("monitor.ingest_analysis")


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
        tell_outside(key, outside, self.collected)
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

"""Keeping position changes in step with the stored letters (the edge around :mod:`monitor.position`).

What holds after :meth:`Timeline.update`:

* every letter's changes were computed against the standing position of the
  letters dated before it (letter date, then key; undated letters by the day
  they arrived), whatever order they arrived in;
* a letter that arrives late (dated before letters already processed), or a
  new version of a letter, makes the changes of every later letter be
  recomputed; the replaced changes stay in the table, marked superseded by
  that run, so the history shows the recomputation;
* crash-safe: the letters to recompute are first marked due in one
  transaction, then each letter's new changes are swapped in (old ones
  superseded, new ones added) in its own transaction, so at every instant a
  letter has either its old or its new changes, and a letter left marked due
  is finished by the next update, whichever process runs it.

A :class:`Timeline` keeps its tracker warm between updates (the daemon), so
one new letter costs an alignment against an index, not a reload of history.
A cold one (the CLI, the daemon's first letter after a start) reads the
standing position the store keeps per subject (:mod:`monitor.store.standing`:
written as differences with each letter's changes), so its cost does not
grow with the history either; only a letter that arrives late rebuilds it
from the stored changes of the letters before it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from . import faults, gazetteer, lexicon
from .config import Settings
from .function import POSITION
from .lang import dutch
from .model import ChangeKind
from .position import Change, PositionStatement, PositionTracker, can_hold_position
from .traits import Traits
from .store import analysis as store
from .store import standing as kept
from .store import version as data_version
from .store.db import chunked
from .store.models import ChangeRecord, Letter, StatementRecord, TopicAssignmentRecord, table

log = logging.getLogger("monitor.timeline")

# Reports progress of a step over letters: called with the step's label and its number of letters, it returns
# what to call once per letter done. The CLI passes a progress bar; the default reports nothing.
Progress = Callable[[str, int], Callable[[], None]]


def no_progress(label: str, total: int) -> Callable[[], None]:
    return lambda: None
CHANGES_VERSION = "changes-5"  # 2: functions, scope, same-point pairing, published; 3: stance moves, novelty; 4: repeated silence; 5: "40 duizend" one amount, "done" only before a lower-case word
# What the stored changes were computed with: the code version and the language files the changes stage
# reads (quantities, modality, stop words, labels …): editing one of those recomputes the changes (not the topics).
CHANGES_FINGERPRINT = f"{CHANGES_VERSION}-{dutch().fingerprint_of('changes')}"

OrderKey = tuple[dt.date, str]
# What a subject's tracker made of one letter: (subject key, the topics it spoke on, what stood on them before
# and after, its changes)
Tracked = tuple[str, list[str], dict[str, dict[int, bool]], dict[str, dict[int, bool]], list[Change]]
# A letter as its writer just stored it: per statement (position, id, uid, kind, text, its function and scope
# columns), and per statement its topics as (topic, rule, evidence)
Written = tuple[Sequence[tuple[int, int, str, str, str, dict[str, Any]]], Sequence[Sequence[tuple[str, str, list[Any]]]]]
_AFTER_ALL: OrderKey = (dt.date.max, "\uffff")  # after every letter: a tracker started before it has seen them all


@dataclass(frozen=True)
class LetterRow:
    """What the timeline needs of a letter: read as plain columns, since every update reads every letter
    (ORM objects for all of them were most of a one-letter update at 1,000 letters)."""

    id: int
    key: str
    date: dt.date | None
    created_at: dt.datetime
    dossier: str
    current_version_id: int | None
    changes_run_id: int | None
    changes_version_id: int | None


_LETTER_COLUMNS = (Letter.id, Letter.key, Letter.date, Letter.created_at, Letter.dossier, Letter.current_version_id,
                   Letter.changes_run_id, Letter.changes_version_id)


def order_key(letter: Letter | LetterRow) -> OrderKey:
    return (letter.date or letter.created_at.date(), letter.key)


def _traits(stored: dict | None, rule: str, topic_evidence: list | None) -> Traits:
    """A statement's traits on one topic: its own as stored (:meth:`Traits.read`), the topic's from the assignment."""
    terms = {t.lower() for item in (topic_evidence or []) if isinstance(item, dict) and item.get("rule") in ("terms", "sense")
             for t in item.get("terms", [])}
    return Traits.read(stored, own_terms=rule in ("terms", "sense"), topic_terms=len(terms))


def _position_statements(session: Session, letters: Sequence[Letter | LetterRow], subject: "Followed | None" = None
                         ) -> dict[int, dict[str, list[PositionStatement]]]:
    """letter id → topic → its position statements (current version), in statement order.

    Only statements that can carry a position (their function) and are about ``subject`` (the first
    subject: ``in_scope``; another: its entry in ``scope_evidence.subjects``).
    """
    if not letters:
        return {}
    by_version = {l.current_version_id: l for l in letters if l.current_version_id is not None}
    other = subject is not None and not subject.first
    rows = session.execute(
        select(StatementRecord.id, StatementRecord.uid, StatementRecord.version_id, StatementRecord.kind,
               StatementRecord.text, StatementRecord.position, StatementRecord.function,
               StatementRecord.function_evidence,
               StatementRecord.scope_evidence if other else StatementRecord.in_scope,
               TopicAssignmentRecord.topic, TopicAssignmentRecord.rule, TopicAssignmentRecord.evidence)
        .join(TopicAssignmentRecord, TopicAssignmentRecord.statement_id == StatementRecord.id)
        .where(StatementRecord.version_id.in_(list(by_version)))
        .order_by(StatementRecord.version_id, StatementRecord.position, TopicAssignmentRecord.topic))
    return gather_positions(((by_version[r[2]], r[0], r[1], *r[3:]) for r in rows), subject)


# What :func:`gather_positions` reads of one statement on one topic (ordered by letter, position, topic), as the query
# above returns it: (letter, id, uid, kind, text, position, function, function evidence, scope, topic, rule,
# topic evidence); scope is ``in_scope`` for the first subject, ``scope_evidence`` for another.
PositionRow = tuple[Any, ...]


def gather_positions(rows: Iterable[PositionRow], subject: "Followed | None") -> dict[int, dict[str, list[PositionStatement]]]:
    other = subject is not None and not subject.first
    out: dict[int, dict[str, list[PositionStatement]]] = defaultdict(lambda: defaultdict(list))
    for letter, sid, uid, kind, text, pos, function, evidence, scope, topic, rule, topic_evidence in rows:
        in_scope = (scope or {}).get("subjects", {}).get(subject.key, False) if other and subject else scope
        if not can_hold_position(kind, text) or function not in POSITION or not in_scope:
            continue
        out[letter.id][topic].append(PositionStatement(uid, letter.key, order_key(letter)[0], text, sid,
                                                       _traits(evidence, rule, topic_evidence), pos))
    return out


def written_rows(letter: Letter, statements: Sequence[tuple[int, int, str, str, str, dict[str, Any]]],
                 topics: Sequence[Sequence[tuple[str, str, list[dict[str, Any]]]]], subject: "Followed"
                 ) -> list[PositionRow]:
    """The rows :func:`_position_statements` would read back for a letter its writer has in hand: per statement
    (position, id, uid, kind, text, its function and scope columns), and its topics as (topic, rule, evidence)
    (stored evidence: JSON values, so read back they are the same to :func:`_traits`)."""
    scope_key = "in_scope" if subject.first else "scope_evidence"
    out = []
    for (pos, sid, uid, kind, text, columns), assigned in sorted(zip(statements, topics), key=lambda x: x[0][0]):
        for topic, rule, evidence in sorted(assigned, key=lambda t: t[0]):
            out.append((letter, sid, uid, kind, text, pos, columns["function"], columns["function_evidence"],
                        columns[scope_key], topic, rule, evidence))
    return out


def subject_lemmas(name: str, terms: Iterable[str]) -> frozenset[str]:
    """Lemmas of the subject's name and plain terms ("afghanistan", "kaboel", "afghaans"): shared by the whole
    dossier. A country followed by its name only: the name and its forms in the country table."""
    words = [name] + [t.strip("*") for t in terms if " " not in t]
    if name and not any(True for _ in terms):
        words += [w for country, forms in gazetteer.COUNTRIES.items() if country.casefold() == name.casefold()
                  for w in forms if " " not in w]
    return frozenset(lexicon.lemma(w) for w in words if w)


@dataclass(frozen=True)
class Followed:
    """One followed subject as the timeline keeps it: its key in the store, whether it is the first (its change
    ids are the plain ones), the lemmas its whole dossier shares, and a stamp of its definition."""

    key: str
    first: bool
    generic: frozenset[str]
    stamp: str

    def uid(self, uid: str) -> str:
        """The stored id of a change of this subject: the first subject's are the plain ids (as before several
        subjects could be followed), another's are made from its name too, so the same change on two subjects
        is two rows."""
        if self.first:
            return uid
        return "c-" + hashlib.sha1(f"{self.key}\x1f{uid}".encode()).hexdigest()[:16]


def followed(settings: Settings) -> tuple[Followed, ...]:
    out = []
    for i, s in enumerate(settings.followed):
        stamp = hashlib.sha1(json.dumps([s.name, list(s.terms), list(s.others)], ensure_ascii=False).encode())
        out.append(Followed(s.key, i == 0, subject_lemmas(s.name, s.terms), stamp.hexdigest()[:12]))
    return tuple(out)


def _standing(tracker: PositionTracker, topics: Iterable[str] | None = None) -> dict[str, dict[int, bool]]:
    """What the store keeps of a tracker's standing position (all topics, or ``topics``): topic → statement id →
    whether it restated an earlier one."""
    out: dict[str, dict[int, bool]] = {}
    for topic in (tracker.standing if topics is None else topics):
        repeated = tracker.repeated.get(topic, set())
        out[topic] = {st.ref: uid in repeated for uid, st in tracker.standing.get(topic, {}).items()}
    return out


def _any_due(session: Session, changed: list[int]) -> bool:
    """Is any letter's changes due: one of ``changed``, or one never computed or computed for another version?"""
    if changed:
        return True
    due = (Letter.changes_run_id.is_(None) | Letter.changes_version_id.is_distinct_from(Letter.current_version_id))
    return session.scalar(select(Letter.id).where(due).limit(1)) is not None


class Timeline:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.subjects = followed(settings)
        self.trackers: dict[str, PositionTracker] = {}  # subject key → its warm tracker
        self.seen: dict[str, OrderKey] = {}  # subject key → the last letter its warm tracker has seen
        self._claimed = False

    @property
    def high_water(self) -> OrderKey | None:
        """The last letter the first subject's warm tracker has seen."""
        return self.seen.get(self.subjects[0].key)

    @property
    def tracker(self) -> PositionTracker | None:
        """The first subject's tracker (None: cold)."""
        return self.trackers.get(self.subjects[0].key)

    def _new_tracker(self, subject: Followed) -> PositionTracker:
        a = self.settings.analysis
        return PositionTracker(a.similarity_threshold, a.same_point, a.restatement, a.candidates,
                               generic=subject.generic)

    def _rebuild(self, session: Session, letters: list[LetterRow], before: OrderKey,
                 subject: Followed) -> PositionTracker:
        """The subject's tracker as it stood just before ``before``, from stored letters and current changes."""
        tracker = self._new_tracker(subject)
        earlier = [l for l in letters if order_key(l) < before and l.changes_run_id is not None]
        # superseded per topic: a statement revised on one topic still stands on its others
        pairs = session.execute(
            select(ChangeRecord.topic, ChangeRecord.previous_statement_id, ChangeRecord.statement_id)
            .where(ChangeRecord.superseded_at.is_(None), ChangeRecord.kind.in_([ChangeKind.MODIFIED, ChangeKind.REAFFIRMED]),
                   ChangeRecord.subject == subject.key,
                   ChangeRecord.letter_id.in_([l.id for l in earlier]))).all()
        superseded: set[tuple[str, int | None]] = {(topic, old) for topic, old, _ in pairs}
        repeated: set[tuple[str, int | None]] = {(topic, new) for topic, _, new in pairs}  # restated an earlier one
        by_topic: dict[str, list[PositionStatement]] = defaultdict(list)
        last_letter: dict[str, LetterRow] = {}
        for i in range(0, len(earlier), 200):  # a slice of letters at a time: what history holds is never all in memory
            chunk = earlier[i:i + 200]
            statements = _position_statements(session, chunk, subject)
            for letter in chunk:  # in order: the last letter that spoke on a topic wins
                for topic, items in statements.get(letter.id, {}).items():
                    by_topic[topic].extend(s for s in items if (topic, s.ref) not in superseded)
                    last_letter[topic] = letter
        for topic, items in by_topic.items():
            last = last_letter.get(topic)
            tracker.load(topic, items, last.key if last else None, last.dossier if last else "",
                         repeated=[s.uid for s in items if (topic, s.ref) in repeated])
        return tracker

    def _restore(self, session: Session, letters: list[LetterRow], last: LetterRow,
                 subject: Followed) -> PositionTracker | None:
        """The subject's tracker as it stood just after ``last`` from the kept standing position, or None when
        the store keeps it up to another letter (or not at all)."""
        row = kept.mark(session, subject.key)
        if row is None or row.letter_id != last.id:
            return None
        by_id = {l.id: l for l in letters}
        by_topic: dict[str, list[tuple[OrderKey, PositionStatement, bool]]] = defaultdict(list)
        for r in kept.read(session, subject.key):
            letter = by_id.get(r.letter_id)
            if letter is None:
                return None
            key = order_key(letter)
            st = PositionStatement(r.uid, letter.key, key[0], r.text, r.statement_id,
                                   _traits(r.function_evidence, r.rule, r.topic_evidence), r.position)
            by_topic[r.topic].append((key, st, r.repeated))
        tracker = self._new_tracker(subject)
        for topic in sorted(set(by_topic) | set(row.last_letters)):
            items = sorted(by_topic.get(topic, []), key=lambda i: (i[0], i[1].position))  # as a rebuild adds them
            spoke = by_id.get(row.last_letters[topic]) if topic in row.last_letters else None
            tracker.load(topic, [st for _, st, _ in items], spoke.key if spoke else None,
                         spoke.dossier if spoke else "", repeated=[st.uid for _, st, rep in items if rep])
        return tracker

    def _start(self, session: Session, letters: list[LetterRow], before: OrderKey,
               subject: Followed) -> PositionTracker:
        """The subject's tracker as it stood just before ``before``: what the store keeps when it is kept up to
        the last letter before that, else rebuilt from the stored changes and kept from now on."""
        earlier = [l for l in letters if order_key(l) < before and l.changes_run_id is not None]
        if earlier:
            restored = self._restore(session, letters, earlier[-1], subject)
            if restored is not None:
                return restored
        tracker = self._rebuild(session, letters, before, subject)
        ids = {l.key: l.id for l in earlier}
        kept.replace(session, subject.key, earlier[-1].id if earlier else None, _standing(tracker),
                     {topic: ids[key] for topic, key in tracker.last_letter.items()})
        return tracker

    def _done_subjects(self, last: store.AnalysisRun | None) -> dict[str, str]:
        """Subject key → stamp the stored changes were computed for. A run from before several subjects could
        be followed computed the single subject of then: the first one now (migration 0013)."""
        if last is None:
            return {}
        done = (last.config or {}).get("subjects")
        if isinstance(done, dict):
            return {str(k): str(v) for k, v in done.items()}
        return {self.subjects[0].key: self.subjects[0].stamp}

    def update(self, sessions: sessionmaker[Session], now: dt.datetime, changed: Iterable[int] | None = None,
               note: str = "", progress: Progress = no_progress) -> int:
        """Compute the changes of every letter that needs it. Returns how many letters were processed.

        ``changed``: letters whose content or topics changed (None: everything). Letters the
        store marks due (never computed, computed for another version, or marked by an
        earlier update that did not finish) are always included. A subject followed since the
        last run (or whose definition changed) gets every letter computed, the others none for it;
        a subject no longer followed has its changes superseded.
        """
        changed = None if changed is None else list(changed)
        with sessions.begin() as session:
            if not self._claimed:
                store.claim_unkeyed_changes(session, self.subjects[0].key, {s.key for s in self.subjects})
                self._claimed = True
            last = store.latest_run(session, "changes")
            stale = last is not None and last.fingerprint != CHANGES_FINGERPRINT  # another code or language version
            done = self._done_subjects(last)
            fresh = [] if last is None or changed is None or stale else \
                [s for s in self.subjects if done.get(s.key) != s.stamp]
            dropped = sorted(k for k in done if k not in {s.key for s in self.subjects})
            if changed is not None and not (stale or fresh or dropped or _any_due(session, changed)):
                return 0  # nothing to do, found without reading a row per stored letter
            letters = sorted((LetterRow(*row) for row in session.execute(select(*_LETTER_COLUMNS))), key=order_key)
            changed_ids = {l.id for l in letters} if changed is None or stale else set(changed)
            pending = [l for l in letters if l.id in changed_ids or l.changes_run_id is None
                       or l.changes_version_id != l.current_version_id]
            if not pending and not fresh and not dropped:
                return 0
            start = min((order_key(l) for l in pending), default=None)
            redo = [l for l in letters if start is not None and order_key(l) >= start]
            late = [l for l in redo if l.changes_run_id is not None and l not in pending]
            reason = note or ("changes version or language files changed" if stale else "") or (
                f"letters after {start[0]} recomputed: {pending[0].key} arrived or changed" if late and start else "") \
                or ("new letters" if pending else "") or (
                "followed subjects changed: " + ", ".join([f"+{s.key or 'everything'}" for s in fresh]
                                                          + [f"-{k or 'everything'}" for k in dropped]))
            run = store.start_run(session, kind="changes", version=CHANGES_VERSION, fingerprint=CHANGES_FINGERPRINT,
                                  config=self.run_config(), now=now, note=reason)
            run_id = run.id
            for key in dropped:
                store.supersede_subject(session, key, run_id, now)
                kept.drop(session, key)
            if fresh:  # a new subject: every letter, from an empty standing position
                redo = letters
            for s in self.subjects:
                if s in fresh:
                    self.trackers[s.key] = self._new_tracker(s)
                    self.seen.pop(s.key, None)
                    kept.replace(session, s.key, None, {}, {})
                elif start is not None and not (s.key in self.trackers and s.key in self.seen
                                                and self.seen[s.key] < start):
                    self.trackers[s.key] = self._start(session, letters, start, s)
            due_for = {s.key: (lambda l: True) if s in fresh else
                       (lambda l, start=start: start is not None and order_key(l) >= start) for s in self.subjects}
            redo_ids = [l.id for l in redo]
            # The to-do list is durable before any work starts: a crash part-way leaves the rest
            # marked due, with their old changes still current until each is swapped.
            marked = [l.id for l in redo if start is not None and order_key(l) >= start]
            for i in range(0, len(marked), 1000):  # in slices: a bound parameter each
                session.execute(update(Letter).where(Letter.id.in_(marked[i:i + 1000]))
                                .values(changes_version_id=None))
        faults.point("changes-marked")
        by_id = {l.id: l for l in redo}
        tick = progress("changes", len(redo_ids))
        try:
            for lid in redo_ids:
                with sessions.begin() as session:
                    letter = session.get(Letter, lid)
                    if letter is None:
                        tick()
                        continue
                    row = by_id[lid]
                    self._compute(session, letter, run_id, now, [s for s in self.subjects if due_for[s.key](row)])
                for s in self.subjects:
                    if due_for[s.key](row):
                        self.seen[s.key] = order_key(row)
                faults.point("changes")
                tick()
        except BaseException:
            self.cold()  # the warm trackers have seen a letter whose transaction did not commit
            raise
        with sessions.begin() as session:
            run = session.get_one(store.AnalysisRun, run_id)
            run.letters = len(redo_ids)
            run.finished_at = now
            if dropped and not redo_ids:
                data_version.bump(session, now)
        log.info("changes: %d letters processed (run %d: %s)", len(redo_ids), run_id, reason)
        return len(redo_ids)

    def _compute(self, session: Session, letter: Letter, run_id: int, now: dt.datetime,
                 subjects: Iterable[Followed]) -> None:
        """One letter's changes on ``subjects`` against their trackers (which it advances), in the caller's
        transaction: swapped in, the kept standing position moved on, the letter marked computed."""
        by_subject = [(s, _position_statements(session, [letter], s).get(letter.id, {})) for s in subjects]
        tracked = self.track(letter.key, order_key(letter)[0], letter.dossier, by_subject)
        self.record(session, letter, tracked, run_id, now)

    def track(self, key: str, day: dt.date, dossier: str,
              by_subject: Sequence[tuple[Followed, dict[str, list[PositionStatement]]]]) -> list[Tracked]:
        """The pure half of a letter's changes: each subject's tracker takes the letter's position statements
        (topic → statements) and says what changed, and what stood on the topics it spoke on before and after."""
        out = []
        for s, by_topic in by_subject:
            tracker = self.trackers[s.key]
            spoke = [topic for topic, items in by_topic.items() if items]
            before = _standing(tracker, spoke)
            changes = tracker.process(key, day, by_topic, series=dossier)
            out.append((s.key, spoke, before, _standing(tracker, spoke), changes))
        return out

    def record(self, session: Session, letter: Letter, tracked: Sequence[Tracked], run_id: int, now: dt.datetime,
               new: bool = False, ids: Mapping[str, int] | None = None) -> None:
        """The writing half, in the caller's transaction: the changes swapped in, the kept standing position
        moved on, the letter marked computed. ``new``, ``ids``: as :meth:`_swap`."""
        subjects = {s.key: s for s in self.subjects}
        for key, spoke, before, after, changes in tracked:
            kept.advance(session, key, letter.id, before, after, spoke)
            if self._swap(session, letter, changes, run_id, now, subjects[key], new=new, ids=ids):
                data_version.bump(session, now)
        letter.changes_run_id = run_id
        letter.changes_version_id = letter.current_version_id

    def in_step(self, session: Session) -> list[LetterRow] | None:
        """Every stored letter in order, when the stored changes are all computed, by this code, for these
        subjects (nothing for :meth:`update` to do); else None."""
        last = store.latest_run(session, "changes")
        current = {s.key: s.stamp for s in self.subjects}
        if last is not None and (last.fingerprint != CHANGES_FINGERPRINT or self._done_subjects(last) != current):
            return None
        if _any_due(session, []):
            return None
        return sorted((LetterRow(*row) for row in session.execute(select(*_LETTER_COLUMNS))), key=order_key)

    def warm(self, session: Session, letters: list[LetterRow]) -> None:
        """Every subject's tracker as it stands after all of ``letters`` (from the kept standing position)."""
        high = order_key(letters[-1]) if letters else None
        for s in self.subjects:
            if not (s.key in self.trackers and self.seen.get(s.key) == high):
                self.trackers[s.key] = self._start(session, letters, _AFTER_ALL, s)
                if high is not None:
                    self.seen[s.key] = high

    def cold(self) -> None:
        """Forget the warm trackers (they saw a letter whose transaction did not commit, or another process
        advanced them): the next update starts them from the store."""
        self.trackers, self.seen = {}, {}

    def run_config(self) -> dict[str, object]:
        """What a changes run records of the configuration it ran with."""
        a = self.settings.analysis
        return {"similarity_threshold": a.similarity_threshold, "same_point": a.same_point,
                "restatement": a.restatement, "subjects": {s.key: s.stamp for s in self.subjects}}

    @staticmethod
    def _swap(session: Session, letter: Letter, changes: list[Change], run_id: int, now: dt.datetime,
              subject: Followed, new: bool = False, ids: Mapping[str, int] | None = None) -> bool:
        """Make ``changes`` the letter's current changes on ``subject``, in the caller's transaction.

        A current row identical to a new change stays as it is (its first
        computation time is what feeds show); the others are marked superseded
        by this run and the new ones added. Returns whether anything changed.
        ``new``: the letter was stored in this transaction, so it has no changes yet; ``ids``: letter key → id
        of the letters its changes may revise, when the caller knows them.
        """
        keys = {c.old.letter for c in changes if c.old is not None}
        if ids is None or not keys <= ids.keys():
            ids = {k: i for k, i in session.execute(select(Letter.key, Letter.id).where(Letter.key.in_(keys)))} \
                if keys else {}
        current = {} if new else {r.uid: r for r in session.scalars(select(ChangeRecord).where(
            ChangeRecord.letter_id == letter.id, ChangeRecord.subject == subject.key,
            ChangeRecord.superseded_at.is_(None)))}
        fresh: list[dict[str, object]] = []
        for c in changes:
            details = dict(c.details)
            if c.ops:
                details["diff"] = [[o.op, o.text] for o in c.ops]
            if current:  # as it reads back (lists, not tuples), for the comparison
                details = json.loads(json.dumps(details))
            uid = subject.uid(c.uid)
            row = {"uid": uid, "subject": subject.key, "topic": c.topic, "kind": c.kind, "letter_id": letter.id,
                   "letter_date": c.date,
                   "statement_id": c.new.ref if c.new else None,
                   "previous_letter_id": ids.get(c.old.letter) if c.old else None,
                   "previous_statement_id": c.old.ref if c.old else None,
                   "similarity": c.similarity, "significance": c.significance, "aspects": ",".join(c.aspects),
                   "details": details, "run_id": run_id, "computed_at": now, "published": c.published}
            old = current.get(uid)
            if old is not None and _same(old, row):
                del current[uid]
            else:
                fresh.append(row)
        if current:  # superseded before the new rows go in: at most one current row per uid
            for part in chunked([r.id for r in current.values()]):
                session.execute(update(ChangeRecord).where(ChangeRecord.id.in_(part))
                                .values(superseded_at=now, superseded_by_run=run_id))
        if fresh:  # one executemany, not an ORM object and an INSERT per row
            session.execute(insert(table(ChangeRecord)), fresh)
        return bool(current or fresh)


_COMPARED = ("topic", "kind", "letter_date", "statement_id", "previous_letter_id", "previous_statement_id",
             "similarity", "significance", "aspects", "details", "published")


def _same(a: ChangeRecord, b: dict[str, object]) -> bool:
    """Would readers see the same change? (Run and times aside.)"""
    return all(getattr(a, f) == b[f] for f in _COMPARED)

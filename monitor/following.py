"""Computing an ingest's new letters' changes while it stores them (the edge around :class:`Timeline`).

The CLI's ``ingest`` stores letters one transaction each; a letter dated after every stored one (what letters
arriving in date order are) can have its changes computed right away, against trackers kept warm, instead of
in an update after the ingest. :class:`Follower` does that. What holds:

* it follows only a store in step (:meth:`Timeline.in_step`: nothing due, the stored changes made by this code
  for these subjects), and stops at the first letter it cannot take (dated before a stored one, a new version,
  a letter whose analysis was not stored with it, a failed transaction). What it did not compute stays due,
  and the update after the ingest computes it, exactly as it would have without following;
* a letter's changes are written in a transaction that also marks them computed, so a kill at any instant leaves
  each letter with its changes or due (the crash-safety of :mod:`monitor.timeline`);
* ``pipelined``: the trackers run in a process of their own (forked from this one-thread writer, warm), so
  the writer stores the next letters while letter *n*'s changes are computed; they are written, in order,
  in a later letter's transaction (or a last one). Without it, each letter's changes are computed and written in its own
  transaction. Both write the same rows.
"""
from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import threading
import traceback
from collections import deque
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from . import faults
from .store import analysis as store
from .store.models import Letter
from .workers import child_of_writer
from .timeline import (CHANGES_FINGERPRINT, CHANGES_VERSION, OrderKey, Timeline, Tracked, Written, gather_positions,
                       order_key, written_rows)

log = logging.getLogger("monitor.following")

# Letters the tracker process may be computing while the writer stores the next ones: a few, so that neither
# waits on the other's slower letters; each is written in a later letter's transaction, in order
IN_FLIGHT = 3


def _serve(conn: Connection, theirs: Connection, timeline: Timeline) -> None:
    """The tracker process: a letter's position statements in, what its trackers made of them out, in order.
    Its trackers are the writer's, warm, inherited by the fork."""
    theirs.close()
    child_of_writer()
    subjects = {s.key: s for s in timeline.subjects}
    while True:
        try:
            key, day, dossier, by_subject = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[str, Any] = ("ok", timeline.track(key, day, dossier,
                                                            [(subjects[k], b) for k, b in by_subject]))
        except Exception:  # noqa: BLE001 - the writer stops following; the update after the ingest redoes it
            answer = ("error", traceback.format_exc())
        conn.send(answer)


class Follower:
    """The changes of an ingest's letters, computed as they are stored (see the module's docstring)."""

    def __init__(self, timeline: Timeline, pipelined: bool = False) -> None:
        self.timeline = timeline
        self.pipelined = pipelined
        self.active = False
        self.now = dt.datetime.min
        self.run_id: int | None = None
        self.high: OrderKey | None = None  # the last letter computed (or in flight)
        self.ids: dict[str, int] = {}  # letter key → id of every stored letter (the letters a change may revise)
        self.done = 0  # letters whose changes were committed
        self._landed = 0  # letters whose changes the open transaction writes
        self._flight: deque[int] = deque()  # the letters sent to the tracker process, not yet written (ids)
        self._proc: tuple[BaseProcess, Connection] | None = None

    def start(self, sessions: sessionmaker[Session], now: dt.datetime) -> bool:
        """Follow from here, when the store is in step; the trackers warm from the kept standing position."""
        self.now = now
        with sessions.begin() as session:
            letters = self.timeline.in_step(session)
            if letters is None:
                return False
            self.timeline.warm(session, letters)
        self.high = order_key(letters[-1]) if letters else None
        self.ids = {l.key: l.id for l in letters}
        self.active = True
        if self.pipelined and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            ours, theirs = ctx.Pipe(duplex=True)
            proc = ctx.Process(target=_serve, args=(theirs, ours, self.timeline), daemon=True,
                               name="policy-monitor changes")
            proc.start()
            theirs.close()
            self._proc = (proc, ours)
        faults.point("changes-marked")  # as an update, once it knows what to do and before it does any
        return True

    def begin(self) -> None:
        """A letter's transaction begins: nothing of it is written yet."""
        self._landed = 0

    def step(self, session: Session, letter: Letter, written: Written) -> bool:
        """In a just-stored letter's transaction (after :meth:`begin`): write the changes of the letter before it
        (pipelined), then compute this one's (or send it to the tracker process), when it comes after every
        stored letter; else stop. Call :meth:`committed` once the transaction commits, :meth:`stop` if it did
        not."""
        if not self.active:
            return False
        key = order_key(letter)
        late = self.high is not None and key <= self.high  # dated before a stored letter: later positions change
        while self._flight and (late or len(self._flight) >= IN_FLIGHT):
            if not self._land(session):
                return False
        if late:
            self.stop()
            return False
        if self.run_id is None:  # made with the first letter it computes (gone with it, if that fails)
            self.run_id = store.start_run(session, kind="changes", version=CHANGES_VERSION,
                                          fingerprint=CHANGES_FINGERPRINT, config=self.timeline.run_config(),
                                          now=self.now, note="new letters").id
        by_subject = [(s, gather_positions(written_rows(letter, *written, s), s).get(letter.id, {}))
                      for s in self.timeline.subjects]
        self.ids[letter.key] = letter.id
        self.high = key
        if self._proc is not None:
            self._proc[1].send((letter.key, key[0], letter.dossier, [(s.key, b) for s, b in by_subject]))
            self._flight.append(letter.id)
            return True
        tracked = self.timeline.track(letter.key, key[0], letter.dossier, by_subject)
        self.timeline.record(session, letter, tracked, self.run_id, self.now, new=True, ids=self.ids)
        self._landed += 1
        return True

    def _land(self, session: Session) -> bool:
        """Write the changes of the first letter in flight (in the caller's transaction). False: following
        stopped."""
        assert self._proc is not None and self._flight and self.run_id is not None
        letter_id = self._flight.popleft()
        try:
            status, answer = self._proc[1].recv()
        except (EOFError, OSError) as exc:
            status, answer = "error", f"the tracker process ended: {exc}"
        if status != "ok":
            log.warning("changes not computed while ingesting (the update after it computes them): %s", answer)
            self.stop()
            return False
        tracked: list[Tracked] = answer
        letter = session.get_one(Letter, letter_id)
        self.timeline.record(session, letter, tracked, self.run_id, self.now, new=True, ids=self.ids)
        self._landed += 1
        return True

    def committed(self) -> int:
        """The transaction of the last :meth:`step` committed: the letters whose changes it wrote are done.
        Returns how many."""
        landed, self._landed = self._landed, 0
        self.done += landed
        return landed

    def stop(self) -> None:
        """Stop following. The letter in flight, and any whose transaction did not commit, stays due."""
        self.active = False  # what this transaction landed still counts once it commits
        self._flight.clear()
        if self._proc is not None:
            proc, conn = self._proc
            self._proc = None
            conn.close()
            if proc.is_alive():
                proc.kill()
            proc.join()
        self.timeline.cold()  # advanced by letters the store may not hold: started again from the store

    def finish(self, sessions: sessionmaker[Session]) -> int:
        """The last letter in flight written, the run finished, following stopped. Returns the letters whose
        changes were computed while following."""
        if self.active and self._flight:
            self.begin()
            try:
                with sessions.begin() as session:
                    while self._flight and self._land(session):
                        pass
            except Exception:  # noqa: BLE001 - (a locked database) they stay due: the update after does them
                log.exception("changes of the last letters not written while ingesting; the update after does it")
                self._landed = 0
            for _ in range(self.committed()):
                faults.point("changes")
        self.stop()
        if self.run_id is not None:
            with sessions.begin() as session:
                run = session.get(store.AnalysisRun, self.run_id)
                if run is not None:
                    run.letters, run.finished_at = self.done, self.now
            log.info("changes: %d letters processed as they were stored (run %d)", self.done, self.run_id)
        return self.done

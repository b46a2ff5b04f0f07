"""Storing parsed letters: one letter per real letter, versions, sources, statements.

Identity (in this order): the same source file bytes → nothing new; the same
reference → that letter; a known alias (TK document number, GUID) → that
letter; the same cleaned text → that letter; the same source locator with new
bytes → a new version of the letter it held; else a new letter.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from ..ids import hash_key, letter_key, sha256, statement_uids
from ..references import is_reference
from ..model import LetterMeta, ParsedLetter
from .models import FootnoteRecord, IngestLog, Letter, LetterAlias, LetterVersion, Source, StatementRecord, table

STORED, NEW_VERSION, REDATED, DUPLICATE, UNCHANGED, WARNING, ERROR, FAILED_BEFORE = (
    "stored", "new_version", "redated", "duplicate", "unchanged", "warning", "error", "failed_before")


@dataclass(frozen=True)
class Analysed:
    """What a letter's analysis wrote on each of its statement rows (function, scope: the columns of
    :func:`monitor.store.analysis.function_columns`), made on a worker from the parsed letter for this
    ``title`` and ``kind``. It is stored with the statements only while the letter still has that title and kind
    (its analysis depends on them); else the letter is analysed afterwards, as one stored without it."""

    title: str
    kind: str
    columns: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class StoreOutcome:
    outcome: str
    letter_id: int
    letter_key: str
    version_id: int
    message: str = ""
    # (position, id, uid) of the statements this call stored, when it stored them with their analysis
    # (:class:`Analysed` given and its title and kind still the letter's); None otherwise
    analysed: tuple[tuple[int, int, str], ...] | None = None

    @property
    def changed(self) -> bool:
        """Did what the analysis reads change (a new letter, a new version, or a letter moved in time)?"""
        return self.outcome in (STORED, NEW_VERSION, REDATED)


def known_source(session: Session, kind: str, locator: str, raw_sha: str) -> Source | None:
    return session.scalar(select(Source).where(Source.kind == kind, Source.locator == locator,
                                               Source.raw_sha256 == raw_sha))


def current_source(session: Session, kind: str, locator: str, raw_sha: str) -> Source | None:
    """The source as last seen at ``locator``, if it has these bytes; None when they differ from the last seen.

    Not any earlier state: a sidecar corrected and then put back is a change each time, or the letter would
    keep the metadata of the state in between."""
    last = session.scalar(select(Source).where(Source.kind == kind, Source.locator == locator)
                          .order_by(Source.last_seen.desc(), Source.id.desc()).limit(1))
    return last if last is not None and last.raw_sha256 == raw_sha else None


def folder_stats(session: Session) -> dict[str, str]:
    """locator → the stat key its folder file had when last read (of the source last seen there)."""
    rows = session.execute(select(Source.locator, Source.stat).where(Source.kind == "folder")
                           .order_by(Source.last_seen, Source.id))
    return {locator: stat for locator, stat in rows}


def seen_again(source: Source, now: dt.datetime, stat: str) -> None:
    """The same bytes at the same place: written only when the file's stat key moved (a touched or copied
    file), so an unchanged file seen again costs no write."""
    if source.stat != stat:
        source.stat = stat
        source.last_seen = now


def _find_letter(session: Session, meta: LetterMeta, text_sha: str, kind: str, locator: str,
                 aliases: tuple[str, ...] = ()) -> Letter | None:
    if meta.reference:
        hit = session.scalar(select(Letter).where(Letter.reference == meta.reference))
        if hit is not None:
            return hit
    if aliases:
        hit = session.scalar(select(Letter).join(LetterAlias, LetterAlias.letter_id == Letter.id)
                             .where(LetterAlias.alias.in_(aliases)).limit(1))
        if hit is not None:
            return hit
    hit = session.scalar(select(Letter).join(LetterVersion, LetterVersion.letter_id == Letter.id)
                         .where(LetterVersion.text_sha256 == text_sha).limit(1))
    if hit is not None:
        return hit
    prior = session.scalar(select(Source).where(Source.kind == kind, Source.locator == locator)
                           .order_by(Source.id.desc()).limit(1))
    return session.get(Letter, prior.letter_id) if prior is not None else None


_KST_DOSSIER = re.compile(r"^kst-(\d+)-\d+$")
_META_FIELDS = ("title", "date", "kind", "reference", "sender", "url", "dossier")


def _apply_meta(letter: Letter, parsed: ParsedLetter, now: dt.datetime) -> None:
    """Sidecar/service metadata overwrites; metadata guessed from the text only fills gaps."""
    for field in _META_FIELDS:
        strong = getattr(parsed.override, field) if parsed.override is not None else None
        guessed = getattr(parsed.meta, field)
        if field == "reference" and strong and is_reference(letter.reference) and not is_reference(strong):
            continue  # a scheme reference (kst-…, Z number) is never replaced by a mere alias
        if strong:
            setattr(letter, field, strong)
        elif guessed and not getattr(letter, field):
            setattr(letter, field, guessed)
    if not letter.dossier:  # "kst-28676-361" is document 361 of dossier 28676: its dossier feed must show it
        m = _KST_DOSSIER.match(letter.reference or "")
        letter.dossier = m.group(1) if m else ""
    letter.updated_at = now


def _place(letter: Letter) -> tuple[dt.date, str]:
    """Where a letter stands in the order every position is built in (as ``timeline.order_key``)."""
    return (letter.date or (letter.created_at or dt.datetime.min).date(), letter.key)


def _mark_due_from(session: Session, place: tuple[dt.date, str]) -> None:
    """Mark the changes of every letter from ``place`` on as due: a letter that moved in time (a corrected
    sidecar date) changes the standing position of all letters between its old and its new place, and the
    timeline recomputes from the earliest letter marked due."""
    session.flush()
    day = place[0]
    session.execute(update(Letter).where(or_(Letter.date >= day, Letter.date.is_(None)))  # undated: by arrival
                    .values(changes_version_id=None))


def _add_version(session: Session, letter: Letter, parsed: ParsedLetter, raw: bytes, raw_sha: str,
                 text_sha: str, filename: str, now: dt.datetime,
                 analysed: Analysed | None = None) -> tuple[LetterVersion, tuple[tuple[int, int, str], ...] | None]:
    """The new version with its statements and footnotes; with ``analysed`` (still for the letter's title and
    kind) each statement row carries its analysis columns, and (position, id, uid) of each is returned (else
    None)."""
    number = 1 + max((v.number for v in letter.versions), default=0)
    version = LetterVersion(
        letter=letter, number=number, text_sha256=text_sha, raw_sha256=raw_sha, raw=raw,
        media_type=parsed.extracted.media_type, filename=filename, cleaned_text=parsed.cleaned.text,
        flags=[{"kind": f.kind, "text": f.text, "detail": f.detail} for f in parsed.cleaned.flags]
        + [{"kind": "encoding", "text": w, "detail": ""} for w in parsed.extracted.warnings],
        meta={k: v for k, v in parsed.cleaned.found.items()}, ingested_at=now)
    session.add(version)
    session.flush()  # the version's id, for its statements
    uids = statement_uids(letter.key, [st.text for st in parsed.statements])
    # One set-based INSERT … RETURNING for all of a letter's statements (not a unit-of-work object each: that
    # was most of the time spent storing a letter, bench/e2e.py); nothing reads them back as objects here.
    rows = [{"uid": uid, "version_id": version.id, "letter_id": letter.id, "position": st.position, "kind": st.kind,
             "role": st.role, "section": st.section, "section_kind": st.section_kind, "answers": list(st.answers),
             "paragraph": st.paragraph, "text": st.text, "char_start": st.start, "char_end": st.end}
            for st, uid in zip(parsed.statements, uids)]
    if analysed is not None and (analysed.title, analysed.kind) == (letter.title or "", letter.kind or "") \
            and len(analysed.columns) == len(rows):
        rows = [{**row, **columns} for row, columns in zip(rows, analysed.columns)]
    else:
        analysed = None
    ids: dict[int, int] = {}
    if rows:
        t = table(StatementRecord)  # Core, not the ORM's bulk machinery: a plain executemany
        # then the ids in one read: an INSERT … RETURNING in parameter order has no sentinel column to sort
        # by on SQLite, so SQLAlchemy sends it a row at a time (75 statements a letter instead of 2)
        session.execute(insert(t), rows)
        ids = {p: i for p, i in session.execute(select(t.c.position, t.c.id).where(t.c.version_id == version.id))}
    footnotes = [{"version_id": version.id, "number": fn.number, "text": fn.text,
                  "statement_id": next((ids[s.position] for s in parsed.statements if fn.number in s.footnotes), None)}
                 for fn in parsed.cleaned.footnotes]
    if footnotes:
        session.execute(insert(table(FootnoteRecord)), footnotes)
    letter.current_version = version
    made = tuple((st.position, ids[st.position], uid) for st, uid in zip(parsed.statements, uids)) \
        if analysed is not None else None
    return version, made


def _new_key(session: Session, parsed: ParsedLetter, letter: Letter, text_sha: str) -> str:
    """The reference (as before), else date + title slug; the hash key when that is taken by another letter."""
    key = letter_key(parsed.meta.reference, text_sha, letter.date.isoformat() if letter.date else None,
                     letter.title)
    taken = session.scalar(select(Letter.id).where(Letter.key == key)) is not None or \
        session.scalar(select(LetterAlias.id).where(LetterAlias.alias == key)) is not None
    return hash_key(text_sha) if taken else key


def store_parsed(session: Session, parsed: ParsedLetter, raw: bytes, *, kind: str, locator: str,
                 filename: str, now: dt.datetime, external_id: str = "", fingerprint: str = "",
                 aliases: tuple[str, ...] = (), stat: str = "", analysed: Analysed | None = None) -> StoreOutcome:
    """Store one parsed letter inside the caller's transaction.

    ``analysed``: the statements' analysis columns, stored with them when this stores a version (see
    :class:`Analysed`); ``StoreOutcome.analysed`` says whether it was.

    ``fingerprint`` identifies the source's bytes (file plus sidecar); it
    defaults to the hash of ``raw``. ``stat``: a folder file's stat key.
    """
    raw_sha = sha256(raw)
    fingerprint = fingerprint or raw_sha
    text_sha = sha256(parsed.cleaned.text)
    letter = _find_letter(session, parsed.meta, text_sha, kind, locator, aliases)
    made: tuple[tuple[int, int, str], ...] | None = None
    if letter is None:
        letter = Letter(key="", created_at=now, updated_at=now)
        _apply_meta(letter, parsed, now)
        letter.key = _new_key(session, parsed, letter, text_sha)
        session.add(letter)
        session.flush()
        if letter.key != hash_key(text_sha):  # the hash key: an old link, or the key on another machine, leads here
            add_aliases(session, letter.id, (hash_key(text_sha),))
        version, made = _add_version(session, letter, parsed, raw, raw_sha, text_sha, filename, now, analysed)
        outcome, message = STORED, f"new letter {letter.key}"
    else:
        was = _place(letter)
        _apply_meta(letter, parsed, now)
        known = next((v for v in letter.versions if v.text_sha256 == text_sha), None)
        if known is None:
            version, made = _add_version(session, letter, parsed, raw, raw_sha, text_sha, filename, now, analysed)
            outcome, message = NEW_VERSION, f"version {version.number} of {letter.key}"
        elif _place(letter) != was:
            version = known
            _mark_due_from(session, min(was, _place(letter)))
            outcome, message = REDATED, (f"same text as {letter.key}, dated {was[0]} before and {_place(letter)[0]} "
                                         "now: the positions from the earlier of the two dates are recomputed")
        else:
            version = known
            outcome, message = DUPLICATE, f"same text as {letter.key}: recorded as another source"
    session.flush()
    source = known_source(session, kind, locator, fingerprint)
    if source is None:
        session.add(Source(kind=kind, locator=locator, raw_sha256=fingerprint, external_id=external_id,
                           letter_id=letter.id, version_id=version.id, first_seen=now, last_seen=now, stat=stat))
    else:  # seen here before with these bytes, and again after others: the last seen now
        source.last_seen = now
        source.stat = stat
    add_aliases(session, letter.id, aliases)
    session.flush()
    return StoreOutcome(outcome, letter.id, letter.key, version.id, message, made)


def add_aliases(session: Session, letter_id: int, aliases: tuple[str, ...]) -> None:
    """Record aliases of a letter; one already naming another letter is left alone (first claim wins)."""
    wanted = {a for a in aliases if a}
    if not wanted:
        return
    taken = set(session.scalars(select(LetterAlias.alias).where(LetterAlias.alias.in_(wanted))))
    for alias in sorted(wanted - taken):
        session.add(LetterAlias(alias=alias, letter_id=letter_id))


def log(session: Session, *, kind: str, locator: str, outcome: str, message: str = "", letter: str = "",
        now: dt.datetime, duration_ms: float = 0.0, fingerprint: str = "") -> None:
    """``fingerprint``: set on a failure of the file itself, so the same bytes are not tried again."""
    session.add(IngestLog(at=now, source_kind=kind, locator=locator, outcome=outcome, letter_key=letter,
                          message=message, duration_ms=duration_ms, fingerprint=fingerprint))


def failed_before(session: Session, kind: str, locator: str, fingerprint: str) -> str | None:
    """The message of an earlier failure of exactly these bytes from this source, or None."""
    return session.scalar(select(IngestLog.message).where(
        IngestLog.fingerprint == fingerprint, IngestLog.locator == locator, IngestLog.source_kind == kind,
        IngestLog.outcome == ERROR).order_by(IngestLog.id.desc()).limit(1))

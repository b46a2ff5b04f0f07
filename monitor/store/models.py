"""SQLAlchemy 2 models. Alembic (``migrations/``) owns the schema; see docs/schema.md.

Times are stored in UTC. A letter has versions (a changed file is a new
version); statements belong to a version, and ``letter.current_version_id``
says which version is current.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        Table, UniqueConstraint, false, text, true)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def table(model: type[Base]) -> Table:
    """A model's table, for Core statements on the hot path: a plain ``executemany``, without the ORM's bulk
    machinery (which costs several times the insert itself)."""
    t = model.__table__
    assert isinstance(t, Table)
    return t


class Letter(Base):
    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True, comment="stable id: reference, or sha-<text hash>")
    title: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(40), default="")
    reference: Mapped[str] = mapped_column(String(100), default="", index=True)
    dossier: Mapped[str] = mapped_column(String(40), default="")
    sender: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("letter_version.id", use_alter=True, name="fk_letter_current_version"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    changes_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("analysis_run.id", use_alter=True, name="fk_letter_changes_run"), nullable=True,
        comment="the changes run that last computed this letter's changes; NULL: not yet computed")
    changes_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True,
                                                          comment="the version those changes were computed for")
    topics_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("analysis_run.id", use_alter=True, name="fk_letter_topics_run"), nullable=True,
        comment="the topics run that last assigned this letter's topics; NULL: not yet assigned")
    topics_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True,
                                                         comment="the version those topics were assigned for")
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True,
        comment="when a source reported the document deleted; its versions and changes are kept")
    withdrawn_note: Mapped[str] = mapped_column(Text, default="", server_default="",
                                                comment="which source said so, and under which id")
    outside: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, nullable=True,
        comment="running-text statements, how many about no followed subject, and the countries those name")

    versions: Mapped[list[LetterVersion]] = relationship(
        back_populates="letter", foreign_keys="LetterVersion.letter_id", order_by="LetterVersion.number")
    current_version: Mapped[LetterVersion | None] = relationship(foreign_keys=[current_version_id], post_update=True)
    sources: Mapped[list[Source]] = relationship(back_populates="letter")


class LetterVersion(Base):
    __tablename__ = "letter_version"
    __table_args__ = (UniqueConstraint("letter_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text_sha256: Mapped[str] = mapped_column(String(64), index=True, comment="hash of the cleaned text")
    raw_sha256: Mapped[str] = mapped_column(String(64))
    raw: Mapped[bytes] = mapped_column(LargeBinary, comment="the file's bytes, as received")
    media_type: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(Text, default="")
    cleaned_text: Mapped[str] = mapped_column(Text)
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    letter: Mapped[Letter] = relationship(back_populates="versions", foreign_keys=[letter_id])
    statements: Mapped[list[StatementRecord]] = relationship(
        back_populates="version", order_by="StatementRecord.position", cascade="all, delete-orphan")
    footnotes: Mapped[list[FootnoteRecord]] = relationship(cascade="all, delete-orphan")


class Source(Base):
    __tablename__ = "source"
    __table_args__ = (UniqueConstraint("kind", "locator", "raw_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), comment="folder, tk-odata, tk-syncfeed, sru")
    locator: Mapped[str] = mapped_column(Text, comment="file path or URL")
    raw_sha256: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(200), default="", comment="id at the service, e.g. a TK GUID")
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("letter_version.id", ondelete="CASCADE"))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    stat: Mapped[str] = mapped_column(
        String(200), default="", server_default="",
        comment="a folder file's size, mtime and inode (and its sidecar's) when last read: unchanged, not read again")

    letter: Mapped[Letter] = relationship(back_populates="sources")


class StatementRecord(Base):
    __tablename__ = "statement"
    __table_args__ = (UniqueConstraint("version_id", "uid"), Index("ix_statement_letter_position", "letter_id", "position"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(40), index=True, comment="stable id: same letter + same text → same uid")
    version_id: Mapped[int] = mapped_column(ForeignKey("letter_version.id", ondelete="CASCADE"))
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), comment="paragraph, list_item, heading, question, procedural")
    role: Mapped[str] = mapped_column(String(20), default="", comment="for procedural: salutation, signature, …")
    section: Mapped[str] = mapped_column(Text, default="")
    section_kind: Mapped[str] = mapped_column(String(10), default="", comment="question, answer or empty")
    answers: Mapped[list[str]] = mapped_column(JSON, default=list, comment="question numbers an answer replies to")
    paragraph: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    char_start: Mapped[int] = mapped_column(Integer)
    char_end: Mapped[int] = mapped_column(Integer)
    function: Mapped[str] = mapped_column(
        String(20), default="", server_default="",
        comment="what it does: decision, commitment, …, or meta, question, … (no position)")
    function_evidence: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, nullable=True, comment="rule, words and flags that decided the function")
    in_scope: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(),
                                           comment="about the monitor's subject (false: about another country)")
    scope_evidence: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, nullable=True, comment="rule and names that decided the scope")

    version: Mapped[LetterVersion] = relationship(back_populates="statements")


class FootnoteRecord(Base):
    __tablename__ = "footnote"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("letter_version.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statement.id", ondelete="SET NULL"), nullable=True)


class IngestLog(Base):
    __tablename__ = "ingest_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True,
                                             comment="hash of the bytes tried (file plus sidecar); empty: none read")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    source_kind: Mapped[str] = mapped_column(String(20))
    locator: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20), comment="stored, new_version, redated, duplicate, unchanged, warning, error")
    letter_key: Mapped[str] = mapped_column(String(100), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)


class AnalysisRun(Base):
    """One run of an analysis stage: which code version and which configuration produced what."""

    __tablename__ = "analysis_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), comment="topics or changes")
    version: Mapped[str] = mapped_column(String(40), comment="analysis code version, e.g. topics-1")
    fingerprint: Mapped[str] = mapped_column(String(40), comment="hash of version + configuration")
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    letters: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")


class TopicAssignmentRecord(Base):
    """A topic of a statement, with the evidence for it (matched terms, inherited-from, rule)."""

    __tablename__ = "topic_assignment"
    # (topic, statement_id): a topic's statements read from the index alone (0011)
    __table_args__ = (UniqueConstraint("statement_id", "topic"),
                      Index("ix_topic_assignment_topic_statement", "topic", "statement_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(60))
    score: Mapped[float] = mapped_column(Float)
    rule: Mapped[str] = mapped_column(String(20), comment="strongest rule: terms, sense, anaphora, answer, heading")
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_run.id"), index=True)


class ChangeRecord(Base):
    """A position change of one topic made by one letter, against the standing position.

    Recomputed changes are not deleted: ``superseded_at``/``superseded_by_run``
    say when and by which run a change stopped being current.
    """

    __tablename__ = "change"
    __table_args__ = (
        Index("ix_change_topic_date", "topic", "letter_date"),
        # a topic's current changes (its timeline; what a change replaced by a date) from the index alone (0011)
        Index("ix_change_topic_current", "topic", "superseded_at", "letter_date", "kind", "letter_id", "published",
              "previous_statement_id"),
        # the most recent letters with a current published change (the front page) from the index alone (0014)
        Index("ix_change_published_current", "published", "superseded_at", "letter_date", "letter_id"),
        # the database, not the code, guarantees one current row per change: two writers can never double it
        Index("uq_change_current", "uid", unique=True, sqlite_where=text("superseded_at IS NULL"),
              postgresql_where=text("superseded_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(40), index=True, comment="stable: topic, kind, letter, statements")
    subject: Mapped[str] = mapped_column(String(100), default="", server_default="", index=True,
                                         comment="the followed subject's name (empty: everything)")
    topic: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20), comment="modified, added, initial, not_restated, reaffirmed")
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), index=True)
    letter_date: Mapped[dt.date] = mapped_column(Date, comment="the date the letter is ordered by")
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"), nullable=True,
                                                     index=True)
    previous_letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), nullable=True)
    previous_statement_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement.id", ondelete="CASCADE"), nullable=True, index=True)
    similarity: Mapped[float | None] = mapped_column(Float, nullable=True)
    significance: Mapped[float] = mapped_column(Float, default=0.0)
    aspects: Mapped[str] = mapped_column(String(40), default="", comment="numbers, modality (comma separated)")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, comment="numbers, modality, word diff ops")
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_run.id"), index=True)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    superseded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    superseded_by_run: Mapped[int | None] = mapped_column(ForeignKey("analysis_run.id"), nullable=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                            comment="in the feeds (true) or kept and folded (false)")


class SourceCursor(Base):
    """Where polling of one remote source stands, so each poll fetches only what is new."""

    __tablename__ = "source_cursor"

    name: Mapped[str] = mapped_column(String(100), primary_key=True, comment="the source's name in config.toml")
    kind: Mapped[str] = mapped_column(String(20))
    cursor: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, comment="skiptoken, since-date, startRecord")
    etag: Mapped[str] = mapped_column(Text, default="")
    last_modified: Mapped[str] = mapped_column(Text, default="")
    polled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    backfilled: Mapped[bool] = mapped_column(default=False, comment="the first full back-fill has completed")
    failing_since: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, comment="first failed poll since the last good one; empty: not failing")
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0", comment="failed polls, ever")
    last_poll_seconds: Mapped[float | None] = mapped_column(Float, nullable=True, comment="how long the last poll took")


class DataVersion(Base):
    """One row: a counter every writer bumps when what readers see changes, and when.

    Readers key caches (rendered feeds, pages) by ``version`` and answer
    ``Last-Modified`` from ``changed_at`` without scanning the change table.
    """

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LetterAlias(Base):
    """Another identifier of a letter: a TK document number (2021D18503), a TK GUID, a KOOP id.

    Aliases find the letter again when a source does not give its reference,
    and map a deletion (which names only a GUID) to the letter it withdraws.
    """

    __tablename__ = "letter_alias"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alias: Mapped[str] = mapped_column(String(200), unique=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id", ondelete="CASCADE"), index=True)


class Attachment(Base):
    """A Bijlage of a letter: stored beside it (searchable text), never as a version of it.

    ``parent_reference`` is the letter's reference (or an alias of it) as the
    source gave it; ``letter_id`` is filled once that letter is stored.
    """

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True, comment="blg-… id, else att-<text hash>")
    parent_reference: Mapped[str] = mapped_column(String(200), index=True)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id", ondelete="SET NULL"), nullable=True,
                                                  index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    url: Mapped[str] = mapped_column(Text, default="")
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list, comment="ids at the services")
    media_type: Mapped[str] = mapped_column(String(100), default="")
    filename: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    text_sha256: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AttachmentSource(Base):
    """Where an attachment was seen (as :class:`Source` is for letters)."""

    __tablename__ = "attachment_source"
    __table_args__ = (UniqueConstraint("kind", "locator", "raw_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    locator: Mapped[str] = mapped_column(Text)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(200), default="")
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DocumentFailure(Base):
    """A remote document that failed transiently: counted per poll, parked when over budget.

    While ``attempts`` is below the source's ``retries_per_document`` the page
    holding it is fetched again next poll; then it is parked (logged, skipped)
    and the cursor moves on.
    """

    __tablename__ = "document_failure"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    locator: Mapped[str] = mapped_column(String(700), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    parked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    first_failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Review(Base):
    """An analyst's verdict on a change (issue 15): confirm, reject, note, or merge into another change.

    Attached to the change's stable ``uid``, never to a row id: a recomputed
    change keeps its uid, so its verdict survives. Rows are only added, never
    changed: the latest confirm/reject/merge is the verdict, the rest is
    history (a rejection stays queryable as an input the analysis may learn from).
    """

    __tablename__ = "review"
    __table_args__ = (Index("ix_review_change_uid", "change_uid", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_uid: Mapped[str] = mapped_column(String(40), comment="change.uid (stable across recomputation)")
    verdict: Mapped[str] = mapped_column(String(10), comment="confirm, reject, note, merge")
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    merged_into: Mapped[str] = mapped_column(String(40), default="", server_default="",
                                             comment="for merge: the change uid this one is folded into")
    by: Mapped[str] = mapped_column(String(100), comment="account name, or 'cli:NAME' / 'token' for scripts")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class Account(Base):
    """A local account that may write (review). Created from the CLI only; no default account exists."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text, comment="argon2id hash (argon2-cffi)")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """A logged-in session. The cookie holds a signed random token; only its hash is stored here."""

    __tablename__ = "login_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, comment="sha256 of the session token")
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Delivery(Base):
    """One notification of one change set (letter × topic) to one subscription: sent once, retried, recorded."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("subscription", "letter_key", "topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription: Mapped[str] = mapped_column(String(100))
    letter_key: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), index=True, comment="pending, sent, failed")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, comment="what is sent, fixed when planned")


class SubscriptionStart(Base):
    """When a subscription was first seen: it is told about change sets from then on, not the whole history."""

    __tablename__ = "subscription_start"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class StandingStatement(Base):
    """A statement of the standing position of one subject × topic, kept as changes are written (not rebuilt
    from history): the position as it stands after the letter its :class:`StandingMark` names."""

    __tablename__ = "standing"

    subject: Mapped[str] = mapped_column(String(200), primary_key=True, comment="the subject's name; empty: everything")
    topic: Mapped[str] = mapped_column(String(60), primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"), primary_key=True)
    repeated: Mapped[bool] = mapped_column(Boolean, default=False, comment="it restated or revised an earlier one")


class StandingMark(Base):
    """Up to which letter the standing position of a subject is kept: valid only while that letter is the last
    one before the first letter whose changes are due (otherwise it is rebuilt from the changes once)."""

    __tablename__ = "standing_mark"

    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id", ondelete="SET NULL"), nullable=True,
                                                  comment="the last letter it includes; empty: none")
    last_letters: Mapped[dict[str, int]] = mapped_column(JSON, default=dict,
                                                         comment="topic → the last letter that spoke on it")

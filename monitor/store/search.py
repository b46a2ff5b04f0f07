"""Full-text search over statements: one query function, one engine per database.

SQLite: an FTS5 index (``statement_fts``, migration 0009) kept in step with
``statement`` by triggers, tokenised with ``unicode61`` without diacritics, so
"beëindigen" finds "beeindigen"; every word of the query is a prefix
("terugkeer" finds "terugkeeroperatie"), all words must occur.
PostgreSQL: ``to_tsvector('dutch', text) @@ plainto_tsquery('dutch', …)`` with
a GIN index on the same expression (also in 0009), so Dutch stemming does what
prefixes do on SQLite. Callers only see :func:`search_statements`.

Only statements of a letter's current version are found: an old version's
sentence is history, not what the letter says.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from .models import Letter, StatementRecord, TopicAssignmentRecord

FTS_TABLE = "statement_fts"
WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8  # a query longer than this is a pasted paragraph: its first words find it just as well


def is_search_table(name: str) -> bool:
    """Tables the search index owns (FTS5 makes shadow tables): not in the models, never compared to them."""
    return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")


# PostgreSQL's search index (migration 0009): an expression index, not in the models either.
PG_SEARCH_INDEX = "ix_statement_text_fts"


def is_search_object(name: str | None, type_: str) -> bool:
    """Schema objects the search index owns, on either backend: left out when schema and models are compared."""
    return bool(name) and ((type_ == "table" and is_search_table(name or "")) or
                           (type_ == "index" and name == PG_SEARCH_INDEX))


def words(query: str) -> list[str]:
    """The words of a query; everything else (quotes, operators, ``*``) is dropped, so no input is syntax."""
    return WORD.findall(query.casefold())[:MAX_WORDS]


def fts5_query(query: str) -> str:
    """``terugkeer Kaboel`` → ``"terugkeer"* AND "kaboel"*``: each word quoted (never an FTS operator)."""
    return " AND ".join(f'"{w}"*' for w in words(query))


@dataclass(frozen=True)
class Hit:
    statement: StatementRecord
    letter: Letter


MAX_MATCHES = 5000  # the best-ranked matches; a word in every letter narrows nothing beyond this


def matching_ids(session: Session, query: str) -> Any:
    """The ids of statements matching ``query`` (any version), as a subquery; empty for an empty query.

    PostgreSQL: the full-text condition itself. SQLite: the FTS5 hits are read first and handed back as
    one JSON parameter (``SELECT value FROM json_each(?)``), so the planner looks statements and changes up
    by key instead of scanning them, and no statement carries thousands of bound literals."""
    if session.get_bind().dialect.name == "postgresql":
        q = " ".join(words(query))
        return select(StatementRecord.id).where(
            func.to_tsvector("dutch", StatementRecord.text).op("@@")(func.plainto_tsquery("dutch", q)))
    match = fts5_query(query)
    if not match:
        return []
    ids = list(session.scalars(text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q ORDER BY rank "
                                    "LIMIT :n"), {"q": match, "n": MAX_MATCHES}))
    return select(func.json_each(json.dumps(ids)).table_valued("value").c.value)


def on_topic(topic: str) -> Select:
    """A subquery of the ids of the statements assigned ``topic`` (for ``search_statements``' ``statement_ids``)."""
    return select(TopicAssignmentRecord.statement_id).where(TopicAssignmentRecord.topic == topic)


def search_statements(session: Session, query: str, limit: int = 20, offset: int = 0,
                      statement_ids: Select | None = None, since: dt.date | None = None,
                      until: dt.date | None = None, dossier: str | None = None, ids: Any = None
                      ) -> tuple[list[Hit], int]:
    """Statements of current letter versions matching ``query``, newest letter first; and how many match.

    ``statement_ids`` narrows the hits further (e.g. to a topic's statements); ``since``/``until`` (the
    letter's date) and ``dossier`` narrow by letter; ``ids``: :func:`matching_ids` of ``query``, when the
    caller has it already.
    """
    if not words(query):
        return [], 0
    if ids is None:
        ids = matching_ids(session, query)
    # joined by the letter's key, then its current version checked: letter.current_version_id has no index
    base = (select(StatementRecord, Letter)
            .join(Letter, (Letter.id == StatementRecord.letter_id) & (Letter.current_version_id == StatementRecord.version_id))
            .where(StatementRecord.id.in_(ids), StatementRecord.kind != "procedural"))
    if statement_ids is not None:
        base = base.where(StatementRecord.id.in_(statement_ids))
    if since is not None:
        base = base.where(Letter.date >= since)
    if until is not None:
        base = base.where(Letter.date <= until)
    if dossier:
        base = base.where(Letter.dossier == dossier)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    order = (Letter.date.desc(), Letter.key, StatementRecord.position)
    # the page's ids first (sorted on a few columns), then the rows and texts of those only
    page = base.with_only_columns(StatementRecord.id).order_by(*order).limit(limit).offset(offset)
    rows = session.execute(select(StatementRecord, Letter).join(Letter, Letter.id == StatementRecord.letter_id)
                           .where(StatementRecord.id.in_(page)).order_by(*order))
    return [Hit(s, l) for s, l in rows], total

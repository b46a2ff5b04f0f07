"""full-text search over statements

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00

SQLite: an FTS5 index over ``statement.text`` (external content: the text is
stored once, in ``statement``), kept in step by triggers on insert, delete and
update, and filled from the statements already stored. PostgreSQL: a GIN
index on ``to_tsvector('dutch', text)``, the expression
:mod:`monitor.store.search` queries. Both: an index on ``change.statement_id``. Both are read through one function.
"""
from __future__ import annotations

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_SQLITE_UP = [
    # remove_diacritics 2: "beëindigen" and "beeindigen" are one word to a reader typing either
    "CREATE VIRTUAL TABLE statement_fts USING fts5(text, content='statement', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER statement_fts_ai AFTER INSERT ON statement BEGIN "
    "INSERT INTO statement_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER statement_fts_ad AFTER DELETE ON statement BEGIN "
    "INSERT INTO statement_fts(statement_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER statement_fts_au AFTER UPDATE OF text ON statement BEGIN "
    "INSERT INTO statement_fts(statement_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO statement_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO statement_fts(statement_fts) VALUES ('rebuild')",
]
_SQLITE_DOWN = ["DROP TRIGGER IF EXISTS statement_fts_au", "DROP TRIGGER IF EXISTS statement_fts_ad",
                "DROP TRIGGER IF EXISTS statement_fts_ai", "DROP TABLE IF EXISTS statement_fts"]


def upgrade() -> None:
    # a search finds statements, then the changes on either side of them: both sides looked up by index
    op.create_index('ix_change_statement_id', 'change', ['statement_id'])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for sql in _SQLITE_UP:
            op.execute(sql)
    elif dialect == "postgresql":
        op.execute("CREATE INDEX ix_statement_text_fts ON statement USING gin (to_tsvector('dutch', text))")


def downgrade() -> None:
    op.drop_index('ix_change_statement_id', table_name='change')
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for sql in _SQLITE_DOWN:
            op.execute(sql)
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_statement_text_fts")

"""covering indexes for a topic's timeline and standing position

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 12:00:00

Issue 18 (pages < 100 ms at 1,000 letters): the current changes of a topic
(its timeline, and the statements a change replaced by a date) are read from
an index alone, ``change(topic, superseded_at, letter_date, kind, letter_id,
published, previous_statement_id)``; a topic's statements from
``topic_assignment(topic, statement_id)``, which replaces the index on
``topic`` alone.
"""
from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CHANGE_COLUMNS = ["topic", "superseded_at", "letter_date", "kind", "letter_id", "published", "previous_statement_id"]


def upgrade() -> None:
    op.create_index('ix_change_topic_current', 'change', CHANGE_COLUMNS)
    op.create_index('ix_topic_assignment_topic_statement', 'topic_assignment', ['topic', 'statement_id'])
    op.drop_index('ix_topic_assignment_topic', table_name='topic_assignment')


def downgrade() -> None:
    op.create_index('ix_topic_assignment_topic', 'topic_assignment', ['topic'])
    op.drop_index('ix_topic_assignment_topic_statement', table_name='topic_assignment')
    op.drop_index('ix_change_topic_current', table_name='change')

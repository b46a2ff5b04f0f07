"""source health: since when a remote source fails, how often, how long its last poll took; long media types

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 10:00:00

What an operator alerts on must be readable by every process, not only by the
daemon that polls: a web worker (``serve``) answers ``/metrics`` and
``/healthz`` from these columns. ``failing_since`` is set by the first failed
poll and cleared by the next good one; ``failures`` counts failed polls.

PostgreSQL enforces string lengths where SQLite does not: a Word file's media
type (``application/vnd.openxmlformats-officedocument.wordprocessingml.document``,
71 characters) did not fit ``letter_version.media_type`` (60), so it becomes 255.
``change.kind``'s comment follows the model (PostgreSQL stores comments).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('letter_version') as batch:
        batch.alter_column('media_type', existing_type=sa.String(60), type_=sa.String(255), existing_nullable=False)
    with op.batch_alter_table('change') as batch:
        batch.alter_column('kind', existing_type=sa.String(20), existing_nullable=False,
                           comment='modified, added, initial, not_restated, reaffirmed',
                           existing_comment='modified, added, not_restated, reaffirmed')
    with op.batch_alter_table('source_cursor') as batch:
        batch.add_column(sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True,
                                   comment='first failed poll since the last good one; empty: not failing'))
        batch.add_column(sa.Column('failures', sa.Integer(), nullable=False, server_default='0',
                                   comment='failed polls, ever'))
        batch.add_column(sa.Column('last_poll_seconds', sa.Float(), nullable=True,
                                   comment='how long the last poll took'))


def downgrade() -> None:
    with op.batch_alter_table('source_cursor') as batch:
        batch.drop_column('last_poll_seconds')
        batch.drop_column('failures')
        batch.drop_column('failing_since')
    with op.batch_alter_table('change') as batch:
        batch.alter_column('kind', existing_type=sa.String(20), existing_nullable=False,
                           comment='modified, added, not_restated, reaffirmed',
                           existing_comment='modified, added, initial, not_restated, reaffirmed')
    with op.batch_alter_table('letter_version') as batch:
        batch.alter_column('media_type', existing_type=sa.String(255), type_=sa.String(60), existing_nullable=False)

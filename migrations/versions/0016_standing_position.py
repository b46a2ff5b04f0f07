"""standing, standing_mark: the standing position kept as changes are written

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 21:30:00

One new letter reads what stands (a few hundred statements per topic), not every position statement in
history. Both tables start empty: the first update after the upgrade rebuilds the standing position from the
stored changes once, as before, and keeps it from then on.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'standing',
        sa.Column('subject', sa.String(200), nullable=False, comment="the subject's name; empty: everything"),
        sa.Column('topic', sa.String(60), nullable=False),
        sa.Column('statement_id', sa.Integer(), sa.ForeignKey('statement.id', ondelete='CASCADE'), nullable=False),
        sa.Column('repeated', sa.Boolean(), nullable=False, comment='it restated or revised an earlier one'),
        sa.PrimaryKeyConstraint('subject', 'topic', 'statement_id'),
    )
    op.create_table(
        'standing_mark',
        sa.Column('subject', sa.String(200), nullable=False, primary_key=True),
        sa.Column('letter_id', sa.Integer(), sa.ForeignKey('letter.id', ondelete='SET NULL'), nullable=True,
                  comment='the last letter it includes; empty: none'),
        sa.Column('last_letters', sa.JSON(), nullable=False, comment='topic → the last letter that spoke on it'),
    )


def downgrade() -> None:
    op.drop_table('standing_mark')
    op.drop_table('standing')

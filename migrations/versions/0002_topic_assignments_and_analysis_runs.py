"""topic assignments and analysis runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:12:27.435711
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('analysis_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False, comment='topics or changes'),
    sa.Column('version', sa.String(length=40), nullable=False, comment='analysis code version, e.g. topics-1'),
    sa.Column('fingerprint', sa.String(length=40), nullable=False, comment='hash of version + configuration'),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('letters', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('topic_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=60), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=False, comment='strongest rule: terms, sense, anaphora, answer, heading'),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['analysis_run.id'], ),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('statement_id', 'topic')
    )
    with op.batch_alter_table('topic_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_assignment_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_topic_assignment_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index('ix_topic_assignment_topic', ['topic'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('topic_assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_assignment_topic')
        batch_op.drop_index(batch_op.f('ix_topic_assignment_statement_id'))
        batch_op.drop_index(batch_op.f('ix_topic_assignment_run_id'))

    op.drop_table('topic_assignment')
    op.drop_table('analysis_run')

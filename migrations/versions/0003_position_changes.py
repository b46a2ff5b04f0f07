"""position changes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 13:16:49.924407
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=40), nullable=False, comment='stable: topic, kind, letter, statements'),
    sa.Column('topic', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False, comment='modified, added, not_restated, reaffirmed'),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('letter_date', sa.Date(), nullable=False, comment='the date the letter is ordered by'),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.Column('previous_letter_id', sa.Integer(), nullable=True),
    sa.Column('previous_statement_id', sa.Integer(), nullable=True),
    sa.Column('similarity', sa.Float(), nullable=True),
    sa.Column('significance', sa.Float(), nullable=False),
    sa.Column('aspects', sa.String(length=40), nullable=False, comment='numbers, modality (comma separated)'),
    sa.Column('details', sa.JSON(), nullable=False, comment='numbers, modality, word diff ops'),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_by_run', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_letter_id'], ['letter.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_statement_id'], ['statement.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['analysis_run.id'], ),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['superseded_by_run'], ['analysis_run.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_previous_statement_id'), ['previous_statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_run_id'), ['run_id'], unique=False)
        batch_op.create_index('ix_change_topic_date', ['topic', 'letter_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_uid'), ['uid'], unique=False)

    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes_run_id', sa.Integer(), nullable=True, comment="the changes run that last computed this letter's changes; NULL: not yet computed"))
        batch_op.add_column(sa.Column('changes_version_id', sa.Integer(), nullable=True, comment='the version those changes were computed for'))
        batch_op.create_foreign_key('fk_letter_changes_run', 'analysis_run', ['changes_run_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_constraint('fk_letter_changes_run', type_='foreignkey')
        batch_op.drop_column('changes_version_id')
        batch_op.drop_column('changes_run_id')

    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_uid'))
        batch_op.drop_index('ix_change_topic_date')
        batch_op.drop_index(batch_op.f('ix_change_run_id'))
        batch_op.drop_index(batch_op.f('ix_change_previous_statement_id'))
        batch_op.drop_index(batch_op.f('ix_change_letter_id'))

    op.drop_table('change')

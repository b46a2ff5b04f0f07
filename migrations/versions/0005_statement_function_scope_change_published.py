"""statement function and scope, published changes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 10:40:00

What a statement does (its function, with evidence) and whether it is about
the monitor's subject are analysis results stored beside the statement;
``change.published`` says whether a change is in the feeds or only kept.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('statement') as batch:
        batch.add_column(sa.Column('function', sa.String(length=20), nullable=False, server_default='',
                                   comment='what it does: decision, commitment, …, or meta, question, … (no position)'))
        batch.add_column(sa.Column('function_evidence', sa.JSON(), nullable=True,
                                   comment='rule, words and flags that decided the function'))
        batch.add_column(sa.Column('in_scope', sa.Boolean(), nullable=False, server_default=sa.true(),
                                   comment="about the monitor's subject (false: about another country)"))
        batch.add_column(sa.Column('scope_evidence', sa.JSON(), nullable=True,
                                   comment='rule and names that decided the scope'))
    with op.batch_alter_table('change') as batch:
        batch.add_column(sa.Column('published', sa.Boolean(), nullable=False, server_default=sa.false(),
                                   comment='in the feeds (true) or kept and folded (false)'))


def downgrade() -> None:
    with op.batch_alter_table('change') as batch:
        batch.drop_column('published')
    with op.batch_alter_table('statement') as batch:
        batch.drop_column('scope_evidence')
        batch.drop_column('in_scope')
        batch.drop_column('function_evidence')
        batch.drop_column('function')

"""change.subject and letter.outside: several followed subjects, and what no subject covers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 21:10:00

Every change belongs to one followed subject (``[[subjects]]``), by name; the rows of the single subject of
before get the empty name here and are claimed by the configuration's first subject on the next analysis
(a migration cannot read config.toml), so their ids and feed entries stay as they were.
``letter.outside`` counts the statements of a letter about no followed subject (filled by the next analysis).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('change') as batch:
        batch.add_column(sa.Column('subject', sa.String(100), nullable=False, server_default='',
                                   comment="the followed subject's name (empty: everything)"))
        batch.create_index('ix_change_subject', ['subject'])
    with op.batch_alter_table('letter') as batch:
        batch.add_column(sa.Column(
            'outside', sa.JSON(), nullable=True,
            comment='running-text statements, how many about no followed subject, and the countries those name'))


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 too): a batch copy of `letter` would trip its foreign keys
    op.drop_column('letter', 'outside')
    op.drop_index('ix_change_subject', table_name='change')
    op.drop_column('change', 'subject')

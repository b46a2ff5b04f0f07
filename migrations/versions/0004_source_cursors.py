"""source cursors

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 13:27:08.558971
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('source_cursor',
    sa.Column('name', sa.String(length=100), nullable=False, comment="the source's name in config.toml"),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('cursor', sa.JSON(), nullable=False, comment='skiptoken, since-date, startRecord'),
    sa.Column('etag', sa.Text(), nullable=False),
    sa.Column('last_modified', sa.Text(), nullable=False),
    sa.Column('polled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('backfilled', sa.Boolean(), nullable=False, comment='the first full back-fill has completed'),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('source_cursor')

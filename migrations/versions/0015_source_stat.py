"""source.stat: a folder file's stat key when last read

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 21:20:00

An inbox poll reads and hashes only the files whose size, modification time or inode (or their sidecar's)
moved since they were last read; the rest cost a ``stat`` and no write. Existing rows start empty: each file
is read once more, and its key recorded then.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('source') as batch:
        batch.add_column(sa.Column('stat', sa.String(200), nullable=False, server_default='',
                                   comment="a folder file's size, mtime and inode (and its sidecar's) when last read: "
                                           "unchanged, not read again"))


def downgrade() -> None:
    with op.batch_alter_table('source') as batch:
        batch.drop_column('stat')

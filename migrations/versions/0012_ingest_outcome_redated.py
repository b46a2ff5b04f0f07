"""ingest_log.outcome: a new outcome, "redated"

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:45:00

A letter whose sidecar moves its date (same bytes) is recorded as ``redated``: the positions from the
earlier of its old and new date are recomputed. Only the column's comment follows the model, and only
PostgreSQL stores comments (on SQLite this revision changes nothing).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OLD = 'stored, new_version, duplicate, unchanged, warning, error'
NEW = 'stored, new_version, redated, duplicate, unchanged, warning, error'


def _comment(comment: str, existing: str) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('ingest_log', 'outcome', existing_type=sa.String(20), existing_nullable=False,
                        comment=comment, existing_comment=existing)


def upgrade() -> None:
    _comment(NEW, OLD)


def downgrade() -> None:
    _comment(OLD, NEW)

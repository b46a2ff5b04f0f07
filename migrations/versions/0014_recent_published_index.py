"""an index for the most recent letters with published changes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 21:10:00

Issue 27 (a cold front page < 100 ms at 1,000 full-size letters): the front page lists the change sets of the
twenty most recent letters with a current published change. Without an index that read every current change
(88,000 rows at 1,000 letters: 570 ms); ``change(published, superseded_at, letter_date, letter_id)`` answers it
from the index alone, over the published ones (2 ms).
"""
from __future__ import annotations

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_change_published_current', 'change', ['published', 'superseded_at', 'letter_date', 'letter_id'])


def downgrade() -> None:
    op.drop_index('ix_change_published_current', table_name='change')

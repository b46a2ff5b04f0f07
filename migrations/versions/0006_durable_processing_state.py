"""durable processing state: per-letter topic marker, one current row per change, data version

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00

* ``letter.topics_run_id``/``topics_version_id`` say which run assigned a
  letter's topics and for which version, so a letter stored but never
  analysed (a crash between the two) is found and finished at the next start;
* ``uq_change_current``: a partial unique index, at most one current (not
  superseded) row per change uid. Duplicates left by concurrent writers
  before this revision are superseded first, keeping the oldest row;
* ``ingest_log.fingerprint``: a file that failed is not re-parsed until its
  bytes change;
* ``data_version``: one row readers use as a cache key and for Last-Modified.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('letter') as batch:
        batch.add_column(sa.Column('topics_run_id', sa.Integer(), nullable=True,
                                   comment="the topics run that last assigned this letter's topics; NULL: not yet assigned"))
        batch.add_column(sa.Column('topics_version_id', sa.Integer(), nullable=True,
                                   comment='the version those topics were assigned for'))
        batch.create_foreign_key('fk_letter_topics_run', 'analysis_run', ['topics_run_id'], ['id'])
    # letters whose changes are computed for their current version were analysed by the latest topics run
    op.execute("UPDATE letter SET topics_version_id = current_version_id, topics_run_id = "
               "(SELECT max(id) FROM analysis_run WHERE kind = 'topics' AND finished_at IS NOT NULL) "
               "WHERE changes_version_id = current_version_id")
    op.execute("UPDATE change SET superseded_at = CURRENT_TIMESTAMP WHERE superseded_at IS NULL AND id NOT IN "
               "(SELECT min(id) FROM change WHERE superseded_at IS NULL GROUP BY uid)")
    with op.batch_alter_table('change') as batch:
        batch.create_index('uq_change_current', ['uid'], unique=True,
                           sqlite_where=sa.text('superseded_at IS NULL'),
                           postgresql_where=sa.text('superseded_at IS NULL'))
    with op.batch_alter_table('ingest_log') as batch:
        batch.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=False, server_default='',
                                   comment='hash of the bytes tried (file plus sidecar); empty: none read'))
        batch.create_index(batch.f('ix_ingest_log_fingerprint'), ['fingerprint'], unique=False)
    table = op.create_table('data_version',
                            sa.Column('id', sa.Integer(), nullable=False),
                            sa.Column('version', sa.Integer(), nullable=False),
                            sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
                            sa.PrimaryKeyConstraint('id'))
    op.bulk_insert(table, [{'id': 1, 'version': 0, 'changed_at': None}])
    op.execute("UPDATE data_version SET changed_at = (SELECT max(computed_at) FROM change) WHERE id = 1")


def downgrade() -> None:
    op.drop_table('data_version')
    with op.batch_alter_table('ingest_log') as batch:
        batch.drop_index(batch.f('ix_ingest_log_fingerprint'))
        batch.drop_column('fingerprint')
    with op.batch_alter_table('change') as batch:
        batch.drop_index('uq_change_current')
    with op.batch_alter_table('letter') as batch:
        batch.drop_constraint('fk_letter_topics_run', type_='foreignkey')
        batch.drop_column('topics_version_id')
        batch.drop_column('topics_run_id')

"""letters, sources, statements, ingest log

Revision ID: 0001
Revises:
Create Date: 2026-11-22 13:06:15.621322
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ingest_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source_kind', sa.String(length=20), nullable=False),
    sa.Column('locator', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False, comment='stored, new_version, duplicate, unchanged, warning, error'),
    sa.Column('letter_key', sa.String(length=100), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('duration_ms', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ingest_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ingest_log_at'), ['at'], unique=False)

    op.create_table('letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False, comment='stable id: reference, or sha-<text hash>'),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('dossier', sa.String(length=40), nullable=False),
    sa.Column('sender', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_reference'), ['reference'], unique=False)

    op.create_table('letter_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False, comment='hash of the cleaned text'),
    sa.Column('raw_sha256', sa.String(length=64), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False, comment="the file's bytes, as received"),
    sa.Column('media_type', sa.String(length=60), nullable=False),
    sa.Column('filename', sa.Text(), nullable=False),
    sa.Column('cleaned_text', sa.Text(), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('letter_id', 'number')
    )
    with op.batch_alter_table('letter_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_version_letter_id'), ['letter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letter_version_text_sha256'), ['text_sha256'], unique=False)

    # letter ↔ letter_version reference each other: the letter's pointer to its
    # current version is added once both tables exist.
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_letter_current_version', 'letter_version', ['current_version_id'], ['id'])

    op.create_table('source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False, comment='folder, tk-odata, tk-syncfeed, sru'),
    sa.Column('locator', sa.Text(), nullable=False, comment='file path or URL'),
    sa.Column('raw_sha256', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False, comment='id at the service, e.g. a TK GUID'),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['letter_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'locator', 'raw_sha256')
    )
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_letter_id'), ['letter_id'], unique=False)

    op.create_table('statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=40), nullable=False, comment='stable id: same letter + same text → same uid'),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False, comment='paragraph, list_item, heading, question, procedural'),
    sa.Column('role', sa.String(length=20), nullable=False, comment='for procedural: salutation, signature, …'),
    sa.Column('section', sa.Text(), nullable=False),
    sa.Column('section_kind', sa.String(length=10), nullable=False, comment='question, answer or empty'),
    sa.Column('answers', sa.JSON(), nullable=False, comment='question numbers an answer replies to'),
    sa.Column('paragraph', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('char_start', sa.Integer(), nullable=False),
    sa.Column('char_end', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['letter_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id', 'uid')
    )
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.create_index('ix_statement_letter_position', ['letter_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_uid'), ['uid'], unique=False)

    op.create_table('footnote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['letter_version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('footnote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_footnote_version_id'), ['version_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_constraint('fk_letter_current_version', type_='foreignkey')
    with op.batch_alter_table('footnote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_footnote_version_id'))

    op.drop_table('footnote')
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_uid'))
        batch_op.drop_index('ix_statement_letter_position')

    op.drop_table('statement')
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_letter_id'))

    op.drop_table('source')
    with op.batch_alter_table('letter_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_version_text_sha256'))
        batch_op.drop_index(batch_op.f('ix_letter_version_letter_id'))

    op.drop_table('letter_version')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_reference'))
        batch_op.drop_index(batch_op.f('ix_letter_date'))

    op.drop_table('letter')
    with op.batch_alter_table('ingest_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ingest_log_at'))

    op.drop_table('ingest_log')

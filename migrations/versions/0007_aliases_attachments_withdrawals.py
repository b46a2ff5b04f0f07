"""letter aliases, attachments, withdrawals, document failures

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00

One reference scheme across sources keeps other identifiers as aliases
(``letter_alias``); attachments are stored beside their letter, never as a
version of it (``attachment``, ``attachment_source``); a deletion at the
source marks the letter withdrawn (``letter.withdrawn_at``); a remote document
that keeps failing is counted and then parked (``document_failure``).
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('letter') as batch:
        batch.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True,
                                   comment='when a source reported the document deleted; its versions and changes '
                                           'are kept'))
        batch.add_column(sa.Column('withdrawn_note', sa.Text(), nullable=False, server_default='',
                                   comment='which source said so, and under which id'))
    op.create_table('letter_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=200), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('alias')
    )
    op.create_index('ix_letter_alias_letter_id', 'letter_alias', ['letter_id'])
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False, comment='blg-… id, else att-<text hash>'),
    sa.Column('parent_reference', sa.String(length=200), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False, comment='ids at the services'),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('filename', sa.Text(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('raw_sha256', sa.String(length=64), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index('ix_attachment_parent_reference', 'attachment', ['parent_reference'])
    op.create_index('ix_attachment_letter_id', 'attachment', ['letter_id'])
    op.create_index('ix_attachment_text_sha256', 'attachment', ['text_sha256'])
    op.create_table('attachment_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('locator', sa.Text(), nullable=False),
    sa.Column('raw_sha256', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'locator', 'raw_sha256')
    )
    op.create_index('ix_attachment_source_attachment_id', 'attachment_source', ['attachment_id'])
    op.create_table('document_failure',
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('locator', sa.String(length=700), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('parked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', 'locator')
    )


def downgrade() -> None:
    op.drop_table('document_failure')
    op.drop_index('ix_attachment_source_attachment_id', table_name='attachment_source')
    op.drop_table('attachment_source')
    op.drop_index('ix_attachment_text_sha256', table_name='attachment')
    op.drop_index('ix_attachment_letter_id', table_name='attachment')
    op.drop_index('ix_attachment_parent_reference', table_name='attachment')
    op.drop_table('attachment')
    op.drop_index('ix_letter_alias_letter_id', table_name='letter_alias')
    op.drop_table('letter_alias')
    with op.batch_alter_table('letter') as batch:
        batch.drop_column('withdrawn_note')
        batch.drop_column('withdrawn_at')

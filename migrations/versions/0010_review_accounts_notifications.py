"""reviews, accounts, login sessions, notification deliveries

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 12:00:00

Issue 15: analysts' verdicts on changes (by change uid, so they survive
recomputation), local accounts and their sessions, and the record of
notifications sent per subscription and change set.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("change_uid", sa.String(40), nullable=False, comment="change.uid (stable across recomputation)"),
        sa.Column("verdict", sa.String(10), nullable=False, comment="confirm, reject, note, merge"),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("merged_into", sa.String(40), nullable=False, server_default="",
                  comment="for merge: the change uid this one is folded into"),
        sa.Column("by", sa.String(100), nullable=False,
                  comment="account name, or 'cli:NAME' / 'token' for scripts"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_review_change_uid", "review", ["change_uid", "id"])
    op.create_index("ix_review_at", "review", ["at"])
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text(), nullable=False, comment="argon2id hash (argon2-cffi)"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "login_session",
        sa.Column("id", sa.String(64), primary_key=True, comment="sha256 of the session token"),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_session_account_id", "login_session", ["account_id"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subscription", sa.String(100), nullable=False),
        sa.Column("letter_key", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(60), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, comment="pending, sent, failed"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False, comment="what is sent, fixed when planned"),
        sa.UniqueConstraint("subscription", "letter_key", "topic"),
    )
    op.create_index("ix_delivery_status", "delivery", ["status"])
    op.create_table(
        "subscription_start",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("subscription_start")
    op.drop_index("ix_delivery_status", table_name="delivery")
    op.drop_table("delivery")
    op.drop_index("ix_login_session_account_id", table_name="login_session")
    op.drop_table("login_session")
    op.drop_table("account")
    op.drop_index("ix_review_at", table_name="review")
    op.drop_index("ix_review_change_uid", table_name="review")
    op.drop_table("review")

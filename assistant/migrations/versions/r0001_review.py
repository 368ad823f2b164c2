"""review: approvals and follow-ups

Revision ID: r0001_review
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from replydesk.db import UTCDateTime

revision = "r0001_review"
down_revision = None
branch_labels = ("review",)
depends_on = "a0001_core"


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("draft_id", sa.Integer),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("second_approver", sa.String(100)),
        sa.Column("needs_second", sa.Boolean, nullable=False),
        sa.Column("overrides", sa.JSON, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("receipt", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("posted_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_approvals"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE",
                                name="fk_approvals_message_id_messages"),
        sa.UniqueConstraint("idempotency_key", name="uq_approvals_idempotency_key"),
    )
    op.create_index("ix_approvals_message_id", "approvals", ["message_id"])
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("article_id", sa.String(100)),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("done", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_followups"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE",
                                name="fk_followups_message_id_messages"),
    )
    op.create_index("ix_followups_message_id", "followups", ["message_id"])
    op.create_index("ix_followups_due_at", "followups", ["due_at"])


def downgrade() -> None:
    op.drop_table("followups")
    op.drop_table("approvals")

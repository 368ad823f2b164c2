"""review: internal notes on a conversation (never sent to the customer or a drafter)

Revision ID: r0003_notes
Revises: r0002_outbox
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from replydesk.db import UTCDateTime

revision = "r0003_notes"
down_revision = "r0002_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE",
                                name="fk_notes_message_id_messages"),
    )
    op.create_index("ix_notes_message_id", "notes", ["message_id"])


def downgrade() -> None:
    op.drop_table("notes")

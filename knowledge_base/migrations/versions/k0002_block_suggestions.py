"""knowledge base: building blocks suggested from approved replies

Revision ID: k0002_block_suggestions
Revises: k0001_articles
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from replydesk.db import UTCDateTime

revision = "k0002_block_suggestions"
down_revision = "k0001_articles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_block_suggestions",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("article_id", sa.String(100), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("address_form", sa.String(8)),
        sa.Column("channel", sa.String(32)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("support", sa.Integer, nullable=False),
        sa.Column("edited", sa.Integer, nullable=False),
        sa.Column("variants", sa.JSON, nullable=False),
        sa.Column("approval_ids", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decided_at", UTCDateTime),
        sa.Column("block_id", sa.String(100)),
        sa.Column("article_version", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_kb_block_suggestions"),
    )
    op.create_index("ix_kb_block_suggestions_article_id", "kb_block_suggestions", ["article_id"])
    op.create_index("ix_kb_block_suggestions_status", "kb_block_suggestions", ["status"])


def downgrade() -> None:
    op.drop_table("kb_block_suggestions")

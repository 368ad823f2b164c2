"""knowledge base: articles, versions, chunks, meta

Revision ID: k0001_articles
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from replydesk.db import UTCDateTime

revision = "k0001_articles"
down_revision = None
branch_labels = ("kb",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.String(100)),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("channels", sa.JSON, nullable=False),
        sa.Column("blocks", sa.JSON, nullable=False),
        sa.Column("questions", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(100)),
        sa.Column("followup_days", sa.Integer),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(100)),
        sa.PrimaryKeyConstraint("id", name="pk_kb_articles"),
    )
    op.create_table(
        "kb_article_versions",
        sa.Column("id", sa.Integer, autoincrement=True),
        sa.Column("article_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(100)),
        sa.PrimaryKeyConstraint("id", name="pk_kb_article_versions"),
        sa.UniqueConstraint("article_id", "version", name="uq_kb_article_versions_article_id"),
    )
    op.create_index("ix_kb_article_versions_article_id", "kb_article_versions", ["article_id"])
    op.create_table(
        "kb_chunks",
        sa.Column("id", sa.String(140)),
        sa.Column("article_id", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("indexed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kb_chunks"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["kb_articles.id"], ondelete="CASCADE", name="fk_kb_chunks_article_id_kb_articles"
        ),
    )
    op.create_index("ix_kb_chunks_article_id", "kb_chunks", ["article_id"])
    op.create_table(
        "kb_meta",
        sa.Column("key", sa.String(64)),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_kb_meta"),
    )


def downgrade() -> None:
    for table in ("kb_meta", "kb_chunks", "kb_article_versions", "kb_articles"):
        op.drop_table(table)

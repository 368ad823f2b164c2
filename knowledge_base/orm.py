"""Knowledge-base tables: articles (current version), their version history, and index sync state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from replydesk.db import Base, UTCDateTime, utcnow


class ArticleRow(Base):
    __tablename__ = "kb_articles"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    blocks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    owner: Mapped[str | None] = mapped_column(String(100))
    followup_days: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(100))


class ArticleVersionRow(Base):
    """An immutable snapshot per edit (``action``: created, updated, deleted, rolled_back, imported)."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))


class ChunkRow(Base):
    """One indexed chunk: what Chroma holds, with the hash that decides whether to re-embed."""

    __tablename__ = "kb_chunks"
    id: Mapped[str] = mapped_column(String(140), primary_key=True)  # <article_id>#<n>
    article_id: Mapped[str] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KbMeta(Base):
    __tablename__ = "kb_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class BlockSuggestionRow(Base):
    """A reply building block mined from approved replies (``knowledge_base.mining``), for a trainer to accept
    (it becomes a block of the article, as a new article version) or dismiss."""

    __tablename__ = "kb_block_suggestions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(String(100), index=True)
    language: Mapped[str] = mapped_column(String(8))
    address_form: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="answer")
    text: Mapped[str] = mapped_column(Text)
    support: Mapped[int] = mapped_column(Integer, default=0)  # approved replies that say it
    edited: Mapped[int] = mapped_column(Integer, default=0)  # … of which an agent wrote or added it by editing
    variants: Mapped[list[str]] = mapped_column(JSON, default=list)  # the near-duplicate wordings seen
    approval_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="suggested", index=True)  # suggested|accepted|dismissed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    block_id: Mapped[str | None] = mapped_column(String(100))  # the block it became
    article_version: Mapped[int | None] = mapped_column(Integer)  # the article version that added it

"""Types that cross the knowledge-base boundary."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from guardrails.models import Language

Lang = Language  # the languages declared once in guardrails.models (LANGUAGES)
BlockKind = Literal["acknowledge", "answer", "next_step", "handoff", "followup", "closing"]


class ReplyBlock(BaseModel):
    """A short approved reply text with ``{placeholders}`` for customer data (used by the composer)."""

    id: str
    language: Lang
    kind: BlockKind = "answer"
    text: str
    length: Literal["short", "long", "any"] = "any"  # short fits X (<=280 with the rest), long for e-mail
    channels: list[str] = Field(default_factory=list)  # empty = every channel
    address_form: Literal["du", "Sie"] | None = None  # German blocks come in both forms; None = either


class ArticleIn(BaseModel):
    """An article as written by a trainer or an import (no version bookkeeping)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,99}$")
    title: str = Field(min_length=1, max_length=300)
    body: str = ""
    language: Lang
    tags: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)  # empty = every channel
    blocks: list[ReplyBlock] = Field(default_factory=list)
    # Sample customer questions (any language) the article answers; indexed for retrieval, never shown.
    questions: list[str] = Field(default_factory=list)
    status: Literal["draft", "published"] = "draft"
    owner: str | None = None
    followup_days: int | None = None  # check back with the customer after N days


class Article(ArticleIn):
    version: int = 1
    updated_at: datetime | None = None
    updated_by: str | None = None


class Passage(BaseModel):
    """One retrieved chunk of an article."""

    article_id: str
    chunk_id: str
    title: str
    language: Lang
    text: str
    score: float
    tags: list[str] = Field(default_factory=list)
    similarity: float | None = None  # best dense cosine of the article's chunks (a relevance signal)
    lexical: float | None = None  # best BM25 of the article's chunks / log(1 + chunks): shared words, any KB size


class SearchFilters(BaseModel):
    language: Lang | None = None  # None = any language (cross-lingual)
    channel: str | None = None
    status: Literal["published", "draft", "any"] = "published"
    tags: list[str] = Field(default_factory=list)


@runtime_checkable
class Retriever(Protocol):
    def search(self, query: str, filters: SearchFilters | None = None, k: int = 5) -> list[Passage]: ...

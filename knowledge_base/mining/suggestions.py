"""Stored block suggestions (``kb_block_suggestions``): mining the approved replies and storing what is new
(an open suggestion's support updated, a decided one not suggested again), and listing them."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel
from sqlalchemy import select

from knowledge_base.mining.clusters import CLUSTER_SIMILARITY, DEFAULT_MIN_SUPPORT, mine
from knowledge_base.mining.replies import load_replies
from knowledge_base.mining.sentences import _same
from knowledge_base.orm import BlockSuggestionRow
from replydesk.db import Database, utcnow


class BlockSuggestion(BaseModel):
    id: int
    article_id: str
    language: str
    address_form: str | None
    channel: str | None
    kind: str
    text: str
    support: int
    edited: int
    variants: list[str]
    approval_ids: list[int]
    status: str
    decided_by: str | None = None
    block_id: str | None = None
    article_version: int | None = None


def _to_model(row: BlockSuggestionRow) -> BlockSuggestion:
    return BlockSuggestion.model_validate(row, from_attributes=True)


def min_support_setting(settings=None) -> int:
    from replydesk.settings import get_settings

    settings = settings or get_settings()
    return int(getattr(settings, "block_suggestion_min_support", DEFAULT_MIN_SUPPORT) or DEFAULT_MIN_SUPPORT)


def suggest_blocks(db: Database, kb, min_support: int | None = None, policy: Any | None = None) -> list[BlockSuggestion]:
    """Mine the approved replies and store what is new; returns the open suggestions, best supported first.

    A mined sentence that matches a stored suggestion (same article, language, form, channel; near-duplicate
    text) updates that suggestion's support while it is open, and is not suggested again once a trainer accepted
    or dismissed it."""
    n = min_support or min_support_setting(getattr(kb, "settings", None))
    mined = mine(load_replies(db), kb, n, policy=policy)
    now = utcnow()
    with db.transaction() as s:
        stored = s.scalars(select(BlockSuggestionRow)).all()
        by_group: dict[tuple, list[BlockSuggestionRow]] = {}
        for row in stored:
            by_group.setdefault((row.article_id, row.language, row.address_form, row.channel), []).append(row)
        texts = [r.text for r in stored]
        vecs = kb.embedder.embed(texts) if texts else np.zeros((0, 1))
        vec_of = {id(r): v for r, v in zip(stored, vecs, strict=True)}
        for m in mined:
            group = by_group.get((m["article_id"], m["language"], m["address_form"], m["channel"]), [])
            match = next((r for r in group if _same(r.text, m["text"]) or any(_same(r.text, v) for v in m["variants"])
                          or float(vec_of[id(r)] @ m["vector"]) >= CLUSTER_SIMILARITY), None)
            if match is not None:
                if match.status == "suggested":
                    match.support, match.edited = m["support"], m["edited"]
                    match.variants, match.approval_ids, match.updated_at = m["variants"], m["approval_ids"], now
                continue
            row = BlockSuggestionRow(**{k: v for k, v in m.items() if k != "vector"}, status="suggested",
                                     created_at=now, updated_at=now)
            s.add(row)
            group.append(row)
            vec_of[id(row)] = m["vector"]
    return list_suggestions(db)


def list_suggestions(db: Database, status: str | None = "suggested") -> list[BlockSuggestion]:
    q = select(BlockSuggestionRow).order_by(BlockSuggestionRow.support.desc(), BlockSuggestionRow.edited.desc(),
                                            BlockSuggestionRow.id)
    if status:
        q = q.where(BlockSuggestionRow.status == status)
    with db.session() as s:
        return [_to_model(r) for r in s.scalars(q)]

"""A trainer's decision on a block suggestion: dismissing it, or accepting it, which adds the block to its article
as one new article version (trainers and admins only; each suggestion is decided once)."""

from __future__ import annotations

from sqlalchemy import update

from knowledge_base.mining.suggestions import BlockSuggestion, _to_model
from knowledge_base.models import ArticleIn, ReplyBlock
from knowledge_base.orm import BlockSuggestionRow
from knowledge_base.store import EDITOR_ROLES, SYSTEM, Actor
from replydesk.db import Database, utcnow


class SuggestionError(ValueError):
    """A suggestion that is not there or was already decided."""


def _require_trainer(actor: Actor) -> None:
    if actor.roles is not None and not EDITOR_ROLES.intersection(actor.roles):
        raise PermissionError(f"{actor.username} may not change building blocks: only trainers and admins can "
                              f"(roles: {', '.join(actor.roles) or 'none'})")


def _claim(db: Database, suggestion_id: int, status: str, actor: Actor) -> BlockSuggestionRow:
    """Move an open suggestion to ``status`` (once: a second click or another trainer gets an error)."""
    with db.transaction() as s:
        row = s.get(BlockSuggestionRow, suggestion_id)
        if row is None:
            raise SuggestionError(f"no suggestion {suggestion_id}")
        won = s.execute(update(BlockSuggestionRow).where(BlockSuggestionRow.id == suggestion_id,
                                                         BlockSuggestionRow.status == "suggested")
                        .values(status=status, decided_by=actor.username, decided_at=utcnow())).rowcount
        if won != 1:
            raise SuggestionError(f"suggestion {suggestion_id} was already {row.status}")
        s.expunge(row)
        return row


def dismiss_suggestion(db: Database, suggestion_id: int, actor: Actor = SYSTEM) -> BlockSuggestion:
    _require_trainer(actor)
    _claim(db, suggestion_id, "dismissed", actor)
    with db.session() as s:
        return _to_model(s.get(BlockSuggestionRow, suggestion_id))


def block_from(suggestion: BlockSuggestionRow | BlockSuggestion, taken: set[str]) -> ReplyBlock:
    """The building block a suggestion becomes (an answer block for its language, form and channel)."""
    base = f"mined-{suggestion.id}"
    block_id, n = base, 1
    while block_id in taken:
        n += 1
        block_id = f"{base}-{n}"
    return ReplyBlock(id=block_id, language=suggestion.language, kind=suggestion.kind or "answer",
                      text=suggestion.text, channels=[suggestion.channel] if suggestion.channel else [],
                      address_form=suggestion.address_form if suggestion.language == "de" else None)


def accept_suggestion(db: Database, kb, suggestion_id: int, actor: Actor = SYSTEM) -> BlockSuggestion:
    """Add the suggested block to its article: one new article version by ``actor`` (trainers and admins), the
    index re-synced; the suggestion is marked accepted with the block id and the version."""
    _require_trainer(actor)
    row = _claim(db, suggestion_id, "accepted", actor)
    try:
        article = kb.store.get(row.article_id)
        if article is None:
            raise SuggestionError(f"article {row.article_id!r} no longer exists")
        block = block_from(row, {b.id for b in article.blocks})
        content = ArticleIn.model_validate(article.model_dump(exclude={"version", "updated_at", "updated_by"}))
        saved = kb.save(content.model_copy(update={"blocks": [*content.blocks, block]}), actor)
    except BaseException:
        with db.transaction() as s:
            s.execute(update(BlockSuggestionRow).where(BlockSuggestionRow.id == suggestion_id)
                      .values(status="suggested", decided_by=None, decided_at=None))
        raise
    with db.transaction() as s:
        r = s.get(BlockSuggestionRow, suggestion_id)
        r.block_id, r.article_version = block.id, saved.version
        s.flush()
        return _to_model(r)

"""Follow-ups of posted replies: when to check back (from the cited article), list the due ones, mark one done."""

from __future__ import annotations

from sqlalchemy import select, update

from assistant.review.auth import require
from assistant.review.orm import FollowUp
from assistant.review.states import ReviewError
from replydesk.db import utcnow


class FollowupsMixin:
    """Part of :class:`assistant.review.service.ReviewService` (needs ``db``, ``user``, ``pipeline``, ``_audit``)."""

    def _followup_days(self, article_id: str | None) -> int | None:
        if not article_id:
            return None
        article = self.pipeline.kb.get_article(article_id)
        return article.followup_days if article else None

    def due_followups(self) -> list[FollowUp]:
        with self.db.session() as s:
            return list(s.scalars(select(FollowUp).where(FollowUp.done.is_(False), FollowUp.due_at <= utcnow())))

    def complete_followup(self, followup_id: int) -> FollowUp:
        """Mark a follow-up done (agents and approvers); audited. Done once: a second click is an error, and two
        agents clicking at once mark it done once (conditional update)."""
        require(self.user, "agent", "approver")
        with self.db.transaction() as s:
            fu = s.get(FollowUp, followup_id)
            if fu is None:
                raise ReviewError(f"no follow-up {followup_id!r}")
            changed = s.execute(update(FollowUp).where(FollowUp.id == followup_id, FollowUp.done.is_(False))
                                .values(done=True)).rowcount
            if not changed:
                raise ReviewError(f"follow-up {followup_id} is already done")
            self._audit(s, "followup_done", fu.message_id, followup_id=followup_id)
        with self.db.session() as s:
            return s.get(FollowUp, followup_id)

"""Posting from the review service: through the outbox (:mod:`assistant.review.outbox`), the same code path as the
sweeper; failed posts and their retry; the second approver's queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from assistant.orm import Customer, Message
from assistant.review.auth import require
from assistant.review.channels import Channel, channel_from_settings
from assistant.review.orm import Approval
from assistant.review.outbox import Outbox
from assistant.review.states import ReviewError
from replydesk.db import utcnow


class PostingMixin:
    """Part of :class:`assistant.review.service.ReviewService` (needs ``db``, ``user``, ``settings``, ``_audit``)."""

    _channel: Channel | None

    @property
    def channel(self) -> Channel:
        if self._channel is None:
            self._channel = channel_from_settings(self.settings)
        return self._channel

    @property
    def outbox(self) -> Outbox:
        return Outbox(self.db, self.channel, actor=self.user["username"])

    def post(self, approval_id: int) -> Approval:
        """Post a queued reply now, or retry a failed one (same idempotency key). Only the caller that claims the
        row sends it; if another process (the sweeper) holds it, nothing is sent and the current row is returned."""
        return self.outbox.post_now(approval_id)

    def second_approve(self, approval_id: int) -> Approval:
        require(self.user, "approver")
        with self.db.transaction() as s:
            a = s.get(Approval, approval_id)
            if a is None:
                raise ReviewError(f"no approval {approval_id}")
            if a.author == self.user["username"]:
                raise ReviewError("four eyes: the author of a reply cannot be its second approver")
            won = s.execute(update(Approval).where(Approval.id == approval_id, Approval.state == "awaiting_second")
                            .values(state="queued", next_attempt_at=utcnow(),
                                    second_approver=self.user["username"])).rowcount
            if won != 1:
                raise ReviewError("this reply is not waiting for a second approval any more")
            s.execute(update(Message).where(Message.id == a.message_id).values(status="approved"))
            self._audit(s, "second_approved", a.message_id, a.draft_id, approval_id=approval_id)
        return self.post(approval_id)

    def _approval(self, approval_id: int) -> Approval:
        with self.db.session() as s:
            return s.get(Approval, approval_id)

    def awaiting_second(self) -> list[Approval]:
        with self.db.session() as s:
            return list(s.scalars(select(Approval).where(Approval.state == "awaiting_second")
                                  .order_by(Approval.created_at)))

    def second_approval_context(self, approvals: list[Approval]) -> dict[int, dict[str, Any]]:
        """Read-only: what the second approver needs beside the reply (issue 12 item 10) — the customer's message,
        the handle and channel, and the customer's name, followers and tier — per approval id, in one session."""
        ids = {a.message_id for a in approvals}
        if not ids:
            return {}
        with self.db.session() as s:
            rows = s.execute(select(Message.id, Message.text, Message.author_handle, Message.channel,
                                    Message.visibility, Customer.display_name, Customer.followers, Customer.tier)
                             .outerjoin(Customer, Customer.id == Message.customer_id)
                             .where(Message.id.in_(ids))).all()
        by_message = {r.id: {"message_text": r.text, "handle": r.author_handle, "channel": r.channel,
                             "visibility": r.visibility, "customer": r.display_name,
                             "followers": r.followers or 0, "tier": r.tier} for r in rows}
        return {a.id: by_message.get(a.message_id, {}) for a in approvals}

    def recover_stuck_posts(self, older_than: timedelta | None = None) -> list[int]:
        """Approvals left in 'posting' by a process that died mid-post (past their lease, or started more than
        ``older_than`` ago): failed, maybe sent, due at once — listed and retried with the same idempotency key."""
        return self.outbox.recover_stuck(older_than)

    def failed_posts(self) -> list[Approval]:
        self.recover_stuck_posts()
        return self.outbox.failed()

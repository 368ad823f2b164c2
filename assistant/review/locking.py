"""Agent locks enforced in the service (not only on the screen): an action on a message another agent holds a
live lock on is refused; a lead takes the message over first (the same take-over as the screen's)."""

from __future__ import annotations

from sqlalchemy import or_, select

from assistant.orm import Message
from assistant.review import queue
from assistant.review.states import ReviewError
from replydesk.db import utcnow


def lock_error(holder: str) -> ReviewError:
    return ReviewError(f"{holder} is editing this message; take over first (a lead can take it over) or wait until "
                       f"{holder} is done")


class LocksMixin:
    """Part of :class:`assistant.review.service.ReviewService` (needs ``db`` and ``user``)."""

    def _lock_is_mine_or_free(self):
        """SQL condition: nobody else holds a live lock on the message."""
        return or_(Message.locked_by.is_(None), Message.locked_by == self.user["username"],
                   Message.locked_until.is_(None), Message.locked_until < utcnow())

    def _other_holder(self, s, message_id: str) -> str | None:
        """Inside a transaction: who else holds a live lock on the message (None: nobody)."""
        found = s.execute(select(Message.locked_by, Message.locked_until).where(Message.id == message_id)).first()
        if found and found[0] and found[0] != self.user["username"] and found[1] and found[1] > utcnow():
            return found[0]
        return None

    def _hold_lock(self, message_id: str) -> None:
        """Lock on edit: take (or renew) this agent's lock, or refuse if another agent holds a live one."""
        if not queue.claim(self.db, message_id, self.user):
            raise lock_error(queue.lock_holder(self.db, message_id, self.user) or "another agent")

    def take_over(self, message_id: str) -> None:
        """A lead (approver) takes a message another agent has locked; their edits and actions are then allowed."""
        queue.take_over(self.db, message_id, self.user)

"""Approving (four eyes), rejecting and escalating: the state changes, each in one transaction.

An approval is written ``queued`` in the same transaction as the message's move to 'approved' (the approvals
table is the outbox), then posted at once through the outbox; the sweeper covers a crash in between. A reply whose
post may already have reached the channel cannot be rejected or escalated any more.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update

from assistant.orm import Customer, Draft, Message
from assistant.review.auth import require
from assistant.review.locking import lock_error
from assistant.review.orm import Approval
from assistant.review.states import APPROVABLE, CANCELLABLE, LIVE_APPROVAL, REJECTABLE, ReviewError, diff
from assistant.understanding import upset
from replydesk.db import utcnow

OUTCOME_UNKNOWN = ("the outcome of posting this reply is unknown (it is being posted, or an attempt may have "
                   "reached the channel): it cannot be {action} now. Wait for the outbox sweeper to finish it (it "
                   "retries with the same idempotency key, so it is never posted twice) or check the channel "
                   "whether it arrived")


class ApprovalsMixin:
    """Part of :class:`assistant.review.service.ReviewService`."""

    def approve(self, message_id: str, text: str, overrides: dict[str, str] | None = None) -> Approval:
        """Approve the (edited) text. Blocks cannot be overridden; each warning needs a written reason."""
        require(self.user, "agent", "approver")
        overrides = {k: v.strip() for k, v in (overrides or {}).items() if v and v.strip()}
        report = self.check(message_id, text)
        blocks = [f for f in report.findings if f.severity == "block"]
        if blocks:
            raise ReviewError("cannot approve: blocked by " + ", ".join(sorted({f.rule for f in blocks}))
                              + " – fix the text (or apply the suggested fix) first")
        missing = sorted({f.rule for f in report.findings if f.severity == "warn"} - set(overrides))
        if missing:
            raise ReviewError("each warning needs a written reason to override: " + ", ".join(missing))
        with self.db.transaction() as s:
            msg = s.get(Message, message_id)
            if msg is None:
                raise ReviewError(f"no message {message_id!r}")
            followers = s.scalar(select(Customer.followers).where(Customer.id == msg.customer_id)) or 0
            triage = msg.triage or {}
            sentiment = triage.get("sentiment", {}).get("value")
            if upset(sentiment, triage.get("mood", {}).get("value")):
                sentiment = "negative"  # an angry or sarcastic customer, whatever the sentiment head reads
            policy = self.pipeline.policy
            needs_second = (policy.needs_second_approver(msg.visibility, followers, sentiment, bool(overrides))
                            or (msg.visibility == "public" and _four_eyes_flagged(s, msg.customer_id)))
            new_status = "awaiting_approval" if needs_second else "approved"
            won = s.execute(update(Message).where(Message.id == message_id, Message.status.in_(APPROVABLE),
                                                  self._lock_is_mine_or_free())
                            .values(status=new_status, locked_by=None, locked_until=None)).rowcount
            if won != 1:
                if holder := self._other_holder(s, message_id):
                    raise lock_error(holder)
                raise ReviewError("this message was already approved or closed by someone else")
            live = s.scalar(select(func.count()).select_from(Approval).where(
                Approval.message_id == message_id, Approval.state.in_(LIVE_APPROVAL)))
            if live:  # the state machine never allows this; refuse rather than risk a second post
                raise ReviewError("this message already has an approval that may still be posted")
            draft = s.scalars(select(Draft).where(Draft.message_id == message_id).order_by(Draft.version.desc())).first()
            article = (draft.meta or {}).get("article") if draft else None
            approval = Approval(
                message_id=message_id, draft_id=draft.id if draft else None, text=text, channel=msg.channel,
                visibility=msg.visibility, author=self.user["username"], needs_second=needs_second,
                overrides=[{"rule": r, "reason": why} for r, why in overrides.items()],
                state="awaiting_second" if needs_second else "queued", idempotency_key=uuid.uuid4().hex,
                next_attempt_at=None if needs_second else utcnow(), followup_days=self._followup_days(article),
                attempts=0, receipt={},
            )
            s.add(approval)
            s.flush()
            self._audit(s, "approved", message_id, draft.id if draft else None, approval_id=approval.id,
                        needs_second=needs_second, overrides=approval.overrides,
                        diff=diff(draft.text if draft else "", text))
            approval_id = approval.id
        if needs_second:
            return self._approval(approval_id)
        return self.post(approval_id)  # queued and committed: if this process dies now, the sweeper posts it

    def reject(self, message_id: str, reason: str, escalate: bool = False) -> None:
        """Reject ("do not send") or escalate an open message. Cancels a reply that cannot have reached the channel
        yet (waiting for its second approval, queued, or failed before reaching it) in the same transaction, so it
        can never be posted afterwards. A message that is posted, whose post is in flight or may have reached the
        channel, already rejected (or already escalated, for escalate), or locked by another agent is refused."""
        require(self.user, "agent", "approver")
        if not reason.strip():
            raise ReviewError("a reason is required")
        action = "escalated" if escalate else "rejected"
        allowed = tuple(x for x in REJECTABLE if not (escalate and x == "escalated"))
        with self.db.transaction() as s:
            msg = s.get(Message, message_id)
            if msg is None:
                raise ReviewError(f"no message {message_id!r}")
            if holder := self._other_holder(s, message_id):
                raise lock_error(holder)
            approvals = list(s.scalars(select(Approval).where(Approval.message_id == message_id,
                                                              Approval.state.in_((*LIVE_APPROVAL, "posted")))))
            if any(a.state == "posted" for a in approvals):
                raise ReviewError(f"this reply is already posted: it cannot be {action} any more")
            if any(a.state == "posting" or a.maybe_sent for a in approvals):
                raise ReviewError(OUTCOME_UNKNOWN.format(action=action))
            cancelled = s.execute(update(Approval).where(Approval.message_id == message_id,
                                                         Approval.state.in_(CANCELLABLE),
                                                         Approval.maybe_sent.is_(False))
                                  .values(state="rejected", next_attempt_at=None,
                                          error=f"{action} by {self.user['username']}")).rowcount
            still_live = s.scalar(select(func.count()).select_from(Approval).where(
                Approval.message_id == message_id, Approval.state.in_(LIVE_APPROVAL)))
            if still_live:  # the sweeper claimed it meanwhile; rolls back the cancellation above
                raise ReviewError(OUTCOME_UNKNOWN.format(action=action))
            won = s.execute(update(Message).where(Message.id == message_id, Message.status.in_(allowed),
                                                  self._lock_is_mine_or_free())
                            .values(status=action, locked_by=None, locked_until=None)).rowcount
            if won != 1:
                if holder := self._other_holder(s, message_id):
                    raise lock_error(holder)
                s.refresh(msg)
                raise ReviewError(f"this message is {msg.status}: it cannot be {action}")
            self._audit(s, action, message_id, reason=reason.strip(), cancelled_approvals=cancelled)


def _four_eyes_flagged(s, customer_id: str | None) -> bool:
    """The customer's record asks for a second approver on public replies, whatever the sentiment: a record of kind
    "flag" with ref "four_eyes_public", or any record whose data says ``four_eyes: true`` (e.g. a case)."""
    if not customer_id:
        return False
    from assistant.orm import CustomerRecord

    for kind, ref, data in s.execute(select(CustomerRecord.kind, CustomerRecord.ref, CustomerRecord.data)
                                     .where(CustomerRecord.customer_id == customer_id)):
        if (kind == "flag" and ref == "four_eyes_public") or (isinstance(data, dict) and data.get("four_eyes") is True):
            return True
    return False

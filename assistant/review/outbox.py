"""The approvals table as the transactional outbox: claim due replies, post them, retry with backoff.

An approval that should be posted is written ``queued`` (``next_attempt_at`` = now) in the same transaction as the
message's state change. Posting happens from the table, by whoever claims the row first: the review screen right
after approving (:meth:`Outbox.post_now`) or the sweeper (:meth:`Outbox.sweep`, run by ``replydesk worker`` and
``replydesk outbox sweep``), which also covers crashes:

* a claim moves a row to ``posting`` with a lease (``lease_until``) — ``SELECT … FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, and on every backend a conditional UPDATE, so two processes never post the same row at once;
* every attempt sends the approval's own idempotency key (channels de-duplicate by it), so a retry after an
  unknown outcome never posts twice;
* a failed attempt is ``failed`` with its error, the attempt count and ``next_attempt_at`` (exponential backoff);
  after ``max_attempts`` the sweeper stops (``next_attempt_at`` empty) and the reply waits for a manual retry;
* a row whose poster died (``posting`` past its lease) is claimed again and marked ``maybe_sent``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import and_, or_, select, update

from assistant.orm import AuditEvent, Draft, Message
from assistant.review.channels import Channel, PostError, Reply
from assistant.review.orm import Approval, FollowUp
from replydesk.db import Database, utcnow

log = logging.getLogger("replydesk.outbox")

RETRYABLE = ("queued", "failed")  # states a claim may take a row from (the sweeper: only when due)


class RetryPolicy(BaseModel):
    """When the sweeper tries again. A post takes at most ~1.5 min (webhook: 5 attempts × 10 s + backoff); the lease
    is longer, so a live poster is never taken for a dead one."""

    max_attempts: int = Field(6, ge=1)
    backoff_s: float = Field(30.0, ge=0)  # 30 s, 1 min, 2 min, 4 min, 8 min …
    backoff_max_s: float = Field(3600.0, ge=0)
    lease_s: float = Field(600.0, gt=0)

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.backoff_max_s, self.backoff_s * 2 ** max(0, attempts - 1)))


class SweepReport(BaseModel):
    claimed: list[int] = Field(default_factory=list)
    posted: list[int] = Field(default_factory=list)
    failed: list[int] = Field(default_factory=list)  # failed again (see next_attempt_at: retried, or given up)


def _outcome(exc: Exception) -> tuple[str, bool]:
    """(error text, may the receiver have taken it): anything but a channel's "surely not sent" is unknown."""
    if isinstance(exc, PostError):
        return str(exc), exc.maybe_sent
    return f"{type(exc).__name__}: {exc}", True


class Outbox:
    """Posts approvals from the approvals table through one channel. Independent of the review service: the
    worker, the CLI and the screen use the same code path."""

    def __init__(self, db: Database, channel: Channel, *, policy: RetryPolicy | None = None, actor: str = "outbox",
                 clock: Callable[[], datetime] = utcnow, name: str | None = None) -> None:
        self.db = db
        self.channel = channel
        self.policy = policy or RetryPolicy()
        self.actor = actor  # who the audit log names for posts made here
        self.clock = clock
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"

    @classmethod
    def from_settings(cls, db: Database, settings=None, **kwargs) -> Outbox:
        from assistant.review.channels import channel_from_settings

        return cls(db, channel_from_settings(settings, db=db), **kwargs)

    # ---- claiming --------------------------------------------------------------------------------
    def _due(self, now: datetime):
        return or_(and_(Approval.state.in_(RETRYABLE), Approval.next_attempt_at <= now),
                   and_(Approval.state == "posting", or_(Approval.lease_until.is_(None), Approval.lease_until < now)))

    def _claim(self, s, where, now: datetime) -> tuple[str, list[int]]:
        token = f"{self.name}:{uuid.uuid4().hex[:8]}"
        values = dict(state="posting", claimed_by=token, lease_until=now + timedelta(seconds=self.policy.lease_s),
                      attempts=Approval.attempts + 1, receipt={"posting_started_at": now.isoformat()})
        # a row taken from a dead poster may have reached the receiver: its outcome is unknown from now on
        stale = s.execute(update(Approval).where(where, Approval.state == "posting")
                          .values(**values, maybe_sent=True).returning(Approval.id)).scalars().all()
        fresh = s.execute(update(Approval).where(where, Approval.state.in_(RETRYABLE))
                          .values(**values).returning(Approval.id)).scalars().all()
        return token, [*stale, *fresh]

    def claim_due(self, limit: int = 20) -> tuple[str, list[int]]:
        """Claim up to ``limit`` due rows: (claim token, approval ids)."""
        now = self.clock()
        with self.db.transaction() as s:
            q = select(Approval.id).where(self._due(now)).order_by(Approval.next_attempt_at, Approval.id).limit(limit)
            ids = list(s.scalars(q.with_for_update(skip_locked=True) if self.db.is_postgres else q))
            if not ids:
                return "", []
            return self._claim(s, and_(Approval.id.in_(ids), self._due(now)), now)

    def claim(self, approval_id: int) -> str | None:
        """Claim one queued or failed row now, due or not (a post or retry click); None if it is not postable."""
        now = self.clock()
        with self.db.transaction() as s:
            token, ids = self._claim(s, and_(Approval.id == approval_id, Approval.state.in_(RETRYABLE)), now)
        return token if ids else None

    # ---- posting ---------------------------------------------------------------------------------
    def deliver(self, approval_id: int, token: str) -> str:
        """Post a row claimed with ``token``; returns the state it ends in ('posted' or 'failed')."""
        with self.db.session() as s:
            a = s.get(Approval, approval_id)
            msg = s.get(Message, a.message_id)
            reply = Reply(idempotency_key=a.idempotency_key, message_id=a.message_id, external_id=msg.external_id,
                          channel=a.channel, visibility=a.visibility, to=msg.author_handle, text=a.text,
                          approved_by=[x for x in (a.author, a.second_approver) if x])
            article = (s.get(Draft, a.draft_id).meta or {}).get("article") if a.draft_id else None
            followup_days = a.followup_days
        try:
            receipt = self.channel.post(reply)
        except Exception as exc:  # noqa: BLE001 - any failure: failed and retried (same key), never stuck
            error, maybe_sent = _outcome(exc)
            self._failed(approval_id, token, reply.message_id, error, maybe_sent)
            return "failed"
        now = self.clock()
        with self.db.transaction() as s:
            # posted is the truth even if our lease ran out meanwhile; only the first to record it audits it
            won = s.execute(update(Approval).where(Approval.id == approval_id, Approval.state != "posted")
                            .values(state="posted", posted_at=now, receipt=receipt.model_dump(), error=None,
                                    lease_until=None, claimed_by=None, next_attempt_at=None)).rowcount
            if won:
                s.execute(update(Message).where(Message.id == reply.message_id).values(status="posted"))
                s.add(AuditEvent(actor=self.actor, action="posted", message_id=reply.message_id,
                                 data={"approval_id": approval_id, "channel": receipt.channel,
                                       "duplicate": receipt.duplicate}))
                if followup_days:
                    s.add(FollowUp(message_id=reply.message_id, article_id=article, done=False,
                                   due_at=now + timedelta(days=followup_days), note=f"check back: {article}"))
        return "posted"

    def _failed(self, approval_id: int, token: str, message_id: str, error: str, maybe_sent: bool) -> None:
        now = self.clock()
        with self.db.transaction() as s:
            attempts = s.scalar(select(Approval.attempts).where(Approval.id == approval_id)) or 0
            retry_at = None if attempts >= self.policy.max_attempts else now + self.policy.delay(attempts)
            values = dict(state="failed", error=error, next_attempt_at=retry_at, lease_until=None, claimed_by=None)
            if maybe_sent:
                values["maybe_sent"] = True
            won = s.execute(update(Approval).where(Approval.id == approval_id, Approval.state == "posting",
                                                   Approval.claimed_by == token).values(**values)).rowcount
            if won:
                s.add(AuditEvent(actor=self.actor, action="post_failed", message_id=message_id,
                                 data={"approval_id": approval_id, "error": error[:500], "attempts": attempts,
                                       "maybe_sent": maybe_sent,
                                       "retry_at": retry_at.isoformat() if retry_at else None}))
        log.warning("posting approval %s failed (attempt %s): %s", approval_id, attempts, error[:200])

    def post_now(self, approval_id: int) -> Approval:
        """Post one queued or failed reply now (right after approving, or a retry click) through the same code
        path as the sweeper. If another process holds it, nothing is sent; the current row is returned."""
        token = self.claim(approval_id)
        if token is not None:
            self.deliver(approval_id, token)
        with self.db.session() as s:
            return s.get(Approval, approval_id)

    def sweep(self, limit: int = 20) -> SweepReport:
        """One pass: claim due rows and post them, one after the other."""
        token, ids = self.claim_due(limit)
        report = SweepReport(claimed=ids)
        for approval_id in ids:
            (report.posted if self.deliver(approval_id, token) == "posted" else report.failed).append(approval_id)
        return report

    def run(self, stop: threading.Event, interval_s: float = 5.0) -> None:
        """Sweep until ``stop`` is set (the worker's loop); a database error is logged and retried next round."""
        while not stop.is_set():
            try:
                while not stop.is_set() and self.sweep().claimed:
                    pass
            except Exception as exc:  # noqa: BLE001 - keep sweeping after an outage
                log.warning("outbox sweep failed: %s", exc)
            stop.wait(interval_s)

    # ---- reading ---------------------------------------------------------------------------------
    def recover_stuck(self, older_than: timedelta | None = None) -> list[int]:
        """Rows left ``posting`` by a dead process (past their lease, or started more than ``older_than`` ago)
        become ``failed``, maybe sent, due at once: listed as failed posts and retried with the same key."""
        now = self.clock()
        recovered = []
        with self.db.transaction() as s:
            for a in s.scalars(select(Approval).where(Approval.state == "posting")):
                started = (a.receipt or {}).get("posting_started_at")
                if older_than is None:
                    stuck = a.lease_until is None or a.lease_until < now
                else:
                    stuck = started is None or datetime.fromisoformat(started) <= now - older_than
                if not stuck:
                    continue
                error = "posting interrupted (outcome unknown); a retry reuses the idempotency key"
                won = s.execute(update(Approval).where(Approval.id == a.id, Approval.state == "posting",
                                                       Approval.claimed_by.is_not_distinct_from(a.claimed_by))
                                .values(state="failed", error=error, maybe_sent=True, next_attempt_at=now,
                                        lease_until=None, claimed_by=None)).rowcount
                if won:
                    recovered.append(a.id)
                    s.add(AuditEvent(actor=self.actor, action="post_failed", message_id=a.message_id,
                                     data={"approval_id": a.id, "error": "posting interrupted"}))
        return recovered

    def failed(self) -> list[Approval]:
        """Replies whose last attempt failed (retried by the sweeper at ``next_attempt_at``, or given up)."""
        with self.db.session() as s:
            return list(s.scalars(select(Approval).where(Approval.state == "failed").order_by(Approval.id)))

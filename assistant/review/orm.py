"""Tables of the review side: approvals (one per approved reply, the unit of posting) and follow-ups.

The approvals table is the transactional outbox: an approval that should be posted is written ``queued`` in the
same transaction as the message's state change, and :mod:`assistant.review.outbox` posts from the table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from replydesk.db import Base, UTCDateTime, utcnow

# awaiting_second -> queued -> posting -> posted; a failed attempt -> failed (retried by the sweeper at
# next_attempt_at, or by hand when next_attempt_at is empty); awaiting_second/queued/failed -> rejected.
APPROVAL_STATES = ("awaiting_second", "queued", "posting", "posted", "failed", "rejected")


class Approval(Base):
    """An approved reply and its outbox entry. ``idempotency_key`` is unique and sent with every attempt: a reply
    is posted at most once per approval by channels that de-duplicate by it."""

    __tablename__ = "approvals"
    __table_args__ = (Index("ix_approvals_due", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    draft_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(32))
    visibility: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(100))
    second_approver: Mapped[str | None] = mapped_column(String(100))
    needs_second: Mapped[bool] = mapped_column(Boolean, default=False)
    overrides: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(32), default="queued")
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)  # the last attempt's error
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the sweeper (re)tries it
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 'posting': the poster's claim ends
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # 'posting': which process posts it
    # a request may have reached the receiver although no receipt was recorded (a timeout, a crash mid-post):
    # such a reply can no longer be rejected — only the sweeper (same key) or a look at the channel settles it
    maybe_sent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    followup_days: Mapped[int | None] = mapped_column(Integer)  # a follow-up this many days after posting
    receipt: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FollowUp(Base):
    __tablename__ = "followups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)

"""The agents' queue: sorted by SLA due time and risk, filtered, paged, with counts; claims (locks)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select, update

from assistant.orm import Customer, Message
from assistant.review.auth import require
from assistant.review.orm import FollowUp
from replydesk.db import Database, utcnow

PREVIEW_CHARS = 600  # a full message preview (tweets, posts); long e-mails are cut here
QUEUE_STATUSES = ("drafted", "awaiting_approval", "escalated", "pending", "drafting", "error")


class QueueFilters(BaseModel):
    channel: str | None = None
    visibility: str | None = None
    language: str | None = None
    status: str | None = None  # None = the open statuses
    min_risk: float | None = None
    assignee: str | None = None
    search: str | None = None


class QueueRow(BaseModel):
    id: str
    channel: str
    visibility: str
    language: str | None
    status: str
    author: str
    preview: str
    risk: float
    sla_due_at: datetime | None
    claimed_by: str | None  # the agent holding the lock (messages.locked_by; a drafting worker's lease is separate)
    claimed_until: datetime | None  # messages.locked_until
    received_at: datetime | None = None
    followers: int | None = None  # the customer's reach (None: no customer record)
    customer_name: str | None = None

    def sla_minutes_left(self, now: datetime | None = None) -> int | None:
        if self.sla_due_at is None:
            return None
        return int((self.sla_due_at - (now or utcnow())).total_seconds() // 60)

    def locked_by_other(self, username: str, now: datetime | None = None) -> bool:
        return bool(self.claimed_by and self.claimed_by != username and self.claimed_until
                    and self.claimed_until > (now or utcnow()))


class QueuePage(BaseModel):
    rows: list[QueueRow]
    total: int
    counts: dict[str, int] = Field(default_factory=dict)
    followups_due: int = 0


def _where(f: QueueFilters):
    conds = [Message.status == f.status] if f.status else [Message.status.in_(QUEUE_STATUSES)]
    if f.channel:
        conds.append(Message.channel == f.channel)
    if f.visibility:
        conds.append(Message.visibility == f.visibility)
    if f.language:
        conds.append(Message.language == f.language)
    if f.min_risk is not None:
        conds.append(Message.risk >= f.min_risk)
    if f.assignee:
        conds.append(Message.locked_by == f.assignee)
    if f.search:
        conds.append(or_(Message.text.ilike(f"%{f.search}%"), Message.author_handle.ilike(f"%{f.search}%")))
    return conds


def queue_page(db: Database, filters: QueueFilters | None = None, page: int = 0, page_size: int = 50) -> QueuePage:
    """One page of the queue. Only the columns the list needs (the message up to ``PREVIEW_CHARS``, the customer's
    name and reach); counts in one GROUP BY."""
    f = filters or QueueFilters()
    cols = (Message.id, Message.channel, Message.visibility, Message.language, Message.status,
            Message.author_handle, func.substr(Message.text, 1, PREVIEW_CHARS), Message.risk, Message.sla_due_at,
            Message.locked_by, Message.locked_until, Message.received_at, Customer.followers,
            Customer.display_name)
    conds = _where(f)
    with db.session() as s:
        q = (select(*cols).outerjoin(Customer, Customer.id == Message.customer_id).where(*conds)
             .order_by(Message.sla_due_at.is_(None), Message.sla_due_at, Message.risk.desc(), Message.id)
             .offset(page * page_size).limit(page_size))
        rows = [QueueRow(id=r[0], channel=r[1], visibility=r[2], language=r[3], status=r[4], author=r[5],
                         preview=r[6] or "", risk=r[7] or 0.0, sla_due_at=r[8], claimed_by=r[9], claimed_until=r[10],
                         received_at=r[11], followers=r[12], customer_name=r[13])
                for r in s.execute(q)]
        total = s.scalar(select(func.count()).select_from(Message).where(*conds)) or 0
        counts = dict(s.execute(select(Message.status, func.count()).group_by(Message.status)).all())
        due = s.scalar(select(func.count()).select_from(FollowUp).where(
            FollowUp.done.is_(False), FollowUp.due_at <= utcnow())) or 0
    return QueuePage(rows=rows, total=total, counts=counts, followups_due=due)


def claim(db: Database, message_id: str, user: dict, minutes: int = 15) -> bool:
    """Lock a message for this agent (atomic) when they edit it or act on it — viewing does not lock. False when
    someone else holds a live lock. The agent's lock (locked_by) is separate from a drafting worker's lease
    (claimed_by): a worker never takes a locked message and drafting never clears the lock."""
    require(user, "agent", "approver")
    now = utcnow()
    with db.transaction() as s:
        res = s.execute(update(Message).where(
            Message.id == message_id,
            or_(Message.locked_by.is_(None), Message.locked_by == user["username"], Message.locked_until < now),
        ).values(locked_by=user["username"], locked_until=now + timedelta(minutes=minutes)))
        return res.rowcount == 1


def lock_holder(db: Database, message_id: str, user: dict) -> str | None:
    """Who else holds a live lock on this message (also for a deep link to a message not on the current page)."""
    with db.session() as s:
        row = s.execute(select(Message.locked_by, Message.locked_until).where(Message.id == message_id)).first()
    if row and row[0] and row[0] != user["username"] and row[1] and row[1] > utcnow():
        return row[0]
    return None


def release(db: Database, message_id: str, user: dict) -> None:
    with db.transaction() as s:
        s.execute(update(Message).where(Message.id == message_id, Message.locked_by == user["username"])
                  .values(locked_by=None, locked_until=None))


def release_all(db: Database, user: dict) -> int:
    """Logging out releases every lock the user holds."""
    with db.transaction() as s:
        return s.execute(update(Message).where(Message.locked_by == user["username"])
                         .values(locked_by=None, locked_until=None)).rowcount


def take_over(db: Database, message_id: str, user: dict, minutes: int = 15) -> None:
    """A lead (approver/admin) takes a locked message over."""
    require(user, "approver")
    with db.transaction() as s:
        s.execute(update(Message).where(Message.id == message_id)
                  .values(locked_by=user["username"], locked_until=utcnow() + timedelta(minutes=minutes)))

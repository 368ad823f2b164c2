"""The conversation around one message, across channels: the customer's earlier (and later) messages on every
channel and the replies we posted to them, in time order. Read-only; the review screen shows it above the draft.

A conversation is the message's thread (``thread_id``/``parent_id``) plus every message of the same customer
(any channel); without a customer record, the messages of the same handle on the same channel.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import and_, or_, select

from assistant.orm import Message
from assistant.review.orm import Approval
from replydesk.db import Database

HISTORY_LIMIT = 50  # entries shown (the newest); older ones stay in the customer's export


class Entry(BaseModel):
    kind: str  # "customer" (an inbound message) | "reply" (a reply we posted)
    message_id: str
    channel: str
    visibility: str
    at: datetime | None
    author: str  # the customer's handle, or the agents who approved the reply
    text: str
    status: str | None = None  # the inbound message's status
    current: bool = False  # the message the item is about


def conversation_filter(msg: Message):
    """SQL condition for the messages of ``msg``'s conversation (itself included)."""
    conds = [Message.id == msg.id]
    keys = [k for k in (msg.thread_id, msg.parent_id, msg.external_id) if k]
    if keys:
        conds += [Message.thread_id.in_(keys), Message.external_id.in_(keys), Message.parent_id.in_(keys)]
    if msg.customer_id:
        conds.append(Message.customer_id == msg.customer_id)
    else:
        conds.append(and_(Message.customer_id.is_(None), Message.channel == msg.channel,
                          Message.author_handle == msg.author_handle))
    return or_(*conds)


def conversation_ids(s, message_id: str) -> list[str]:
    msg = s.get(Message, message_id)
    if msg is None:
        return []
    return list(s.scalars(select(Message.id).where(conversation_filter(msg))))


def conversation(db: Database, message_id: str, limit: int = HISTORY_LIMIT) -> list[Entry]:
    """The conversation in time order (oldest first), the newest ``limit`` entries: inbound messages on every
    channel and the replies posted to them (the approval's text, when it was posted, who approved it)."""
    with db.session() as s:
        msg = s.get(Message, message_id)
        if msg is None:
            return []
        msgs = list(s.scalars(select(Message).where(conversation_filter(msg))
                              .order_by(Message.received_at.desc()).limit(limit)))
        entries = [Entry(kind="customer", message_id=m.id, channel=m.channel, visibility=m.visibility,
                         at=m.received_at, author=m.author_handle, text=m.text, status=m.status,
                         current=m.id == message_id) for m in msgs]
        ids = [m.id for m in msgs]
        for a in s.scalars(select(Approval).where(Approval.message_id.in_(ids), Approval.state == "posted")):
            who = ", ".join(x for x in (a.author, a.second_approver) if x)
            entries.append(Entry(kind="reply", message_id=a.message_id, channel=a.channel, visibility=a.visibility,
                                 at=a.posted_at or a.created_at, author=who, text=a.text))
    far_past = datetime.min
    entries.sort(key=lambda e: (e.at.replace(tzinfo=None) if e.at else far_past, e.kind == "reply"))
    return entries[-limit:]

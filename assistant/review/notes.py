"""Internal notes on a conversation: agents write them for each other; they are shown in the review item with
author and time and are never sent to the customer or to a drafter (LLM): no drafting or posting code reads this
table, and the review screen adds their texts to the guardrails' confidential texts, so a note pasted into a
reply is a ``confidential-leak`` finding.

A note belongs to the message it was written on; the item shows the notes of every message of the conversation
(``assistant.review.conversation``). Deleting the message (GDPR erasure) deletes its notes (ON DELETE CASCADE).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.orm import AuditEvent, Message
from assistant.review.auth import require
from assistant.review.conversation import conversation_filter
from replydesk.db import Base, Database, UTCDateTime, utcnow

MAX_NOTE_CHARS = 4000


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoteView(BaseModel):
    id: int
    message_id: str
    author: str
    text: str
    created_at: datetime


class NoteError(ValueError):
    """A note the rules do not allow (empty, too long, unknown message)."""


def add_note(db: Database, user: dict, message_id: str, text: str) -> NoteView:
    """Add an internal note (agents, approvers, admins); audited without its text."""
    require(user, "agent", "approver")
    text = (text or "").strip()
    if not text:
        raise NoteError("a note needs a text")
    if len(text) > MAX_NOTE_CHARS:
        raise NoteError(f"a note has at most {MAX_NOTE_CHARS} characters")
    with db.transaction() as s:
        if s.get(Message, message_id) is None:
            raise NoteError(f"no message {message_id!r}")
        note = Note(message_id=message_id, author=user["username"], text=text, created_at=utcnow())
        s.add(note)
        s.flush()
        s.add(AuditEvent(actor=user["username"], action="note", message_id=message_id, data={"note_id": note.id}))
        return NoteView(id=note.id, message_id=message_id, author=note.author, text=note.text,
                        created_at=note.created_at)


def notes_for(db: Database, message_id: str) -> list[NoteView]:
    """The notes of the message's conversation (all its channels), oldest first."""
    with db.session() as s:
        msg = s.get(Message, message_id)
        if msg is None:
            return []
        ids = select(Message.id).where(conversation_filter(msg)).scalar_subquery()
        rows = s.scalars(select(Note).where(Note.message_id.in_(ids)).order_by(Note.created_at, Note.id))
        return [NoteView(id=n.id, message_id=n.message_id, author=n.author, text=n.text, created_at=n.created_at)
                for n in rows]


def guard_notes(check_ctx, notes: list[NoteView]):
    """The guardrail context with the notes' texts as confidential: a note pasted into a reply is a finding."""
    texts = [n.text for n in notes if n.text not in check_ctx.confidential]
    return check_ctx.model_copy(update={"confidential": [*check_ctx.confidential, *texts]}) if texts else check_ctx

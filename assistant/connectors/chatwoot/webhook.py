"""Chatwoot's webhook in: verification, mapping to the inbox, the draft as a private note."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select, update
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from assistant.connectors.chatwoot.channel import ChatwootRef, _created_ts, _read_state, _update_state
from assistant.connectors.chatwoot.client import (
    PREFIX,
    SIGNATURE_MAX_AGE_S,
    ChatwootClient,
    ChatwootError,
    ChatwootSettings,
    _Retryable,
)
from replydesk.db import Database, utcnow

log = logging.getLogger("replydesk.chatwoot")


class CWSender(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int | None = None
    name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    identifier: str | None = None
    type: str | None = None


class CWConversation(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    channel: str | None = None
    inbox_id: int | None = None
    additional_attributes: dict[str, Any] = Field(default_factory=dict)


class CWAccount(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int


class ChatwootWebhook(BaseModel):
    """The fields of Chatwoot's ``message_created`` payload the connector reads (others are kept in raw)."""

    model_config = ConfigDict(extra="allow")
    event: str
    id: int | None = None
    content: str | None = Field(default=None, max_length=20_000)
    message_type: str | int | None = None
    private: bool = False
    created_at: str | int | None = None
    sender: CWSender | None = None
    conversation: CWConversation | None = None
    account: CWAccount | None = None


def verify_webhook(secret: str, body: bytes, headers, query_token: str | None, now: float | None = None) -> bool:
    """Chatwoot's HMAC signature (``X-Chatwoot-Signature``/``X-Chatwoot-Timestamp``, at most 5 min old), or
    the shared token in the webhook URL (``?token=``) for Chatwoot versions that do not sign."""
    sig = headers.get("x-chatwoot-signature")
    ts = headers.get("x-chatwoot-timestamp")
    if sig and ts:
        try:
            age = abs((now or time.time()) - int(ts))
        except ValueError:
            return False
        if age > SIGNATURE_MAX_AGE_S:
            return False
        expected = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(sig, expected)
    if query_token:
        return hmac.compare_digest(query_token.encode(), secret.encode())
    return False


def sign_webhook(secret: str, body: bytes, ts: int | None = None) -> dict[str, str]:
    """The headers Chatwoot sends with a signed webhook (for tests and tools)."""
    ts_s = str(int(ts if ts is not None else time.time()))
    sig = hmac.new(secret.encode(), ts_s.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Chatwoot-Timestamp": ts_s, "X-Chatwoot-Signature": "sha256=" + sig}


def map_channel(conv: CWConversation) -> tuple[str, str]:
    """Chatwoot inbox type → replydesk (channel, visibility)."""
    kind = (conv.channel or "").removeprefix("Channel::")
    if kind == "Email":
        return "email", "private"
    if kind == "TwitterProfile" and conv.additional_attributes.get("type") == "tweet":
        return "twitter", "public"
    if kind == "FacebookPage" and conv.additional_attributes.get("type") == "instagram_direct_message":
        return "dm", "private"
    return "dm", "private"


def _author(sender: CWSender | None) -> str:
    if sender is None:
        return "chatwoot-contact"
    return (sender.email or sender.phone_number or sender.identifier or
            (f"chatwoot-contact-{sender.id}" if sender.id is not None else sender.name) or "chatwoot-contact")


class ChatwootConnector:
    """Webhook payload → inbox message → draft and check → private note. Every step is idempotent."""

    def __init__(self, db: Database, pipeline, client: ChatwootClient | None, settings: ChatwootSettings) -> None:
        self.db, self.pipeline, self.client, self.settings = db, pipeline, client, settings
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def receive(self, hook: ChatwootWebhook) -> dict[str, Any]:
        """Import an incoming message. ``{"status": "ignored"|"imported"|"duplicate", ...}``."""
        from assistant.inbox import InboundIn, import_messages
        from assistant.orm import Message

        if hook.event != "message_created":
            return {"status": "ignored", "reason": f"event {hook.event}"}
        if hook.message_type not in ("incoming", 0) or hook.private:
            return {"status": "ignored", "reason": "not an incoming public message"}
        if hook.id is None or hook.conversation is None or hook.account is None:
            return {"status": "ignored", "reason": "no message id, conversation or account"}
        if not (hook.content or "").strip():
            return {"status": "ignored", "reason": "no text (attachments only)"}
        ref = ChatwootRef(account_id=hook.account.id, conversation_id=hook.conversation.id, message_id=hook.id)
        channel, visibility = map_channel(hook.conversation)
        received = None
        if hook.created_at is not None:
            ts = _created_ts({"created_at": hook.created_at})
            received = datetime.fromtimestamp(ts, UTC) if ts is not None else None
        msg = InboundIn(id=ref.external_id, channel=channel, visibility=visibility, author=_author(hook.sender),
                        text=hook.content, received_at=received,
                        thread_id=f"{PREFIX}:{ref.account_id}:{ref.conversation_id}",
                        chatwoot={"account_id": ref.account_id, "conversation_id": ref.conversation_id,
                                  "message_id": ref.message_id, "inbox_id": hook.conversation.inbox_id,
                                  "sender_name": hook.sender.name if hook.sender else None})
        new, _ = import_messages(self.db, [msg])
        with self.db.session() as s:
            mid = s.scalar(select(Message.id).where(Message.external_id == ref.external_id))
        return {"status": "imported" if new else "duplicate", "message_id": mid}

    def _lock(self, message_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(message_id, threading.Lock())

    def process(self, message_id: str) -> dict[str, Any]:
        """Draft the message if nobody has (atomic claim), then put the draft in as a private note if that
        draft has no note yet. Safe to call again and again."""
        from assistant.inbox import mark_error
        from assistant.orm import Draft, Message

        with self._lock(message_id):
            now = utcnow()
            with self.db.transaction() as s:
                won = s.execute(update(Message).where(
                    Message.id == message_id,
                    or_(Message.status == "pending", (Message.status == "drafting") & (Message.claimed_until < now)))
                    .values(status="drafting", claimed_by=f"chatwoot:{threading.get_ident()}",
                            claimed_until=datetime.fromtimestamp(now.timestamp() + 300, UTC),
                            attempts=Message.attempts + 1)).rowcount
            drafted = False
            if won:
                try:
                    self.pipeline.draft_message(message_id, actor="chatwoot")
                    drafted = True
                except Exception as exc:  # noqa: BLE001 - the message goes back to the queue with the reason
                    log.exception("chatwoot: drafting %s failed", message_id)
                    mark_error(self.db, message_id, f"{type(exc).__name__}: {exc}")
                    return {"message_id": message_id, "drafted": False, "note": None, "error": str(exc)}
            if not self.settings.note_drafts or self.client is None:
                return {"message_id": message_id, "drafted": drafted, "note": None}
            with self.db.session() as s:
                msg = s.get(Message, message_id)
                draft = s.scalars(select(Draft).where(Draft.message_id == message_id)
                                  .order_by(Draft.version.desc())).first()
                status, triage, external_id = msg.status, msg.triage or {}, msg.external_id
            ref = ChatwootRef.parse(external_id)
            state = _read_state(self.db, message_id)
            note_key = f"draft:{draft.id}" if draft is not None else ("no_reply" if status == "no_reply" else None)
            if ref is None or note_key is None or (state.get("note") or {}).get("key") == note_key:
                return {"message_id": message_id, "drafted": drafted, "note": (state.get("note") or {}).get("id")}
            text = note_text(message_id, draft, triage, status)
            try:
                note = Retrying(retry=retry_if_exception_type(_Retryable), stop=stop_after_attempt(self.settings.attempts),
                                wait=lambda rs: min(getattr(rs.outcome.exception(), "retry_after", None)
                                                    or self.settings.backoff_s * 2 ** (rs.attempt_number - 1),
                                                    self.settings.max_wait_s),
                                reraise=True)(self.client.create_message, ref.account_id, ref.conversation_id, text,
                                              private=True)
            except (_Retryable, ChatwootError) as exc:
                error = str(exc)[:500]
                log.warning("chatwoot: private note for %s failed: %s", message_id, error)
                _update_state(self.db, message_id, lambda cw: cw.__setitem__("note_error", error))
                return {"message_id": message_id, "drafted": drafted, "note": None, "error": error}
            _update_state(self.db, message_id, lambda cw: (cw.__setitem__("note", {"key": note_key, "id": note.get("id")}),
                                                           cw.pop("note_error", None)))
            return {"message_id": message_id, "drafted": drafted, "note": note.get("id")}


def note_text(message_id: str, draft, triage: dict, status: str) -> str:
    """The private note: the suggested reply, whether it passed the guardrails and what to look at."""
    if draft is None:
        reason = (triage.get("no_reply") or {}).get("reason", "")
        return f"replydesk: no reply needed ({reason}). Draft it anyway in replydesk (message {message_id})."
    head = "replydesk draft — passed the guardrails" if draft.passed else "replydesk draft — needs a human"
    lines = [f"{head} ({draft.engine})", "", draft.text]
    if draft.findings:
        lines += ["", "Findings:"] + [f"- {f.get('severity')} {f.get('rule')}: {f.get('message')}"
                                      for f in draft.findings]
    lines += ["", f"Approve or edit in replydesk (message {message_id}); the approved reply is sent from there."]
    return "\n".join(lines)

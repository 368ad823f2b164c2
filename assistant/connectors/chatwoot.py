"""Chatwoot connector: webhook in, the draft as a private note, the approved reply as an outgoing message.

In: Chatwoot's ``message_created`` webhook for an ``incoming`` message. It is verified (Chatwoot's
``X-Chatwoot-Signature: sha256=HMAC(secret, "{X-Chatwoot-Timestamp}.{body}")``, or for Chatwoot versions that do
not sign, a ``?token=`` in the webhook URL) and imported into the inbox idempotently: the inbox's external id
is ``chatwoot:{account}:{conversation}:{message}``, so a repeated delivery is a no-op.

Draft: the message is drafted and checked once (an atomic pending → drafting claim) and the draft goes into
the conversation as a private note (``POST /api/v1/accounts/{a}/conversations/{c}/messages`` with
``private: true``, header ``api_access_token``).

Out: :class:`ChatwootChannel` posts an approved reply as an outgoing message exactly once per approval. The
Chatwoot id of what was posted is remembered (in the message's ``raw``), keyed by the approval's idempotency
key. Chatwoot has no idempotency key of its own, so an attempt whose outcome is unknown (timeout, 5xx, a
process that died mid-post) is reconciled before any retry: the conversation's messages are read and an
outgoing message with the same text created since the first attempt counts as posted. Retries (tenacity) on
429 (honouring ``Retry-After``), 5xx and timeouts; 401/403/404/422 fail at once (the approval is then
``failed`` with the reason, listed for a retry, never dropped).
"""

from __future__ import annotations

import copy
import email.utils
import hashlib
import hmac
import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import or_, select, update
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt

from assistant.review.channels import PostError, Receipt, Reply
from replydesk.db import Database, utcnow

log = logging.getLogger("replydesk.chatwoot")
PREFIX = "chatwoot"
SIGNATURE_MAX_AGE_S = 300


class ChatwootSettings(BaseSettings):
    """``REPLYDESK_CHATWOOT_*``: where Chatwoot is and the secrets shared with it."""

    model_config = SettingsConfigDict(env_prefix="REPLYDESK_CHATWOOT_", extra="ignore")

    url: str | None = Field(default=None, description="Chatwoot base URL, e.g. https://chat.example.com")
    api_token: SecretStr | None = Field(default=None, description="an agent's or bot's api_access_token")
    webhook_secret: SecretStr | None = Field(default=None, description="the webhook's secret (HMAC) or ?token=")
    timeout_s: float = 10.0
    attempts: int = 5
    backoff_s: float = 0.5
    max_wait_s: float = 30.0
    note_drafts: bool = True

    @property
    def configured(self) -> bool:
        return bool(self.url and self.api_token)


# ---- the Chatwoot API ------------------------------------------------------------------------------
class ChatwootError(PostError):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _Retryable(Exception):
    """A failure worth another attempt (429, 5xx, timeout, connection error); ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class ChatwootClient:
    """The few Chatwoot application-API calls the connector needs. One call = one HTTP request; raises
    :class:`_Retryable` for what another attempt may fix and :class:`ChatwootError` for what it will not."""

    def __init__(self, url: str, api_token: str, timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout_s,
                                  headers={"api_access_token": api_token, "Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, **kw) -> Any:
        try:
            resp = self._http.request(method, path, **kw)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"Chatwoot {method} {path}: timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise _Retryable(f"Chatwoot {method} {path}: {type(exc).__name__}: {exc}") from exc
        if resp.status_code == 429:
            raise _Retryable(f"Chatwoot {method} {path}: 429 rate limited",
                             parse_retry_after(resp.headers.get("Retry-After")))
        if resp.status_code >= 500:
            raise _Retryable(f"Chatwoot {method} {path}: {resp.status_code}",
                             parse_retry_after(resp.headers.get("Retry-After")))
        if resp.status_code >= 400:
            hint = {401: "the api_access_token was refused (REPLYDESK_CHATWOOT_API_TOKEN)",
                    403: "the token may not access this conversation",
                    404: "no such account or conversation"}.get(resp.status_code, resp.text[:200])
            raise ChatwootError(f"Chatwoot {method} {path}: {resp.status_code}: {hint}", resp.status_code)
        try:
            return resp.json()
        except ValueError as exc:
            raise _Retryable(f"Chatwoot {method} {path}: answer is not JSON") from exc

    def create_message(self, account_id: int, conversation_id: int, content: str, *, private: bool,
                       message_type: str = "outgoing") -> dict:
        return self._request("POST", f"/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages",
                             json={"content": content, "message_type": message_type, "private": private,
                                   "content_type": "text"})

    def list_messages(self, account_id: int, conversation_id: int) -> list[dict]:
        data = self._request("GET", f"/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages")
        return list(data.get("payload") or []) if isinstance(data, dict) else []


# ---- references and the ledger in the message's raw ---------------------------------------------------
class ChatwootRef(BaseModel):
    account_id: int
    conversation_id: int
    message_id: int

    @property
    def external_id(self) -> str:
        return f"{PREFIX}:{self.account_id}:{self.conversation_id}:{self.message_id}"

    @classmethod
    def parse(cls, external_id: str | None) -> ChatwootRef | None:
        if not external_id or not external_id.startswith(PREFIX + ":"):
            return None
        try:
            _, a, c, m = external_id.split(":")
            return cls(account_id=int(a), conversation_id=int(c), message_id=int(m))
        except ValueError:
            return None


def _state(raw: dict | None) -> dict:
    # a deep copy: changing the loaded JSON in place would make the new value equal the old one (no UPDATE)
    cw = copy.deepcopy((raw or {}).get(PREFIX) or {})
    cw.setdefault("posted", {})
    cw.setdefault("sending", {})
    return cw


def _update_state(db: Database, message_id: str, fn) -> dict:
    """Change the connector's state of one message in one transaction (row-locked on PostgreSQL)."""
    from assistant.orm import Message

    with db.transaction() as s:
        msg = s.get(Message, message_id, with_for_update=db.is_postgres)
        if msg is None:
            raise ChatwootError(f"no message {message_id!r}")
        cw = _state(msg.raw)
        fn(cw)
        msg.raw = {**(msg.raw or {}), PREFIX: cw}  # a new dict: the JSON column sees the change
        return cw


def _read_state(db: Database, message_id: str) -> dict:
    from assistant.orm import Message

    with db.session() as s:
        msg = s.get(Message, message_id)
        return _state(msg.raw if msg else {})


def _created_ts(m: dict) -> float | None:
    v = m.get("created_at")
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return datetime.fromisoformat(v.replace("Z", "+00:00").replace(" UTC", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def _is_outgoing(m: dict) -> bool:
    return m.get("message_type") in (1, "outgoing") and not m.get("private")


# ---- out: the approved reply ------------------------------------------------------------------------
class ChatwootChannel:
    """``Channel.post(reply) -> Receipt`` for messages that came from Chatwoot. Exactly once per approval."""

    name = "chatwoot"
    RECONCILE_SLACK_S = 120  # clocks of replydesk and Chatwoot may differ a little

    def __init__(self, client: ChatwootClient, db: Database | None = None, attempts: int = 5,
                 backoff_s: float = 0.5, max_wait_s: float = 30.0) -> None:
        self.client = client
        self._db = db
        self.attempts, self.backoff_s, self.max_wait_s = attempts, backoff_s, max_wait_s

    @classmethod
    def from_settings(cls, cw: ChatwootSettings | None = None, db: Database | None = None) -> ChatwootChannel:
        cw = cw or ChatwootSettings()
        if not cw.configured:
            raise PostError("Chatwoot is not configured: set REPLYDESK_CHATWOOT_URL and REPLYDESK_CHATWOOT_API_TOKEN")
        return cls(ChatwootClient(cw.url, cw.api_token.get_secret_value(), cw.timeout_s), db, cw.attempts,
                   cw.backoff_s, cw.max_wait_s)

    @property
    def db(self) -> Database:
        if self._db is None:
            from replydesk.db import get_database

            self._db = get_database()
        return self._db

    def handles(self, reply: Reply) -> bool:
        return ChatwootRef.parse(reply.external_id) is not None

    def _wait(self, retry_state) -> float:
        exc = retry_state.outcome.exception()
        after = getattr(exc, "retry_after", None)
        if after is not None:
            return min(after, self.max_wait_s)
        return min(self.backoff_s * 2 ** (retry_state.attempt_number - 1), self.max_wait_s)

    def _find_posted(self, ref: ChatwootRef, text: str, since: float) -> dict | None:
        """An outgoing message with this text created since ``since`` (an earlier attempt that did arrive)."""
        for m in self.client.list_messages(ref.account_id, ref.conversation_id):
            ts = _created_ts(m)
            if _is_outgoing(m) and (m.get("content") or "").strip() == text.strip() and \
                    (ts is None or ts >= since - self.RECONCILE_SLACK_S):
                return m
        return None

    def post(self, reply: Reply) -> Receipt:
        ref = ChatwootRef.parse(reply.external_id)
        if ref is None:
            raise PostError(f"message {reply.message_id} did not come from Chatwoot (external id "
                            f"{reply.external_id!r})")
        key = reply.idempotency_key
        state = _read_state(self.db, reply.message_id)
        if key in state["posted"]:
            return self._receipt(reply, ref, state["posted"][key], duplicate=True)
        first_started: float | None = state["sending"].get(key)
        if first_started is None:
            first_started = time.time()
            _update_state(self.db, reply.message_id, lambda cw: cw["sending"].setdefault(key, first_started))
        found: dict[str, Any] = {}

        def attempt() -> dict:
            # an attempt before this one may have arrived (timeout, 5xx, a dead process): look before posting
            if found.get("ambiguous"):
                earlier = self._find_posted(ref, reply.text, first_started)
                if earlier is not None:
                    found["duplicate"] = True
                    return earlier
            found["ambiguous"] = True
            return self.client.create_message(ref.account_id, ref.conversation_id, reply.text, private=False)

        found["ambiguous"] = state["sending"].get(key) is not None  # an earlier post() call got this far
        try:
            posted = Retrying(retry=retry_if_exception_type(_Retryable), stop=stop_after_attempt(self.attempts),
                              wait=self._wait, reraise=True)(attempt)
        except _Retryable as exc:
            raise ChatwootError(f"{exc} (gave up after {self.attempts} attempts; a retry is safe)") from exc
        except RetryError as exc:  # pragma: no cover - reraise=True re-raises the last error instead
            raise ChatwootError(str(exc)) from exc
        cw_id = posted.get("id")

        def done(cw: dict) -> None:
            cw["posted"][key] = cw_id
            cw["sending"].pop(key, None)

        _update_state(self.db, reply.message_id, done)
        log.info("chatwoot: posted approval %s as message %s in conversation %s", key, cw_id, ref.conversation_id)
        return self._receipt(reply, ref, cw_id, duplicate=bool(found.get("duplicate")))

    def _receipt(self, reply: Reply, ref: ChatwootRef, cw_id, duplicate: bool) -> Receipt:
        return Receipt(channel=self.name, idempotency_key=reply.idempotency_key, posted_at=utcnow().isoformat(),
                       duplicate=duplicate, detail={"chatwoot_message_id": cw_id, "account_id": ref.account_id,
                                                    "conversation_id": ref.conversation_id})


class RoutingChannel:
    """Replies to Chatwoot messages go to Chatwoot, every other reply to the default channel."""

    def __init__(self, chatwoot: ChatwootChannel, default) -> None:
        self.chatwoot, self.default = chatwoot, default
        self.name = f"{default.name}+chatwoot"

    def post(self, reply: Reply) -> Receipt:
        return (self.chatwoot if self.chatwoot.handles(reply) else self.default).post(reply)


# ---- in: the webhook -------------------------------------------------------------------------------
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

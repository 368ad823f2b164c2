"""Posting an approved reply into a Chatwoot conversation exactly once (reconciled after an unknown outcome)."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt

from assistant.connectors.chatwoot.client import (
    PREFIX,
    ChatwootClient,
    ChatwootError,
    ChatwootSettings,
    _Retryable,
)
from assistant.connectors.common import MessageState
from assistant.review.channels import PostError, Receipt, Reply
from replydesk.db import Database, utcnow

log = logging.getLogger("replydesk.chatwoot")


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


_STATE = MessageState(PREFIX, ("posted", "sending"), ChatwootError)
_state, _update_state, _read_state = _STATE.of, _STATE.update, _STATE.read


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

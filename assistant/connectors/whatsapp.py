"""WhatsApp posting adapter: an approved reply to a WhatsApp customer through the WhatsApp Business Cloud API.

Out: ``POST {base_url}/{api_version}/{phone_number_id}/messages`` with ``Authorization: Bearer <token>`` and
``{"messaging_product": "whatsapp", "recipient_type": "individual", "to": <wa_id>, "type": "text",
"text": {"preview_url": false, "body": <reply>}}``; the answer names the sent message
(``{"messages": [{"id": "wamid…"}]}``), an error is Graph API JSON (``{"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}``).

Configuration (``REPLYDESK_WHATSAPP_*``, see :class:`WhatsAppSettings`) plus ``REPLYDESK_POSTING_CHANNEL=whatsapp``
(the ``replydesk.channels`` entry point :func:`whatsapp_channel`): replies to messages whose channel is
``whatsapp`` go to WhatsApp, every other reply to the default channel (webhook or outbox file). Messages come in
through ``replydesk inbox import`` with ``"channel": "whatsapp"`` and the customer's number as ``author``.

Exactly once: WhatsApp has no idempotency key, so the wamid of what was sent is kept per approval idempotency key
in the message's ``raw`` (``raw["whatsapp"]["posted"]``) and a post of an approval already sent returns that
receipt without sending. Before each send the attempt is marked (``raw["whatsapp"]["sending"]``); a send whose
outcome is unknown (the request reached WhatsApp, then the answer timed out or the process died) leaves the mark,
and WhatsApp offers no way to look a sent message up, so the adapter never resends it on its own: every later
post fails with ``maybe_sent`` and says how to settle it (``replydesk whatsapp resolve <message> --delivered`` or
``--not-delivered`` after looking at the chat).

Failures: 429 and Graph's throttling codes (honouring ``Retry-After``), 5xx and connection failures are retried
(tenacity); 401/403/400 fail at once with what to fix; error 131047 (more than 24 hours since the customer's last
message) fails at once telling the agent that a template message is needed. The token is never printed.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from assistant.connectors.common import MessageState
from assistant.connectors.whatsapp_client import (  # noqa: F401  (re-exported)
    HINTS,
    OUTSIDE_WINDOW,
    PERMISSION_CODES,
    PREFIX,
    THROTTLED,
    TOKEN_CODES,
    OutsideServiceWindow,
    WhatsAppClient,
    WhatsAppError,
    WhatsAppSettings,
    _Retryable,
    _Unknown,
    parse_retry_after,
    wa_id,
)
from assistant.review.channels import PostError, Receipt, Reply
from replydesk.db import Database, utcnow

log = logging.getLogger("replydesk.whatsapp")


_STATE = MessageState(PREFIX, ("posted", "sending", "resolved"), WhatsAppError)
_state, _update_state, _read_state = _STATE.of, _STATE.update, _STATE.read


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


# ---- the channel ---------------------------------------------------------------------------------------
class WhatsAppChannel:
    """``Channel.post(reply) -> Receipt`` for replies to WhatsApp messages; at most once per approval."""

    name = "whatsapp"

    def __init__(self, client: WhatsAppClient, db: Database | None = None, *, channel: str = "whatsapp",
                 attempts: int = 5, backoff_s: float = 0.5, max_wait_s: float = 30.0) -> None:
        self.client, self._db, self.channel = client, db, channel
        self.attempts, self.backoff_s, self.max_wait_s = attempts, backoff_s, max_wait_s

    @classmethod
    def from_settings(cls, wa: WhatsAppSettings | None = None, db: Database | None = None) -> WhatsAppChannel:
        wa = wa or WhatsAppSettings()
        if not wa.configured:
            raise PostError(f"WhatsApp is not configured: set {' and '.join(wa.missing())}")
        client = WhatsAppClient(wa.base_url, wa.api_version, wa.phone_number_id, wa.token.get_secret_value(),
                                wa.timeout_s)
        return cls(client, db, channel=wa.channel, attempts=wa.attempts, backoff_s=wa.backoff_s,
                   max_wait_s=wa.max_wait_s)

    @property
    def db(self) -> Database:
        if self._db is None:
            from replydesk.db import get_database

            self._db = get_database()
        return self._db

    def handles(self, reply: Reply) -> bool:
        return reply.channel == self.channel

    def _wait(self, retry_state) -> float:
        after = getattr(retry_state.outcome.exception(), "retry_after", None)
        if after is not None:
            return min(after, self.max_wait_s)
        return min(self.backoff_s * 2 ** (retry_state.attempt_number - 1), self.max_wait_s)

    def post(self, reply: Reply) -> Receipt:
        key = reply.idempotency_key
        state = _read_state(self.db, reply.message_id)
        if key in state["posted"]:
            return self._receipt(reply, state["posted"][key], duplicate=True)
        if key in state["sending"]:
            raise WhatsAppError(unknown_outcome_text(reply.message_id, state["sending"][key]), maybe_sent=True)
        to = wa_id(reply.to)  # before anything is marked: a bad number surely sent nothing
        started = time.time()
        _update_state(self.db, reply.message_id, lambda st: st["sending"].setdefault(key, started))
        reached: list[bool] = []

        def attempt() -> dict:
            try:
                return self.client.send_text(to, reply.text)
            except _Retryable as exc:
                reached.extend([True] if exc.reached else [])
                raise

        try:
            sent = Retrying(retry=retry_if_exception_type(_Retryable), stop=stop_after_attempt(self.attempts),
                            wait=self._wait, reraise=True)(attempt)
        except _Unknown as exc:  # the mark stays: no automatic resend of what may have arrived
            log.warning("whatsapp: approval %s outcome unknown: %s", key, exc)
            raise WhatsAppError(f"{exc}. {unknown_outcome_text(reply.message_id, started)}", maybe_sent=True) from None
        except (_Retryable, WhatsAppError) as exc:
            # WhatsApp answered with an error (or never connected): not sent; a later retry may send again
            _update_state(self.db, reply.message_id, lambda st: st["sending"].pop(key, None))
            if isinstance(exc, WhatsAppError):
                raise
            raise WhatsAppError(f"{exc} (gave up after {self.attempts} attempts; the outbox retries later)",
                                maybe_sent=bool(reached)) from None

        def done(st: dict) -> None:
            st["posted"][key] = sent["id"]
            st["sending"].pop(key, None)

        _update_state(self.db, reply.message_id, done)
        log.info("whatsapp: posted approval %s as %s", key, sent["id"])
        return self._receipt(reply, sent["id"])

    def _receipt(self, reply: Reply, wamid: str | None, duplicate: bool = False) -> Receipt:
        return Receipt(channel=self.name, idempotency_key=reply.idempotency_key, posted_at=utcnow().isoformat(),
                       duplicate=duplicate, detail={"whatsapp_message_id": wamid})


def unknown_outcome_text(message_id: str, started: float) -> str:
    return (f"WhatsApp may already have delivered this reply (the attempt at {_when(started)} got no answer) and "
            f"WhatsApp offers no way to look it up, so it is not sent again automatically. Look at the chat with "
            f"the customer, then run `replydesk whatsapp resolve {message_id} --delivered` if the reply is there "
            f"or `--not-delivered` to send it once more.")


class WhatsAppRouting:
    """Replies on the WhatsApp channel go to WhatsApp, every other reply to the default channel."""

    def __init__(self, whatsapp: WhatsAppChannel, default) -> None:
        self.whatsapp, self.default = whatsapp, default
        self.name = f"{default.name}+whatsapp"

    def post(self, reply: Reply) -> Receipt:
        return (self.whatsapp if self.whatsapp.handles(reply) else self.default).post(reply)


def whatsapp_channel(settings, db=None, wa: WhatsAppSettings | None = None) -> WhatsAppRouting:
    """The ``replydesk.channels`` entry ``whatsapp`` (``REPLYDESK_POSTING_CHANNEL=whatsapp``): WhatsApp replies
    through the Cloud API, the others through ``REPLYDESK_WHATSAPP_FALLBACK_CHANNEL`` (default webhook/outbox)."""
    from replydesk.plugins import load

    wa = wa or WhatsAppSettings()
    fallback = wa.fallback_channel or ("webhook" if settings.webhook_url else "outbox")
    if fallback == "whatsapp":
        raise PostError("REPLYDESK_WHATSAPP_FALLBACK_CHANNEL cannot be whatsapp: name the channel for other replies")
    return WhatsAppRouting(WhatsAppChannel.from_settings(wa, db), load("channels", fallback)(settings, db))


# ---- settling an unknown outcome ------------------------------------------------------------------------
def resolve(db: Database, message_id: str, *, delivered: bool, by: str) -> dict[str, Any]:
    """After a send with an unknown outcome someone looked at the chat: ``delivered`` records the reply as sent
    (the next post is a duplicate, nothing is sent), otherwise the mark is removed so the next post sends it.
    Returns ``{"approval_id", "idempotency_key"}`` of the failed approval concerned."""
    from sqlalchemy import select

    from assistant.orm import AuditEvent
    from assistant.review.orm import Approval

    with db.session() as s:
        a = s.scalars(select(Approval).where(Approval.message_id == message_id, Approval.state == "failed")
                      .order_by(Approval.id.desc())).first()
    if a is None:
        raise WhatsAppError(f"message {message_id!r} has no failed post to resolve")
    key = a.idempotency_key

    def fn(st: dict) -> None:
        if key not in st["sending"]:
            raise WhatsAppError(f"the post of message {message_id!r} has no unknown WhatsApp outcome to resolve")
        st["sending"].pop(key)
        if delivered:
            st["posted"][key] = None  # sent, its wamid unknown
        st["resolved"][key] = {"delivered": delivered, "by": by, "at": utcnow().isoformat()}

    _update_state(db, message_id, fn)
    with db.transaction() as s:
        s.add(AuditEvent(actor=by, action="whatsapp_outcome_resolved", message_id=message_id,
                         data={"approval_id": a.id, "delivered": delivered}))
    return {"approval_id": a.id, "idempotency_key": key}

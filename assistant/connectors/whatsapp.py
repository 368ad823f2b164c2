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

import copy
import logging
import os
import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from assistant.review.channels import PostError, Receipt, Reply
from replydesk.db import Database, utcnow

log = logging.getLogger("replydesk.whatsapp")

PREFIX = "whatsapp"  # the key of the adapter's state in a message's raw
OUTSIDE_WINDOW = 131047  # "Re-engagement message": more than 24 h since the customer's last message
THROTTLED = {4, 80007, 130429, 131056}  # Graph/WhatsApp rate limits (often answered with HTTP 400, not 429)
TOKEN_CODES = {190}  # access token expired or invalid
PERMISSION_CODES = {3, 10, *range(200, 300)}
HINTS = {
    100: "a parameter was refused: check REPLYDESK_WHATSAPP_PHONE_NUMBER_ID and the customer's number",
    131026: "WhatsApp could not deliver it to this number (no WhatsApp account, or an outdated app)",
    131030: "the number is not in the allowed list of this test business number: add it in the Meta app dashboard",
    131051: "this message type is not supported",
    133010: "the business phone number is not registered with the Cloud API: register it first",
}


class WhatsAppSettings(BaseSettings):
    """``REPLYDESK_WHATSAPP_*``: the Cloud API access and how patiently to post."""

    model_config = SettingsConfigDict(env_prefix="REPLYDESK_WHATSAPP_", extra="ignore")

    token: SecretStr | None = Field(default=None, description="a System User access token with "
                                                              "whatsapp_business_messaging (never printed)")
    phone_number_id: str | None = Field(default=None, description="the business phone number's ID (not the number)")
    base_url: str = "https://graph.facebook.com"
    api_version: str = "v26.0"
    channel: str = Field(default="whatsapp", description="the replydesk channel whose replies go to WhatsApp")
    fallback_channel: str | None = Field(
        default=None, description="the replydesk.channels entry posting every other reply (default: webhook when "
                                  "REPLYDESK_WEBHOOK_URL is set, else outbox)")
    timeout_s: float = 10.0
    attempts: int = Field(default=5, ge=1)
    backoff_s: float = 0.5
    max_wait_s: float = 30.0

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if secrets_dir := os.environ.get("REPLYDESK_SECRETS_DIR"):  # a file REPLYDESK_WHATSAPP_TOKEN
            sources.append(SecretsSettingsSource(settings_cls, secrets_dir=secrets_dir))
        return tuple(sources)

    @property
    def configured(self) -> bool:
        return bool(self.token and self.token.get_secret_value() and self.phone_number_id)

    def missing(self) -> list[str]:
        return [v for v, ok in (("REPLYDESK_WHATSAPP_TOKEN", self.token and self.token.get_secret_value()),
                                ("REPLYDESK_WHATSAPP_PHONE_NUMBER_ID", self.phone_number_id)) if not ok]


# ---- the Cloud API -----------------------------------------------------------------------------------
class WhatsAppError(PostError):
    """A post WhatsApp refused or that could not be made; ``code`` is the Graph API error code if there is one."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None,
                 maybe_sent: bool = False) -> None:
        super().__init__(message, maybe_sent=maybe_sent)
        self.status, self.code = status, code


class OutsideServiceWindow(WhatsAppError):
    """Error 131047: more than 24 hours since the customer's last message; only a template message may be sent."""


class _Retryable(Exception):
    """Worth another attempt (429/throttled, 5xx, no connection); ``retry_after`` in seconds if the server said."""

    def __init__(self, message: str, retry_after: float | None = None, *, reached: bool = False) -> None:
        super().__init__(message)
        self.retry_after, self.reached = retry_after, reached


class _Unknown(Exception):
    """The request reached WhatsApp and no answer came back (read timeout, connection reset): maybe sent."""


def parse_retry_after(value: str | None) -> float | None:
    from email.utils import parsedate_to_datetime

    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def wa_id(handle: str) -> str:
    """The customer's WhatsApp ID (international number, digits only) from the inbox's author handle
    (``+49 151 2345678``, ``0049 151…``, ``whatsapp:+49…``, ``49151…``)."""
    h = (handle or "").strip().removeprefix("whatsapp:").strip()
    if h.startswith("00"):
        h = h[2:]
    elif h.startswith("0"):
        raise WhatsAppError(f"the customer's number {_mask(h)} is not in international format (+country code …): "
                            f"WhatsApp needs it with the country code; fix the author in the inbox")
    digits = re.sub(r"[\s().\-/+]", "", h)
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise WhatsAppError(f"the author {_mask(h)} is not a WhatsApp number (international, 7–15 digits): "
                            f"import WhatsApp messages with the customer's number as author")
    return digits


def _mask(number: str) -> str:
    return number[:4] + "…" if len(number) > 6 else "…"


def _error_of(resp: httpx.Response) -> dict:
    try:
        err = resp.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return err if isinstance(err, dict) else {}


class WhatsAppClient:
    """One Cloud API call, one HTTP request. Raises :class:`_Retryable` for what another attempt may fix,
    :class:`_Unknown` for a request whose outcome is unknown and :class:`WhatsAppError` for what will not change."""

    def __init__(self, base_url: str, api_version: str, phone_number_id: str, token: str,
                 timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.path = f"/{api_version.strip('/')}/{phone_number_id}/messages" if api_version else \
            f"/{phone_number_id}/messages"
        self.phone_number_id = phone_number_id
        self._token = token
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s,
                                  headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def _clean(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def send_text(self, to: str, body: str, preview_url: bool = False) -> dict:
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
                   "text": {"preview_url": preview_url, "body": body}}
        where = f"WhatsApp POST {self.base_url}{self.path}"
        try:
            resp = self._http.post(self.path, json=payload)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise _Retryable(f"{where}: no connection ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:  # sent (or partly sent), no answer: WhatsApp may have taken it
            raise _Unknown(f"{where}: no answer after sending ({type(exc).__name__})") from None
        err = _error_of(resp) if resp.status_code >= 400 else {}
        code, sub = err.get("code"), err.get("error_subcode")
        what = self._clean(f"{err.get('message') or resp.reason_phrase}"
                           + (f" (code {code}" + (f", subcode {sub}" if sub else "") + ")" if code else "")
                           + (f" [fbtrace_id {err['fbtrace_id']}]" if err.get("fbtrace_id") else ""))
        after = parse_retry_after(resp.headers.get("Retry-After"))
        if resp.status_code == 429 or code in THROTTLED:
            raise _Retryable(f"{where}: {resp.status_code} rate limited: {what}", after)
        if resp.status_code >= 500:
            raise _Retryable(f"{where}: {resp.status_code}: {what}", after, reached=True)
        if code == OUTSIDE_WINDOW:
            raise OutsideServiceWindow(
                f"WhatsApp refused the reply: more than 24 hours have passed since the customer's last message "
                f"(error 131047), so WhatsApp accepts only an approved template message now. Send a template "
                f"message to reopen the conversation (or wait until the customer writes again); this reply was not "
                f"sent. [{what}]", status=resp.status_code, code=code)
        if resp.status_code == 401 or code in TOKEN_CODES:
            raise WhatsAppError(
                f"WhatsApp refused the access token ({resp.status_code}: {what}): it has expired or was revoked. "
                f"Create a new one (a System User token from Meta Business Settings does not expire) with the "
                f"whatsapp_business_messaging permission and set REPLYDESK_WHATSAPP_TOKEN; nothing was sent.",
                status=resp.status_code, code=code)
        if resp.status_code == 403 or code in PERMISSION_CODES:
            raise WhatsAppError(
                f"WhatsApp refused the request ({resp.status_code}: {what}): the token may not send from phone "
                f"number ID {self.phone_number_id}. Give the System User whatsapp_business_messaging for this "
                f"WhatsApp account, or fix REPLYDESK_WHATSAPP_PHONE_NUMBER_ID; nothing was sent.",
                status=resp.status_code, code=code)
        if resp.status_code >= 400:
            hint = HINTS.get(code) or ("no such phone number ID or API version: check "
                                       "REPLYDESK_WHATSAPP_PHONE_NUMBER_ID and REPLYDESK_WHATSAPP_API_VERSION"
                                       if resp.status_code == 404 else "the request was refused")
            raise WhatsAppError(f"WhatsApp refused the reply ({resp.status_code}: {what}): {hint}; nothing was sent.",
                                status=resp.status_code, code=code)
        try:
            data = resp.json()
            wamid = data["messages"][0]["id"]
        except (ValueError, KeyError, IndexError, TypeError):
            # a 2xx: WhatsApp took it, but we cannot tell which message it is
            raise _Unknown(f"{where}: {resp.status_code} without a message id in the answer") from None
        return {"id": wamid, "contacts": data.get("contacts") or []}


# ---- the adapter's state in the message's raw ----------------------------------------------------------
def _state(raw: dict | None) -> dict:
    st = copy.deepcopy((raw or {}).get(PREFIX) or {})  # a copy: the JSON column must see a new value
    for k in ("posted", "sending", "resolved"):
        st.setdefault(k, {})
    return st


def _update_state(db: Database, message_id: str, fn) -> dict:
    from assistant.orm import Message

    with db.transaction() as s:
        msg = s.get(Message, message_id, with_for_update=db.is_postgres)
        if msg is None:
            raise WhatsAppError(f"no message {message_id!r}")
        st = _state(msg.raw)
        fn(st)
        msg.raw = {**(msg.raw or {}), PREFIX: st}
        return st


def _read_state(db: Database, message_id: str) -> dict:
    from assistant.orm import Message

    with db.session() as s:
        msg = s.get(Message, message_id)
        return _state(msg.raw if msg else {})


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

"""Posting channels behind one Protocol: the outbox file (default) and an HMAC-signed webhook."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import re
import time
from pathlib import Path
from typing import Protocol

import httpx
from pydantic import BaseModel
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from replydesk.db import utcnow
from replydesk.settings import redact_url, url_host


class Reply(BaseModel):
    idempotency_key: str
    message_id: str
    external_id: str | None
    channel: str
    visibility: str
    to: str
    text: str
    approved_by: list[str]


class Receipt(BaseModel):
    channel: str
    idempotency_key: str
    posted_at: str
    duplicate: bool = False
    detail: dict = {}


class PostError(RuntimeError):
    pass


class Channel(Protocol):
    name: str

    def post(self, reply: Reply) -> Receipt: ...


class OutboxChannel:
    """Appends one JSON line per reply to ``<data_dir>/outbox.jsonl``; a known key is not written again."""

    name = "outbox"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def post(self, reply: Reply) -> Receipt:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # two processes never interleave or double-write
            fh.seek(0)
            for line in fh:
                if line.strip() and json.loads(line).get("idempotency_key") == reply.idempotency_key:
                    return Receipt(channel=self.name, idempotency_key=reply.idempotency_key,
                                   posted_at=utcnow().isoformat(), duplicate=True)
            fh.seek(0, 2)
            fh.write(json.dumps({**reply.model_dump(), "posted_at": utcnow().isoformat()}, ensure_ascii=False) + "\n")
            fh.flush()
        return Receipt(channel=self.name, idempotency_key=reply.idempotency_key, posted_at=utcnow().isoformat())


def sign(secret: str, body: bytes, timestamp: str) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


_URL_RX = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def redact_urls(text: str, url: str) -> str:
    """``text`` with ``url`` and every URL to the same host shown as scheme://host[:port]/*** (no token)."""
    text = text.replace(url, redact_url(url))
    host = url_host(url)

    def _sub(m: re.Match[str]) -> str:
        return redact_url(m.group(0)) if url_host(m.group(0)) == host else m.group(0)

    return _URL_RX.sub(_sub, text)


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    return isinstance(exc, httpx.TransportError)


class WebhookChannel:
    """POST JSON to a URL, signed with HMAC-SHA256 (``X-Replydesk-Signature``), retried on 5xx/timeouts."""

    name = "webhook"

    def __init__(self, url: str, secret: str, timeout_s: float = 10.0, attempts: int = 5, wait_max: float = 8.0):
        self.url, self.secret, self.timeout_s = url, secret, timeout_s
        self._send = retry(
            retry=retry_if_exception(_retryable), stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=0.2, max=wait_max), reraise=True,
        )(self._send_once)

    def _send_once(self, body: bytes, key: str) -> httpx.Response:
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/json", "Idempotency-Key": key, "X-Replydesk-Timestamp": ts,
                   "X-Replydesk-Signature": "sha256=" + sign(self.secret, body, ts)}
        resp = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout_s)
        resp.raise_for_status()
        return resp

    def post(self, reply: Reply) -> Receipt:
        body = json.dumps(reply.model_dump(), ensure_ascii=False).encode()
        try:
            resp = self._send(body, reply.idempotency_key)
        except Exception as exc:  # noqa: BLE001 - any failure, with the URL's token (path, query, user) hidden
            detail = str(exc) if isinstance(exc, (httpx.HTTPError, OSError)) else f"{type(exc).__name__}: {exc}"
            raise PostError(redact_urls(f"webhook {redact_url(self.url)} failed: {detail}", self.url)) from None
        detail = {}
        if resp.headers.get("content-type", "").startswith("application/json"):
            try:
                detail = resp.json()
            except ValueError:
                detail = {}
        return Receipt(channel=self.name, idempotency_key=reply.idempotency_key, posted_at=utcnow().isoformat(),
                       duplicate=bool(detail.get("duplicate")), detail=detail)


def channel_from_settings(settings=None, db=None, chatwoot=None) -> Channel:
    """The outbox (default) or the signed webhook; with Chatwoot configured (``REPLYDESK_CHATWOOT_URL`` and
    ``REPLYDESK_CHATWOOT_API_TOKEN``) replies to messages that came from Chatwoot go back to Chatwoot."""
    from assistant.connectors.chatwoot import ChatwootChannel, ChatwootSettings, RoutingChannel
    from replydesk.plugins import load
    from replydesk.settings import get_settings

    settings = settings or get_settings()
    # the ``replydesk.channels`` entry points (a plugin's with REPLYDESK_POSTING_CHANNEL; see docs/plugins.md)
    name = settings.posting_channel or ("webhook" if settings.webhook_url else "outbox")
    base: Channel = load("channels", name)(settings, db)
    cw = chatwoot if chatwoot is not None else ChatwootSettings()
    if cw.configured:
        return RoutingChannel(ChatwootChannel.from_settings(cw, db), base)
    return base

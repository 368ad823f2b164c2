"""Posting channels behind one Protocol: the outbox file (default) and an HMAC-signed webhook."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import threading
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
    """A post that did not go through. ``maybe_sent`` is False only when the receiver surely did not take it (no
    connection, or it refused the request); otherwise the outcome is unknown and a retry must reuse the key."""

    def __init__(self, message: str, *, maybe_sent: bool = True) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class Channel(Protocol):
    name: str

    def post(self, reply: Reply) -> Receipt: ...


class OutboxChannel:
    """Appends one JSON line per reply to ``<data_dir>/outbox.jsonl``; a known key is not written again.

    Known keys live in a sidecar index (``outbox.jsonl.keys``: a header naming the outbox file, then one
    ``<end offset> <key>`` line per reply). Each post reads only what other processes appended to the index since
    its last post, never the outbox itself — except the outbox's tail the index does not cover yet (a crash between
    the two writes, an outbox older than its index) or, once, a whole outbox that was rewritten (erasure)."""

    name = "outbox"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.index_path = self.path.with_name(self.path.name + ".keys")
        self._mutex = threading.Lock()  # the cache below is shared by this process's threads
        self._file_id: tuple[int, int] | None = None  # (device, inode) of the outbox the cache describes
        self._keys: set[str] = set()
        self._indexed_to = 0  # outbox bytes the index covers
        self._index_read_to = 0  # index bytes read into ``_keys``

    def post(self, reply: Reply) -> Receipt:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._mutex:
            fh = self._open_locked()
            try:
                size = self._sync(fh)
                if reply.idempotency_key in self._keys:
                    return Receipt(channel=self.name, idempotency_key=reply.idempotency_key,
                                   posted_at=utcnow().isoformat(), duplicate=True)
                line = (json.dumps({**reply.model_dump(), "posted_at": utcnow().isoformat()}, ensure_ascii=False)
                        + "\n").encode()
                fh.write(line)
                fh.flush()
                self._add_to_index([(size + len(line), reply.idempotency_key)])
            finally:
                fh.close()  # releases the lock
        return Receipt(channel=self.name, idempotency_key=reply.idempotency_key, posted_at=utcnow().isoformat())

    def _open_locked(self):
        """The outbox opened for appending (never reading) under its exclusive lock; if it was replaced while we
        waited for the lock (an atomic rewrite), the new file is opened and locked instead."""
        while True:
            fh = self.path.open("ab")
            fcntl.flock(fh, fcntl.LOCK_EX)  # two processes never interleave or double-write
            st = os.fstat(fh.fileno())
            try:
                current = os.stat(self.path)
            except FileNotFoundError:
                current = None
            if current is not None and (current.st_dev, current.st_ino) == (st.st_dev, st.st_ino):
                return fh
            fh.close()

    def _header(self, file_id: tuple[int, int]) -> bytes:
        return f"replydesk-outbox-keys 1 {file_id[0]} {file_id[1]}\n".encode()

    def _sync(self, fh) -> int:
        """Bring the key cache up to date (under the outbox lock); returns the outbox's size."""
        st = os.fstat(fh.fileno())
        file_id, size = (st.st_dev, st.st_ino), st.st_size
        if file_id != self._file_id:
            self._file_id, self._keys, self._indexed_to, self._index_read_to = file_id, set(), 0, 0
        header = self._header(file_id)
        with self.index_path.open("a+b") as ix:
            if self._index_read_to == 0:
                ix.seek(0)
                if ix.readline() != header:  # new, or describing a replaced outbox: rebuild from the outbox
                    ix.seek(0)
                    ix.truncate()
                    ix.write(header)
                    ix.flush()
                self._index_read_to = len(header)
            ix.seek(self._index_read_to)
            data = ix.read()
            whole = data[: data.rfind(b"\n") + 1]
            if len(whole) < len(data):  # a torn last entry (a process died mid-write): drop it, repaired below
                ix.truncate(self._index_read_to + len(whole))
            for entry in whole.splitlines():
                end, _, key = entry.decode().partition(" ")
                self._keys.add(key)
                self._indexed_to = max(self._indexed_to, int(end))
            self._index_read_to += len(whole)
        if size < self._indexed_to:  # truncated behind the index's back: start over
            self._file_id = None
            return self._sync(fh)
        if size > self._indexed_to:
            size = self._index_tail(size)
        return size

    def _index_tail(self, size: int) -> int:
        """Index the outbox lines after ``_indexed_to``; a torn last line (a writer killed mid-line) was never
        posted and is cut off, so the retry writes it whole. Returns the outbox's size afterwards."""
        with self.path.open("r+b") as raw:
            raw.seek(self._indexed_to)
            tail = raw.read(size - self._indexed_to)
            whole = tail[: tail.rfind(b"\n") + 1]
            if len(whole) < len(tail):
                raw.truncate(self._indexed_to + len(whole))
        offset, keys = self._indexed_to, []
        for line in whole.splitlines(keepends=True):
            offset += len(line)
            try:
                key = json.loads(line).get("idempotency_key")
            except ValueError:
                key = None
            if key:
                keys.append((offset, key))
        self._add_to_index(keys)
        self._indexed_to = offset
        return offset

    def _add_to_index(self, entries: list[tuple[int, str]]) -> None:
        if not entries:
            return
        data = "".join(f"{end} {key}\n" for end, key in entries).encode()
        with self.index_path.open("ab") as ix:
            ix.write(data)  # one write per post: a kill cannot leave half an entry (a torn one is dropped anyway)
        self._keys.update(key for _end, key in entries)
        self._indexed_to = max(self._indexed_to, entries[-1][0])
        self._index_read_to += len(data)


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

    def _send_once(self, body: bytes, key: str, reached: list[bool]) -> httpx.Response:
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/json", "Idempotency-Key": key, "X-Replydesk-Timestamp": ts,
                   "X-Replydesk-Signature": "sha256=" + sign(self.secret, body, ts)}
        try:
            resp = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout_s)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            raise  # no connection: this attempt surely did not reach the receiver
        except httpx.HTTPError:
            reached.append(True)  # sent, no answer (timeout, reset): it may have been taken
            raise
        if resp.status_code >= 500:
            reached.append(True)  # the receiver may have acted before it failed
        resp.raise_for_status()
        return resp

    def post(self, reply: Reply) -> Receipt:
        body = json.dumps(reply.model_dump(), ensure_ascii=False).encode()
        reached: list[bool] = []  # an attempt that may have reached the receiver (4xx answers and refused
        try:  # connections surely did not post)
            resp = self._send(body, reply.idempotency_key, reached)
        except Exception as exc:  # noqa: BLE001 - any failure, with the URL's token (path, query, user) hidden
            detail = str(exc) if isinstance(exc, (httpx.HTTPError, OSError)) else f"{type(exc).__name__}: {exc}"
            known = isinstance(exc, (httpx.HTTPError, OSError))  # anything else: we cannot tell
            raise PostError(redact_urls(f"webhook {redact_url(self.url)} failed: {detail}", self.url),
                            maybe_sent=bool(reached) or not known) from None
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

"""A loopback HTTP server that speaks the part of Chatwoot's application API the connector uses, with faults.

- ``POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages`` (JSON ``content``,
  ``message_type``, ``private``, ``content_type``) → the created message (``id``, ``content``, ``message_type``
  as Chatwoot's integer enum, ``private``, ``created_at`` unix seconds, ``conversation_id``, ``account_id``).
- ``GET`` the same path → ``{"meta": {...}, "payload": [message, …]}``.
- Auth: header ``api_access_token``; a wrong or missing token is 401. An unknown conversation is 404.

Faults for POSTs, consumed in order: ``("401",)``, ``("404",)``, ``("429", retry_after)``, ``("500",)``,
``("lost", seconds)`` (the message IS created, then the answer comes only after ``seconds``: a client timeout
with an unknown outcome). ``get_script`` does the same for GETs.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = re.compile(r"^/api/v1/accounts/(\d+)/conversations/(\d+)/messages/?$")
TYPES = {"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}


class FakeChatwoot:
    def __init__(self, token: str = "cw-token", conversations=((1, 10),)) -> None:
        self.token = token
        self.conversations = {tuple(c) for c in conversations}
        self.script: deque = deque()
        self.get_script: deque = deque()
        self.messages: dict[tuple[int, int], list[dict]] = {c: [] for c in self.conversations}
        self.requests: list[dict] = []  # every request: method, path, headers, body, at
        self.lock = threading.Lock()
        self._next_id = 1000
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _send(self, code: int, body: dict | list, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def _common(self, method: str):
                length = int(self.headers.get("Content-Length", 0) or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                with server.lock:
                    server.requests.append({"method": method, "path": self.path, "headers": dict(self.headers),
                                            "body": body, "at": time.time()})
                    action = (server.script if method == "POST" else server.get_script)
                    action = action.popleft() if action else None
                m = PATH.match(self.path.split("?")[0])
                return body, action, m

            def _fault(self, action) -> bool:
                if action is None or action[0] == "lost":
                    return False
                kind = action[0]
                if kind == "401":
                    self._send(401, {"errors": ["Invalid Access Token"]})
                elif kind == "404":
                    self._send(404, {"error": "Resource could not be found"})
                elif kind == "429":
                    self._send(429, {"error": "Too many requests"}, {"Retry-After": str(action[1])})
                elif kind == "500":
                    self._send(500, {"error": "Internal Server Error"})
                return True

            def _check(self, m) -> bool:
                if self.headers.get("api_access_token") != server.token:
                    self._send(401, {"errors": ["You need to sign in or sign up before continuing."]})
                    return False
                if m is None or (int(m.group(1)), int(m.group(2))) not in server.conversations:
                    self._send(404, {"error": "Resource could not be found"})
                    return False
                return True

            def do_GET(self):  # noqa: N802
                _, action, m = self._common("GET")
                if self._fault(action) or not self._check(m):
                    return
                key = (int(m.group(1)), int(m.group(2)))
                with server.lock:
                    payload = list(server.messages[key])
                self._send(200, {"meta": {"labels": [], "additional_attributes": {}}, "payload": payload})

            def do_POST(self):  # noqa: N802
                body, action, m = self._common("POST")
                if self._fault(action) or not self._check(m):
                    return
                key = (int(m.group(1)), int(m.group(2)))
                with server.lock:
                    server._next_id += 1
                    msg = {"id": server._next_id, "content": body.get("content"), "account_id": key[0],
                           "conversation_id": key[1], "inbox_id": 1,
                           "message_type": TYPES.get(body.get("message_type", "outgoing"), 1),
                           "content_type": body.get("content_type", "text"), "private": bool(body.get("private")),
                           "created_at": int(time.time()), "status": "sent", "source_id": None,
                           "content_attributes": {}, "sender_type": "User", "sender_id": 1}
                    server.messages[key].append(msg)
                if action is not None and action[0] == "lost":
                    time.sleep(action[1])  # created, but the client gives up before it hears so
                self._send(200, msg)

        class Server(ThreadingHTTPServer):
            request_queue_size = 64

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def notes(self, account=1, conversation=10) -> list[dict]:
        with self.lock:
            return [m for m in self.messages[(account, conversation)] if m["private"]]

    def outgoing(self, account=1, conversation=10) -> list[dict]:
        with self.lock:
            return [m for m in self.messages[(account, conversation)] if m["message_type"] == 1 and not m["private"]]

    def __enter__(self) -> FakeChatwoot:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def webhook_payload(message_id: int, content: str, *, account=1, conversation=10, message_type="incoming",
                    private=False, channel="Channel::WebWidget", email="jane@example.org") -> dict:
    """Chatwoot's ``message_created`` webhook payload (the documented shape)."""
    return {
        "event": "message_created", "id": message_id, "content": content, "created_at": "2021-07-23T18:02:48.000Z",
        "message_type": message_type, "content_type": "text", "private": private, "content_attributes": {},
        "source_id": None,
        "sender": {"id": 14, "name": "Jane", "avatar": "", "type": "contact", "email": email},
        "inbox": {"id": 1, "name": "Acme Support"},
        "conversation": {"additional_attributes": {}, "can_reply": True, "channel": channel, "id": conversation,
                         "inbox_id": 1, "contact_inbox": {"id": 12, "contact_id": 14, "inbox_id": 1,
                                                          "source_id": "405f1d30"},
                         "messages": [], "meta": {}, "status": "open", "unread_count": 1, "timestamp": 1627063369},
        "account": {"id": account, "name": "Acme Inc"},
    }

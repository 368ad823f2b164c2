"""A loopback HTTP server that speaks the WhatsApp Business Cloud API's send-message call, with faults.

- ``POST /{api_version}/{phone_number_id}/messages`` with ``Authorization: Bearer <token>`` and JSON
  ``{"messaging_product": "whatsapp", "recipient_type": "individual", "to", "type": "text",
  "text": {"preview_url", "body"}}`` → ``{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}],
  "messages": [{"id": "wamid.…"}]}``.
- Errors are Graph API JSON ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``: a wrong token
  is 401 (code 190), an unknown phone number ID or a malformed body 400 (code 100), a customer whose last message
  is older than 24 h (``window_closed``) 400 (code 131047).

Faults, consumed in order by POSTs: ``("401",)`` (expired token), ``("429", retry_after)``, ``("throttled",)``
(400, code 130429), ``("500",)``, ``("lost", seconds)`` (the message IS sent, the answer comes only after
``seconds``: a client timeout with an unknown outcome), ``("dropped", seconds)`` (not sent, the answer is late).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = re.compile(r"^/(v\d+\.\d+)/(\d+)/messages/?$")


def graph_error(message: str, code: int, type_: str = "OAuthException", subcode: int | None = None) -> dict:
    err = {"message": message, "type": type_, "code": code, "fbtrace_id": "A" + uuid.uuid4().hex[:22]}
    if subcode is not None:
        err["error_subcode"] = subcode
    return {"error": err}


class FakeWhatsApp:
    def __init__(self, token: str = "EAAG-test-token-0123456789", phone_number_id: str = "106540352242922") -> None:
        self.token, self.phone_number_id = token, phone_number_id
        self.script: deque = deque()
        self.window_closed: set[str] = set()  # wa_ids whose 24-hour customer service window has closed
        self.sent: list[dict] = []  # messages WhatsApp accepted: id, to, body, at
        self.requests: list[dict] = []  # every request: path, headers, body, at
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _send(self, code: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0) or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = None
                with server.lock:
                    server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                            "at": time.time()})
                    action = server.script.popleft() if server.script else None
                kind = action[0] if action else None
                if kind == "401" or self.headers.get("Authorization") != f"Bearer {server.token}":
                    return self._send(401, graph_error(
                        "Error validating access token: Session has expired on Tuesday, 24-Nov-26 10:00:00 PST.",
                        190, subcode=463))
                if kind == "429":
                    return self._send(429, graph_error("(#4) Application request limit reached", 4),
                                      {"Retry-After": str(action[1])})
                if kind == "throttled":
                    return self._send(400, graph_error("(#130429) Rate limit hit", 130429))
                if kind == "500":
                    return self._send(500, graph_error("An unknown error has occurred.", 1))
                m = PATH.match(self.path)
                if m is None or m.group(2) != server.phone_number_id:
                    return self._send(400, graph_error(
                        f"Unsupported post request. Object with ID '{self.path.split('/')[2]}' does not exist",
                        100, "GraphMethodException", 33))
                text = (body or {}).get("text") or {}
                if not (isinstance(body, dict) and body.get("messaging_product") == "whatsapp"
                        and body.get("recipient_type") == "individual" and body.get("type") == "text"
                        and isinstance(body.get("to"), str) and body["to"].isdigit()
                        and isinstance(text.get("body"), str) and 0 < len(text["body"]) <= 4096
                        and isinstance(text.get("preview_url", False), bool)):
                    return self._send(400, graph_error("(#100) Invalid parameter", 100))
                if body["to"] in server.window_closed:
                    return self._send(400, graph_error(
                        "(#131047) Re-engagement message: Message failed to send because more than 24 hours have "
                        "passed since the customer last replied to this number.", 131047))
                if kind == "dropped":
                    time.sleep(action[1])  # the client gives up first; nothing was sent
                    return self._send(500, graph_error("An unknown error has occurred.", 1))
                wamid = "wamid.HBgL" + uuid.uuid4().hex.upper()
                with server.lock:
                    server.sent.append({"id": wamid, "to": body["to"], "body": text["body"], "at": time.time()})
                if kind == "lost":
                    time.sleep(action[1])  # sent, but the client gives up before it hears so
                self._send(200, {"messaging_product": "whatsapp",
                                 "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                                 "messages": [{"id": wamid}]})

        class Server(ThreadingHTTPServer):
            request_queue_size = 64

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def __enter__(self) -> FakeWhatsApp:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

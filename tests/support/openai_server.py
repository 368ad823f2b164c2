"""A real HTTP server on loopback that speaks the OpenAI chat-completions API, with scripted faults.

Behaviours (consumed in order; ``default`` answers when the script is empty):
  ("ok", content) · ("429", retry_after_s) · ("500",) · ("503",) · ("sleep", seconds, content) ·
  ("malformed",) (body is not JSON) · ("truncated",) (JSON cut off) · ("empty",) (empty content)
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAIServer:
    def __init__(self, default=None, delay_s: float = 0.0) -> None:
        self.script: deque = deque()
        self.default = default  # callable(request_json) -> content str, or None (=500)
        self.delay_s = delay_s
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in two writes; without this, Nagle + delayed ACK add ~40 ms per request
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _send(self, code: int, body: bytes, headers: dict | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                with server.lock:
                    server.requests.append(payload)
                    action = server.script.popleft() if server.script else None
                if server.delay_s:
                    time.sleep(server.delay_s)
                if action is None:
                    if server.default is None:
                        return self._send(500, b'{"error": {"message": "no script"}}')
                    action = ("ok", server.default(payload))
                kind = action[0]
                if kind == "429":
                    return self._send(429, b'{"error": {"message": "rate limited", "type": "rate_limit"}}',
                                      {"Retry-After": str(action[1])})
                if kind in ("500", "503"):
                    return self._send(int(kind), b'{"error": {"message": "server error"}}')
                if kind == "malformed":
                    return self._send(200, b"<html>bad gateway</html>")
                if kind == "truncated":
                    return self._send(200, b'{"id": "x", "choices": [{"message": {"content": "{\\"reply')
                if kind == "sleep":
                    time.sleep(action[1])
                    action = ("ok", action[2])
                content = "" if kind == "empty" else action[1]
                body = {
                    "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                    "model": payload.get("model", "test"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 120, "completion_tokens": 45, "total_tokens": 165},
                }
                return self._send(200, json.dumps(body).encode())

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the default listen backlog (5) drops bursts of new connections

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

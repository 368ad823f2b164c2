from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.support.fixtures import env, small_kb_dir  # noqa: F401  (shared fixtures)

TOKENS = {"agent": "tok-agent", "approver": "tok-approver", "trainer": "tok-trainer", "qa": "tok-qa",
          "admin": "tok-admin", "agent2": "tok-agent2"}


def token_store():
    from assistant.api.tokens import ApiToken, TokenStore, hash_token

    return TokenStore([ApiToken(name=f"{name}-user", roles=[name.rstrip("2")], sha256=hash_token(tok))
                       for name, tok in TOKENS.items()])


def auth(who: str) -> dict:
    return {"Authorization": f"Bearer {TOKENS[who]}"}


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.02, what: str = "condition"):
    """Poll until ``predicate()`` is truthy (and return it) or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class LiveServer:
    """uvicorn serving an app on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        wait_for(lambda: self.server.started or not self.thread.is_alive(), timeout=180, what="uvicorn start-up")
        assert self.server.started, "uvicorn did not start (see the log)"
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


@pytest.fixture
def live_server():
    return LiveServer

"""Hand ``replydesk check`` and ``replydesk draft`` to a running ``replydesk serve`` when one is configured.

A fresh process must load lingua's models, the guardrails and (for a draft) the encoder, Chroma and the
database before it reads a word — about 1.3 s of CPU for a check and 2.8 s for a draft (benchmarks/README.md).
A running server has all of that warm and answers in milliseconds with the same JSON (``assistant/api/shapes.py``
builds both). Set ``REPLYDESK_SERVER_URL`` (e.g. ``http://127.0.0.1:8000``) and ``REPLYDESK_API_TOKEN`` (a token
with the agent role: ``replydesk api-token add cli --role agent``). Read from the environment only, so the
forwarding process imports neither the settings nor anything heavy.

A server that cannot be reached is not an error: the command runs locally (same result, slower) and says so on
stderr. A server that answers with an error (401, 403, 422 …) is an error, reported with the server's reason.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

URL_ENV, TOKEN_ENV, TIMEOUT_ENV = "REPLYDESK_SERVER_URL", "REPLYDESK_API_TOKEN", "REPLYDESK_SERVER_TIMEOUT"


class RemoteError(RuntimeError):
    """The server answered, but not with a result (bad token, missing role, invalid input)."""


def redact_url(url: str) -> str:
    """scheme://host[:port] only (a token in the path or query is not printed)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def configured() -> bool:
    return bool(os.environ.get(URL_ENV, "").strip())


def _reason(resp) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:300] or resp.reason_phrase
    detail = body.get("detail", body) if isinstance(body, dict) else body
    return detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)[:500]


def call(path: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The server's JSON for ``POST <url><path>``, or None when no server is configured or it cannot be reached."""
    url = os.environ.get(URL_ENV, "").strip().rstrip("/")
    if not url:
        return None
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise RemoteError(f"{URL_ENV} is set but {TOKEN_ENV} is not: create a token with "
                          f"`replydesk api-token add cli --role agent` and set it, or unset {URL_ENV}")
    import httpx

    try:
        resp = httpx.post(url + path, json=payload, headers={"Authorization": f"Bearer {token}"},
                          timeout=float(os.environ.get(TIMEOUT_ENV) or 60))
    except httpx.TransportError as exc:
        print(f"warning: replydesk server {redact_url(url)} not reachable ({type(exc).__name__}); running locally",
              file=sys.stderr)
        return None
    if resp.status_code != 200:
        raise RemoteError(f"replydesk server {redact_url(url)}{path}: HTTP {resp.status_code}: {_reason(resp)}")
    return resp.json()

"""API tokens with roles. Only SHA-256 hashes of the tokens are stored (file or environment), never the tokens.

File (``REPLYDESK_API_TOKENS_FILE``) or environment (``REPLYDESK_API_TOKENS``), the same JSON::

    {"tokens": [{"name": "helpdesk-bot", "roles": ["agent"], "sha256": "<hex of sha256(token)>"}]}

Tokens are random (``secrets.token_urlsafe(32)``), so one SHA-256 is enough (no password stretching needed)
and a check costs microseconds. ``replydesk api-token add NAME --role agent`` writes a new one and shows the
token once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.review.auth import Role

TOKEN_PREFIX = "rdk_"
_lock = threading.Lock()


class ApiToken(BaseModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.@+-]{2,80}$")
    roles: list[Role] = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    def user(self) -> dict:
        """The user dict the review services take (roles enforced there too)."""
        return {"username": self.name, "display_name": self.name, "roles": list(self.roles)}


class TokenFileError(ValueError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _parse(text: str, where: str) -> list[ApiToken]:
    try:
        data = json.loads(text)
        rows = data["tokens"] if isinstance(data, dict) else data
        return [ApiToken.model_validate(r) for r in rows]
    except (ValueError, KeyError, TypeError) as exc:  # never echo the content: it may hold secrets
        raise TokenFileError(f"{where}: not a valid API token list ({type(exc).__name__})") from None


class TokenStore:
    """Looks tokens up by their hash (constant-time comparison)."""

    def __init__(self, tokens: list[ApiToken]) -> None:
        self._by_hash = {t.sha256: t for t in tokens}

    @classmethod
    def from_env(cls, path: str | Path | None = None) -> TokenStore:
        tokens: list[ApiToken] = []
        path = path or os.environ.get("REPLYDESK_API_TOKENS_FILE")
        if path and Path(path).exists():
            tokens += _parse(Path(path).read_text(encoding="utf-8"), str(path))
        env = os.environ.get("REPLYDESK_API_TOKENS")
        if env:
            tokens += _parse(env, "REPLYDESK_API_TOKENS")
        return cls(tokens)

    def __len__(self) -> int:
        return len(self._by_hash)

    def authenticate(self, token: str) -> ApiToken | None:
        digest = hash_token(token)
        found = self._by_hash.get(digest)
        if found is not None and hmac.compare_digest(found.sha256, digest):
            return found
        return None


def add_token(path: Path, name: str, roles: list[str]) -> str:
    """Create a token, store its hash in ``path`` (atomically, mode 600) and return the token (shown once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    entry = ApiToken(name=name, roles=roles, sha256=hash_token(token))
    path = Path(path)
    with _lock:
        existing = _parse(path.read_text(encoding="utf-8"), str(path)) if path.exists() else []
        rows = [t for t in existing if t.name != name] + [entry]
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tokens-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"tokens": [t.model_dump() for t in rows]}, fh, indent=1)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    return token

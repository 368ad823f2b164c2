"""Chatwoot settings and the API client (retries on 429 with Retry-After, 5xx and timeouts)."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.connectors.common import parse_retry_after
from assistant.review.channels import PostError

log = logging.getLogger("replydesk.chatwoot")

PREFIX = "chatwoot"
SIGNATURE_MAX_AGE_S = 300


class ChatwootSettings(BaseSettings):
    """``REPLYDESK_CHATWOOT_*``: where Chatwoot is and the secrets shared with it."""

    model_config = SettingsConfigDict(env_prefix="REPLYDESK_CHATWOOT_", extra="ignore")

    url: str | None = Field(default=None, description="Chatwoot base URL, e.g. https://chat.example.com")
    api_token: SecretStr | None = Field(default=None, description="an agent's or bot's api_access_token")
    webhook_secret: SecretStr | None = Field(default=None, description="the webhook's secret (HMAC) or ?token=")
    timeout_s: float = 10.0
    attempts: int = 5
    backoff_s: float = 0.5
    max_wait_s: float = 30.0
    note_drafts: bool = True

    @property
    def configured(self) -> bool:
        return bool(self.url and self.api_token)


# ---- the Chatwoot API ------------------------------------------------------------------------------
class ChatwootError(PostError):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _Retryable(Exception):
    """A failure worth another attempt (429, 5xx, timeout, connection error); ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ChatwootClient:
    """The few Chatwoot application-API calls the connector needs. One call = one HTTP request; raises
    :class:`_Retryable` for what another attempt may fix and :class:`ChatwootError` for what it will not."""

    def __init__(self, url: str, api_token: str, timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout_s,
                                  headers={"api_access_token": api_token, "Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, **kw) -> Any:
        try:
            resp = self._http.request(method, path, **kw)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"Chatwoot {method} {path}: timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise _Retryable(f"Chatwoot {method} {path}: {type(exc).__name__}: {exc}") from exc
        if resp.status_code == 429:
            raise _Retryable(f"Chatwoot {method} {path}: 429 rate limited",
                             parse_retry_after(resp.headers.get("Retry-After")))
        if resp.status_code >= 500:
            raise _Retryable(f"Chatwoot {method} {path}: {resp.status_code}",
                             parse_retry_after(resp.headers.get("Retry-After")))
        if resp.status_code >= 400:
            hint = {401: "the api_access_token was refused (REPLYDESK_CHATWOOT_API_TOKEN)",
                    403: "the token may not access this conversation",
                    404: "no such account or conversation"}.get(resp.status_code, resp.text[:200])
            raise ChatwootError(f"Chatwoot {method} {path}: {resp.status_code}: {hint}", resp.status_code)
        try:
            return resp.json()
        except ValueError as exc:
            raise _Retryable(f"Chatwoot {method} {path}: answer is not JSON") from exc

    def create_message(self, account_id: int, conversation_id: int, content: str, *, private: bool,
                       message_type: str = "outgoing") -> dict:
        return self._request("POST", f"/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages",
                             json={"content": content, "message_type": message_type, "private": private,
                                   "content_type": "text"})

    def list_messages(self, account_id: int, conversation_id: int) -> list[dict]:
        data = self._request("GET", f"/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages")
        return list(data.get("payload") or []) if isinstance(data, dict) else []


# ---- references and the ledger in the message's raw ---------------------------------------------------

"""The WhatsApp Cloud API client: settings (token as SecretStr), errors with how to fix them, retries on 429 /
throttling / 5xx / no connection (tenacity). Used by :mod:`assistant.connectors.whatsapp`."""

from __future__ import annotations

import os
import re

import httpx
from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from assistant.connectors.common import parse_retry_after
from assistant.review.channels import PostError

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

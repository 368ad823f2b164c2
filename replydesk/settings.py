"""Effective configuration: ``REPLYDESK_*`` environment variables, then an optional ``replydesk.toml``.

Secrets are ``SecretStr`` and are never printed; ``replydesk config`` shows them masked.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from guardrails.models import Language

# Host names that always mean "this machine"; IP addresses count only when loopback (127.0.0.0/8, ::1).
# Anything else (a container host, a LAN box) is local only when listed in ``llm_local_hosts``.
LOCAL_HOSTS = ("localhost",)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REPLYDESK_",
        extra="ignore",
    )

    data_dir: Path = Field(default=Path("data"), description="where the SQLite file, Chroma and outbox live")
    database_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<data_dir>/replydesk.db"
    )
    chroma_url: str | None = Field(default=None, description="Chroma server URL (team mode); default embedded")
    embedding_backend: Literal["use", "openai"] = "use"
    embedding_model: str = "text-embedding-3-small"

    llm_base_url: str | None = Field(default=None, description="OpenAI-compatible server (Ollama, vLLM, ...)")
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("REPLYDESK_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_timeout_s: float = 30.0
    llm_max_retries: int = 4
    engine: Literal["auto", "composer", "llm"] = "auto"
    llm_judge_tone: bool = Field(default=False, description="also let the LLM judge the tone of every draft")
    pseudonymize: Literal["auto", "on", "off"] = "auto"
    llm_local_hosts: list[str] = Field(
        default_factory=list,
        description="extra LLM host names treated as local (no pseudonymisation), e.g. host.docker.internal",
    )

    policy_path: Path | None = Field(default=None, description="policy YAML; default the shipped policy")
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    drafter: str | None = Field(
        default=None, description="a drafter of the replydesk.drafters entry points used in place of the LLM "
                                  "(default: the LLM when one is configured; the composer is always the fallback)")
    posting_channel: str | None = Field(
        default=None, description="a channel of the replydesk.channels entry points that posts approved replies "
                                  "(default: webhook when REPLYDESK_WEBHOOK_URL is set, else outbox)")
    ui_language: Language = "de"
    users_file: Path | None = None
    block_suggestion_min_support: int = Field(
        default=2, ge=1, description="approved replies that must say a sentence before it is suggested as a block")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Read at construction time (not import time) so tests and the CLI can point elsewhere.
        toml = TomlConfigSettingsSource(settings_cls, toml_file=os.environ.get("REPLYDESK_CONFIG", "replydesk.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, toml]
        secrets_dir = os.environ.get("REPLYDESK_SECRETS_DIR")
        if secrets_dir:
            sources.append(SecretsSettingsSource(settings_cls, secrets_dir=secrets_dir))
        return tuple(sources)

    # ---- derived values -------------------------------------------------------------------------
    @property
    def effective_database_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / 'replydesk.db').resolve()}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def llm_configured(self) -> bool:
        return self.llm_api_key is not None or self.llm_base_url is not None

    @property
    def llm_is_local(self) -> bool:
        """True only when the LLM URL's *host* is loopback or on the ``llm_local_hosts`` allow-list.

        The host is parsed (never a substring test): ``https://localhost.attacker.example``,
        ``https://gw.example.com/127.0.0.1/v1`` or a private LAN address are not local."""
        return is_local_host(url_host(self.llm_base_url or ""), self.llm_local_hosts)

    def masked(self) -> dict[str, Any]:
        """Settings as plain values, secrets masked (for ``replydesk config``)."""
        out: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "**********" if value.get_secret_value() else ""
            elif name in URL_SETTINGS and isinstance(value, str):
                value = redact_url(value)
            elif isinstance(value, Path):
                value = str(value)
            out[name] = value
        url = self.effective_database_url
        out["effective_database_url"] = _mask_url(url)
        return out

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


# URLs that often carry a token in their path, query or userinfo: shown as scheme://host[:port]/*** only.
URL_SETTINGS = ("webhook_url", "chroma_url")


def url_host(url: str) -> str:
    """The lower-case host of a URL ('' when there is none or it cannot be parsed)."""
    try:
        return (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def is_local_host(host: str, allow: list[str] | tuple[str, ...] = ()) -> bool:
    if not host:
        return False
    if host in LOCAL_HOSTS or host in {h.strip().lower().rstrip(".") for h in allow if h.strip()}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redact_url(url: str | None) -> str:
    """Keep scheme, host and port; hide userinfo, path, query and fragment (they may hold tokens)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "**********"
    if not parts.scheme or not host:
        return "**********"
    if ":" in host:
        host = f"[{host}]"
    hidden = parts.username or parts.password or parts.path.strip("/") or parts.query or parts.fragment
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}" + ("/***" if hidden else "")


def _mask_url(url: str) -> str:
    """Hide the password of a database URL."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - never leak an unparsable URL either
        return "**********"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()

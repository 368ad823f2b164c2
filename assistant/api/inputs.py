"""Request bodies of the HTTP API. Validation errors name the field (422)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.models import ChannelName, Language, Visibility

MAX_TEXT = 20_000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently ignored


class CheckIn(_In):
    """The same inputs as ``replydesk check``."""

    text: str = Field(min_length=1, max_length=MAX_TEXT, pattern=r"\S", description="the draft to check")
    channel: ChannelName
    visibility: Visibility
    lang: Language | None = Field(default=None, description="the customer's language")
    evidence: list[str] = Field(default_factory=list, max_length=100, description="texts a claim may rest on")
    customer_message: str | None = Field(default=None, max_length=MAX_TEXT)
    customer_name: str | None = Field(default=None, max_length=200)
    address_form: Literal["du", "Sie"] | None = None
    ui_lang: Language = "en"


class MessageIn(_In):
    text: str = Field(min_length=1, max_length=MAX_TEXT, pattern=r"\S", description="the customer's message")
    channel: ChannelName = "twitter"
    visibility: Visibility = "public"
    handle: str | None = Field(default=None, max_length=200, description="the author's handle, e.g. @anna_s")


class DraftIn(MessageIn):
    """The same inputs as ``replydesk draft``."""

    engine: Literal["auto", "composer", "llm"] = "auto"
    signoff: str | None = Field(default=None, max_length=40, description="the agent's sign-off; default the policy's")
    force: bool = Field(default=False, description="draft even if triage says no reply is needed")


class ApproveIn(_In):
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT,
                             description="the final reply; default the latest draft")
    overrides: dict[str, str] = Field(default_factory=dict,
                                      description="a written reason per warning rule that is overridden")


class RejectIn(_In):
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")
    escalate: bool = False

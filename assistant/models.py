"""Types that cross the assistant's boundaries (drafters, the pipeline, the CLI, evals, the UI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field, PrivateAttr

from guardrails.models import AddressForm, ChannelName, Finding, Language, Visibility
from knowledge_base.models import Article, Passage

Engine = Literal["composer", "llm", "human"]


class CustomerView(BaseModel):
    """What a drafter may know of the customer: the current customer only, never internal notes."""

    id: str | None = None
    display_name: str | None = None
    first_name: str | None = None
    language: Language | None = None
    address_form: AddressForm | None = None
    tier: str | None = None
    followers: int = 0
    dm_allowed: bool = True
    records: list[dict[str, Any]] = Field(default_factory=list)  # {"kind", "ref", "status", "data", ...}
    private_values: list[str] = Field(default_factory=list)  # e-mail, phone, refs... for pii-public


class DraftRequest(BaseModel):
    """One inbound message to answer."""

    text: str = Field(min_length=1)
    channel: ChannelName = "twitter"
    visibility: Visibility = "public"
    handle: str | None = None
    message_id: str | None = None  # set when the message is stored in the inbox
    customer: CustomerView | None = None  # inline customer (evals); otherwise looked up by handle
    agent_signoff: str = "^FW"
    engine: Literal["auto", "composer", "llm"] = "auto"


class Citation(BaseModel):
    kind: Literal["kb", "crm"]
    ref: str  # article_id#chunk for KB, "<kind>:<ref>.<field>" for CRM
    title: str | None = None
    text: str | None = None


class DraftContext(BaseModel):
    """Everything a drafter gets: the message, triage, the customer, the retrieved passages, the policy."""

    request: DraftRequest
    language: Language
    triage: dict[str, Any] = Field(default_factory=dict)
    customer: CustomerView = Field(default_factory=CustomerView)
    passages: list[Passage] = Field(default_factory=list)
    articles: list[Article] = Field(default_factory=list)  # the articles of the top passages (blocks)
    feedback: list[Finding] = Field(default_factory=list)  # blocking findings of the previous attempt
    max_chars: int | None = None


class DraftProposal(BaseModel):
    text: str
    engine: Engine
    citations: list[Citation] = Field(default_factory=list)
    next_step: str | None = None
    needs_private_channel: bool = False
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    meta: dict[str, Any] = Field(default_factory=dict)


class DraftResult(BaseModel):
    """The pipeline's answer; ``replydesk draft --json`` prints the first seven fields."""

    draft: str
    language: Language
    engine: Engine
    citations: list[Citation] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    passed: bool
    latency_ms: float
    needs_human: bool = False
    fallback_reason: str | None = None
    triage: dict[str, Any] = Field(default_factory=dict)
    passages: list[Passage] = Field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    draft_id: int | None = None
    created_at: datetime | None = None
    _ctx: Any = PrivateAttr(default=None)  # the DraftContext (not serialised)
    _proposal: Any = PrivateAttr(default=None)


@runtime_checkable
class Drafter(Protocol):
    name: str

    def draft(self, ctx: DraftContext) -> DraftProposal: ...

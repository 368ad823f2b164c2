"""Types that cross the assistant's boundaries (drafters, the pipeline, the CLI, evals, the UI)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field, PrivateAttr

from assistant.understanding import Question, Understanding
from guardrails.models import AddressForm, ChannelName, Finding, Language, Visibility
from knowledge_base.models import Article, Passage, ReplyBlock

Engine = Literal["composer", "llm", "human"]


class CustomerView(BaseModel):
    """What a drafter may know of the customer: the current customer only, never internal notes."""

    id: str | None = None
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    salutation: str | None = None  # "Herr", "Frau": Sie customers are greeted by surname
    language: Language | None = None
    address_form: AddressForm | None = None
    tier: str | None = None
    followers: int = 0
    dm_allowed: bool = True
    records: list[dict[str, Any]] = Field(default_factory=list)  # {"kind", "ref", "status", "data", ...}
    private_values: list[str] = Field(default_factory=list)  # e-mail, phone, refs... for pii-public


class Fact(BaseModel):
    """One statement about the customer's situation, ready to be said in the reply."""

    kind: str  # the record kind: order, appointment, repair, claim, case, invoice, contract, interaction
    ref: str
    text: str  # in the reply's language and form of address
    field_refs: list[str] = Field(default_factory=list)  # CRM citations, "<kind>:<ref>.<field>"
    topics: set[str] = Field(default_factory=set)  # article ids and tags this fact is about
    asks: set[str] = Field(default_factory=set)  # question kinds this fact answers (where, when, status …)
    evidence: list[str] = Field(default_factory=list)  # values the guardrails may treat as grounded
    holds: set[str] = Field(default_factory=set)  # what the record already knows: never ask for it
    keywords: list[str] = Field(default_factory=list)  # words naming what it is about (item, device, technician)
    priority: int = 0  # higher is said first


class Issue(BaseModel):
    """One thing the reply answers: the question, the article chosen for it and the blocks that answer it."""

    question: Question | None = None
    article: Article
    passage: Passage | None = None
    score: float = 0.0
    similarity: float = 0.0
    reasons: list[str] = Field(default_factory=list)
    answers: list[ReplyBlock] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    more_questions: list[Question] = Field(default_factory=list)  # further questions the same article answers
    per_question: int = 1  # how many of ``answers`` are the best answer of a question each (said first)


class ThreadMessage(BaseModel):
    """An earlier message of the conversation, on any channel: the customer's or our posted reply."""

    role: Literal["customer", "brand"]
    channel: str | None = None
    text: str
    at: datetime | None = None


class DraftRequest(BaseModel):
    """One inbound message to answer."""

    text: str = Field(min_length=1)
    channel: ChannelName = "twitter"
    visibility: Visibility = "public"
    handle: str | None = None
    message_id: str | None = None  # set when the message is stored in the inbox
    customer: CustomerView | None = None  # inline customer (evals); otherwise looked up by handle
    agent_signoff: str | None = None  # None: the pipeline's policy (voice.agent_signoff)
    engine: Literal["auto", "composer", "llm"] = "auto"
    thread: list[ThreadMessage] = Field(default_factory=list)  # earlier turns (all channels), oldest first
    force: bool = False  # draft even when triage says no reply is needed (an agent asked for it)


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
    understanding: Understanding = Field(default_factory=Understanding)
    facts: list[Fact] = Field(default_factory=list)  # from the customer's record, in the reply's language
    issues: list[Issue] = Field(default_factory=list)  # what the reply answers, first the main question
    gap: bool = False  # nothing in the knowledge base answers: an honest, specific hand-off
    today: date | None = None  # the day the message arrived (relative dates: "morgen", "am Mittwoch")
    # the German form of address the reply uses: the customer's, else the channel's default (the policy decides)
    address_form: AddressForm | None = None


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
    facts: list[Fact] = Field(default_factory=list)  # what the customer's record says (the reply may use them)
    understanding: dict[str, Any] = Field(default_factory=dict)  # questions, kinds, mood, safety
    no_reply: bool = False  # not addressed to the brand (news, retweets, chatter): not drafted unless forced
    _ctx: Any = PrivateAttr(default=None)  # the DraftContext (not serialised)
    _proposal: Any = PrivateAttr(default=None)


@runtime_checkable
class Drafter(Protocol):
    name: str

    def draft(self, ctx: DraftContext) -> DraftProposal: ...

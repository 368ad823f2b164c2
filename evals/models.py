"""Evaluation data-set and result types (the JSON Schema for editors is generated from ``EvalCase``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.customers import CustomerIn
from guardrails.models import CHANNELS, ChannelName, Language


class ThreadTurn(BaseModel):
    """An earlier message of the conversation (any channel): the customer's or our reply."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["customer", "brand"]
    channel: str | None = None
    text: str = Field(min_length=1, max_length=20000)


class CaseMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # a built-in channel or one the policy declares under channels: (e.g. whatsapp)
    channel: ChannelName = Field(default="twitter", examples=list(CHANNELS))
    visibility: Literal["public", "private"] = "public"
    author: str | None = None
    text: str = Field(min_length=1, max_length=20000)
    thread: list[ThreadTurn] = Field(default_factory=list)  # earlier turns, oldest first
    received_at: datetime | None = None  # when it arrived ("today" for relative dates in the reply)


AskKind = Literal["where", "when", "how", "why", "cost", "cancel", "complaint", "safety", "status", "whether",
                  "other"]


class ExpectQuestion(BaseModel):
    """One thing the customer asks; a reply answers it when it contains any of ``answer_any``."""

    model_config = ConfigDict(extra="forbid")
    ask: str = Field(min_length=1)  # what is asked, in the labeller's words
    kind: AskKind = "other"
    articles: list[str] = Field(default_factory=list)  # articles that answer this question
    answer_any: list[str] = Field(min_length=1)  # case-insensitive substrings; any one shows it is answered


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    articles: list[str] = Field(default_factory=list)
    language: Language | None = None
    must_include: list[str] = Field(default_factory=list)
    must_not_include: list[str] = Field(default_factory=list)
    max_length: int | None = Field(default=None, gt=0)
    reference: str | None = None
    rules_must_not_fire: list[str] = Field(default_factory=list)
    # Drafting quality (issue 10): the questions to answer, the record facts to use, gaps and form.
    questions: list[ExpectQuestion] = Field(default_factory=list)
    facts_any: list[list[str]] = Field(default_factory=list)  # each group: one of its strings must appear
    out_of_scope: bool = False  # nothing in the KB answers: no article may be used, a specific hand-off
    no_reply: bool = False  # not addressed to the brand: triage flags "no reply needed"
    address_form: Literal["du", "Sie"] | None = None
    greeting_any: list[str] = Field(default_factory=list)  # e.g. ["Herr Becker"]
    safety_first: bool = False  # the safety step leads the reply (phishing, fraud, account takeover)
    must_not_ask: list[str] = Field(default_factory=list)  # data the record holds, e.g. ["Bestellnummer"]


class EvalCase(BaseModel):
    """One evaluation case: an inbound message, optionally a customer, and what a good reply must satisfy."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=100)
    tags: list[str] = Field(default_factory=list)
    message: CaseMessage
    customer: CustomerIn | None = None
    expect: Expect = Field(default_factory=Expect)
    source: str | None = None  # provenance, e.g. "twcs:tweet 12345"


class Score(BaseModel):
    name: str
    value: float  # 0..1 (rates) or a measure (latency)
    applicable: bool = True


class CaseResult(BaseModel):
    case_id: str
    tags: list[str] = Field(default_factory=list)
    channel: str
    language_expected: str | None
    language: str
    engine: str
    draft: str
    passed: bool
    rules_fired: list[str] = Field(default_factory=list)  # blocking rules
    warnings: list[str] = Field(default_factory=list)
    articles: list[str] = Field(default_factory=list)
    latency_ms: float
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    fallback_reason: str | None = None
    scores: dict[str, float] = Field(default_factory=dict)
    error: str | None = None
    message: str = ""
    judge: dict[str, Any] | None = None  # LLM-judge rubric: model, prompt version, k verdicts, mean, agreement


class RunSummary(BaseModel):
    run_id: str
    dataset: str
    dataset_hash: str
    engine: str
    code_version: str
    cases: int
    metrics: dict[str, float]
    by_language: dict[str, dict[str, float]] = Field(default_factory=dict)
    by_channel: dict[str, dict[str, float]] = Field(default_factory=dict)
    rule_violations: dict[str, float] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)

"""Evaluation data-set and result types (the JSON Schema for editors is generated from ``EvalCase``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.customers import CustomerIn


class CaseMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal["twitter", "facebook", "instagram", "email", "dm"] = "twitter"
    visibility: Literal["public", "private"] = "public"
    author: str | None = None
    text: str = Field(min_length=1, max_length=20000)


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    articles: list[str] = Field(default_factory=list)
    language: Literal["de", "en"] | None = None
    must_include: list[str] = Field(default_factory=list)
    must_not_include: list[str] = Field(default_factory=list)
    max_length: int | None = Field(default=None, gt=0)
    reference: str | None = None
    rules_must_not_fire: list[str] = Field(default_factory=list)


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

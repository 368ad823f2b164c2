"""Rules as configuration: each guardrail rule's switch, severity and thresholds (``rules:`` in the policy)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class RuleConfig(BaseModel):
    """One rule's switch and severity (``rules.<rule id>`` in the policy). ``severity`` replaces the severity of
    every block/warn finding of the rule (info findings stay info); unset = the rule's own severities."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    severity: Literal["block", "warn"] | None = None


class ToneRule(RuleConfig):
    caps_min_letters: int = Field(default=4, ge=2, le=20)  # an all-capitals word this long reads as shouting


class RelevanceRule(RuleConfig):
    topic_check: bool = False  # also warn when the reply shares no topic word with the message (off: see check)
    topic_min_words: int = Field(default=2, ge=1, le=50)  # judge the topic only for messages with this many words
    # by meaning (multilingual sentence embeddings; calibrated by grouped CV on the drafting dev set,
    # benchmarks/bench_relevance.py): warn when the cited article is far from the message (best cosine of the message
    # or one of its sentences to a cited passage below min_similarity), or clearly farther than the best other
    # passage the draft had as evidence (difference below min_margin)
    meaning_check: bool = True
    # warn when the reply is generic: it takes up nothing of the message, the cited article or the customer's record
    # and names nothing concrete (guardrails/generic_reply.py)
    generic_check: bool = True
    min_similarity: float = Field(default=0.23, ge=0, le=1)
    min_margin: float = Field(default=-0.16, ge=-1, le=0)


class PromiseRule(RuleConfig):
    # a promise passes when a policy sentence of the evidence is this close to it (cosine of multilingual sentence
    # embeddings; calibration: benchmarks/bench_meaning_rules.py); above 1 = only a verbatim policy sentence
    support_threshold: float = Field(default=0.51, ge=0, le=1.01)


class ConfidentialLeakRule(RuleConfig):
    shingle_words: int = Field(default=6, ge=3, le=30)  # this many consecutive words of a confidential text = leak
    # a draft sentence this close (cosine of multilingual sentence embeddings) to a sentence of the customer's notes
    # or the system prompt is a translated/paraphrased leak; 0 switches the meaning check off (calibration:
    # benchmarks/bench_meaning_rules.py)
    meaning_threshold: float = Field(default=0.49, ge=0, le=1)
    # a match by meaning only (no shared words) is a warning by default: it catches ~80 % of translated or
    # paraphrased notes but also ~9 % of innocent replies on the same topic (cross-validated), too many for a
    # block an agent cannot override. Verbatim and disguised matches stay blocks.
    meaning_severity: Literal["block", "warn"] = "warn"
    # ... except a match this close, which blocks: above every innocent reply measured — the written same-topic
    # replies (max 0.50) and 524 real good replies and drafts against the system prompt and the demo notes (max 0.53)
    # — with a margin; it still catches half of the written translated/paraphrased leaks. 0 or above 1: off.
    meaning_block_threshold: float = Field(default=0.60, ge=0, le=1.01)


class Rules(BaseModel):
    """``rules:`` keyed by the stable rule id; an unknown id or option is an error naming the key."""

    model_config = ConfigDict(extra="forbid", populate_by_name=False)
    length: RuleConfig = Field(default_factory=RuleConfig)
    banned_phrase: RuleConfig = Field(default_factory=RuleConfig, alias="banned-phrase")
    dead_end: RuleConfig = Field(default_factory=RuleConfig, alias="dead-end")
    tone: ToneRule = Field(default_factory=ToneRule)
    address_form: RuleConfig = Field(default_factory=RuleConfig, alias="address-form")
    no_bare_sorry: RuleConfig = Field(default_factory=RuleConfig, alias="no-bare-sorry")
    unsupported_claim: RuleConfig = Field(default_factory=RuleConfig, alias="unsupported-claim")
    unapproved_promise: PromiseRule = Field(default_factory=PromiseRule, alias="unapproved-promise")
    structure: RuleConfig = Field(default_factory=RuleConfig)
    relevance: RelevanceRule = Field(default_factory=RelevanceRule)
    pii_public: RuleConfig = Field(default_factory=RuleConfig, alias="pii-public")
    confidential_leak: ConfidentialLeakRule = Field(default_factory=ConfidentialLeakRule, alias="confidential-leak")
    language: RuleConfig = Field(default_factory=RuleConfig)

    @model_validator(mode="before")
    @classmethod
    def _none_is_default(cls, data: object) -> object:
        # ``structure:`` with nothing after it (YAML null) means "the defaults"
        if isinstance(data, dict):
            return {k: ({} if v is None else v) for k, v in data.items()}
        return data

    def get(self, rule_id: str) -> RuleConfig:
        """The rule's configuration (defaults for a rule without options, e.g. the LLM tone judge's)."""
        return getattr(self, rule_id.replace("-", "_"), None) or RuleConfig()

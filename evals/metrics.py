"""Evaluators (one Protocol, one job each) and aggregation."""

from __future__ import annotations

import re
import statistics
from typing import Protocol

from assistant.models import DraftResult
from evals.models import CaseResult, EvalCase
from guardrails.text import weighted_length

X_LIMIT = 280


class Evaluator(Protocol):
    def evaluate(self, case: EvalCase, result: DraftResult) -> dict[str, float]: ...


class RetrievalEvaluator:
    def evaluate(self, case, result):
        if not case.expect.articles:
            return {}
        ranked = list(dict.fromkeys(p.article_id for p in result.passages))
        hit = [i for i, a in enumerate(ranked) if a in case.expect.articles]
        return {"recall@3": float(bool(hit) and hit[0] < 3), "mrr": 1.0 / (hit[0] + 1) if hit else 0.0}


class GuardrailEvaluator:
    def evaluate(self, case, result):
        rules = {f.rule for f in result.findings if f.severity == "block"}
        return {"guardrail_pass": float(result.passed), "bare_sorry": float("no-bare-sorry" in rules),
                "unsupported_claim": float("unsupported-claim" in rules)}


class LanguageEvaluator:
    def evaluate(self, case, result):
        return {"language_match": float(result.language == case.expect.language)} if case.expect.language else {}


class LengthEvaluator:
    def evaluate(self, case, result):
        limit = case.expect.max_length or (X_LIMIT if case.message.channel == "twitter" else None)
        return {"length_ok": float(weighted_length(result.draft, 23) <= limit)} if limit else {}


class IncludeEvaluator:
    def evaluate(self, case, result):
        out = {}
        text = result.draft.lower()
        if case.expect.must_include:
            out["must_include"] = float(all(x.lower() in text for x in case.expect.must_include))
        if case.expect.must_not_include:
            out["must_not_include"] = float(not any(x.lower() in text for x in case.expect.must_not_include))
        return out


class RulesEvaluator:
    def evaluate(self, case, result):
        if not case.expect.rules_must_not_fire:
            return {}
        fired = {f.rule for f in result.findings if f.severity == "block"}
        return {"rules_clean": float(not fired & set(case.expect.rules_must_not_fire))}


class ReferenceEvaluator:
    """chrF (sacrebleu) against the reference reply, 0..1."""

    def evaluate(self, case, result):
        if not case.expect.reference:
            return {}
        from sacrebleu.metrics import CHRF

        return {"chrf": CHRF().sentence_score(result.draft, [case.expect.reference]).score / 100.0}


EVALUATORS: list[Evaluator] = [RetrievalEvaluator(), GuardrailEvaluator(), LanguageEvaluator(), LengthEvaluator(),
                               IncludeEvaluator(), RulesEvaluator(), ReferenceEvaluator()]
RATE_METRICS = ("recall@3", "mrr", "guardrail_pass", "bare_sorry", "unsupported_claim", "language_match", "length_ok",
                "must_include", "must_not_include", "rules_clean", "chrf", "judge_helpfulness", "judge_tone",
                "judge_empathy")
LOWER_IS_BETTER = {"bare_sorry", "unsupported_claim", "latency_p50_ms", "latency_p95_ms", "cost_usd"}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def aggregate(results: list[CaseResult]) -> dict[str, float]:
    ok = [r for r in results if r.error is None]
    out: dict[str, float] = {"cases": float(len(results)), "errors": float(len(results) - len(ok))}
    for name in RATE_METRICS:
        vals = [r.scores[name] for r in ok if name in r.scores]
        if vals:
            out[name] = round(statistics.fmean(vals), 4)
    lat = [r.latency_ms for r in ok]
    out["latency_p50_ms"] = round(_pct(lat, 0.5), 2)
    out["latency_p95_ms"] = round(_pct(lat, 0.95), 2)
    agreements = [statistics.fmean(r.judge["agreement"].values()) for r in ok if r.judge]
    if agreements:
        out["judge_agreement"] = round(statistics.fmean(agreements), 4)
    out["tokens"] = float(sum(r.tokens_in + r.tokens_out for r in ok))
    out["cost_usd"] = round(sum(r.cost_usd for r in ok), 6)
    return out


def rule_violations(results: list[CaseResult]) -> dict[str, float]:
    n = max(1, len(results))
    counts: dict[str, int] = {}
    for r in results:
        for rule in set(r.rules_fired):
            counts[rule] = counts.get(rule, 0) + 1
    return {k: round(v / n, 4) for k, v in sorted(counts.items())}


def group_by(results: list[CaseResult], key) -> dict[str, dict[str, float]]:
    groups: dict[str, list[CaseResult]] = {}
    for r in results:
        groups.setdefault(key(r) or "?", []).append(r)
    return {g: {k: v for k, v in aggregate(rs).items() if k in RATE_METRICS or k == "cases"} for g, rs in groups.items()}


_WS = re.compile(r"\s+")

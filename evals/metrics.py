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


def _has(text: str, needles: list[str]) -> bool:
    low = text.lower()
    return any(n.lower() in low for n in needles)


def cited_articles(result: DraftResult) -> list[str]:
    return list(dict.fromkeys(c.ref.split("#")[0] for c in result.citations if c.kind == "kb"))


MOOD_TAGS = {"angry": "angry", "sarcastic": "sarcastic", "worried": "worried", "praising": "praise",
             "polite": "neutral"}


class DraftingEvaluator:
    """Does the draft answer the customer (issue 10): right article, every question, the record's facts, an
    honest hand-off for what the KB does not cover, no reply to what is not addressed to us, form and safety."""

    def evaluate(self, case, result):
        e, out = case.expect, {}
        draft = result.draft
        cited = cited_articles(result)
        if e.articles and not e.out_of_scope and not e.no_reply:
            out["right_article"] = float(bool(cited) and cited[0] in e.articles)
            out["right_article_any"] = float(bool(set(cited) & set(e.articles)))
        if e.questions and not e.no_reply:
            answered = [_has(draft, q.answer_any) for q in e.questions]
            out["questions_answered"] = float(all(answered))
            out["question_recall"] = sum(answered) / len(answered)
            if len(e.questions) > 1:
                out["multi_answered"] = float(all(answered))
        if e.facts_any:
            out["fact_used"] = float(all(_has(draft, group) for group in e.facts_any))
        if e.out_of_scope:
            out["oos_handled"] = float(not cited)
        triage_no_reply = bool((result.triage.get("no_reply") or {}).get("value"))
        if e.no_reply:
            out["no_reply_flagged"] = triage_no_reply
        elif "no_reply" in result.triage:
            out["no_reply_false_alarm"] = float(triage_no_reply)
        if e.greeting_any:
            out["greeting_ok"] = float(_has(draft.split("\n")[0][:80], e.greeting_any))
        if e.address_form and result.language == "de":
            from guardrails.checks.address_form import DU, SIE

            other = DU if e.address_form == "Sie" else SIE
            body = draft.split(",", 1)[-1]
            out["address_form_ok"] = float(not other.search(body))
        if e.safety_first:
            safety = [q for q in e.questions if q.kind == "safety"] or e.questions[:1]
            body = draft.split(",", 1)[-1]
            head = body[: max(120, len(body) // 2)]
            out["safety_first"] = float(any(_has(head, q.answer_any) for q in safety))
        tone = next((t for t in case.tags if t in MOOD_TAGS), None)
        if tone and result.understanding.get("mood"):
            out["mood_match"] = float(result.understanding["mood"] == MOOD_TAGS[tone])
        if e.must_not_ask:
            out["no_needless_ask"] = float(not _has(draft, e.must_not_ask))
        return out


EVALUATORS: list[Evaluator] = [RetrievalEvaluator(), GuardrailEvaluator(), LanguageEvaluator(), LengthEvaluator(),
                               IncludeEvaluator(), RulesEvaluator(), ReferenceEvaluator(), DraftingEvaluator()]
RATE_METRICS = ("recall@3", "mrr", "guardrail_pass", "bare_sorry", "unsupported_claim", "language_match", "length_ok",
                "must_include", "must_not_include", "rules_clean", "chrf", "judge_helpfulness", "judge_tone",
                "judge_empathy", "right_article", "right_article_any", "questions_answered", "question_recall",
                "multi_answered", "fact_used", "oos_handled", "no_reply_flagged", "no_reply_false_alarm",
                "greeting_ok", "address_form_ok", "safety_first", "no_needless_ask", "mood_match")
LOWER_IS_BETTER = {"bare_sorry", "unsupported_claim", "latency_p50_ms", "latency_p95_ms", "cost_usd",
                   "no_reply_false_alarm"}


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

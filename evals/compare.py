"""Compare two runs: per-metric deltas with bootstrap confidence intervals, worse cases, regression gate."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from evals.metrics import LOWER_IS_BETTER, RATE_METRICS
from evals.models import CaseResult

# A metric regresses when it gets worse by more than this (absolute, rates 0..1) and the CI excludes 0.
THRESHOLDS = {"guardrail_pass": 0.02, "recall@3": 0.03, "mrr": 0.03, "language_match": 0.02, "length_ok": 0.01,
              "must_not_include": 0.0, "must_include": 0.03, "rules_clean": 0.02, "bare_sorry": 0.01,
              "unsupported_claim": 0.02, "chrf": 0.03}


class MetricDelta(BaseModel):
    metric: str
    a: float
    b: float
    delta: float
    ci_low: float
    ci_high: float
    regression: bool


class Comparison(BaseModel):
    deltas: list[MetricDelta]
    worse_cases: list[dict]
    regressions: list[str]


def _bootstrap(diffs: np.ndarray, n: int = 2000, seed: int = 7) -> tuple[float, float]:
    if len(diffs) == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = rng.choice(diffs, size=(n, len(diffs)), replace=True).mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def compare(a: list[CaseResult], b: list[CaseResult]) -> Comparison:
    by_a = {r.case_id: r for r in a}
    paired = [(by_a[r.case_id], r) for r in b if r.case_id in by_a]
    deltas, regressions = [], []
    for metric in RATE_METRICS:
        pairs = [(x.scores[metric], y.scores[metric]) for x, y in paired if metric in x.scores and metric in y.scores]
        if not pairs:
            continue
        arr = np.array(pairs, dtype=float)
        diff = arr[:, 1] - arr[:, 0]
        lo, hi = _bootstrap(diff)
        delta = float(diff.mean())
        worse = -delta if metric not in LOWER_IS_BETTER else delta
        ci_excludes_zero = (hi < 0) if metric not in LOWER_IS_BETTER else (lo > 0)
        regression = worse > THRESHOLDS.get(metric, 0.02) and ci_excludes_zero
        if regression:
            regressions.append(metric)
        deltas.append(MetricDelta(metric=metric, a=round(float(arr[:, 0].mean()), 4), b=round(float(arr[:, 1].mean()), 4),
                                  delta=round(delta, 4), ci_low=round(lo, 4), ci_high=round(hi, 4),
                                  regression=regression))
    worse_cases = []
    for x, y in paired:
        lost = [m for m in x.scores if m in y.scores and (
            (y.scores[m] < x.scores[m]) if m not in LOWER_IS_BETTER else (y.scores[m] > x.scores[m]))]
        if lost or (x.passed and not y.passed):
            worse_cases.append({"case_id": y.case_id, "metrics": lost, "passed_before": x.passed,
                                "passed_after": y.passed, "draft_before": x.draft, "draft_after": y.draft})
    return Comparison(deltas=deltas, worse_cases=worse_cases, regressions=regressions)

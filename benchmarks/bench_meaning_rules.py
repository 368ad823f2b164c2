"""Calibration of the guardrails that judge by meaning (issue 11): ``unapproved-promise`` (support threshold) and
``confidential-leak`` (meaning threshold), grouped k-fold cross-validation on the dev part of the written sets in
``tests/guardrails/data/`` (see README.md there), the untouched holdout part evaluated once with the threshold
chosen on all dev rows, and the rule as it was before (lexical / verbatim) measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_meaning_rules.py`` (≈ 10 s). ``relevance`` is calibrated by
``benchmarks/bench_relevance.py`` (it needs drafts from the pipeline).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "guardrails" / "data"
GRID = np.round(np.arange(0.30, 0.801, 0.01), 2)
FOLDS = 4
PROMISE_HOLDOUT = {"p13", "p14", "p15", "p16"}  # never used to choose a threshold
LEAK_HOLDOUT = {"n13", "n14", "n15", "n16", "s04", "s05"}


def load(name: str):
    path = DATA / f"{name}.py"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the calibration set must ship with the tests")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- unapproved-promise ---------------------------------------------------------------------------------------
def promise_rows():
    """(group, draft, evidence, label) with label: True = must be blocked (unsupported promise)."""
    return [(g, d, ev, kind == "unsupported") for g, ev, d, kind in load("promise_meaning").rows()]


def promise_score(draft: str, evidence: list[str], policy) -> float | None:
    """None: no promise in the draft (never blocked); else the weakest promise's best support (cosine), as the rule
    computes it (``guardrails.promises.promise_support``)."""
    from guardrails.checks.grounding import UnapprovedPromise
    from guardrails.promises import promise_support

    scored = promise_support(draft, evidence, UnapprovedPromise(policy)._lexicons("de"))
    return min(x for _, _, x in scored) if scored else None


def promise_lexical_baseline(draft: str, evidence: list[str], policy) -> bool:
    """The rule before issue 11: a promise word of the lexicon whose first six letters the evidence does not hold."""
    ev = " ".join(evidence).lower()
    return any(m.group(0).lower()[:6] not in ev for lang in ("de", "en") for m in policy.lex(lang).find("promise", draft))


# ---- confidential-leak ----------------------------------------------------------------------------------------
def leak_rows():
    from assistant.drafting.llm import SYSTEM_PROMPT

    return [(g, d, SYSTEM_PROMPT if conf == "SYSTEM" else conf, leak) for g, conf, d, leak in load("leak_meaning").rows()]


def leak_score(draft: str, confidential: str) -> float:
    from guardrails.checks.leak import leak_scores

    return max((x for _, _, x in leak_scores(draft, [confidential])), default=0.0)


def leak_verbatim_baseline(draft: str, confidential: str, policy) -> bool:
    from guardrails.checks.leak import ConfidentialLeak
    from guardrails.models import CheckContext

    check = ConfidentialLeak(policy)
    check.meaning_threshold = 0
    return bool(check(draft, CheckContext(confidential=[confidential])))


# ---- cross-validation of one threshold -------------------------------------------------------------------------
def verdicts(scores, t: float, block_below: bool) -> np.ndarray:
    """True = the rule fires. A promise fires when its support is below t; a leak when its score reaches t."""
    return np.array([False if s is None else (s < t if block_below else s >= t) for s in scores])


def rates(fire: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(recall on positives, false-fire rate on negatives)."""
    return float(fire[labels].mean()), float(fire[~labels].mean())


def choose(scores, labels, block_below: bool, fp_weight: float) -> float:
    """The threshold maximising recall − fp_weight × false-fire rate (ties: the middle of the best range)."""
    vals = []
    for t in GRID:
        r, f = rates(verdicts(scores, t, block_below), labels)
        vals.append(r - fp_weight * f)
    best = max(vals)
    ts = [t for t, v in zip(GRID, vals, strict=True) if v >= best - 1e-9]
    return float(ts[len(ts) // 2])


def grouped_cv(groups, scores, labels, block_below: bool, fp_weight: float, folds: int = FOLDS):
    uniq = sorted(set(groups))
    fold_of = {g: i % folds for i, g in enumerate(uniq)}
    fire = np.zeros(len(labels), dtype=bool)
    chosen = []
    for k in range(folds):
        test = np.array([fold_of[g] == k for g in groups])
        t = choose([s for s, x in zip(scores, test, strict=True) if not x], labels[~test], block_below, fp_weight)
        chosen.append(t)
        fire[test] = verdicts([s for s, x in zip(scores, test, strict=True) if x], t, block_below)
    return rates(fire, labels), chosen


def report(name, rows, score_fn, baseline_fn, holdout, block_below, fp_weight, pos, neg):
    groups = [r[0] for r in rows]
    labels = np.array([r[-1] for r in rows])
    scores = [score_fn(r) for r in rows]
    base = np.array([baseline_fn(r) for r in rows])
    dev = np.array([g not in holdout for g in groups])
    (cv_r, cv_f), chosen = grouped_cv([g for g, d in zip(groups, dev, strict=True) if d],
                                      [s for s, d in zip(scores, dev, strict=True) if d], labels[dev], block_below,
                                      fp_weight)
    final = choose([s for s, d in zip(scores, dev, strict=True) if d], labels[dev], block_below, fp_weight)
    ho_fire = verdicts([s for s, d in zip(scores, dev, strict=True) if not d], final, block_below)
    ho_r, ho_f = rates(ho_fire, labels[~dev])
    b_dev, b_ho = rates(base[dev], labels[dev]), rates(base[~dev], labels[~dev])
    print(f"\n{name}: dev {dev.sum()} rows ({labels[dev].sum()} {pos}), holdout {(~dev).sum()} rows "
          f"({labels[~dev].sum()} {pos})")
    print(f"  {FOLDS}-fold grouped CV (dev): {pos} caught {cv_r:.1%}, {neg} fired on {cv_f:.1%}; "
          f"thresholds per fold {chosen}")
    print(f"  threshold chosen on all dev rows: {final:.2f}")
    print(f"  holdout (once): {pos} caught {ho_r:.1%}, {neg} fired on {ho_f:.1%}")
    print(f"  before (baseline, same rows): dev {b_dev[0]:.1%} / {b_dev[1]:.1%}, holdout {b_ho[0]:.1%} / {b_ho[1]:.1%}")
    return {"cv": (cv_r, cv_f), "threshold": final, "holdout": (ho_r, ho_f), "baseline_dev": b_dev,
            "baseline_holdout": b_ho, "folds": chosen}


def main() -> None:
    from guardrails.policy import load_policy

    policy = load_policy()
    report("unapproved-promise", promise_rows(), lambda r: promise_score(r[1], [r[2]], policy),
           lambda r: promise_lexical_baseline(r[1], [r[2]], policy), PROMISE_HOLDOUT, True, 1.0,
           "unsupported promises", "supported promises and mentions")
    report("confidential-leak (meaning)", leak_rows(), lambda r: leak_score(r[1], r[2]),
           lambda r: leak_verbatim_baseline(r[1], r[2], policy), LEAK_HOLDOUT, False, 3.0,
           "translated/paraphrased leaks", "innocent same-topic replies")


if __name__ == "__main__":
    main()

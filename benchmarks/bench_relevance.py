"""``relevance`` by meaning (issue 11): grouped cross-validation of its two thresholds on the drafting dev set, then
the holdout set once with the thresholds chosen on all dev drafts, and the topic-word check (the rule before)
measured in the same run.

Drafts (``benchmarks/relevance_drafts.py``): for every case that expects an article, the composer's own draft and
drafts forced onto the 2nd/3rd retrieved article the case does not expect; a draft whose cited article is not an
expected one is "wrong article" (should be warned), the others should pass. Folds are grouped by case.

Run: ``.venv/bin/python benchmarks/bench_relevance.py [--holdout]`` (≈ 1 min; ``--holdout`` adds the holdout set —
run it once, at the end, and do not tune on it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.relevance_drafts import build, demo_pipeline  # noqa: E402

FOLDS = 5
MAX_FALSE = 0.05  # the target: at most 5 % false warnings
GRID_SIM = np.round(np.arange(0.0, 0.51, 0.01), 2)
GRID_MARGIN = np.round(np.arange(-0.40, 0.001, 0.01), 2)


def scores(rows):
    from guardrails.checks.relevance import meaning_scores

    out = []
    for r in rows:
        c = r["ctx"]
        out.append(meaning_scores(c["customer_message"], c["cited"], c["evidence"]) or (1.0, 0.0))
    return np.array(out)


def fire(s, t_sim, t_margin):
    return (s[:, 0] < t_sim) | (s[:, 1] < t_margin)


def choose(s, y):
    """The thresholds with the highest recall at ≤ MAX_FALSE false warnings (ties: the higher similarity)."""
    best = (-1.0, 0.0, -1.0)
    for ts in GRID_SIM:
        for tm in GRID_MARGIN:
            f = fire(s, ts, tm)
            if f[~y].mean() <= MAX_FALSE and f[y].mean() > best[0]:
                best = (float(f[y].mean()), float(ts), float(tm))
    return best[1], best[2]


def topic_baseline(rows):
    from guardrails.checks.relevance import Relevance
    from guardrails.models import CheckContext
    from guardrails.policy import load_policy

    check = Relevance(load_policy(), topic_check=True)
    check.meaning_check = False
    return np.array([any("topic word" in f.message or "Stichwort" in f.message
                         for f in check(r["draft"], CheckContext(**r["ctx"]))) for r in rows])


def show(label, f, y):
    print(f"  {label}: wrong-article drafts warned {f[y].mean():.1%} ({f[y].sum()}/{y.sum()}), "
          f"false warnings {f[~y].mean():.1%} ({f[~y].sum()}/{(~y).sum()})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--holdout", action="store_true")
    args = ap.parse_args()
    pipeline = demo_pipeline()
    dev = build(ROOT / "evals" / "datasets" / "drafting.jsonl", pipeline)
    s, y = scores(dev), np.array([r["wrong"] for r in dev])
    cases = sorted({r["case"] for r in dev})
    rng = np.random.default_rng(0)
    fold = {c: k % FOLDS for k, c in enumerate(rng.permutation(cases))}
    group = np.array([fold[r["case"]] for r in dev])
    pred = np.zeros(len(dev), dtype=bool)
    chosen = []
    for k in range(FOLDS):
        t = choose(s[group != k], y[group != k])
        chosen.append(t)
        pred[group == k] = fire(s[group == k], *t)
    final = choose(s, y)
    own = np.array([r["kind"] == "own" for r in dev])
    print(f"dev: {len(dev)} drafts from {len(cases)} cases ({y.sum()} on a wrong article; composer's own drafts "
          f"{own.sum()}, of them {y[own].sum()} wrong)")
    show(f"{FOLDS}-fold CV grouped by case", pred, y)
    show("  composer's own drafts only (CV)", pred[own], y[own])
    print(f"  thresholds per fold (min_similarity, min_margin): {chosen}")
    print(f"  chosen on all dev drafts: min_similarity {final[0]:.2f}, min_margin {final[1]:.2f}")
    show("topic-word check (before), dev", topic_baseline(dev), y)
    if args.holdout:
        from guardrails.policy import load_policy

        rule = load_policy().rules.relevance
        hold = build(ROOT / "evals" / "datasets" / "drafting-holdout.jsonl", pipeline)
        hs, hy = scores(hold), np.array([r["wrong"] for r in hold])
        print(f"holdout: {len(hold)} drafts ({hy.sum()} on a wrong article), policy defaults "
              f"min_similarity {rule.min_similarity}, min_margin {rule.min_margin}")
        show("meaning check (defaults)", fire(hs, rule.min_similarity, rule.min_margin), hy)
        show("topic-word check (before)", topic_baseline(hold), hy)


if __name__ == "__main__":
    main()

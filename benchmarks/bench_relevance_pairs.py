"""``relevance``: does a learned message–article compatibility score help the learned check? (an experiment)

The signal: the message's embedding ``m`` (the whole cleaned message, as ``relevance_features`` embeds it) and the
cited passage's ``c`` (the cited passage closest to the message; both vectors are ones the check already computes)
make a pair representation ``[m ⊙ c, |m − c|]`` (1024 numbers); PCA (fitted on the training rows) reduces it to
``k`` components and an L2-regularised logistic regression predicts "wrong article" from them. Nothing of
the retriever's ranking or scores is used.

Everything is fitted inside the training folds of the same grouped CV as ``bench_relevance.py`` (5 folds by case, the
same fold seeds): in each outer fold, (k, L2) is chosen by the AUC of inner grouped out-of-fold pair scores on the
training folds; those inner out-of-fold scores are the training rows' value of the new feature (stacking), and the
pair model refitted on all training folds scores the outer fold. The check's LR, similarity floor and threshold
(≤ 5 % false warnings on inner out-of-fold scores) are then fitted exactly as ``bench_relevance.cv_learned`` does.

A second representation of the same kind, ``contrast``: the pair representation minus the same against the
evidence passage of another article closest to the message (a learned, per-dimension ``margin_other``).

Printed in one run, on the same drafts: the current learned check (``cv_learned``), the check + pair score, the check
with the pair score instead of ``sim`` (the floor still reads ``sim``), the check + contrast score, and the
out-of-fold AUC of each score alone and of each LR. "near" = drafts forced onto the retriever's 2nd/3rd article the
case does not expect; "own" = the composer's own wrong drafts.

Run: ``nice .venv/bin/python benchmarks/bench_relevance_pairs.py [--seeds 4]`` (≈ 1 min; numpy single-threaded:
threads only contend on 2 cores). Dev set only; the holdout is not read. Measured figures: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # many small SVDs: threads only contend
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_relevance import (  # noqa: E402
    FOLDS,
    cv_learned,
    feature_matrix,
    floor_of,
    folds_of,
    lr_score,
    newton_lr,  # noqa: E402
    oof_scores,
    threshold,
)
from benchmarks.bench_relevance import fit_lr as check_lr  # noqa: E402
from benchmarks.relevance_drafts import build, demo_pipeline  # noqa: E402

GRID_K = (4, 8, 16, 32, 64, 128)  # PCA components of the pair representation
GRID_L2 = (0.1, 1.0, 10.0, 100.0, 1000.0)  # on components scaled to unit mean variance


def pair_vectors(rows):
    """(message, cited, other) vectors: the cleaned whole message, the cited passage closest to it, and the evidence
    passage of another article closest to it (as ``relevance_features`` picks it for ``margin_other``; the cited one
    when there is none)."""
    from guardrails import meaning
    from guardrails.relevance_features import EVIDENCE_CHARS, SAME_ARTICLE, _clean

    ms, cs, os_ = [], [], []
    for r in rows:
        c = r["ctx"]
        m = meaning.vectors([_clean(c["customer_message"])])[0]
        cited = meaning.vectors([t for t in (_clean(x) for x in c["cited"]) if t])
        best = cited[int(np.argmax(cited @ m))]
        texts = list(dict.fromkeys(t[:EVIDENCE_CHARS] for t in (_clean(e) for e in c["evidence"] if len(e) > 20) if t))
        ev = meaning.vectors(texts) if texts else np.zeros((0, len(m)), dtype=np.float32)
        ev = ev[(ev @ cited.T).max(axis=1) < SAME_ARTICLE] if len(ev) else ev
        ms.append(m)
        cs.append(best)
        os_.append(ev[int(np.argmax(ev @ m))] if len(ev) else best)
    return tuple(np.array(v, dtype=np.float64) for v in (ms, cs, os_))


def pair_design(m, c):
    return np.c_[m * c, np.abs(m - c)]


def contrast_design(m, c, o):
    """The pair representation against the best other article's: a learned, per-dimension ``margin_other``."""
    return pair_design(m, c) - pair_design(m, o)


def fit_plain(z, y, l2):
    """L2 logistic regression on features as given (no per-column scaling: the penalty acts on the PCA geometry, so
    small components are not blown up)."""
    return newton_lr(z, y, l2)


def pair_basis(P):
    """PCA of the training rows (once per training set: every (k, L2) reads its first k components)."""
    mu = P.mean(0)
    _, s, vt = np.linalg.svd(P - mu, full_matrices=False)
    return mu, s, vt


def pair_fit(P, y, k, l2, basis=None):
    mu, s, vt = pair_basis(P) if basis is None else basis
    scale = np.sqrt((s[:k] ** 2).mean() / len(P))  # one scalar: the components' mean sd becomes 1
    w = fit_plain((P - mu) @ vt[:k].T / scale, y.astype(float), l2)
    return mu, vt[:k], scale, w


def pair_score(model, P):
    mu, basis, scale, w = model
    return np.c_[np.ones(len(P)), (P - mu) @ basis.T / scale] @ w


def auc(s, pos, neg):
    """P(score of a positive > score of a negative), ties half."""
    a, b = s[pos], s[neg]
    if not len(a) or not len(b):
        return float("nan")
    return float(((a[:, None] > b[None, :]).sum() + 0.5 * (a[:, None] == b[None, :]).sum()) / (len(a) * len(b)))


def pair_oof(P, y, g):
    """Inner grouped out-of-fold pair scores of every (k, L2) of the grid."""
    out = {(k, l2): np.zeros(len(P)) for k in GRID_K for l2 in GRID_L2}
    for f in np.unique(g):
        basis = pair_basis(P[g != f])
        for k, l2 in out:
            out[k, l2][g == f] = pair_score(pair_fit(P[g != f], y[g != f], k, l2, basis), P[g == f])
    return out


def pair_column(P, y, g, tr, te):
    """The new feature for the training rows (inner out-of-fold, the (k, L2) of best inner AUC) and for the outer
    fold (the pair model refitted on all training rows), and the chosen (k, L2). Nothing is fitted on the outer fold."""
    oof = pair_oof(P[tr], y[tr], g[tr])
    k, l2 = max(oof, key=lambda kl: auc(oof[kl], y[tr], ~y[tr]))
    return oof[k, l2], pair_score(pair_fit(P[tr], y[tr], k, l2), P[te]), (k, l2)


VARIANTS = (("+ pair score", "pair", slice(None)), ("pair score instead of sim", "pair", slice(1, None)),
            ("+ contrast score", "contrast", slice(None)))


def cv_variants(X, reps, y, g):
    """Outer grouped CV of each variant (the check's features ``keep`` + the out-of-fold score of representation
    ``rep``): predictions, the outer out-of-fold scores of each representation, and its (k, L2) per fold. Floor and
    threshold as in ``cv_learned``."""
    sim = X[:, 0]
    pred = {n: np.zeros(len(X), dtype=bool) for n, _, _ in VARIANTS}
    col = {r: np.zeros(len(X)) for r in reps}
    col.update({n: np.zeros(len(X)) for n, _, _ in VARIANTS})  # and each variant's outer out-of-fold LR score
    chosen = {r: [] for r in reps}
    for f in np.unique(g):
        tr, te = g != f, g == f
        cols = {}
        for r, P in reps.items():
            col_tr, col[r][te], kl = pair_column(P, y, g, tr, te)
            cols[r] = col_tr, col[r][te]
            chosen[r].append(kl)
        floor = floor_of(sim[tr], y[tr])
        for name, r, keep in VARIANTS:
            A_tr, A_te = np.c_[X[tr][:, keep], cols[r][0]], np.c_[X[te][:, keep], cols[r][1]]
            t = threshold(oof_scores(A_tr, y[tr], g[tr]), y[tr], already=sim[tr] < floor)
            col[name][te] = lr_score(check_lr(A_tr, y[tr]), A_te)
            pred[name][te] = (col[name][te] > t) | (sim[te] < floor)
    return pred, col, chosen


def current_oof(X, y, g):
    """The current check's outer out-of-fold LR score (for its AUC next to the pair score's)."""
    out = np.zeros(len(X))
    for f in np.unique(g):
        out[g == f] = lr_score(check_lr(X[g != f], y[g != f]), X[g == f])
    return out


def rates(pred, y, near, own):
    return (pred[near].mean(), pred[y].mean(), pred[own & y].sum(), pred[~y].mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--cache", help="development only: save/load the drafts' arrays here (drafts vary by process)")
    args = ap.parse_args()
    if args.cache and Path(args.cache).exists():
        d = np.load(args.cache)
        X, M, C, Ot, y, near, own, cases = (d[k] for k in ("X", "M", "C", "Ot", "y", "near", "own", "cases"))
        rows = [{"case": c} for c in cases]
    else:
        every = build(ROOT / "evals" / "datasets" / "drafting.jsonl", demo_pipeline())
        rows = [r for r in every if not r["kind"].startswith("far:")]
        X = feature_matrix(rows)
        M, C, Ot = pair_vectors(rows)
        y = np.array([r["wrong"] for r in rows])
        near = np.array([r["kind"].startswith("forced:") for r in rows]) & y
        own = np.array([r["kind"] == "own" for r in rows])
        if args.cache:
            np.savez(args.cache, X=X, M=M, C=C, Ot=Ot, y=y, near=near, own=own, cases=[r["case"] for r in rows])
    reps = {"pair": pair_design(M, C), "contrast": contrast_design(M, C, Ot)}
    print(f"dev: {len(rows)} drafts from {len({r['case'] for r in rows})} cases: {y.sum()} on a wrong article "
          f"({near.sum()} near, {(own & y).sum()} composer's own), {(~y).sum()} right; pair representation "
          f"{reps['pair'].shape[1]} numbers, grid k {GRID_K} x L2 {GRID_L2} chosen inside the training folds")
    names = ("current learned check",) + tuple(n for n, _, _ in VARIANTS)
    tot = {n: [] for n in names}
    aucs = []
    for seed in range(args.seeds):
        g = folds_of(rows, seed)
        pred, col, chosen = cv_variants(X, reps, y, g)
        pred["current learned check"] = cv_learned(X, y, g)
        for n in names:
            p, r = pred[n], rates(pred[n], y, near, own)
            tot[n].append(r)
            print(f"  seed {seed}, {n}, {FOLDS}-fold CV by case: near wrong warned {r[0]:.1%}, all wrong {r[1]:.1%}, "
                  f"own wrong {r[2]}/{(own & y).sum()}, false warnings {r[3]:.1%} ({p[~y].sum()}/{(~y).sum()})")
        scores = {**{f"{r} score alone": col[r] for r in reps}, "-sim": -X[:, 0], "current LR": current_oof(X, y, g),
                  **{f"LR {n}": col[n] for n, _, _ in VARIANTS}}
        aucs.append({n: (auc(s, y, ~y), auc(s, near, ~y), auc(s, own & y, own & ~y),
                         (s[near] > threshold(s, y)).mean()) for n, s in scores.items()})
        print(f"  seed {seed}, out-of-fold AUC wrong / near / own wrong vs own right: "
              + "; ".join(f"{n} {a[0]:.3f} / {a[1]:.3f} / {a[2]:.3f}" for n, a in aucs[-1].items())
              + "; (k, L2) per fold: " + ", ".join(f"{r} {v}" for r, v in chosen.items()))
    print(f"mean over {args.seeds} fold seeds:")
    for n, v in tot.items():
        a = np.array(v)
        print(f"  {n}: near wrong warned {a[:, 0].mean():.1%}, all wrong {a[:, 1].mean():.1%}, own wrong "
              f"{a[:, 2].mean():.2f}/{(own & y).sum()}, false warnings {a[:, 3].mean():.1%}")
    print("  out-of-fold AUC wrong / near / own wrong vs own right: " + "; ".join(
        f"{n} {np.mean([a[n][0] for a in aucs]):.3f} / {np.mean([a[n][1] for a in aucs]):.3f} / "
        f"{np.mean([a[n][2] for a in aucs]):.3f}" for n in aucs[0]))
    print("  near wrong warned at <= 5 % false warnings, one threshold read from the pooled out-of-fold scores "
          "themselves (compares rankings only, not a CV figure): " + "; ".join(
              f"{n} {np.mean([a[n][3] for a in aucs]):.1%}" for n in aucs[0]))


if __name__ == "__main__":
    main()

"""The sentiment stack trained by ``benchmarks/train_triage.py`` (issue 11).

Next to the ridge head (embedding + hashed n-grams + lexical cues), three one-vs-rest NB-LR n-gram heads, one per
class (logistic regression over naive-Bayes log-count-ratio scaled, sublinear TF-IDF hashed word/bigram/character
3-5-gram features; handles, links and ``|LBR|`` removed: ``guardrails.abuse_model.hashed``, the abuse model's features,
fitted by ``benchmarks.bench_abuse.fit_ngram``), and a softmax layer over the 3 ridge scores and the 3 NB-LR logits.
Nested like the rest: the ridge strength and the NB-LR L2 strength are chosen by an inner 3-fold CV on the training
rows (the same inner folds), and the softmax layer is fitted on those inner out-of-fold scores, never on the rows
it is scored on.
"""

from __future__ import annotations

import numpy as np

NB_L2_GRID = (0.3, 1.0, 3.0)
NB_ITERS = 100
STACK_L2 = 1e-2


def ngram_docs(texts: list[str]) -> list[list[int]]:
    from guardrails.abuse_model import hashed

    return [hashed(t) for t in texts]


def fit_nb(docs, y: np.ndarray, rows: np.ndarray, l2: float, n_out: int = 3) -> list[tuple]:
    """One NB-LR per class (class vs rest) on ``rows``; ``y`` indexed like ``docs``."""
    from benchmarks.bench_abuse import fit_ngram

    return [fit_ngram(docs, (y == c).astype(float), rows, l2=l2, iters=NB_ITERS) for c in range(n_out)]


def nb_logits(models: list[tuple], docs, rows: np.ndarray) -> np.ndarray:
    from benchmarks.bench_abuse import ngram_logits

    return np.column_stack([ngram_logits(m, docs, rows) for m in models])


def nb_oof(tt, docs, y, rows, l2, k=3, seed=1) -> np.ndarray:
    out = np.zeros((len(rows), 3))
    for test in tt.folds(y[rows], k, seed):
        train = np.setdiff1d(np.arange(len(rows)), test)
        out[test] = nb_logits(fit_nb(docs, y, rows[train], l2), docs, rows[test])
    return out


def pick_nb(tt, docs, y, rows) -> tuple[float, np.ndarray]:
    """Inner 3-fold choice of the NB-LR L2 strength (micro-F1); returns it and its out-of-fold logits."""
    best = None
    for l2 in NB_L2_GRID:
        o = nb_oof(tt, docs, y, rows, l2)
        acc = float((o.argmax(axis=1) == y[rows]).mean())
        if best is None or acc > best[0]:
            best = (acc, l2, o)
    return best[1], best[2]


def softmax_fit(x: np.ndarray, yy: np.ndarray, l2: float = STACK_L2, iters: int = 3000, lr: float = 0.5):
    """Multinomial logistic regression on standardised inputs; returns (weights, bias) on the raw inputs."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    xs = (x - mean) / std
    w, b, onehot = np.zeros((x.shape[1], 3)), np.zeros(3), np.eye(3)[yy]
    for _ in range(iters):
        z = xs @ w + b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        g = (p / p.sum(axis=1, keepdims=True) - onehot) / len(yy)
        w -= lr * (xs.T @ g + l2 * w)
        b -= lr * g.sum(axis=0)
    return w / std[:, None], b - (mean / std) @ w


def develop(tt, data, docs, y, rows) -> dict:
    """Everything chosen on ``rows`` only: ridge strength, NB-LR strength, the softmax layer; then the ridge head
    and the NB-LR heads refitted on all of ``rows``."""
    lam, ridge_oof = tt.pick_lam_oof(data, rows, y[rows], 3, lambda yy, ss: tt.micro_f1(yy, ss.argmax(axis=1)))
    l2, nb_o = pick_nb(tt, docs, y, rows)
    stack = softmax_fit(np.hstack([ridge_oof, nb_o]), y[rows])
    head = tt.fit_ridge(data, rows, tt.targets_for(y[rows], 3), lam, ["negative", "neutral", "positive"])
    return {"lam": lam, "nb_l2": l2, "stack": stack, "head": head, "nb": fit_nb(docs, y, rows, l2)}


def scores(tt, model: dict, data, docs, rows) -> tuple[np.ndarray, np.ndarray]:
    """(stacked logits, the ridge head's own scores) for ``rows``."""
    ridge = tt.head_scores(model["head"], data, rows)
    w, b = model["stack"]
    return np.hstack([ridge, nb_logits(model["nb"], docs, rows)]) @ w + b, ridge


def nested(tt, data, docs, y, log=print) -> tuple[np.ndarray, np.ndarray, list]:
    """Outer 5-fold (the script's folds): stacked and ridge-only out-of-fold scores from the same fits."""
    stacked, ridge, chosen = np.zeros((len(y), 3)), np.zeros((len(y), 3)), []
    for i, test in enumerate(tt.folds(y)):
        train = np.setdiff1d(np.arange(len(y)), test)
        m = develop(tt, data, docs, y, train)
        stacked[test], ridge[test] = scores(tt, m, data, docs, test)
        chosen.append((m["lam"], m["nb_l2"]))
        log(f"sentiment stack fold {i}: ridge {tt.micro_f1(y[test], ridge[test].argmax(axis=1)):.3f}, "
            f"stacked {tt.micro_f1(y[test], stacked[test].argmax(axis=1)):.3f} (lambda {m['lam']}, nb l2 {m['nb_l2']})")
    return stacked, ridge, chosen


def to_arrays(model: dict) -> dict[str, np.ndarray]:
    """The NB-LR heads (float16, as ``fit_ngram`` measured them) and the softmax layer, for ``triage.npz``."""
    w, b = model["stack"]
    return {"sentiment_nb_w": np.column_stack([m[0] for m in model["nb"]]).astype(np.float16),
            "sentiment_nb_b": np.array([m[1] for m in model["nb"]], dtype=np.float32),
            "sentiment_nb_idf": model["nb"][0][2].astype(np.float16),
            "sentiment_stack_w": w.astype(np.float32), "sentiment_stack_b": b.astype(np.float32)}

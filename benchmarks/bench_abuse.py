"""Abuse detection (``guardrails/abuse.py`` word list, ``guardrails/abuse_model.py`` classifier) on GermEval 2018
training tweets: 5-fold cross-validated share of OFFENSE tweets flagged and of OTHER tweets flagged, for the word
list alone, each classifier alone, the stacked classifier and word list OR classifier, with the old ``tone`` lexicon
as the baseline measured in the same run.

    .venv/bin/python benchmarks/bench_abuse.py            # prints CV figures (~2-3 min on 2 cores)
    .venv/bin/python benchmarks/bench_abuse.py --write    # also refits on all tweets and writes the weights

Data: ../shared/datasets/germeval2018/train.jsonl (5,009 tweets, CC BY 4.0, Wiegand et al. 2018). The test split
is held out and never used. Models: a class-balanced NB-LR (logistic regression over naive-Bayes-scaled sublinear
TF-IDF hashed word/bigram/char 3-5-gram features, L-BFGS), one over the multilingual USE embedding (512 dims) and a 2-feature logistic stacker over their logits.
Everything that is chosen (the stacker and the thresholds: ≤ 8 % of OTHER flagged "balanced", ≤ 3 % "high
precision", each for the classifier OR the word list) is chosen by an inner 3-fold CV on each outer training part
(nested), so the printed figures are never a fit on tuned rows. Seeded (fold assignment seed 0).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "germeval2018" / "train.jsonl"
REPLIES = [ROOT.parent / "shared" / "datasets" / "twcs" / "replies-labelled-dev.jsonl",
           ROOT / "evals" / "datasets" / "replies-labelled-de.jsonl",
           ROOT / "benchmarks" / "data" / "no_bare_sorry_train.jsonl"]
FPR = {"balanced": 0.08, "high_precision": 0.03}
# the thresholds aim a little below the budget: a threshold chosen on inner-CV scores lands ~0.5 pt higher outside
AIM = {"balanced": 0.075, "high_precision": 0.028}
# Good brand replies written by the team (EN + DE, no TWCS rows) join every training part as OTHER examples, so the
# tweet-trained models learn that customer-care wording is not abuse; the TWCS replies stay unseen for the check.
NEGATIVES = [ROOT / "evals" / "datasets" / "replies-labelled-de.jsonl",
             ROOT / "benchmarks" / "data" / "no_bare_sorry_train.jsonl"]
# NB-LR over TF-IDF n-grams: L2 strength (sklearn's 1/C, class weights averaging 1 per tweet) and L-BFGS steps,
# chosen by 5-fold CV of the n-gram model alone among 0.1/0.3/1/3 (recall at 7.5 % of OTHER flagged: 0.55/0.55/0.53/
# 0.51; 0.3 converges in fewer steps than 0.1); the stacker and thresholds stay nested
NGRAM_L2, NGRAM_ITERS = 0.3, 100
USE_L2 = 1000.0  # chosen on the first outer split's training part among 1/10/100/300/1000/3000 (rec@8 % 0.41-0.45)


def embed(texts: list[str], cache: Path | None = None) -> np.ndarray:
    from guardrails.abuse_model import embed_text
    from knowledge_base.embeddings import UseEmbedder

    if cache and cache.exists():
        v = np.load(cache)
        if len(v) == len(texts):
            return v
    v = UseEmbedder(workers=1).embed([embed_text(t) for t in texts])
    if cache:
        np.save(cache, v)
    return v


def load(cache: Path | None = None):
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    from guardrails.abuse_model import hashed

    extra = [json.loads(line)["text"] for path in NEGATIVES
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = [hashed(r["text"]) for r in rows] + [hashed(t) for t in extra]  # hashed n-gram multisets
    y = np.asarray([r["coarse"] == "OFFENSE" for r in rows] + [False] * len(extra), dtype=float)
    u = np.vstack([embed([r["text"] for r in rows], cache), embed(extra)]).astype(np.float64)
    return rows, docs, y, u, np.arange(len(rows), len(rows) + len(extra))


def pack(docs, sel, idf, r=None):
    """Rows ``sel`` as a sparse matrix (flat column indices, values, row of each value): sublinear TF-IDF,
    L2-normalised (``guardrails.abuse_model.tfidf``), scaled by the NB log-count ratios ``r`` when given."""
    from guardrails.abuse_model import tfidf

    parts = [tfidf(docs[i], idf) if docs[i] else (np.zeros(0, np.intp), np.zeros(0)) for i in sel]
    lens = np.asarray([len(u) for u, _ in parts])
    flat = np.concatenate([u for u, _ in parts]).astype(np.int64)
    val = np.concatenate([v for _, v in parts])
    if r is not None:
        val = val * r[flat]
    return flat, val, np.repeat(np.arange(len(sel)), lens), len(sel)


def balanced(yy):
    pos = yy.mean()
    return np.where(yy > 0, 0.5 / pos, 0.5 / (1 - pos)) / len(yy)


def lbfgs(fg, x, iters, m=10):
    """Minimise ``fg`` (returns loss, gradient) by L-BFGS with a backtracking (Armijo) line search."""
    f, g = fg(x)
    hist: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(iters):
        q, alphas = g.copy(), []
        for s_, y_ in reversed(hist):
            a = (s_ @ q) / (y_ @ s_)
            alphas.append(a)
            q -= a * y_
        if hist:
            q *= (hist[-1][0] @ hist[-1][1]) / (hist[-1][1] @ hist[-1][1])
        for (s_, y_), a in zip(hist, reversed(alphas), strict=True):
            q += s_ * (a - (y_ @ q) / (y_ @ s_))
        d, step = -q, 1.0 if hist else 1.0 / max(1e-12, float(np.abs(g).max()))
        while True:
            xn = x + step * d
            fn, gn = fg(xn)
            if fn <= f + 1e-4 * step * (g @ d) or step < 1e-10:
                break
            step *= 0.5
        s_, y_ = xn - x, gn - g
        if s_ @ y_ > 1e-12:
            hist = [*hist[-(m - 1):], (s_, y_)]
        x, f, g = xn, fn, gn
        if np.abs(g).max() < 1e-6:
            break
    return x


def fit_ngram(docs, y, sel, l2=NGRAM_L2, iters=NGRAM_ITERS):
    """NB-LR: class-balanced L2 logistic regression over sublinear TF-IDF features scaled by the naive-Bayes
    log-count ratios (smoothing 1) of ``sel``; returns (weights with the ratios folded in, bias, idf)."""
    from guardrails.abuse_model import DIM

    yy = y[sel]
    df, p, q = np.zeros(DIM), np.ones(DIM), np.ones(DIM)
    for i, lab in zip(sel, yy, strict=True):
        u = np.unique(np.asarray(docs[i], dtype=np.int64))
        df[u] += 1
        (p if lab else q)[u] += 1
    # the shipped idf and weights are float16: round here so CV measures what ships
    idf = (np.log((1 + len(sel)) / (1 + df)) + 1).astype(np.float16).astype(np.float64)
    r = np.log(p / p.sum()) - np.log(q / q.sum())
    flat, val, owner, n = pack(docs, sel, idf, r)
    sw = balanced(yy) * len(yy)

    def fg(wb):
        w, b = wb[:DIM], wb[DIM]
        z = np.bincount(owner, weights=val * w[flat], minlength=n) + b
        loss = float(np.sum(sw * (np.logaddexp(0, z) - yy * z)) + 0.5 * l2 * (w @ w))
        res = (1 / (1 + np.exp(-z)) - yy) * sw
        g = np.empty(DIM + 1)
        g[:DIM] = np.bincount(flat, weights=val * res[owner], minlength=DIM) + l2 * w
        g[DIM] = res.sum()
        return loss, g

    wb = lbfgs(fg, np.zeros(DIM + 1), iters)
    return (wb[:DIM] * r).astype(np.float16).astype(np.float64), float(wb[DIM]), idf


def ngram_logits(model, docs, sel):
    w, b, idf = model
    flat, val, owner, n = pack(docs, sel, idf)
    return np.bincount(owner, weights=w[flat] * val, minlength=n) + b


def fit_dense(x, yy, l2, iters=600, lr=0.5):
    """Class-balanced L2 logistic regression on standardised features; returns weights on the raw features."""
    mean, std = x.mean(0), x.std(0) + 1e-6
    xs = (x - mean) / std
    n, d = xs.shape
    w, b = np.zeros(d), 0.0
    sw = balanced(yy)
    for _ in range(iters):
        r = (1 / (1 + np.exp(-(xs @ w + b))) - yy) * sw
        w -= lr * (xs.T @ r + l2 * w / n)
        b -= lr * r.sum()
    return w / std, b - float((mean / std) @ w)


def folds(y, k, seed):
    rng = np.random.default_rng(seed)
    out = np.zeros(len(y), dtype=int)
    for c in (0, 1):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        out[idx] = np.arange(len(idx)) % k
    return out


def threshold_for(s, y, fpr, always=None):
    """The lowest threshold whose flags (OR ``always``) stay within ``fpr`` of the negatives."""
    always = np.zeros(len(s), dtype=bool) if always is None else always
    cand = np.unique(s[y == 0])[::-1]
    best = float(cand[0]) + 1e-6
    for t in cand:
        if ((s >= t) | always)[y == 0].mean() > fpr:
            break
        best = float(t)
    return best


def develop(docs, u, y, lex, sel, seed, extra):
    """Inner 3-fold CV on ``sel``: OOF logits → stacker + thresholds; then both models refit on all of ``sel``
    (every fit also sees the ``extra`` brand-reply negatives)."""
    inner = folds(y[sel], 3, seed)
    ln, lu = np.zeros(len(sel)), np.zeros(len(sel))
    for f in range(3):
        tr, te = np.concatenate([sel[inner != f], extra]), inner == f
        ln[te] = ngram_logits(fit_ngram(docs, y, tr), docs, sel[te])
        w, b = fit_dense(u[tr], y[tr], USE_L2)
        lu[te] = u[sel[te]] @ w + b
    yy, ll = y[sel], lex[sel]
    sw, b = fit_dense(np.column_stack([ln, lu]), yy, 1.0, iters=2000)
    stack = np.asarray([sw[0], sw[1], b])
    s = stack[0] * ln + stack[1] * lu + stack[2]
    th = {}
    for k, v in AIM.items():
        th["threshold_" + k] = threshold_for(s, yy, v, ll)
        th["stacked_alone_" + k] = threshold_for(s, yy, v)
        th["ngram_threshold_" + k] = threshold_for(ln, yy, v, ll)
        th["ngram_alone_" + k] = threshold_for(ln, yy, v)
        th["use_alone_" + k] = threshold_for(lu, yy, v)
    full = np.concatenate([sel, extra])
    ng = fit_ngram(docs, y, full)
    uw, ub = fit_dense(u[full], y[full], USE_L2)
    return {"ngram": ng, "use": (uw, ub), "stack": stack, "use_max": float(np.quantile(lu, 0.999)), **th}


def rates(flag, y):
    return float(flag[y == 1].mean()), float(flag[y == 0].mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--embeddings", type=Path, help="cache file for the tweets' USE vectors (.npy)")
    args = ap.parse_args()
    from guardrails.abuse import detect_abuse
    from guardrails.policy import load_policy

    rows, docs, y_all, u, extra = load(args.embeddings)
    y = y_all[: len(rows)]
    lex = np.asarray([bool(detect_abuse(r["text"])) for r in rows])
    old = load_policy().lex("de")
    baseline = np.asarray([old.has("insult", r["text"]) or old.has("profanity", r["text"]) for r in rows])
    outer = folds(y, 5, 0)
    ln, lu, s = np.zeros(len(rows)), np.zeros(len(rows)), np.zeros(len(rows))
    th: dict[str, np.ndarray] = {}
    for f in range(5):
        tr, te = np.flatnonzero(outer != f), np.flatnonzero(outer == f)
        m = develop(docs, u, y_all, lex, tr, f, extra)
        ln[te] = ngram_logits(m["ngram"], docs, te)
        lu[te] = u[te] @ m["use"][0] + m["use"][1]
        s[te] = m["stack"][0] * ln[te] + m["stack"][1] * lu[te] + m["stack"][2]
        for k, v in m.items():
            if not isinstance(v, float):
                continue
            if "threshold" in k or "alone" in k:
                th.setdefault(k, np.zeros(len(rows)))[te] = v
    print(f"GermEval 2018 train ({len(rows)} tweets, {int(y.sum())} OFFENSE): 5-fold CV, stacker and thresholds by "
          "inner 3-fold CV (nested)")
    fine = np.asarray([r["fine"] for r in rows])
    table = [("flag nothing (majority)", np.zeros(len(rows), dtype=bool)),
             ("old tone lexicon (baseline)", baseline), ("word list detect_abuse", lex)]
    for level in FPR:
        table += [(f"n-gram LR alone, {level}", ln >= th["ngram_alone_" + level]),
                  (f"USE LR alone, {level}", lu >= th["use_alone_" + level]),
                  (f"stacked n-gram+USE alone, {level}", s >= th["stacked_alone_" + level]),
                  (f"word list OR n-gram LR, {level}", lex | (ln >= th["ngram_threshold_" + level])),
                  (f"word list OR stacked (shipped), {level}", lex | (s >= th["threshold_" + level]))]
    for name, flag in table:
        off, oth = rates(flag, y)
        per = " ".join(f"{c} {flag[fine == c].mean():.0%}" for c in ("INSULT", "ABUSE", "PROFANITY"))
        print(f"  {name:<44} OFFENSE flagged {off:.1%} ({per}) · OTHER flagged {oth:.1%}")
    if args.write:
        from guardrails.abuse_model import MODEL

        m = develop(docs, u, y_all, lex, np.arange(len(rows)), 99, extra)
        out = {"ngram_w": m["ngram"][0].astype(np.float16), "ngram_b": np.float32(m["ngram"][1]),
               "ngram_idf": m["ngram"][2].astype(np.float16),
               "use_w": m["use"][0].astype(np.float32), "use_b": np.float32(m["use"][1]),
               "stack": m["stack"].astype(np.float32), "use_max": np.float32(m["use_max"])}
        out.update({k: np.float32(v) for k, v in m.items() if k.startswith(("threshold_", "ngram_threshold_"))})
        out["provenance"] = np.asarray(json.dumps({
            "trained": dt.date.today().isoformat(), "script": "benchmarks/bench_abuse.py --write",
            "data": "GermEval 2018 training tweets (uds-lsv/GermEval-2018-Data, commit 9877472d), CC BY 4.0, "
                    "Wiegand, Siegel, Ruppenhofer 2018; weights only, no text stored",
            "features": "hashed word, word-bigram and character 3-5-gram features (crc32, 2^17); USE multilingual "
                        "v3 embedding (512)"}))
        np.savez_compressed(MODEL, **out)
        print(f"wrote {MODEL} ({MODEL.stat().st_size // 1024} KB)")
    from guardrails import abuse_model

    abuse_model._model.cache_clear()
    if abuse_model._model() is not None:  # the shipped model on good brand replies: none should be flagged
        for path in REPLIES:
            if not path.exists():
                continue
            items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            hits = [i["text"] for i in items if abuse_model.classifier_flags(i["text"]) or detect_abuse(i["text"])]
            print(f"  shipped model on {path.name}: {len(hits)} of {len(items)} brand replies flagged"
                  + (f" e.g. {hits[:3]}" if hits else ""))


if __name__ == "__main__":
    main()

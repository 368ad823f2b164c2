"""Variants of the tone abuse classifier's stacker, measured against the shipped one in the same run
(issue 11). Nested 5-fold CV on GermEval 2018 train exactly as ``bench_abuse.py`` (same folds, same base models,
stacker and thresholds by inner 3-fold CV; every figure is word list OR model, aimed at 7.5 % of OTHER):

* base: the shipped stacker over the n-gram NB-LR logit and the USE LR logit;
* the stacker fitted only on tweets the word list does not flag (the only ones where it decides);
* + a USE LR over the element-wise max of the per-sentence embeddings (sentences split at . ! ? and |LBR|, within
  the first ``EMBED_CHARS``; a one-sentence tweet keeps its whole vector);
* + multiple instances: a USE LR trained on sentences with their tweet's label, the tweet scored by its highest
  sentence;
* + class-specific heads (INSULT, ABUSE, PROFANITY, one against the rest) over the USE vector, and with
  ``--ngheads`` also over the n-gram features;
* + the word list's span count (log1p) as a stacker feature (a calibrated combination instead of the plain OR);
* with ``--l2``: the n-gram model's L2 (0.1 / 0.3 / 1) chosen inside the inner CV by the recall of the shipped
  stacker OR the word list at the aim.

    .venv/bin/python benchmarks/bench_abuse_variants.py [--ngheads] [--l2] [--cache DIR]   # 1-6 min; ~20 with --ngheads

The GermEval test split is never used.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_abuse as b  # noqa: E402

_SPLIT = re.compile(r"\|LBR\||(?<=[.!?…])\s+|\n+")


def sentences(text: str) -> list[str]:
    from guardrails.abuse_model import EMBED_CHARS

    parts = [s.strip() for s in _SPLIT.split(text[:EMBED_CHARS])]
    return [s for s in parts if len(re.findall(r"\w", s)) >= 3][:8]


def sentence_vectors(texts: list[str], cache: Path | None):
    from guardrails.abuse_model import embed_text
    from knowledge_base.embeddings import UseEmbedder

    if cache and cache.exists():
        z = np.load(cache)
        return z["owner"], z["v"].astype(np.float64)
    owner, ss = [], []
    for i, t in enumerate(texts):
        s = sentences(t)
        if len(s) > 1:
            owner += [i] * len(s)
            ss += [embed_text(x) for x in s]
    v = np.asarray(UseEmbedder(workers=1).embed(ss), dtype=np.float32)
    if cache:
        np.savez(cache, owner=np.asarray(owner), v=v)
    return np.asarray(owner), v.astype(np.float64)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ngheads", action="store_true", help="also n-gram class heads (3 more NB-LR fits per fit)")
    ap.add_argument("--l2", action="store_true", help="also the n-gram L2 chosen in the inner CV (2 more fits)")
    ap.add_argument("--cache", type=Path, help="directory for the tweets' USE vectors")
    args = ap.parse_args()
    from guardrails.abuse import detect_abuse

    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    rows, docs, y_all, u, extra = b.load(args.cache / "use.npy" if args.cache else None)
    n, big_n = len(rows), len(y_all)
    y = y_all[:n]
    texts = [r["text"] for r in rows] + [json.loads(line)["text"] for path in b.NEGATIVES
                                         for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    fine = np.asarray([r["fine"] for r in rows] + ["OTHER"] * len(extra))
    heads = {c: (fine == c).astype(float) for c in ("INSULT", "ABUSE", "PROFANITY")}
    lexc = np.asarray([len(detect_abuse(t)) for t in texts[:n]] + [0] * len(extra))
    lex = lexc[:n] > 0
    owner, sv = sentence_vectors(texts, args.cache / "sent.npz" if args.cache else None)
    multi = np.zeros(big_n, bool)
    multi[owner] = True
    inst_owner = np.concatenate([owner, np.flatnonzero(~multi)])
    inst_v = np.vstack([sv, u[~multi]])
    order = np.argsort(inst_owner, kind="stable")
    inst_owner, inst_v = inst_owner[order], inst_v[order]
    umax = u.copy()
    for i in np.unique(owner):
        umax[i] = sv[owner == i].max(0)

    def fit(tr):
        m = {"ln": ("ng", b.fit_ngram(docs, y_all, tr)),
             **{f"ln{l2}": ("ng", b.fit_ngram(docs, y_all, tr, l2=l2)) for l2 in (0.1, 1.0) if args.l2},
             "lu": ("d", b.fit_dense(u[tr], y_all[tr], b.USE_L2), u),
             "lsm": ("d", b.fit_dense(umax[tr], y_all[tr], b.USE_L2), umax)}
        sel = np.isin(inst_owner, tr)
        m["lmi"] = ("mi", b.fit_dense(inst_v[sel], y_all[inst_owner[sel]], b.USE_L2))
        for c, yc in heads.items():
            m["u" + c[0]] = ("d", b.fit_dense(u[tr], yc[tr], b.USE_L2), u)
            if args.ngheads:
                m["n" + c[0]] = ("ng", b.fit_ngram(docs, yc, tr))
        return m

    def apply(models, sel):
        out = {}
        for k, m in models.items():
            if m[0] == "ng":
                out[k] = b.ngram_logits(m[1], docs, sel)
            elif m[0] == "d":
                out[k] = m[2][sel] @ m[1][0] + m[1][1]
            else:
                keep = np.isin(inst_owner, sel)
                best = np.full(big_n, -np.inf)
                np.maximum.at(best, inst_owner[keep], inst_v[keep] @ m[1][0] + m[1][1])
                out[k] = best[sel]
        return out

    variants = {"base [n-gram, USE] (shipped)": ["ln", "lu"], "base, stacker fitted on word-list misses": ["ln", "lu"],
                "+ max-pooled sentence USE": ["ln", "lu", "lsm"], "+ multi-instance sentence max": ["ln", "lu", "lmi"],
                "+ USE class heads": ["ln", "lu", "uI", "uA", "uP"],
                "+ both sentence models + USE heads": ["ln", "lu", "lsm", "lmi", "uI", "uA", "uP"],
                "+ word-list span count": ["ln", "lu", "LEX"]}
    if args.ngheads:
        variants["+ n-gram class heads"] = ["ln", "lu", "nI", "nA", "nP"]
        variants["+ n-gram + USE class heads"] = ["ln", "lu", "nI", "nA", "nP", "uI", "uA", "uP"]
    if args.l2:
        variants["n-gram L2 chosen in the inner CV"] = ["L2", "lu"]

    def feats(f, names, sel):
        return np.column_stack([np.log1p(lexc[sel]) if k == "LEX" else f[k] for k in names])

    outer = b.folds(y, 5, 0)
    flags = {v: np.zeros(n, bool) for v in variants}
    hp = {v: np.zeros(n, bool) for v in variants}
    t0 = time.time()
    for f in range(5):
        tr, te = np.flatnonzero(outer != f), np.flatnonzero(outer == f)
        inner = b.folds(y[tr], 3, f)
        oof: dict[str, np.ndarray] = {}
        for g in range(3):
            for k, v in apply(fit(np.concatenate([tr[inner != g], extra])), tr[inner == g]).items():
                oof.setdefault(k, np.zeros(len(tr)))[inner == g] = v
        full = apply(fit(np.concatenate([tr, extra])), te)
        yy, ll = y[tr], lex[tr]
        if args.l2:
            recall = {}
            for key in ("ln0.1", "ln", "ln1.0"):
                x = feats(oof, [key, "lu"], tr)
                w, c = b.fit_dense(x, yy, 1.0, iters=2000)
                s = x @ w + c
                recall[key] = ((s >= b.threshold_for(s, yy, b.AIM["balanced"], ll)) | ll)[yy == 1].mean()
            oof["L2"], full["L2"] = oof[max(recall, key=recall.get)], full[max(recall, key=recall.get)]
            print(f"  inner recall by n-gram L2 (ln = 0.3): {recall}", flush=True)
        for v, names in variants.items():
            x = feats(oof, names, tr)
            rows_fit = ~ll if "misses" in v else np.ones(len(tr), bool)
            w, c = b.fit_dense(x[rows_fit], yy[rows_fit], 1.0, iters=2000)
            s = x @ w + c
            st = feats(full, names, te) @ w + c
            flags[v][te] = lex[te] | (st >= b.threshold_for(s, yy, b.AIM["balanced"], ll))
            hp[v][te] = lex[te] | (st >= b.threshold_for(s, yy, b.AIM["high_precision"], ll))
        print(f"outer fold {f} done, {time.time() - t0:.0f} s", flush=True)
    fn = fine[:n]
    print(f"GermEval 2018 train ({n} tweets), nested 5-fold CV, word list OR model: OFFENSE / OTHER flagged")
    for v in variants:
        per = " ".join(f"{c} {flags[v][fn == c].mean():.0%}" for c in ("INSULT", "ABUSE", "PROFANITY"))
        print(f"  {v:<42} balanced {flags[v][y == 1].mean():.1%} / {flags[v][y == 0].mean():.1%} ({per}) · "
              f"high precision {hp[v][y == 1].mean():.1%} / {hp[v][y == 0].mean():.1%}")


if __name__ == "__main__":
    main()

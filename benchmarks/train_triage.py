"""Train the triage heads (sentiment, injection, relevance for "no reply needed") and print cross-validated
figures with baselines measured in the same run.

    .venv/bin/python benchmarks/train_triage.py [--cache /tmp/triage_cache] [--out assistant/models_data/triage.npz]

Data (development splits only; the public test splits are never used):
- ../shared/datasets/germeval2017/dev.jsonl — sentiment (negative/neutral/positive) and relevance labels.
- ../shared/datasets/prompt-injections/train.jsonl — deepset/prompt-injections train split (DE+EN), with real customer
  messages as training-only benign rows (``benchmarks/train_injection.py``, which also retrains that head alone).

Inputs per text: the 512-d multilingual USE embedding (``knowledge_base.embeddings.UseEmbedder``, the model the
knowledge base ships) plus the interpretable features in ``assistant.triage``. Embeddings are cached under
``--cache`` so that a re-run does not re-embed. Sentiment ships the ridge head stacked with per-class NB-LR n-gram
heads (``benchmarks/triage_stack.py``); the ridge alone is reported from the same fits. Every figure is 5-fold stratified cross-validation (seed 0);
hyper-parameters and thresholds are chosen inside each training fold (nested), never on the fold scored.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import triage as T  # noqa: E402
from benchmarks import triage_stack as S  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets"
GE17 = DATA / "germeval2017" / "dev.jsonl"
PI = DATA / "prompt-injections" / "train.jsonl"
# Only for training on GermEval 2017 (posts about Deutsche Bahn): the brand's names in that data. The library
# takes the brand from the policy.
GE17_BRAND = ["Deutsche Bahn", "DB Bahn", "DB Info", "DB"]
SENT_CLASSES = ["negative", "neutral", "positive"]
LAM_GRID = (0.3, 1.0, 3.0)


# ---- numpy ridge classifier (dual form: n ≈ 2,000 rows, up to 33k columns) ------------------------------------
class Blocks:
    """A data set's input blocks: embedding (dense), hashed n-grams (dense here, sparse at run time) and the
    interpretable features (standardised on the training rows)."""

    def __init__(self, extra: np.ndarray, emb: np.ndarray | None = None, hashed: np.ndarray | None = None,
                 names: list[str] | None = None, extra_weight: float = 0.5) -> None:
        self.extra, self.emb, self.hashed, self.names, self.extra_weight = extra, emb, hashed, names, extra_weight
        self._gram: np.ndarray | None = None

    def gram(self) -> np.ndarray:
        """Embedding + n-gram inner products of all rows, computed once (every fit slices it)."""
        if self._gram is None:
            g = np.zeros((len(self.extra), len(self.extra)))
            for block in (self.emb, self.hashed):
                for j in range(0, 0 if block is None else block.shape[1], 4096):
                    c = block[:, j:j + 4096].astype(np.float64)
                    g += c @ c.T
            self._gram = g
        return self._gram

    def kernel(self, rows_a, rows_b, mu, sd):
        ea = (self.extra[rows_a] - mu) / sd
        eb = (self.extra[rows_b] - mu) / sd
        k = self.extra_weight / ea.shape[1] * ea @ eb.T + 1.0  # + 1: the bias
        if self.emb is not None or self.hashed is not None:
            k = k + self.gram()[np.ix_(rows_a, rows_b)]
        return k


def fit_ridge(data: Blocks, rows: np.ndarray, targets: np.ndarray, lam: float, classes: list[str]) -> T.LinearHead:
    mu = data.extra[rows].mean(axis=0)
    sd = data.extra[rows].std(axis=0)
    sd = np.where(sd < 1e-6, 1.0, sd)
    a = np.linalg.solve(data.kernel(rows, rows, mu, sd) + lam * np.eye(len(rows)), targets)
    e = (data.extra[rows] - mu) / sd
    w_extra = (data.extra_weight / e.shape[1]) * e.T @ a
    return T.LinearHead(
        classes, a.sum(axis=0), w_extra, mu, sd,
        w_emb=None if data.emb is None else data.emb[rows].T @ a,
        w_hash=None if data.hashed is None else data.hashed[rows].T @ a, feature_names=data.names)


def head_scores(head: T.LinearHead, data: Blocks, rows: np.ndarray) -> np.ndarray:
    s = head.b + ((data.extra[rows] - head.mu) / head.sd) @ head.w_extra
    if head.w_emb is not None:
        s = s + data.emb[rows] @ head.w_emb
    if head.w_hash is not None:
        s = s + data.hashed[rows] @ head.w_hash
    return s


def targets_for(y: np.ndarray, n_out: int) -> np.ndarray:
    return np.eye(n_out)[y] if n_out > 1 else y.reshape(-1, 1).astype(np.float64)


def folds(y: np.ndarray, k: int = 5, seed: int = 0) -> list[np.ndarray]:
    """Stratified fold index per row."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=int)
    for cls in np.unique(y):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    return [np.flatnonzero(fold == i) for i in range(k)]


def oof(data: Blocks, rows: np.ndarray, y: np.ndarray, n_out: int, lam: float, k: int, seed: int) -> np.ndarray:
    """Out-of-fold scores for ``rows`` (y indexed like rows)."""
    out = np.zeros((len(rows), n_out))
    for test in folds(y, k, seed):
        train = np.setdiff1d(np.arange(len(rows)), test)
        head = fit_ridge(data, rows[train], targets_for(y[train], n_out), lam, ["x"] * n_out)
        out[test] = head_scores(head, data, rows[test])
    return out


def pick_lam_oof(data, rows, y, n_out, score) -> tuple[float, np.ndarray]:
    """Inner 3-fold choice of the ridge strength (higher score is better), with its out-of-fold scores."""
    best = None
    for lam in LAM_GRID:
        o = oof(data, rows, y, n_out, lam, k=3, seed=1)
        if best is None or score(y, o) > best[0]:
            best = (score(y, o), lam, o)
    return best[1], best[2]


def pick_lam(data, rows, y, n_out, score) -> float:
    return pick_lam_oof(data, rows, y, n_out, score)[0]


def nested_cv(data: Blocks, y: np.ndarray, n_out: int, score, choose_threshold=None):
    """Outer 5-fold; ridge strength (and a decision threshold) picked on the training folds only. Returns
    out-of-fold scores, per-row thresholds and the chosen strengths."""
    scores = np.zeros((len(y), n_out))
    thresholds = np.full(len(y), 0.5)
    chosen = []
    for test in folds(y):
        train = np.setdiff1d(np.arange(len(y)), test)
        lam = pick_lam(data, train, y[train], n_out, score)
        chosen.append(lam)
        if choose_threshold is not None:
            inner = oof(data, train, y[train], n_out, lam, k=3, seed=2)[:, 0]
            thresholds[test] = choose_threshold(y[train], inner)
        head = fit_ridge(data, train, targets_for(y[train], n_out), lam, ["x"] * n_out)
        scores[test] = head_scores(head, data, test)
    return scores, thresholds, chosen


def final_head(data: Blocks, y: np.ndarray, n_out: int, score, classes, choose_threshold=None) -> tuple:
    rows = np.arange(len(y))
    lam = pick_lam(data, rows, y, n_out, score)
    head = fit_ridge(data, rows, targets_for(y, n_out), lam, classes)
    if choose_threshold is not None:
        head.threshold = float(choose_threshold(y, oof(data, rows, y, n_out, lam, k=5, seed=2)[:, 0]))
    return head, lam


def hashed_matrix(texts: list[str]) -> np.ndarray:
    x = np.zeros((len(texts), T.HASH_DIM), dtype=np.float32)
    for i, t in enumerate(texts):
        idx, val = T.hashed_ngrams(t)
        x[i, idx] = val
    return x


# ---- metrics ------------------------------------------------------------------------------------------------
def micro_f1(y, p) -> float:  # single-label multi-class: micro-F1 == accuracy
    return float((np.asarray(p).argmax(axis=1) == y).mean()) if np.ndim(p) == 2 else float((p == y).mean())


def macro_f1(y, pred) -> float:
    f = []
    for c in np.unique(y):
        tp = np.sum((pred == c) & (y == c))
        prec = tp / max(1, np.sum(pred == c))
        rec = tp / max(1, np.sum(y == c))
        f.append(0 if tp == 0 else 2 * prec * rec / (prec + rec))
    return float(np.mean(f))


def prf(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float, float]:
    """precision, recall, F1, false-positive rate for the positive class."""
    tp = np.sum(pred & y)
    fp = np.sum(pred & ~y)
    fn = np.sum(~pred & y)
    prec = tp / max(1, tp + fp)
    rec = tp / max(1, tp + fn)
    f1 = 0.0 if tp == 0 else 2 * prec * rec / (prec + rec)
    return float(prec), float(rec), float(f1), float(fp / max(1, np.sum(~y)))


def threshold_for_precision(target: float):
    def choose(y, p):
        for t in np.quantile(p, np.linspace(0.0, 0.995, 400)):
            pred = p >= t
            if pred.sum() >= 5 and prf(y.astype(bool), pred)[0] >= target:
                return float(t)
        return float(p.max()) + 1e-6
    return choose


def threshold_for_fpr(target: float):
    def choose(y, p):
        neg = np.sort(p[~y.astype(bool)])
        return float(neg[int(np.ceil((1 - target) * len(neg))) - 1]) + 1e-6 if len(neg) else 0.5
    return choose


def auc(y, p) -> float:
    y = y.astype(bool)
    order = np.argsort(p)
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    return float((ranks[y].sum() - y.sum() * (y.sum() + 1) / 2) / (y.sum() * (~y).sum()))


# ---- the previous (pre-issue-11) lexicon sentiment, kept here only as a baseline ------------------------------
OLD_NEG = re.compile(
    r"\b(nicht|kein\w*|nie|schon wieder|immer noch|seit \w+ tag\w*|ärger\w*|sauer|wütend|frech|unverschämt|katastroph\w*|"
    r"schlecht\w*|mies\w*|scheiß\w*|mist|abzocke|betrug|kündig\w*|enttäusch\w*|frust\w*|never|not|no|again|still|"
    r"angry|furious|terrible|awful|worst|useless|scam|rip-?off|ridiculous|unacceptable|disappoint\w*|cancel\w*|"
    r"broken|down|fail\w*|wtf|sucks?|hate|annoy\w*|nervt?|funktioniert nicht|geht nicht|doesn'?t work|not working)\b",
    re.I)
OLD_POS = re.compile(r"\b(danke|super|toll|klasse|perfekt|thanks?|thank you|great|awesome|love|perfect|happy|zufrieden)\b",
                     re.I)


def old_sentiment(text: str) -> int:
    neg = len(OLD_NEG.findall(text)) + len(T.NEG_EMOJI.findall(text))
    pos = len(OLD_POS.findall(text)) + len(T.POS_EMOJI.findall(text))
    score = pos - neg - 0.5 * len(re.findall(r"\b[A-ZÄÖÜ]{4,}\b", text)) - (1 if "!!" in text else 0)
    return 0 if score <= -1 else 2 if score >= 1 else 1


# ---- data ---------------------------------------------------------------------------------------------------
def load(path: Path) -> list[dict]:
    if not path.exists():
        raise SystemExit(f"missing data set: {path}")
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def embeddings(name: str, texts: list[str], cache: Path) -> np.ndarray:
    f = cache / f"{name}.npy"
    if f.exists():
        x = np.load(f)
        if len(x) == len(texts):
            return x
    from knowledge_base.embeddings import UseEmbedder

    x = UseEmbedder(workers=1).embed(texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(f, x)
    return x


def parse_args(argv: list[str] | None, doc: str) -> argparse.Namespace:
    """The training scripts' options: embedding cache, the weights file, --no-save."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/triage_cache"))
    ap.add_argument("--out", type=Path, default=ROOT / "assistant" / "models_data" / "triage.npz")
    ap.add_argument("--no-save", action="store_true")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv, __doc__)
    t0 = time.time()
    report: dict = {}
    saved: dict[str, np.ndarray] = {}

    def acc(yy, ss):
        return micro_f1(yy, ss.argmax(axis=1))

    def auc0(yy, ss):
        return auc(yy, ss[:, 0])

    def log(msg):
        print(f"[{time.time() - t0:.0f}s] {msg}", file=sys.stderr, flush=True)

    # ---- sentiment (GermEval 2017 dev) ----------------------------------------------------------------------
    ge = load(GE17)
    texts = [r["text"] for r in ge]
    emb = embeddings("ge17", texts, args.cache)
    hashed = hashed_matrix(texts)
    y = np.array([SENT_CLASSES.index(r["sentiment"]) for r in ge])
    lex = np.stack([T.lexical_features(t) for t in texts])
    majority = np.bincount(y).argmax()
    sent = {"n": len(y), "majority_class": SENT_CLASSES[majority],
            "majority_micro_f1": round(float((y == majority).mean()), 3),
            "previous_lexicon_micro_f1": round(micro_f1(y, np.array([old_sentiment(t) for t in texts])), 3)}
    ridge_name = "embedding+ngrams+lexical (ridge alone; shipped until 2026-11-26)"
    variants = {"lexical_only": Blocks(lex, names=T.FEATURES_LEX, extra_weight=1.0),
                "embedding+lexical": Blocks(lex, emb, names=T.FEATURES_LEX),
                "ngrams+lexical": Blocks(lex, None, hashed, names=T.FEATURES_LEX),
                ridge_name: Blocks(lex, emb, hashed, names=T.FEATURES_LEX)}

    def summary(pred, extra):
        return {"micro_f1": round(micro_f1(y, pred), 3), "macro_f1": round(macro_f1(y, pred), 3), **extra,
                "per_fold_micro_f1": [round(micro_f1(y[f], pred[f]), 3) for f in folds(y)],
                "confusion(rows=gold neg/neu/pos)": [
                    [int(np.sum((y == a) & (pred == b))) for b in range(3)] for a in range(3)]}

    for name, data in variants.items():
        s, _, lams = nested_cv(data, y, 3, acc)
        sent[name] = summary(s.argmax(axis=1), {"lambda_chosen": lams})
        log(f"sentiment {name}: {sent[name]['micro_f1']}")
    # shipped: the ridge head stacked with per-class NB-LR n-gram heads (benchmarks/triage_stack.py); the ridge
    # alone is re-scored from the very same fits, so before/after share folds and choices
    docs = S.ngram_docs(texts)
    stacked, ridge_only, chosen = S.nested(sys.modules[__name__], variants[ridge_name], docs, y, log)
    sent["same run: ridge alone"] = summary(ridge_only.argmax(axis=1), {})
    sent["stacked ridge + NB-LR n-grams (shipped)"] = summary(stacked.argmax(axis=1),
                                                             {"lambda, nb_l2 chosen": chosen})
    model = S.develop(sys.modules[__name__], variants[ridge_name], docs, y, np.arange(len(y)))
    head = model["head"]
    saved.update(head.to_arrays("sentiment"))
    saved.update(S.to_arrays(model))
    sent["final"] = {"lambda": model["lam"], "nb_l2": model["nb_l2"], "lexical_weights(neg/neu/pos)": {
        f: [round(float(v), 3) for v in head.w_extra[i]] for i, f in enumerate(T.FEATURES_LEX)}}
    report["sentiment"] = sent

    # ---- relevance → "no reply needed" (GermEval 2017 dev, positive class = NOT relevant) ----------------------
    brand = T.brand_pattern(GE17_BRAND)
    irrelevant = np.array([not r["relevance"] for r in ge])
    reply = np.hstack([np.stack([T.reply_features(t, brand) for t in texts]), lex])
    names = T.FEATURES_REPLY + T.FEATURES_LEX
    yr = irrelevant.astype(int)
    rel = {"n": len(ge), "not_relevant_rate": round(float(irrelevant.mean()), 3),
           "baseline_flag_everything": {"precision": round(float(irrelevant.mean()), 3), "recall": 1.0},
           "baseline_flag_nothing": {"precision": None, "recall": 0.0}}
    choose = threshold_for_precision(0.90)
    variants = {"structural+lexical (shipped: brand-agnostic)": Blocks(reply, names=names, extra_weight=1.0),
                "embedding+structural+lexical (not shipped: learns the railway topic)": Blocks(reply, emb, names=names)}
    for name, data in variants.items():
        s, thr, lams = nested_cv(data, yr, 1, auc0, choose)
        prec, rec, f1, fpr = prf(irrelevant, s[:, 0] >= thr)
        rel[name] = {"auc": round(auc(irrelevant, s[:, 0]), 3), "precision": round(prec, 3),
                     "recall": round(rec, 3), "f1": round(f1, 3), "lambda_chosen": lams}
        log(f"relevance {name}: {rel[name]}")
    rhead, lam = final_head(variants["structural+lexical (shipped: brand-agnostic)"], yr, 1, auc0,
                            ["not_relevant"], choose)
    saved.update(rhead.to_arrays("relevance"))
    rel["final"] = {"lambda": lam, "threshold": round(rhead.threshold, 3), "weights": {
        f: round(float(v), 3) for f, v in zip(names, rhead.w_extra[:, 0], strict=True)}}
    # The whole no-reply decision (rules + model) as triage() runs it on a public tweet with no KB article,
    # with the model's scores out of fold (the rules were written without looking at these rows' labels).
    s_oof, thr_oof, _ = nested_cv(variants["structural+lexical (shipped: brand-agnostic)"], yr, 1, auc0, choose)
    decided = np.array([T.no_reply_decision(T.reply_cues(t, brand), None, float(s_oof[i, 0]), float(thr_oof[i]),
                                            "twitter", "public", "Deutsche Bahn")[0] for i, t in enumerate(texts)])
    asks_nothing = np.array([(not r["relevance"]) or (r["sentiment"] == "neutral" and "?" not in r["text"])
                             for r in ge])
    for gold_name, gold in (("not relevant", irrelevant),
                            ("not relevant, or neutral with no question", asks_nothing)):
        rel[f"decision(rules+model) vs {gold_name}"] = dict(zip(
            ("precision", "recall", "f1", "fpr"), (round(v, 3) for v in prf(gold, decided)), strict=True))
    rel["decision_flag_rate"] = round(float(decided.mean()), 3)
    report["relevance"] = rel

    # ---- injection (deepset prompt-injections train, DE+EN; customer messages as training-only benign rows) ------
    from benchmarks.train_injection import train as train_injection

    report["injection"], arrays = train_injection(args.cache, log)
    saved.update(arrays)

    if not args.no_save:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.out, **saved)
        report["saved"] = str(args.out)
    print(json.dumps(report, indent=1, default=float))
    return report


if __name__ == "__main__":
    main()

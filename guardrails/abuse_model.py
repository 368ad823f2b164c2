"""The abuse classifier, the statistical half of the shared abuse detector (the word list is ``guardrails.abuse``).

``classifier_flags(text)`` is a classifier trained on GermEval 2018 training tweets (``benchmarks/bench_abuse.py
--write``): an NB-weighted logistic regression (NB-LR, Wang & Manning 2012) over sublinear TF-IDF hashed
word/bigram/character 3-5-gram features and one over the multilingual USE sentence embedding, stacked; weights ship
in ``checks/data/abuse_model.npz`` (see ``checks/data/README.md``). Texts are folded as the word list folds them.
"""

from __future__ import annotations

import math
import re
import zlib
from functools import lru_cache
from pathlib import Path

from guardrails.abuse import MAX_CHARS, fold

EMBED_CHARS = 1_000  # the classifier's sentence embedding reads at most this much (a long e-mail reply)

# ---- classifier: NB-weighted TF-IDF n-gram LR + USE-embedding LR, stacked (numpy) --------------------------------
# Trained by ``benchmarks/bench_abuse.py --write`` on GermEval 2018 training tweets; weights in one npz.
MODEL = Path(__file__).resolve().parent / "checks" / "data" / "abuse_model.npz"
DIM = 1 << 17
_TOKEN = re.compile(r"[a-zäöüß]+|[!?]+|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
# handles, links and the data set's line-break marker carry no abuse: real messages have other handles and links
# (matched on folded text, where "www" has become "ww")
_NOISE = re.compile(r"@\w+|https?://\S+|\bw{2,3}\.\S+|\|lbr\||#")


def ngrams(text: str) -> list[str]:
    t = _NOISE.sub(" ", fold(text[:MAX_CHARS]))
    feats = []
    words = _TOKEN.findall(t)
    for w in words:
        feats.append("w:" + w)
        g = f"<{w}>"
        for n in (3, 4, 5):
            feats.extend(g[i:i + n] for i in range(max(1, len(g) - n + 1)))
    feats.extend(f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False))
    if sum(1 for c in text if c.isupper()) > 0.5 * max(1, sum(1 for c in text if c.isalpha())):
        feats.append("x:caps")
    return feats


def _h(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & (DIM - 1)


@lru_cache(maxsize=65536)
def _word_features(w: str) -> tuple[int, ...]:
    """The hashed features of one word (the word itself and its character 3-5-grams), as ``ngrams`` makes them."""
    g = f"<{w}>"
    feats = ["w:" + w]
    for n in (3, 4, 5):
        feats.extend(g[i:i + n] for i in range(max(1, len(g) - n + 1)))
    return tuple(map(_h, feats))


def hashed(text: str) -> list[int]:
    """The hashed indices of ``ngrams(text)`` (the same multiset; per-word features cached, so a draft costs a few
    dictionary lookups instead of hashing ~500 strings)."""
    t = _NOISE.sub(" ", fold(text[:MAX_CHARS]))
    words = _TOKEN.findall(t)
    idx: list[int] = []
    for w in words:
        idx.extend(_word_features(w))
    idx.extend(_h(f"b:{a}_{b}") for a, b in zip(words, words[1:], strict=False))
    if sum(1 for c in text if c.isupper()) > 0.5 * max(1, sum(1 for c in text if c.isalpha())):
        idx.append(_h("x:caps"))
    return idx


def tfidf(idx: list[int], idf):
    """Sublinear TF-IDF of a hashed multiset, L2-normalised: ``(unique indices, values)``."""
    import numpy as np

    u, c = np.unique(np.asarray(idx, dtype=np.intp), return_counts=True)
    v = (1.0 + np.log(c)) * idf[u]
    n = float(np.sqrt(v @ v))
    return u, (v / n if n > 0 else v)


def embed_text(text: str) -> str:
    """The text the embedding model reads: the draft with handles, URLs and signature masked (the same text the
    ``no-bare-sorry`` classifier embeds, so one vector serves both rules)."""
    from guardrails.checks.substance_model import embed_text as masked

    return masked(text.replace("|LBR|", " "))


@lru_cache(maxsize=1)
def _model():
    if not MODEL.exists():
        return None
    import numpy as np

    with np.load(MODEL, allow_pickle=False) as z:
        m = {k: z[k] for k in z.files}
    m["ngram_w"] = m["ngram_w"].astype(np.float32)
    m["ngram_idf"] = m["ngram_idf"].astype(np.float32)
    return m


def ngram_logit(text: str) -> float | None:
    """The n-gram model's logit: its weights are the logistic regression's over NB-scaled features (log-count
    ratios folded in, NB-LR), read on the sublinear TF-IDF vector of the text."""
    model = _model()
    if model is None:
        return None
    idx = hashed(text)
    if not idx:
        return float(model["ngram_b"])
    u, v = tfidf(idx, model["ngram_idf"])
    return float(model["ngram_b"]) + float(model["ngram_w"][u] @ v)


def abuse_probability(text: str) -> float | None:
    """P(offensive) from the n-gram model alone (cheap, ~0.1 ms), or None when no weights ship."""
    z = ngram_logit(text)
    return None if z is None else 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def stacked_score(ngram: float, vector) -> float:
    """The stacked logit from the n-gram logit and the USE vector of ``embed_text(text)``."""
    m = _model()
    use = float(vector @ m["use_w"]) + float(m["use_b"])
    a, c, d = (float(v) for v in m["stack"])
    return a * ngram + c * use + d


def abuse_score(text: str, vector=None) -> float | None:
    """Stacked logit (n-gram + embedding models); None without weights or encoder. Pass ``vector`` (the USE
    embedding of ``embed_text(text)``) when the caller already has it."""
    ng = ngram_logit(text)
    if ng is None:
        return None
    if vector is None:
        from guardrails.checks.base import text_embedding

        vector = text_embedding(embed_text(text))
        if vector is None:
            return None
    return stacked_score(ng, vector)


def classifier_flags(text: str, level: str = "balanced") -> bool:
    """True when the classifier reads ``text`` as offensive at the shipped threshold (``balanced``: ≤ 8 % of
    GermEval's OTHER tweets flagged together with the word list, chosen by CV). The embedding is computed only when
    the n-gram logit could still reach the threshold (``gate``: the best the embedding part reached on the
    training tweets), so most drafts cost the n-gram model only (~0.1 ms)."""
    m = _model()
    ng = ngram_logit(text)
    if m is None or ng is None:
        return False
    t = float(m["threshold_" + level])
    a, c, d = (float(v) for v in m["stack"])
    if a * ng + c * float(m["use_max"]) + d < t:
        return False
    from guardrails.checks.base import text_embedding

    # the embedding reads the first EMBED_CHARS (its cost grows faster than the text: 12,000 characters of "a.b."
    # took 0.85 s); the word list and the n-gram model read the whole text
    vector = text_embedding(embed_text(text[:EMBED_CHARS]))
    if vector is None:  # no encoder: the n-gram model alone at its own threshold
        return ng >= float(m["ngram_threshold_" + level])
    return stacked_score(ng, vector) >= t


def thresholds() -> dict[str, float]:
    m = _model()
    return {k[len("threshold_"):]: float(v) for k, v in m.items() if k.startswith("threshold_")} if m else {}

"""Clustering candidate sentences into suggestions (module doc of :mod:`knowledge_base.mining`, step 4):
grouped by article, language, du/Sie and channel, near-duplicates of existing blocks dropped, clustered by
meaning, kept when seen in at least ``min_support`` replies. Nothing is stored here."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from knowledge_base.mining.replies import ApprovedReply
from knowledge_base.mining.sentences import PersonalData, _Candidate, _same, candidates

DEFAULT_MIN_SUPPORT = 2
BLOCK_DUPLICATE = 0.88  # cosine to an existing block above which a sentence is what the block already says
CLUSTER_SIMILARITY = 0.86  # cosine above which two sentences are one suggestion (near-duplicates)


def _cluster(cands: list[_Candidate]) -> list[list[_Candidate]]:
    """Greedy clustering by cosine to each cluster's first sentence (vectors are L2-normalised)."""
    clusters: list[list[_Candidate]] = []
    heads: list[np.ndarray] = []
    for c in cands:
        if heads:
            sims = np.vstack(heads) @ c.vector
            best = int(np.argmax(sims))
            if sims[best] >= CLUSTER_SIMILARITY or any(_same(c.text, o.text) for o in clusters[best]):
                clusters[best].append(c)
                continue
        clusters.append([c])
        heads.append(c.vector)
    return clusters


def mine(replies: list[ApprovedReply], kb, min_support: int = DEFAULT_MIN_SUPPORT,
         policy: Any | None = None) -> list[dict[str, Any]]:
    """Suggested blocks from approved replies, best supported first (nothing is stored)."""
    from assistant.drafting.selection import body_sentences

    personal = PersonalData([v for r in replies for v in r.private_values], policy=policy)
    groups: dict[tuple, list[_Candidate]] = {}
    articles = {a.id: a for a in kb.get_articles({r.article_id for r in replies})}
    for r in replies:
        article = articles.get(r.article_id)
        if article is None:
            continue
        body = [b.text for b in body_sentences(article, r.language)]
        key = (r.article_id, r.language, r.address_form if r.language == "de" else None, r.channel)
        groups.setdefault(key, []).extend(candidates(r, body, personal))
    out: list[dict[str, Any]] = []
    for (article_id, language, form, channel), cands in groups.items():
        if len({c.approval_id for c in cands}) < min_support:
            continue
        article = articles[article_id]
        blocks = [b.text for b in article.blocks if b.language == language]
        vectors = kb.embedder.embed([c.text for c in cands] + blocks)
        for c, v in zip(cands, vectors[:len(cands)], strict=True):
            c.vector = v
        if blocks:
            block_vecs = vectors[len(cands):]
            cands = [c for c in cands if float(np.max(block_vecs @ c.vector)) < BLOCK_DUPLICATE
                     and not any(_same(c.text, b) for b in blocks)]
        for cluster in _cluster(cands):
            support = len({c.approval_id for c in cluster})
            if support < min_support:
                continue
            counts = Counter(c.text for c in cluster)
            text = min(counts, key=lambda t: (-counts[t], len(t)))  # the most common wording, then the shortest
            out.append({"article_id": article_id, "language": language, "address_form": form, "channel": channel,
                        "kind": "answer", "text": text, "support": support,
                        "edited": len({c.approval_id for c in cluster if c.edited}),
                        "variants": list(counts), "approval_ids": sorted({c.approval_id for c in cluster}),
                        "vector": cluster[0].vector})
    out.sort(key=lambda s: (-s["support"], -s["edited"], s["article_id"], s["text"]))
    return out

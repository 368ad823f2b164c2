"""Hybrid retrieval: dense (Chroma) + BM25, fused per article, filtered, one passage per article.

Fusion (measured, benchmarks/README.md "Knowledge base"): an article's score is its best chunk's dense cosine
plus ``LEXICAL_ALPHA`` times its best BM25 score divided by the query's top BM25 score. Dense carries the
multilingual meaning (cross-lingual and colloquial questions), BM25 adds a bounded boost for exact terms. The
cosine is on a calibrated scale, so unlike reciprocal-rank fusion a weak, noisy BM25 list (a German question
over an English article) cannot outvote a clear dense match. RRF stays available (``fusion="rrf"``) for
comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import ConfigDict

from knowledge_base.models import Passage, SearchFilters

Mode = Literal["hybrid", "dense", "bm25"]
RRF_K = 60
CANDIDATES = 60
Fusion = Literal["score", "rrf"]
# Flat optimum 0.1-0.15 on both labelled sets (150 questions, 139 inbox messages); 0 = dense only.
LEXICAL_ALPHA = 0.1


@dataclass
class ChunkMeta:
    article_id: str
    title: str
    language: str
    status: str
    channels: list[str]
    tags: list[str]
    text: str


@dataclass
class RetrievalState:
    """What search needs in memory: chunk metadata and the BM25 index (rebuilt when the KB changes)."""

    chunks: dict[str, ChunkMeta] = field(default_factory=dict)
    lexical: object | None = None
    _article_ids: frozenset[str] | None = None

    @property
    def article_ids(self) -> frozenset[str]:
        if self._article_ids is None:
            self._article_ids = frozenset(m.article_id for m in self.chunks.values())
        return self._article_ids


def _allowed(meta: ChunkMeta, f: SearchFilters) -> bool:
    if f.status != "any" and meta.status != f.status:
        return False
    if f.language and meta.language != f.language:
        return False
    if f.channel and meta.channels and f.channel not in meta.channels:
        return False
    return not (f.tags and not set(f.tags).intersection(meta.tags))


def _best_per_article(state: RetrievalState, ranked: list[tuple[str, float]], filters: SearchFilters
                      ) -> dict[str, tuple[float, str]]:
    best: dict[str, tuple[float, str]] = {}
    for chunk_id, score in ranked:
        meta = state.chunks.get(chunk_id)
        if meta is None or not _allowed(meta, filters):
            continue
        prev = best.get(meta.article_id)
        if prev is None or score > prev[0]:
            best[meta.article_id] = (score, chunk_id)
    return best


def fuse_scores(
    state: RetrievalState,
    dense: list[tuple[str, float]],
    lexical: list[tuple[str, float]],
    filters: SearchFilters,
    k: int,
    mode: Mode = "hybrid",
    alpha: float = LEXICAL_ALPHA,
) -> list[Passage]:
    """Article score = best dense cosine + alpha * best BM25 / top BM25 (see the module doc)."""
    d = _best_per_article(state, dense, filters) if mode != "bm25" else {}
    lex = _best_per_article(state, lexical, filters) if mode != "dense" else {}
    top_lex = max((v[0] for v in lex.values()), default=0.0) or 1.0
    floor = min((v[0] for v in d.values()), default=0.0)  # an article only BM25 found: as the weakest dense
    scores: dict[str, float] = {}
    for article_id in set(d) | set(lex):
        dense_part = d[article_id][0] if article_id in d else floor
        lex_part = lex[article_id][0] / top_lex if article_id in lex else 0.0
        if mode == "dense":
            scores[article_id] = dense_part
        elif mode == "bm25":
            scores[article_id] = lex_part
        else:
            scores[article_id] = (dense_part + alpha * lex_part) / (1.0 + alpha)
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    # BM25 grows with the corpus (idf ~ log N): divided by log(1 + chunks) it is comparable across KB sizes
    idf_scale = math.log1p(len(state.chunks)) or 1.0
    out = []
    for article_id, score in ordered:
        chunk_id = (d.get(article_id) or lex[article_id])[1]
        meta = state.chunks[chunk_id]
        out.append(Passage(article_id=article_id, chunk_id=chunk_id, title=meta.title, language=meta.language,
                           text=meta.text, score=round(score, 4), tags=meta.tags,
                           similarity=round(d[article_id][0], 4) if article_id in d else None,
                           lexical=round(lex[article_id][0] / idf_scale, 4) if article_id in lex else 0.0))
    return out


def fuse(
    state: RetrievalState,
    dense: list[tuple[str, float]],
    lexical: list[tuple[str, float]],
    filters: SearchFilters,
    k: int,
    mode: Mode = "hybrid",
    dense_weight: float = 1.0,
    lexical_weight: float = 1.0,
    rrf_k: int = RRF_K,
) -> list[Passage]:
    """Reciprocal-rank fusion over *articles* (each article's best chunk rank counts once per list).

    The baseline the default :func:`fuse_scores` is measured against (benchmarks/bench_kb_retrieval.py).
    """
    scores: dict[str, float] = {}
    best_chunk: dict[str, tuple[float, str]] = {}
    similarity: dict[str, float] = {}
    for chunk_id, sim in dense:
        meta = state.chunks.get(chunk_id)
        if meta is not None:
            similarity[meta.article_id] = max(similarity.get(meta.article_id, -1.0), sim)
    lists = []
    if mode in ("hybrid", "dense"):
        lists.append((dense, dense_weight))
    if mode in ("hybrid", "bm25"):
        lists.append((lexical, lexical_weight))
    for ranked, weight in lists:
        rank = 0
        seen: set[str] = set()
        for chunk_id, _score in ranked:
            meta = state.chunks.get(chunk_id)
            if meta is None or not _allowed(meta, filters) or meta.article_id in seen:
                continue
            seen.add(meta.article_id)
            rank += 1
            contribution = weight / (rrf_k + rank)
            scores[meta.article_id] = scores.get(meta.article_id, 0.0) + contribution
            prev = best_chunk.get(meta.article_id)
            if prev is None or contribution > prev[0]:
                best_chunk[meta.article_id] = (contribution, chunk_id)
    # Normalise to 0..1 (1 = ranked first in every list used).
    top = sum(w for _, w in lists) / (rrf_k + 1)
    ordered = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:k]
    out = []
    for article_id, score in ordered:
        chunk_id = best_chunk[article_id][1]
        meta = state.chunks[chunk_id]
        out.append(Passage(article_id=article_id, chunk_id=chunk_id, title=meta.title, language=meta.language,
                           text=meta.text, score=round(score / top, 4), tags=meta.tags,
                           similarity=round(similarity[article_id], 4) if article_id in similarity else None))
    return out


def langchain_retriever(kb, k: int = 5, filters: SearchFilters | None = None):
    """Our hybrid retriever as a LangChain ``BaseRetriever`` (for chains that want one)."""
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

    class ReplydeskRetriever(BaseRetriever):
        model_config = ConfigDict(arbitrary_types_allowed=True)
        knowledge_base: object
        k: int = 5
        filters: SearchFilters | None = None

        def _get_relevant_documents(self, query: str, *, run_manager=None) -> list[Document]:
            return [
                Document(page_content=p.text, metadata={"article_id": p.article_id, "chunk_id": p.chunk_id,
                                                         "title": p.title, "language": p.language, "score": p.score})
                for p in self.knowledge_base.search(query, self.filters, self.k)
            ]

    return ReplydeskRetriever(knowledge_base=kb, k=k, filters=filters)


def as_vector(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float32).reshape(-1)

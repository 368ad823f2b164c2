"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, filtered, one passage per article."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import ConfigDict

from knowledge_base.models import Passage, SearchFilters

Mode = Literal["hybrid", "dense", "bm25"]
RRF_K = 60
CANDIDATES = 60
# Dense retrieval carries the multilingual meaning (cross-lingual, colloquial); BM25 is the tie-breaker for exact
# terms. Measured on the demo question set and inbox (benchmarks/README.md): 0.5 beats 1.0 on both.
DENSE_WEIGHT, LEXICAL_WEIGHT = 1.0, 0.5


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


def _allowed(meta: ChunkMeta, f: SearchFilters) -> bool:
    if f.status != "any" and meta.status != f.status:
        return False
    if f.language and meta.language != f.language:
        return False
    if f.channel and meta.channels and f.channel not in meta.channels:
        return False
    return not (f.tags and not set(f.tags).intersection(meta.tags))


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
    """Reciprocal-rank fusion over *articles* (each article's best chunk rank counts once per list)."""
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

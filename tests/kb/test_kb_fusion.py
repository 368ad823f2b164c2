"""Fusion of the dense and BM25 candidate lists (pure functions over a hand-built retrieval state)."""

from __future__ import annotations

from knowledge_base.models import SearchFilters
from knowledge_base.retrieval import ChunkMeta, RetrievalState, fuse, fuse_scores


def _state() -> RetrievalState:
    st = RetrievalState()
    for cid, aid, lang, status, channels in [
        ("a#0", "a", "de", "published", []), ("a#1", "a", "de", "published", []),
        ("b#0", "b", "en", "published", []), ("c#0", "c", "en", "published", ["email"]),
        ("d#0", "d", "de", "draft", []),
    ]:
        st.chunks[cid] = ChunkMeta(aid, aid.upper(), lang, status, channels, [], f"text of {cid}")
    return st


def test_clear_dense_match_is_not_outvoted_by_noisy_bm25():
    dense = [("a#1", 0.82), ("a#0", 0.80), ("b#0", 0.41), ("c#0", 0.40)]
    lexical = [("c#0", 12.0), ("b#0", 11.5)]  # e.g. a German question: BM25 only hits stray shared words
    hits = fuse_scores(_state(), dense, lexical, SearchFilters(), 3)
    assert [h.article_id for h in hits] == ["a", "b", "c"]
    assert hits[0].chunk_id == "a#1" and hits[0].similarity == 0.82  # best chunk, one passage per article
    # reciprocal-rank fusion lets the two BM25 hits tie with the dense winner's single first place
    assert fuse(_state(), dense, lexical, SearchFilters(), 3)[0].article_id != "a"


def test_bm25_breaks_a_dense_near_tie_and_a_bm25_only_article_starts_at_the_weakest_dense_score():
    dense = [("b#0", 0.61), ("a#0", 0.60)]
    lexical = [("a#0", 9.0), ("c#0", 3.0)]
    hits = fuse_scores(_state(), dense, lexical, SearchFilters(), 5)
    assert [h.article_id for h in hits] == ["a", "c", "b"]  # c: 0.60 + 0.1 * 3/9 > b: 0.61
    assert hits[1].similarity is None  # found by BM25 only
    assert all(0 <= h.score <= 1 for h in hits)


def test_filters_apply_before_fusion():
    dense = [("d#0", 0.9), ("a#0", 0.7), ("c#0", 0.6), ("b#0", 0.5)]
    ids = lambda f: [h.article_id for h in fuse_scores(_state(), dense, [], f, 5)]  # noqa: E731
    assert ids(SearchFilters()) == ["a", "c", "b"]  # the draft is not served
    assert ids(SearchFilters(status="any"))[0] == "d"
    assert ids(SearchFilters(language="en")) == ["c", "b"]
    assert ids(SearchFilters(channel="twitter")) == ["a", "b"]  # c is e-mail only
    assert fuse_scores(_state(), [], [], SearchFilters(), 5) == []

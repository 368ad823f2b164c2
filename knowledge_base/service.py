"""The knowledge-base facade the rest of replydesk uses: store, incremental index sync, hybrid search.

Split by responsibility: the index sync and status live in :mod:`knowledge_base.indexing` (mixed in here, its
names re-exported), the article store in :mod:`knowledge_base.store`; this module keeps the facade, the
article cache and the in-memory retrieval state.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable

from sqlalchemy import select

from knowledge_base.embeddings import Embedder, get_embedder
from knowledge_base.indexing import STALE_SYNC_SECONDS, IndexStatus, IndexSync, SyncReport, _sync_is_alive
from knowledge_base.models import Article, ArticleIn, Passage, SearchFilters
from knowledge_base.orm import ArticleRow, ChunkRow, KbMeta
from knowledge_base.retrieval import ChunkMeta, Mode, RetrievalState, fuse_scores, langchain_retriever
from knowledge_base.store import SYSTEM, Actor, KnowledgeStore
from knowledge_base.vectors import ChromaStore
from replydesk.db import Database

__all__ = ["QUERY_CACHE", "REFRESH_SECONDS", "STALE_SYNC_SECONDS", "SYNC_REBUILD_MAX_CHUNKS", "IndexStatus",
           "KnowledgeBase", "SyncReport", "VersionConflict", "_sync_is_alive", "clean_query"]

_NOISE = re.compile(r"https?://\S+|(?<!\w)@\w+|#(?=\w)|[\U0001F000-\U0001FAFF\u2600-\u27BF]")


def clean_query(text: str) -> str:
    """Social-media noise out of a query: handles, URLs, emoji, the '#' of hashtags."""
    cleaned = _NOISE.sub(" ", text)
    return cleaned if cleaned.strip() else text


# How stale another process's edit may look here (BM25, chunk metadata and article cache are per process).
REFRESH_SECONDS = 0.5
# Up to this many chunks a rebuild takes well under half a second, so this process's own edits are searchable
# at once; above it (10k articles = 112k chunks, ~4-9 s) the old state keeps serving while a thread rebuilds.
SYNC_REBUILD_MAX_CHUNKS = 10_000
QUERY_CACHE = 2048  # recent query vectors kept (a message is embedded once for search and block scoring)


class VersionConflict(ValueError):
    """The article changed since the caller read it (optimistic concurrency)."""

    def __init__(self, article_id: str, expected: int, current: int) -> None:
        super().__init__(f"article {article_id!r} is now v{current}, not v{expected}: reload it first")
        self.article_id, self.expected, self.current = article_id, expected, current


class KnowledgeBase(IndexSync):
    _instances: dict[tuple[str, str], KnowledgeBase] = {}
    _lock = threading.Lock()

    def __init__(self, db: Database, settings=None, embedder: Embedder | None = None) -> None:
        from replydesk.settings import get_settings

        self.db = db
        self.settings = settings or get_settings()
        self.embedder = embedder or get_embedder(self.settings)
        self.store = KnowledgeStore(db)
        self.vectors = ChromaStore(self.settings, self.embedder.name)
        self._state: RetrievalState | None = None
        self._state_rev: tuple = ()
        self._token: str | None = None
        self._token_checked = -1e9
        self._tokens: dict[str, tuple[str, list[str]]] = {}
        self._build_lock = threading.Lock()
        self._building = False
        self._wanted: tuple = ()
        self._status: tuple[tuple, IndexStatus] | None = None
        self._articles_cache: dict[str, Article] = {}
        self._sync_lock = threading.Lock()
        self._query_vectors: dict[str, object] = {}
        self._candidates: dict[tuple, tuple[list, list]] = {}

    @classmethod
    def open(cls, db: Database, settings=None) -> KnowledgeBase:
        """One instance per database and Chroma location in a process (the model and indexes are shared)."""
        from replydesk.settings import get_settings

        settings = settings or get_settings()
        key = (db.url, settings.chroma_url or str(settings.chroma_path.resolve()))
        with cls._lock:
            kb = cls._instances.get(key)
            if kb is None or kb.db is not db:
                kb = cls(db, settings)
                cls._instances[key] = kb
            return kb

    # ---- articles --------------------------------------------------------------------------------
    def get_article(self, article_id: str) -> Article | None:
        self._fresh()
        if article_id not in self._articles_cache:
            article = self.store.get(article_id)
            if article is None:
                return None
            self._articles_cache[article_id] = article
        return self._articles_cache[article_id]

    def has_article(self, article_id: str) -> bool:
        """Is this an indexed article id (no database round trip)?"""
        return article_id in self._fresh().article_ids

    def get_articles(self, ids: Iterable[str]) -> list[Article]:
        self._fresh()
        ids = list(ids)
        missing = [i for i in ids if i not in self._articles_cache]
        for article in self.store.get_many(missing) if missing else []:
            self._articles_cache[article.id] = article
        return [self._articles_cache[i] for i in ids if i in self._articles_cache]

    def save(self, article: ArticleIn, actor: Actor = SYSTEM) -> Article:
        """Save one article and re-embed only its chunks."""
        saved = self.store.save(article, actor)
        self.sync([article.id])
        return saved

    def delete(self, article_id: str, actor: Actor = SYSTEM) -> None:
        self.store.delete(article_id, actor)
        self.sync([article_id])

    def rollback(self, article_id: str, version: int, actor: Actor = SYSTEM,
                 expected_version: int | None = None) -> Article:
        """Make ``version`` current again (as a new version) and re-index it.

        ``expected_version``: the version the caller is looking at; when the article has moved on since (another
        trainer saved or rolled back), :class:`VersionConflict` is raised and nothing changes. The returned
        article is read fresh from the store (never a cached copy), so a page can show it at once."""
        if expected_version is not None:
            current = self.store.get(article_id)
            if current is not None and current.version != expected_version:
                raise VersionConflict(article_id, expected_version, current.version)
        article = self.store.rollback(article_id, version, actor)
        self._articles_cache.pop(article_id, None)
        self.sync([article_id])
        return article

    def import_path(self, path, actor: Actor = SYSTEM):
        """Validate all, write all in one transaction, then sync the index (all-or-nothing)."""
        from knowledge_base.io import load_path

        articles = load_path(path)
        change = self.store.save_many(articles, actor)
        # Every imported article, the unchanged too: importing again repairs an index a killed import left
        # incomplete (chunks are compared by hash and by id with Chroma; only what is missing is embedded).
        self.sync(change.created + change.updated + change.unchanged)
        return change

    # ---- search ----------------------------------------------------------------------------------
    def _shared_token(self) -> str | None:
        """The KB's change token in SQL, re-read at most every REFRESH_SECONDS (other processes' edits)."""
        now = time.monotonic()
        if now - self._token_checked >= REFRESH_SECONDS:
            with self.db.session() as s:
                row = s.get(KbMeta, "revision")
                self._token = row.value if row else None
            self._token_checked = now
        return self._token

    def _fresh(self) -> RetrievalState:
        """The in-memory retrieval state (chunk metadata + BM25), rebuilt when the KB changed.

        A change made in this process is rebuilt before the next search (the editor sees it at once) while the KB
        is small. A change seen through the shared token (another worker/replica), or any change in a big KB, is
        rebuilt in a background thread while the previous state keeps serving: at 10k articles a rebuild takes
        seconds, a drafting request must not wait for it.
        """
        local_change = not self._state_rev or self._state_rev[0] != self.store.revision
        if local_change:
            self._token_checked = -1e9  # a write in this process: read the new token now, rebuild once
        key = (self.store.revision, self._shared_token())
        if self._state is not None and self._state_rev == key:
            return self._state
        self._articles_cache = {}
        if self._state is None or (local_change and len(self._state.chunks) <= SYNC_REBUILD_MAX_CHUNKS):
            with self._build_lock:
                if self._state is None or self._state_rev != key:
                    self._state, self._state_rev = self._build_state(), key
            return self._state
        self._wanted = key
        if not self._building:
            self._building = True
            threading.Thread(target=self._build_in_background, daemon=True).start()
        return self._state

    def _build_in_background(self) -> None:
        try:
            while True:
                key = self._wanted
                state = self._build_state()
                with self._build_lock:
                    if self._wanted == key:  # else the KB changed again while building: build once more
                        self._state, self._state_rev = state, key
                        self._articles_cache = {}
                        return
        finally:
            self._building = False

    def _build_state(self) -> RetrievalState:
        from knowledge_base.lexical import LexicalIndex, tokenize

        with self.db.session() as s:
            arts = {r.id: r for r in s.execute(select(
                ArticleRow.id, ArticleRow.title, ArticleRow.language, ArticleRow.status, ArticleRow.channels,
                ArticleRow.tags))}
            chunks = s.execute(select(ChunkRow.id, ChunkRow.article_id, ChunkRow.text)).all()
        state = RetrievalState()
        tokens: dict[str, tuple[str, list[str]]] = {}
        for cid, aid, text in chunks:
            a = arts.get(aid)
            if a is None:
                continue
            state.chunks[cid] = ChunkMeta(aid, a.title, a.language, a.status, list(a.channels or []),
                                          list(a.tags or []), text)
            cached = self._tokens.get(cid)
            tokens[cid] = cached if cached is not None and cached[0] == text else (text, tokenize(text))
        self._tokens = tokens  # only changed chunks are tokenized again next time
        ids = list(state.chunks)
        state.lexical = LexicalIndex(ids, tokens=[tokens[i][1] for i in ids])
        return state

    def candidates(self, query: str, n: int = 60, mode: Mode = "hybrid") -> tuple[list, list]:
        """The ranked (chunk_id, score) lists of the dense and the BM25 side, before filters and fusion.

        Remembered briefly per query, so searching the same message again with other filters (a topic the
        customer's record points at) costs no second vector query."""
        state = self._fresh()
        key = (query, n, mode, self._state_rev)
        hit = self._candidates.get(key)
        if hit is not None:
            return hit
        dense: list = []
        lexical: list = []
        if mode in ("hybrid", "dense"):
            dense = self.vectors.query(self.embed_queries([query])[0], n)
        if mode in ("hybrid", "bm25"):
            lexical = state.lexical.search(query, n)
        if len(self._candidates) > 256:
            self._candidates.clear()
        self._candidates[key] = (dense, lexical)
        return dense, lexical

    def embed_queries(self, queries: list[str]) -> list:
        """Query vectors in one model call, remembered briefly (the drafter scores blocks with the same vector)."""
        missing = list(dict.fromkeys(q for q in queries if q not in self._query_vectors))
        if missing:
            vecs = self.embedder.embed(missing)
            if len(self._query_vectors) > QUERY_CACHE:
                self._query_vectors.clear()
            self._query_vectors.update(zip(missing, vecs, strict=True))
        return [self._query_vectors[q] for q in queries]

    def forget_queries(self) -> None:
        """Drop remembered query vectors and candidates (benchmarks: every message measured cold)."""
        self._query_vectors.clear()
        self._candidates.clear()

    def search(self, query: str, filters: SearchFilters | None = None, k: int = 5,
               mode: Mode = "hybrid", depth: int | None = None) -> list[Passage]:
        """The k best articles; ``depth`` chunks are looked at per side (more for narrow filters such as a tag)."""
        filters = filters or SearchFilters()
        query = clean_query(query)
        state = self._fresh()
        if not query.strip() or not state.chunks:
            return []
        dense, lexical = self.candidates(query, depth or max(60, k * 10), mode)
        return fuse_scores(state, dense, lexical, filters, k, mode)

    def as_langchain_retriever(self, k: int = 5, filters: SearchFilters | None = None):
        return langchain_retriever(self, k=k, filters=filters)

    def stats(self) -> str:
        st = self.index_status()
        return json.dumps(st.model_dump())

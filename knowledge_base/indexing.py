"""Index sync of the knowledge base: Chroma and the chunk table brought in line with the SQL articles, only
changed chunks embedded, repair of what a killed sync left behind, and the index status.

A mixin of :class:`knowledge_base.service.KnowledgeBase` (which holds the database, the store, the embedder and
the vector store); kept apart so each module has one job.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import uuid
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import delete, func, insert, select

from knowledge_base.chunking import Chunk, chunk_article
from knowledge_base.models import Article
from knowledge_base.orm import ArticleRow, ChunkRow, KbMeta
from knowledge_base.store import bump_revision
from replydesk.db import utcnow

# A pending sync marker of another machine older than this belongs to a sync that died (a local one is checked by
# its process id at once).
STALE_SYNC_SECONDS = 3600


def _sync_is_alive(host: str, m_host: str, m_pid: str, at: str) -> bool:
    if m_host == host:
        try:
            os.kill(int(m_pid), 0)
        except (ValueError, ProcessLookupError):
            return False
        except PermissionError:
            return True
        return True
    try:
        started = datetime.fromisoformat(at)
    except ValueError:
        return False
    return (utcnow() - started).total_seconds() < STALE_SYNC_SECONDS


class SyncReport(BaseModel):
    articles: int
    chunks: int
    embedded: int
    removed: int
    seconds: float


class IndexStatus(BaseModel):
    articles: int
    chunks_indexed: int
    stale_articles: list[str]
    vectors: int
    missing_vectors: int = 0  # chunk rows whose vector is not in Chroma (the next sync re-embeds them)
    last_sync: str | None
    embedder: str


class IndexSync:
    """Sync, reindex and status; expects ``db``, ``store``, ``embedder``, ``vectors``, ``_sync_lock``, ``_status``,
    ``_token_checked`` and ``_shared_token()`` on the class it is mixed into."""

    def _begin_sync(self, ids: list[str] | None) -> tuple[str, list[str], set[str] | None]:
        """Record this sync as pending (committed at once, removed when the sync commits) and collect what
        syncs killed before they committed (``kill -9``) left behind.

        Returns (this sync's marker key, the abandoned markers' keys, the abandoned syncs' article ids; None
        means an abandoned full sync: check everything). A marker is abandoned when its process on this machine
        is gone, or, for other machines, when it is older than STALE_SYNC_SECONDS."""
        host = socket.gethostname()
        key = f"sync:{host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        abandoned: list[str] = []
        todo: set[str] | None = set()
        self._live_syncs: set[str] | None = set()  # article ids other live syncs are working on (None: all)
        with self.db.transaction() as s:
            for row in s.scalars(select(KbMeta).where(KbMeta.key.like("sync:%"))):
                try:
                    info = json.loads(row.value)
                    _, m_host, m_pid, _ = row.key.split(":", 3)
                except ValueError:
                    info, m_host, m_pid = {"ids": None, "at": ""}, "", "0"
                if _sync_is_alive(host, m_host, m_pid, info.get("at", "")):
                    if self._live_syncs is not None:
                        self._live_syncs = None if info.get("ids") is None else self._live_syncs | set(info["ids"])
                    continue
                abandoned.append(row.key)
                if todo is not None:
                    todo = None if info.get("ids") is None else todo | set(info["ids"])
            s.add(KbMeta(key=key, value=json.dumps({"ids": ids, "at": utcnow().isoformat()})))
        return key, abandoned, todo

    def _lost_in_index(self, s) -> set[str]:
        """Articles whose index is incomplete, found cheaply (no chunking, no embedding): articles without any
        chunk row, and chunk rows without their vector in Chroma or vectors without their row (the id sets are
        compared only when the counts differ). Articles another live sync is working on are left to it."""
        if self._live_syncs is None:
            return set()
        found = set(s.scalars(select(ArticleRow.id).where(~ArticleRow.id.in_(select(ChunkRow.article_id)))))
        rows = s.scalar(select(func.count()).select_from(ChunkRow)) or 0
        if rows != self.vectors.count():
            sql_ids = dict(s.execute(select(ChunkRow.id, ChunkRow.article_id)).all())
            vector_ids = self.vectors.ids()
            found |= {sql_ids[c] for c in set(sql_ids) - vector_ids}
            orphans = vector_ids - set(sql_ids)
            articles = set(s.scalars(select(ArticleRow.id)))
            owners = {c.rsplit("#", 1)[0] for c in orphans}
            found |= owners & articles  # their sync removes the orphans
            self.vectors.delete(sorted(c for c in orphans if c.rsplit("#", 1)[0] not in articles))
        return found - self._live_syncs

    def sync(self, article_ids: Iterable[str] | None = None) -> SyncReport:
        """Bring Chroma and the chunk table in line with SQL; only changed chunks are embedded.

        ``article_ids`` limits the work to those articles (after an edit); None checks every article. Either way
        the sync also repairs what a killed sync left behind (issue 12 item 12): the articles of syncs that never
        committed (their pending marker is still there), articles without chunks, and chunk rows whose vector is
        missing in Chroma — found by a cheap id comparison, so an edit stays fast.
        """
        start = time.perf_counter()
        with self._sync_lock:
            ids = None if article_ids is None else list(dict.fromkeys(article_ids))
            marker, abandoned, todo = self._begin_sync(ids)
            try:
                return self._sync(ids, marker, abandoned, todo, start)
            except BaseException:
                with contextlib.suppress(Exception), self.db.transaction() as s:
                    s.execute(delete(KbMeta).where(KbMeta.key == marker))
                raise

    def _sync(self, ids, marker, abandoned, todo, start) -> SyncReport:
        with self.db.transaction() as s:
            if ids is not None:
                extra = self._lost_in_index(s) | (todo or set())
                ids = None if todo is None else list(dict.fromkeys([*ids, *sorted(extra)]))
            q = select(ArticleRow)
            cq = select(ChunkRow.id, ChunkRow.content_hash, ChunkRow.article_id)
            if ids is not None:
                q = q.where(ArticleRow.id.in_(ids))
                cq = cq.where(ChunkRow.article_id.in_(ids))
            rows = s.scalars(q).all()
            existing = {cid: h for cid, h, _ in s.execute(cq)}
            if ids is None and self.vectors.count() == 0 and existing:
                # The vector store lost everything (new Chroma dir, server reset): rebuild it from SQL.
                existing = {}
                s.execute(delete(ChunkRow))
                self.vectors.reset()
            vector_ids = self.vectors.ids(ids)
            wanted: dict[str, Chunk] = {}
            meta: dict[str, dict] = {}
            for row in rows:
                article = Article.model_validate(row, from_attributes=True)
                for chunk in chunk_article(article):
                    wanted[chunk.id] = chunk
                    meta[chunk.id] = {"article_id": row.id, "language": row.language, "status": row.status}
            # Re-embed what changed and what has a row but no vector (a write to Chroma lost, a killed sync).
            changed = [c for cid, c in wanted.items()
                       if existing.get(cid) != c.content_hash or cid not in vector_ids]
            removed = [cid for cid in existing if cid not in wanted]
            # Vectors without a chunk row (a deleted article's rows cascade away first) are orphans.
            orphans = vector_ids - set(wanted) - set(removed)
            self.vectors.delete(sorted(orphans))
            if changed:
                unique = list(dict.fromkeys(c.text for c in changed))  # shared blocks: embed each text once
                at = {text: i for i, text in enumerate(unique)}
                vectors = self.embedder.embed(unique)[[at[c.text] for c in changed]]
                self.vectors.upsert([c.id for c in changed], vectors, [meta[c.id] for c in changed])
                now = utcnow()
                # Bulk: replace the changed rows (one DELETE per 500 ids + one executemany INSERT; a merge per
                # chunk costs a SELECT each and made a 10k-article index spend minutes in SQL).
                stale_rows = [c.id for c in changed if c.id in existing]
                for i in range(0, len(stale_rows), 500):
                    s.execute(delete(ChunkRow).where(ChunkRow.id.in_(stale_rows[i:i + 500])))
                s.execute(insert(ChunkRow), [
                    {"id": c.id, "article_id": c.article_id, "position": c.position, "text": c.text,
                     "content_hash": c.content_hash, "indexed_at": now} for c in changed])
            if removed:
                self.vectors.delete(removed)
                for i in range(0, len(removed), 500):
                    s.execute(delete(ChunkRow).where(ChunkRow.id.in_(removed[i:i + 500])))
            s.execute(delete(KbMeta).where(KbMeta.key.in_([marker, *abandoned])))
            s.merge(KbMeta(key="last_sync", value=utcnow().isoformat()))
            bump_revision(s)
        self.store.revision += 1
        return SyncReport(articles=len(rows), chunks=len(wanted), embedded=len(changed),
                          removed=len(removed) + len(orphans),
                          seconds=round(time.perf_counter() - start, 4))

    def reindex(self) -> SyncReport:
        """Rebuild the whole index from SQL."""
        with self._sync_lock, self.db.transaction() as s:
            s.execute(delete(ChunkRow))
            self.vectors.reset()
        return self.sync()

    def index_status(self) -> IndexStatus:
        """Stale articles (SQL content whose chunks are not indexed as they are now), counts, last sync.

        Re-chunking every article takes a while at 10k articles, so the result is kept until the KB's change
        token moves (every write and every sync moves it, in any process).
        """
        self._token_checked = -1e9
        key = (self.store.revision, self._shared_token())
        vectors = self.vectors.count()
        if self._status is not None and self._status[0] == key and self._status[1].vectors == vectors:
            return self._status[1]
        with self.db.session() as s:
            rows = s.scalars(select(ArticleRow)).all()
            indexed = {cid: h for cid, h in s.execute(select(ChunkRow.id, ChunkRow.content_hash))}
            last = s.get(KbMeta, "last_sync")
        missing = len(set(indexed) - self.vectors.ids())
        stale = []
        for row in rows:
            chunks = chunk_article(Article.model_validate(row, from_attributes=True))
            if any(indexed.get(c.id) != c.content_hash for c in chunks):
                stale.append(row.id)
        status = IndexStatus(articles=len(rows), chunks_indexed=len(indexed), stale_articles=stale,
                             vectors=vectors, missing_vectors=missing, last_sync=last.value if last else None,
                             embedder=self.embedder.name)
        self._status = (key, status)
        return status

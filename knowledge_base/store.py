"""The versioned article store: SQL is the source of truth; every edit writes an immutable version."""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from knowledge_base.models import Article, ArticleIn
from knowledge_base.orm import ArticleRow, ArticleVersionRow, KbMeta
from replydesk.db import Database, utcnow

EDITOR_ROLES = frozenset({"trainer", "admin"})


class Actor(BaseModel):
    """Who makes a change. ``roles`` None means a trusted process (CLI import, demo loader)."""

    username: str = "system"
    roles: list[str] | None = None


SYSTEM = Actor()


class ArticleNotFound(LookupError):
    pass


class VersionInfo(BaseModel):
    version: int
    action: str
    created_at: Any
    created_by: str | None
    title: str


class StoreChange(BaseModel):
    created: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)


def bump_revision(s) -> None:
    """Mark the KB as changed for every process (caches in other workers/replicas compare this token)."""
    s.merge(KbMeta(key="revision", value=uuid.uuid4().hex))


def _check(actor: Actor) -> None:
    if actor.roles is not None and not EDITOR_ROLES.intersection(actor.roles):
        raise PermissionError(
            f"{actor.username} may not edit the knowledge base: only trainers and admins can (roles: "
            f"{', '.join(actor.roles) or 'none'})"
        )


def _content(article: ArticleIn) -> dict[str, Any]:
    return ArticleIn.model_validate(article.model_dump()).model_dump(mode="json")


def _to_article(row: ArticleRow) -> Article:
    return Article(
        id=row.id, title=row.title, body=row.body, language=row.language, tags=list(row.tags or []),
        channels=list(row.channels or []), blocks=row.blocks or [], questions=list(row.questions or []),
        status=row.status, owner=row.owner,
        followup_days=row.followup_days, version=row.version, updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def _apply(row: ArticleRow, content: dict[str, Any]) -> None:
    for key in ("title", "body", "language", "tags", "channels", "blocks", "questions", "status", "owner",
                "followup_days"):
        setattr(row, key, content[key])


def _row_content(row: ArticleRow) -> dict[str, Any]:
    return _content(ArticleIn.model_validate(_to_article(row).model_dump(exclude={"version", "updated_at", "updated_by"})))


class KnowledgeStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.revision = 0  # bumped on every write in this process; other processes see the KbMeta token

    # ---- reads -----------------------------------------------------------------------------------
    def get(self, article_id: str) -> Article | None:
        with self.db.session() as s:
            row = s.get(ArticleRow, article_id)
            return _to_article(row) if row else None

    def get_many(self, ids: Iterable[str]) -> list[Article]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        with self.db.session() as s:
            rows = {r.id: r for r in s.scalars(select(ArticleRow).where(ArticleRow.id.in_(ids)))}
        return [_to_article(rows[i]) for i in ids if i in rows]

    def list(self, *, language: str | None = None, status: str | None = None, text: str | None = None,
             tag: str | None = None) -> list[Article]:
        q = select(ArticleRow).order_by(ArticleRow.id)
        if language:
            q = q.where(ArticleRow.language == language)
        if status:
            q = q.where(ArticleRow.status == status)
        if text:
            like = f"%{text.lower()}%"
            q = q.where(func.lower(ArticleRow.title).like(like) | func.lower(ArticleRow.id).like(like))
        with self.db.session() as s:
            out = [_to_article(r) for r in s.scalars(q)]
        if tag:
            out = [a for a in out if tag in a.tags]
        return out

    def count(self) -> int:
        with self.db.session() as s:
            return s.scalar(select(func.count()).select_from(ArticleRow)) or 0

    def history(self, article_id: str) -> list[VersionInfo]:
        with self.db.session() as s:
            rows = s.scalars(
                select(ArticleVersionRow).where(ArticleVersionRow.article_id == article_id)
                .order_by(ArticleVersionRow.version.desc())
            ).all()
        return [
            VersionInfo(version=r.version, action=r.action, created_at=r.created_at, created_by=r.created_by,
                        title=r.snapshot.get("title", ""))
            for r in rows
        ]

    def version(self, article_id: str, version: int) -> ArticleIn:
        with self.db.session() as s:
            row = s.scalar(
                select(ArticleVersionRow).where(
                    ArticleVersionRow.article_id == article_id, ArticleVersionRow.version == version
                )
            )
            if row is None:
                raise ArticleNotFound(f"article {article_id!r} has no version {version}")
            return ArticleIn.model_validate(row.snapshot)

    def diff(self, article_id: str, old: int, new: int) -> str:
        """A unified diff of two versions (front matter fields and body)."""
        a, b = self.version(article_id, old), self.version(article_id, new)

        def lines(x: ArticleIn) -> list[str]:
            head = [f"{k}: {v}" for k, v in x.model_dump(mode="json", exclude={"body"}).items()]
            return head + ["---"] + x.body.splitlines()

        return "\n".join(
            difflib.unified_diff(lines(a), lines(b), f"{article_id} v{old}", f"{article_id} v{new}", lineterm="")
        )

    # ---- writes ----------------------------------------------------------------------------------
    def _write(self, s, article: ArticleIn, actor: Actor, action: str) -> str:
        content = _content(article)
        row = s.get(ArticleRow, article.id)
        if row is None:
            row = ArticleRow(id=article.id, version=0)
            _apply(row, content)
            s.add(row)
            result = "created"
        else:
            if _row_content(row) == content:
                return "unchanged"
            _apply(row, content)
            result = "updated"
        last = s.scalar(
            select(func.max(ArticleVersionRow.version)).where(ArticleVersionRow.article_id == article.id)
        ) or 0
        row.version = last + 1
        row.updated_at = utcnow()
        row.updated_by = actor.username
        s.add(ArticleVersionRow(article_id=article.id, version=row.version, action=action,
                                snapshot=content, created_by=actor.username))
        bump_revision(s)
        return result

    def save(self, article: ArticleIn, actor: Actor = SYSTEM) -> Article:
        """Create or update one article (a new version only when something changed)."""
        _check(actor)
        with self.db.transaction() as s:
            existed = s.get(ArticleRow, article.id) is not None
            self._write(s, article, actor, "updated" if existed else "created")
        self.revision += 1
        return self.get(article.id)  # type: ignore[return-value]

    def save_many(self, articles: list[ArticleIn], actor: Actor = SYSTEM, action: str = "imported") -> StoreChange:
        """All-or-nothing: every article is written in one transaction, or none is."""
        _check(actor)
        change = StoreChange()
        with self.db.transaction() as s:
            for article in articles:
                getattr(change, self._write(s, article, actor, action)).append(article.id)
        self.revision += 1
        return change

    def delete(self, article_id: str, actor: Actor = SYSTEM) -> None:
        """Delete an article; its history stays (a 'deleted' version records the last content)."""
        _check(actor)
        with self.db.transaction() as s:
            row = s.get(ArticleRow, article_id)
            if row is None:
                raise ArticleNotFound(f"no article {article_id!r}")
            s.add(ArticleVersionRow(article_id=article_id, version=row.version + 1, action="deleted",
                                    snapshot=_row_content(row), created_by=actor.username))
            s.delete(row)
            bump_revision(s)
        self.revision += 1

    def rollback(self, article_id: str, version: int, actor: Actor = SYSTEM) -> Article:
        """Make an old version current again (as a new version; nothing is rewritten)."""
        _check(actor)
        old = self.version(article_id, version)
        with self.db.transaction() as s:
            self._write(s, old, actor, f"rolled_back_to_v{version}")
        self.revision += 1
        return self.get(article_id)  # type: ignore[return-value]

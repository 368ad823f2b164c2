"""Split an article into retrieval chunks by heading and paragraph, each carrying the article's title."""

from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel

from knowledge_base.models import Article, ArticleIn

MAX_CHARS = 700
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")


class Chunk(BaseModel):
    id: str
    article_id: str
    position: int
    text: str
    content_hash: str


def _sections(body: str) -> list[tuple[str, str]]:
    """(heading, text) pairs; text before the first heading has an empty heading."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        m = _HEADING.match(line.strip())
        if m:
            sections.append((m.group(1).strip(), []))
        else:
            sections[-1][1].append(line)
    return [(h, "\n".join(lines).strip()) for h, lines in sections if h or "\n".join(lines).strip()]


def _split_long(text: str) -> list[str]:
    if len(text) <= MAX_CHARS:
        return [text]
    parts, cur = [], ""
    for para in re.split(r"\n\s*\n", text):
        if cur and len(cur) + len(para) > MAX_CHARS:
            parts.append(cur)
            cur = para
        else:
            cur = f"{cur}\n\n{para}" if cur else para
    if cur:
        parts.append(cur)
    return parts


def chunk_article(article: Article | ArticleIn) -> list[Chunk]:
    """Chunks of "title — heading: text". The title goes into every chunk so each stands on its own."""
    pieces: list[str] = []
    for heading, text in _sections(article.body):
        if heading.strip().lower() == article.title.strip().lower() and not text:
            continue
        for part in _split_long(text):
            label = f"{article.title} — {heading}" if heading and heading != article.title else article.title
            pieces.append(f"{label}: {part}" if part else label)
    if not pieces:
        pieces = [article.title]
    # A "what is this about" chunk in the customer's words: title, tags and the acknowledgement/answer blocks
    # (they name the issue in every language the article serves, which also makes retrieval cross-lingual).
    issue = list(dict.fromkeys(b.text for b in article.blocks if b.kind in ("acknowledge", "answer")))
    pieces.append(" ".join([article.title, *article.tags, *issue[:4]]))
    # Each answer block on its own too: a question about one fact of the article (in either language) finds the
    # sentence that states it, however many facts the article has.
    pieces.extend(f"{article.title}: {text}" for text in dict.fromkeys(
        b.text for b in article.blocks if b.kind == "answer"))
    # Short sentences embed best with USE: each acknowledgement on its own, prefixed by the title.
    pieces.extend(f"{article.title}: {text}" for text in dict.fromkeys(
        b.text for b in article.blocks if b.kind == "acknowledge"))
    pieces.extend(f"{article.title}: {q}" for q in dict.fromkeys(article.questions))
    meta = f"{article.language}|{article.status}|{','.join(article.channels)}|{','.join(article.tags)}"
    return [
        Chunk(
            id=f"{article.id}#{i}",
            article_id=article.id,
            position=i,
            text=text,
            content_hash=hashlib.sha256(f"{meta}\n{text}".encode()).hexdigest(),
        )
        for i, text in enumerate(pieces)
    ]

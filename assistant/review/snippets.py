"""Building blocks and knowledge-base answers an agent inserts into the draft at the cursor.

``search`` finds articles through the knowledge base's own hybrid retrieval; ``blocks_for`` lists an article's
reply building blocks that fit the customer's language, form of address and channel, with the placeholders the
customer's record can fill (in public only the first name, as the composer does; other placeholders stay visible
as ``{name}`` for the agent to complete); ``insert_at`` puts a text into the draft at a caret position with
sensible spacing. After an insertion the page adds the article to the guardrails' evidence (its facts are then
grounded, as in a drafted reply) and re-checks.
"""

from __future__ import annotations

from pydantic import BaseModel

from assistant.drafting.placeholders import customer_values, fill
from knowledge_base.models import Article, SearchFilters

KINDS_ORDER = ("acknowledge", "answer", "next_step", "handoff", "followup", "closing")


class Hit(BaseModel):
    article_id: str
    title: str
    language: str
    snippet: str


class Insertable(BaseModel):
    id: str  # "<article id>/<block id>" or "<article id>/#body"
    article_id: str
    kind: str
    text: str
    complete: bool  # every placeholder filled


def search(kb, query: str, language: str | None = None, k: int = 5) -> list[Hit]:
    """Published articles for a free-text query (hybrid retrieval), in the customer's language when given."""
    if not (query or "").strip():
        return []
    passages = kb.search(query, SearchFilters(language=language), k=k)
    return [Hit(article_id=p.article_id, title=p.title, language=p.language, snippet=p.text[:200]) for p in passages]


def _fits(block, language: str | None, form: str | None, channel: str, visibility: str) -> bool:
    if language and block.language != language:
        return False
    if form and block.address_form and block.address_form != form:
        return False
    if block.channels and channel not in block.channels:
        return False
    return not (visibility == "public" and block.channels and set(block.channels) <= {"email", "dm"})


def blocks_for(article: Article, *, language: str | None, address_form: str | None, channel: str,
               visibility: str, customer=None) -> list[Insertable]:
    """The article's building blocks for this customer (language, du/Sie, channel), answers first; when the
    article has no fitting block, its body as a knowledge-base answer."""
    values = customer_values(customer, topic=article.id) if customer is not None else {}
    out: list[Insertable] = []
    fitting = [b for b in article.blocks if _fits(b, language, address_form if language == "de" else None,
                                                  channel, visibility)]
    fitting.sort(key=lambda b: KINDS_ORDER.index(b.kind) if b.kind in KINDS_ORDER else len(KINDS_ORDER))
    for b in fitting:
        filled = fill(b.text, values, public=visibility == "public")
        out.append(Insertable(id=f"{article.id}/{b.id}", article_id=article.id, kind=b.kind,
                              text=filled[0] if filled else b.text, complete=filled is not None))
    if not out and article.body.strip() and (not language or article.language == language):
        body = " ".join(article.body.split())
        out.append(Insertable(id=f"{article.id}/#body", article_id=article.id, kind="article",
                              text=body[:600], complete=True))
    return out


def insert_at(text: str, snippet: str, start: int | None = None, end: int | None = None) -> tuple[str, int]:
    """``snippet`` in place of ``text[start:end]`` (at the end when no caret is known), with one space to each
    side where words would otherwise touch. Returns the new text and the caret after the insertion."""
    n = len(text)
    start = n if start is None else max(0, min(int(start), n))
    end = start if end is None else max(start, min(int(end), n))
    before, after = text[:start], text[end:]
    snippet = snippet.strip()
    if before and not before[-1].isspace():
        snippet = " " + snippet
    if after and not after[0].isspace():
        snippet = snippet + " "
    return before + snippet + after, len(before) + len(snippet)


def evidence_for(article: Article) -> list[str]:
    """What an inserted answer is grounded on (the guardrails' evidence): the article's body and blocks."""
    return [article.title, article.body, *(b.text for b in article.blocks)]

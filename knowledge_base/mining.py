"""Reply building blocks mined from approved replies: learning from what agents wrote.

Agents edit drafts and approve replies. A sentence that agents wrote (or added by editing the draft) in several
approved replies that cite the same article, in the same language, form of address and channel, is a building
block the article is missing. The miner:

1. reads approved replies (approved, being posted, posted) with the draft they started from and the article the
   draft cites (:func:`load_replies`);
2. splits each reply into sentences and drops greetings, sign-offs, short fragments, sentences with personal
   data (the customer's names, handle, e-mail, phone, reference numbers — the pseudonymiser's detection, for
   every customer of the mined replies — and dates, which belong to one customer's case);
3. keeps the sentences an agent wrote, plus body sentences of the cited article the reply kept (a knowledge base
   without blocks learns which body sentences agents approve); the drafter's own texts (its greeting,
   acknowledgement, blocks) are not suggestions;
4. drops sentences that are near-duplicates of the article's blocks (embedding similarity), clusters the rest
   across replies (embedding similarity, greedy) and suggests clusters seen in at least N replies
   (``Settings.block_suggestion_min_support``, default 2), ranked by support.

Suggestions are stored (``kb_block_suggestions``) with status suggested / accepted / dismissed; accepting one
adds the block to its article through the versioned article service (one new version, author kept; trainers
and admins only).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel
from sqlalchemy import select, update

from knowledge_base.models import ArticleIn, ReplyBlock
from knowledge_base.orm import BlockSuggestionRow
from knowledge_base.store import EDITOR_ROLES, SYSTEM, Actor
from replydesk.db import Database, utcnow

DEFAULT_MIN_SUPPORT = 2
MINED_STATES = ("approved", "posting", "posted")  # approved replies (the customer got or gets them)
BLOCK_DUPLICATE = 0.88  # cosine to an existing block above which a sentence is what the block already says
CLUSTER_SIMILARITY = 0.86  # cosine above which two sentences are one suggestion (near-duplicates)
MIN_WORDS = 4
MAX_CHARS = 280

_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_GREETING = re.compile(
    r"^\s*(?:(?:@\w+\s*)*(?:hallo|hi|hey|moin|servus|hello|good (?:morning|afternoon|evening)|"
    r"guten (?:morgen|tag|abend)|sehr geehrte[rs]?|liebe[rs]?|dear)\b[^,!:.?]{0,40}[,!:]\s*)", re.I)
_SIGNOFF = re.compile(r"^\s*(?:viele grüße|vg|mfg|mit freundlichen grüßen|lg|liebe grüße|beste grüße|gruß|grüße|"
                      r"best(?: regards| wishes)?|kind regards|regards|cheers|thanks again|dein|ihr|your|"
                      r"the .{0,30} team|euer)\b", re.I)
_INITIALS = re.compile(r"^[\s^*~–-]*[A-Z]{1,3}[.]?$")  # "^AB", "– AB"
_WORD = re.compile(r"[^\W\d_]{2,}")
_HANDLE = re.compile(r"(?<![\w.])@\w{2,}")
_DATE = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.(?:\d{2,4})?|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}\.\s(?:jan|feb|mär|apr|mai|"
                   r"jun|jul|aug|sep|okt|nov|dez)\w*", re.I)
_TITLE_NAME = re.compile(r"\b(?:Herr|Frau|Herrn|Mr|Mrs|Ms|Miss)\.?\s+[A-ZÄÖÜ][\w-]+")
_NORM = re.compile(r"[^\w]+")


class SuggestionError(ValueError):
    """A suggestion that is not there or was already decided."""


@dataclass
class ApprovedReply:
    """One approved reply as the miner sees it (built by :func:`load_replies`, or by hand in tests)."""

    approval_id: int
    text: str  # what was approved
    article_id: str  # the article the draft cites first
    language: str
    channel: str
    address_form: str | None = None  # du / Sie for German
    machine_draft: str = ""  # the drafter's text the agent started from ("" when the agent wrote it all)
    private_values: list[str] = field(default_factory=list)  # names, handle, e-mail, phone, references, …


class BlockSuggestion(BaseModel):
    id: int
    article_id: str
    language: str
    address_form: str | None
    channel: str | None
    kind: str
    text: str
    support: int
    edited: int
    variants: list[str]
    approval_ids: list[int]
    status: str
    decided_by: str | None = None
    block_id: str | None = None
    article_version: int | None = None


@dataclass
class _Candidate:
    text: str
    approval_id: int
    edited: bool
    vector: Any = None


# ---- sentences -------------------------------------------------------------------------------------------
def normalise(text: str) -> str:
    return _NORM.sub(" ", text.lower()).strip()


def split_sentences(text: str) -> list[str]:
    """The reply's sentences without the greeting and the sign-off (a greeting before the first sentence on the
    same line is cut off; the sentence after it gets its capital letter back)."""
    out: list[str] = []
    for part in _SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        cut = _GREETING.sub("", part, count=1).strip()
        if cut != part:
            if not cut:
                continue
            part = cut[0].upper() + cut[1:]
        if _SIGNOFF.match(part) or _INITIALS.match(part):
            continue
        out.append(part)
    return out


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _same(a: str, b: str) -> bool:
    """Lexically the same sentence (equal when normalised, or sharing nearly all words)."""
    if normalise(a) == normalise(b):
        return True
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.8


class PersonalData:
    """Does a sentence contain personal data? The pseudonymiser's detection (known values of the mined replies'
    customers, e-mail, IBAN, phone, reference numbers) plus handles, titled names and dates."""

    def __init__(self, values: list[str], policy: Any | None = None) -> None:
        from assistant.privacy import Pseudonymizer

        self._pseudo = Pseudonymizer([("PII", v) for v in values], policy=policy)

    def __call__(self, sentence: str) -> bool:
        if _HANDLE.search(sentence) or _TITLE_NAME.search(sentence) or _DATE.search(sentence):
            return True
        return self._pseudo.pseudonymize(sentence) != sentence


def candidates(reply: ApprovedReply, body: list[str], personal: PersonalData) -> list[_Candidate]:
    """The sentences of one approved reply that may become a block (see the module doc, steps 2 and 3)."""
    machine = split_sentences(reply.machine_draft) if reply.machine_draft else []
    out: list[_Candidate] = []
    seen: set[str] = set()
    for sentence in split_sentences(reply.text):
        key = normalise(sentence)
        if key in seen or len(_words(sentence)) < MIN_WORDS or len(sentence) > MAX_CHARS or personal(sentence):
            continue
        seen.add(key)
        from_drafter = any(_same(sentence, m) for m in machine)
        if from_drafter and not any(_same(sentence, b) for b in body):
            continue  # the drafter's own text (greeting, acknowledgement, a block, a fact)
        out.append(_Candidate(text=sentence, approval_id=reply.approval_id, edited=not from_drafter))
    return out


# ---- mining ----------------------------------------------------------------------------------------------
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


def _address_form(text: str, customer_form: str | None) -> str | None:
    from guardrails.checks.address_form import DU, SIE

    du, sie = bool(DU.search(text)), bool(SIE.search(text))
    if du != sie:
        return "du" if du else "Sie"
    return customer_form


def load_replies(db: Database, states: tuple[str, ...] = MINED_STATES) -> list[ApprovedReply]:
    """Approved replies with the draft they started from, the article it cites and the customer's personal data.

    Replies whose draft cites no knowledge-base article are skipped (there is no article to add a block to)."""
    from assistant.customers import CustomerService
    from assistant.orm import Draft, Message
    from assistant.review.orm import Approval

    customers = CustomerService(db)
    out: list[ApprovedReply] = []
    with db.session() as s:
        approvals = s.scalars(select(Approval).where(Approval.state.in_(states)).order_by(Approval.id)).all()
        ids = list({a.message_id for a in approvals})
        drafts: dict[str, list] = {}
        messages = {}
        for i in range(0, len(ids), 500):
            for d in s.scalars(select(Draft).where(Draft.message_id.in_(ids[i:i + 500])).order_by(Draft.version)):
                drafts.setdefault(d.message_id, []).append(d)
            for m in s.scalars(select(Message).where(Message.id.in_(ids[i:i + 500]))):
                messages[m.id] = m
    views: dict[str, Any] = {}
    for a in approvals:
        versions = drafts.get(a.message_id, [])
        final = next((d for d in versions if d.id == a.draft_id), versions[-1] if versions else None)
        if final is None:
            continue
        article = next((c["ref"].split("#")[0] for c in final.citations or [] if c.get("kind") == "kb"), None)
        article = article or (final.meta or {}).get("article")
        if not article:
            continue
        machine = [d for d in versions if d.engine != "human" and d.version <= final.version]
        msg = messages.get(a.message_id)
        values: list[str] = [msg.author_handle] if msg is not None and msg.author_handle else []
        view = None
        if msg is not None and msg.customer_id:
            if msg.customer_id not in views:
                views[msg.customer_id] = customers.view(msg.customer_id)
            view = views[msg.customer_id]
        if view is not None:
            values += [v for v in (view.display_name, view.first_name, view.last_name) if v]
            values += list(view.private_values)
        out.append(ApprovedReply(
            approval_id=a.id, text=a.text, article_id=article, language=final.language, channel=a.channel,
            address_form=_address_form(a.text, view.address_form if view else None) if final.language == "de"
            else None,
            machine_draft=machine[-1].text if machine else "", private_values=values))
    return out


# ---- stored suggestions ----------------------------------------------------------------------------------
def _to_model(row: BlockSuggestionRow) -> BlockSuggestion:
    return BlockSuggestion.model_validate(row, from_attributes=True)


def min_support_setting(settings=None) -> int:
    from replydesk.settings import get_settings

    settings = settings or get_settings()
    return int(getattr(settings, "block_suggestion_min_support", DEFAULT_MIN_SUPPORT) or DEFAULT_MIN_SUPPORT)


def suggest_blocks(db: Database, kb, min_support: int | None = None, policy: Any | None = None) -> list[BlockSuggestion]:
    """Mine the approved replies and store what is new; returns the open suggestions, best supported first.

    A mined sentence that matches a stored suggestion (same article, language, form, channel; near-duplicate
    text) updates that suggestion's support while it is open, and is not suggested again once a trainer accepted
    or dismissed it."""
    n = min_support or min_support_setting(getattr(kb, "settings", None))
    mined = mine(load_replies(db), kb, n, policy=policy)
    now = utcnow()
    with db.transaction() as s:
        stored = s.scalars(select(BlockSuggestionRow)).all()
        by_group: dict[tuple, list[BlockSuggestionRow]] = {}
        for row in stored:
            by_group.setdefault((row.article_id, row.language, row.address_form, row.channel), []).append(row)
        texts = [r.text for r in stored]
        vecs = kb.embedder.embed(texts) if texts else np.zeros((0, 1))
        vec_of = {id(r): v for r, v in zip(stored, vecs, strict=True)}
        for m in mined:
            group = by_group.get((m["article_id"], m["language"], m["address_form"], m["channel"]), [])
            match = next((r for r in group if _same(r.text, m["text"]) or any(_same(r.text, v) for v in m["variants"])
                          or float(vec_of[id(r)] @ m["vector"]) >= CLUSTER_SIMILARITY), None)
            if match is not None:
                if match.status == "suggested":
                    match.support, match.edited = m["support"], m["edited"]
                    match.variants, match.approval_ids, match.updated_at = m["variants"], m["approval_ids"], now
                continue
            row = BlockSuggestionRow(**{k: v for k, v in m.items() if k != "vector"}, status="suggested",
                                     created_at=now, updated_at=now)
            s.add(row)
            group.append(row)
            vec_of[id(row)] = m["vector"]
    return list_suggestions(db)


def list_suggestions(db: Database, status: str | None = "suggested") -> list[BlockSuggestion]:
    q = select(BlockSuggestionRow).order_by(BlockSuggestionRow.support.desc(), BlockSuggestionRow.edited.desc(),
                                            BlockSuggestionRow.id)
    if status:
        q = q.where(BlockSuggestionRow.status == status)
    with db.session() as s:
        return [_to_model(r) for r in s.scalars(q)]


def _require_trainer(actor: Actor) -> None:
    if actor.roles is not None and not EDITOR_ROLES.intersection(actor.roles):
        raise PermissionError(f"{actor.username} may not change building blocks: only trainers and admins can "
                              f"(roles: {', '.join(actor.roles) or 'none'})")


def _claim(db: Database, suggestion_id: int, status: str, actor: Actor) -> BlockSuggestionRow:
    """Move an open suggestion to ``status`` (once: a second click or another trainer gets an error)."""
    with db.transaction() as s:
        row = s.get(BlockSuggestionRow, suggestion_id)
        if row is None:
            raise SuggestionError(f"no suggestion {suggestion_id}")
        won = s.execute(update(BlockSuggestionRow).where(BlockSuggestionRow.id == suggestion_id,
                                                         BlockSuggestionRow.status == "suggested")
                        .values(status=status, decided_by=actor.username, decided_at=utcnow())).rowcount
        if won != 1:
            raise SuggestionError(f"suggestion {suggestion_id} was already {row.status}")
        s.expunge(row)
        return row


def dismiss_suggestion(db: Database, suggestion_id: int, actor: Actor = SYSTEM) -> BlockSuggestion:
    _require_trainer(actor)
    _claim(db, suggestion_id, "dismissed", actor)
    with db.session() as s:
        return _to_model(s.get(BlockSuggestionRow, suggestion_id))


def block_from(suggestion: BlockSuggestionRow | BlockSuggestion, taken: set[str]) -> ReplyBlock:
    """The building block a suggestion becomes (an answer block for its language, form and channel)."""
    base = f"mined-{suggestion.id}"
    block_id, n = base, 1
    while block_id in taken:
        n += 1
        block_id = f"{base}-{n}"
    return ReplyBlock(id=block_id, language=suggestion.language, kind=suggestion.kind or "answer",
                      text=suggestion.text, channels=[suggestion.channel] if suggestion.channel else [],
                      address_form=suggestion.address_form if suggestion.language == "de" else None)


def accept_suggestion(db: Database, kb, suggestion_id: int, actor: Actor = SYSTEM) -> BlockSuggestion:
    """Add the suggested block to its article: one new article version by ``actor`` (trainers and admins), the
    index re-synced; the suggestion is marked accepted with the block id and the version."""
    _require_trainer(actor)
    row = _claim(db, suggestion_id, "accepted", actor)
    try:
        article = kb.store.get(row.article_id)
        if article is None:
            raise SuggestionError(f"article {row.article_id!r} no longer exists")
        block = block_from(row, {b.id for b in article.blocks})
        content = ArticleIn.model_validate(article.model_dump(exclude={"version", "updated_at", "updated_by"}))
        saved = kb.save(content.model_copy(update={"blocks": [*content.blocks, block]}), actor)
    except BaseException:
        with db.transaction() as s:
            s.execute(update(BlockSuggestionRow).where(BlockSuggestionRow.id == suggestion_id)
                      .values(status="suggested", decided_by=None, decided_at=None))
        raise
    with db.transaction() as s:
        r = s.get(BlockSuggestionRow, suggestion_id)
        r.block_id, r.article_version = block.id, saved.version
        s.flush()
        return _to_model(r)

"""Where agents rewrite drafts (per article, rule, engine) and which questions found no good article."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel
from rapidfuzz.distance import Levenshtein
from sqlalchemy import select

from assistant.orm import Draft, Message
from assistant.review.orm import Approval
from replydesk.db import Database


class EditStat(BaseModel):
    key: str
    replies: int
    mean_edit: float  # normalised edit distance 0 (kept) .. 1 (rewritten)


class Gap(BaseModel):
    message_id: str
    text: str
    best_article: str | None
    similarity: float | None


def edit_stats(db: Database) -> dict[str, list[EditStat]]:
    by: dict[str, dict[str, list[float]]] = {"article": defaultdict(list), "engine": defaultdict(list),
                                             "rule": defaultdict(list)}
    with db.session() as s:
        rows = s.execute(select(Approval.text, Draft.text, Draft.engine, Draft.meta, Draft.findings)
                         .join(Draft, Draft.id == Approval.draft_id).where(Approval.state == "posted")).all()
    for final, drafted, engine, meta, findings in rows:
        # compare with the machine draft the agent started from
        dist = Levenshtein.normalized_distance(drafted or "", final or "")
        by["article"][(meta or {}).get("article") or "(none)"].append(dist)
        by["engine"][engine].append(dist)
        for f in findings or []:
            by["rule"][f["rule"]].append(dist)
    return {k: sorted((EditStat(key=key, replies=len(v), mean_edit=round(sum(v) / len(v), 3))
                       for key, v in d.items()), key=lambda e: -e.mean_edit) for k, d in by.items()}


def gaps(db: Database, limit: int = 50) -> list[Gap]:
    out = []
    with db.session() as s:
        for m in s.scalars(select(Message).where(Message.triage.is_not(None)).order_by(Message.received_at.desc())):
            intent = (m.triage or {}).get("intent") or {}
            if intent and intent.get("value") is None:
                out.append(Gap(message_id=m.id, text=m.text[:200], best_article=None, similarity=None))
            if len(out) >= limit:
                break
    return out

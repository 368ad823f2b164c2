"""The approved replies the miner learns from (module doc of :mod:`knowledge_base.mining`, step 1): each with the
draft it started from, the article that draft cites, the form of address and the customer's personal data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from replydesk.db import Database

MINED_STATES = ("approved", "posting", "posted")  # approved replies (the customer got or gets them)


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

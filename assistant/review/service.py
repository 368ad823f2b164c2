"""Review actions: item view, live re-check, edit, regenerate, approve (four eyes), post, reject, hand-off.

Roles and agent locks are enforced here, not only in the UI. A message moves to 'approved' with one atomic UPDATE,
so two agents approving at once produce one approval; the approval is written to the approvals table (the
transactional outbox) in the same transaction and posted from there at most once (a unique idempotency key that
every attempt sends, and channels that de-duplicate by it).

The service is split by responsibility: approvals and rejection (:mod:`.approvals`), posting and failed posts
(:mod:`.posting`, over :mod:`.outbox`), follow-ups (:mod:`.followups`), locks (:mod:`.locking`); the names are
re-exported here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, or_, select

from assistant.customers import CustomerService
from assistant.models import DraftRequest
from assistant.orm import AuditEvent, Customer, CustomerHandle, Draft, Message
from assistant.review.approvals import OUTCOME_UNKNOWN, ApprovalsMixin
from assistant.review.auth import require
from assistant.review.channels import Channel, PostError, Reply, channel_from_settings
from assistant.review.followups import FollowupsMixin
from assistant.review.locking import LocksMixin, lock_error
from assistant.review.orm import Approval, FollowUp
from assistant.review.outbox import Outbox, RetryPolicy
from assistant.review.posting import PostingMixin
from assistant.review.states import (
    APPROVABLE,
    CANCELLABLE,
    LIVE_APPROVAL,
    REDRAFTABLE,
    REJECTABLE,
    ReviewError,
    diff,
)
from assistant.review.states import row as _row
from guardrails.models import Finding, Report
from replydesk.db import Database

__all__ = ["APPROVABLE", "CANCELLABLE", "LIVE_APPROVAL", "OUTCOME_UNKNOWN", "REDRAFTABLE", "REJECTABLE", "Approval",
           "Channel", "FollowUp", "ItemView", "Outbox", "PostError", "Reply", "RetryPolicy", "ReviewError",
           "ReviewService", "channel_from_settings", "findings_from", "lock_error"]
_diff = diff


class ItemView(BaseModel):
    message: dict[str, Any]
    thread: list[dict[str, Any]]
    customer: dict[str, Any] | None
    draft: dict[str, Any] | None
    approvals: list[dict[str, Any]]


class ReviewService(ApprovalsMixin, PostingMixin, FollowupsMixin, LocksMixin):
    def __init__(self, db: Database, user: dict, pipeline=None, channel: Channel | None = None, settings=None) -> None:
        from replydesk.settings import get_settings

        self.db = db
        self.user = user
        self.settings = settings or get_settings()
        self._pipeline = pipeline
        self._channel = channel

    @property
    def pipeline(self):
        if self._pipeline is None:
            from assistant.pipeline import Pipeline

            self._pipeline = Pipeline.from_settings(self.db, self.settings)
        return self._pipeline

    def _audit(self, s, action: str, message_id: str | None, draft_id: int | None = None, **data) -> None:
        s.add(AuditEvent(actor=self.user["username"], action=action, message_id=message_id, draft_id=draft_id,
                         data=data))

    # ---- reading ---------------------------------------------------------------------------------
    def item(self, message_id: str) -> ItemView:
        with self.db.session() as s:
            msg = s.get(Message, message_id)
            if msg is None:
                raise ReviewError(f"no message {message_id!r}")
            thread = []
            if msg.thread_id or msg.parent_id:
                keys = [k for k in (msg.thread_id, msg.parent_id) if k]
                thread = [_row(m) for m in s.scalars(select(Message).where(
                    or_(Message.thread_id.in_(keys), Message.external_id.in_(keys))).order_by(Message.received_at))]
            draft = s.scalars(select(Draft).where(Draft.message_id == message_id)
                              .order_by(Draft.version.desc())).first()
            approvals = [_row(a) for a in s.scalars(select(Approval).where(Approval.message_id == message_id))]
            customer = None
            if msg.customer_id and (c := s.get(Customer, msg.customer_id)) is not None:
                customer = _row(c)
                customer["handles"] = {h.channel: h.handle for h in s.scalars(
                    select(CustomerHandle).where(CustomerHandle.customer_id == c.id))}
                view = CustomerService(self.db).view(c.id)
                customer["records"] = view.records if view else []
                customer["other_messages"] = [
                    {"channel": m.channel, "text": m.text[:200], "received_at": m.received_at, "status": m.status}
                    for m in s.scalars(select(Message).where(Message.customer_id == c.id, Message.id != msg.id)
                                       .order_by(Message.received_at.desc()).limit(10))]
            return ItemView(message=_row(msg), thread=thread, customer=customer,
                            draft=_row(draft) if draft else None, approvals=approvals)

    def check_context(self, message_id: str):
        """The guardrail context for a message (retrieval, customer, evidence) — compute once per item view."""
        from assistant.models import Citation, DraftProposal

        with self.db.session() as s:
            msg = s.get(Message, message_id)
            req = DraftRequest(text=msg.text, channel=msg.channel, visibility=msg.visibility, handle=msg.author_handle)
        p = self.pipeline
        ctx = p.context(req)
        proposal = DraftProposal(text=msg.text, engine="human", citations=[
            Citation(kind="kb", ref=f"{a.id}#0") for a in ctx.articles])
        check_ctx = p.check_context(ctx, proposal)
        check_ctx.ui_language = self.user.get("ui_language", self.settings.ui_language)
        return check_ctx

    def check(self, message_id: str, text: str, check_ctx=None) -> Report:
        """Re-check an edited draft with the same context the pipeline used (pass a cached context to skip
        retrieval: the live check on every edit then only runs the rules, ~1 ms)."""
        check_ctx = check_ctx or self.check_context(message_id)
        return self.pipeline.guardrails.check(text, check_ctx)

    # ---- editing ---------------------------------------------------------------------------------
    def save_edit(self, message_id: str, text: str) -> int:
        require(self.user, "agent", "approver")
        self._hold_lock(message_id)
        report = self.check(message_id, text)
        with self.db.transaction() as s:
            last = s.scalars(select(Draft).where(Draft.message_id == message_id).order_by(Draft.version.desc())).first()
            version = (last.version if last else 0) + 1
            d = Draft(message_id=message_id, version=version, engine="human", text=text,
                      language=last.language if last else "de", citations=last.citations if last else [],
                      findings=[f.model_dump() for f in report.findings], passed=report.passed,
                      needs_human=not report.passed, latency_ms=0.0, tokens_in=0, tokens_out=0, cost_usd=0.0,
                      meta={**(last.meta if last else {}), "edited_from": last.id if last else None},
                      created_by=self.user["username"])
            s.add(d)
            s.flush()
            self._audit(s, "edited", message_id, d.id, diff=_diff(last.text if last else "", text))
            return d.id

    def regenerate(self, message_id: str, engine: str = "auto"):
        """Draft again with the engine this agent picked. The engine travels with the request: the pipeline is
        shared by every session and is never changed. A result identical to the latest version is not stored
        again (``result.draft_id`` is then that version's id and ``result.unchanged`` is true)."""
        require(self.user, "agent", "approver")
        if engine not in ("auto", "composer", "llm"):
            raise ReviewError(f"unknown engine {engine!r}")
        self._hold_lock(message_id)
        with self.db.session() as s:
            msg = s.get(Message, message_id)
            if msg is None:
                raise ReviewError(f"no message {message_id!r}")
            if msg.status not in REDRAFTABLE:
                raise ReviewError(f"this message is {msg.status}: nothing to redraft")
            req = DraftRequest(text=msg.text, channel=msg.channel, visibility=msg.visibility,
                               handle=msg.author_handle, message_id=msg.id, engine=engine, force=True)
            received = msg.received_at
        result = self.pipeline.run(req, received_at=received)
        from assistant.pipeline import draft_meta
        with self.db.transaction() as s:
            last = s.scalars(select(Draft).where(Draft.message_id == message_id).order_by(Draft.version.desc())).first()
            if last is not None and last.text == result.draft:
                result.draft_id = last.id
                result._unchanged = True  # type: ignore[attr-defined]
                self._audit(s, "regenerated", message_id, last.id, engine=result.engine, unchanged=True)
                return result
            draft = Draft(message_id=message_id, version=(last.version if last else 0) + 1, engine=result.engine,
                          text=result.draft, language=result.language,
                          citations=[c.model_dump() for c in result.citations],
                          findings=[f.model_dump() for f in result.findings], passed=result.passed,
                          needs_human=result.needs_human, fallback_reason=result.fallback_reason,
                          latency_ms=result.latency_ms, tokens_in=result.tokens_in, tokens_out=result.tokens_out,
                          cost_usd=result.cost_usd, created_by=self.user["username"],
                          meta=draft_meta(result))
            s.add(draft)
            msg = s.get(Message, message_id)
            if msg is not None and msg.status == "no_reply":
                msg.status = "drafted"  # drafted on an agent's request: into the queue
            s.flush()
            self._audit(s, "regenerated", message_id, draft.id, engine=result.engine, version=draft.version,
                        fallback_reason=result.fallback_reason)
            result.draft_id = draft.id
            result._unchanged = False  # type: ignore[attr-defined]
        return result

    def move_to_private(self, message_id: str) -> tuple[str, str]:
        """A public hand-off text and a DM draft for the same issue (the agent reviews both)."""
        require(self.user, "agent", "approver")
        self._hold_lock(message_id)
        with self.db.session() as s:
            msg = s.get(Message, message_id)
            req = DraftRequest(text=msg.text, channel=msg.channel, visibility="public", handle=msg.author_handle)
        public = self.pipeline.run(req)
        dm = self.pipeline.run(req.model_copy(update={"channel": "dm", "visibility": "private"}))
        handoff = {"de": "Lass uns das per DM klären – wir haben dir geschrieben.",
                   "en": "Let's sort this out by DM – we've sent you a message."}[public.language]
        return handoff, dm.draft

    def audit_log(self, message_id: str | None = None, limit: int = 200) -> list[AuditEvent]:
        with self.db.session() as s:
            q = select(AuditEvent).order_by(AuditEvent.at.desc()).limit(limit)
            if message_id:
                q = q.where(AuditEvent.message_id == message_id)
            return list(s.scalars(q))

    def counts(self) -> dict[str, int]:
        with self.db.session() as s:
            return dict(s.execute(select(Message.status, func.count()).group_by(Message.status)).all())


def findings_from(report: Report) -> list[Finding]:
    return report.findings

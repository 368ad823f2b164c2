"""Review actions: item view, live re-check, edit, regenerate, approve (four eyes), post, reject, hand-off.

Roles are enforced here, not only in the UI. A message moves to 'approved' with one atomic UPDATE, so two
agents approving at once produce one approval; each approval is posted at most once (state machine with a
unique idempotency key, and channels that de-duplicate by that key).
"""

from __future__ import annotations

import difflib
import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, or_, select, update

from assistant.customers import CustomerService
from assistant.models import DraftRequest
from assistant.orm import AuditEvent, Customer, CustomerHandle, Draft, Message
from assistant.review.auth import require
from assistant.review.channels import Channel, PostError, Reply, channel_from_settings
from assistant.review.orm import Approval, FollowUp
from guardrails.models import Finding, Report
from replydesk.db import Database, utcnow

APPROVABLE = ("drafted", "escalated", "error", "pending")
REDRAFTABLE = (*APPROVABLE, "no_reply")  # an agent may draft a message triage set aside
# Message states a reject/escalate may leave from ("approved" only while its approval failed to post).
REJECTABLE = ("drafted", "escalated", "error", "pending", "awaiting_approval", "approved")
# Approval states that can still lead to a post; at most one per message.
LIVE_APPROVAL = ("awaiting_second", "approved", "posting", "failed")
# Live approvals a reject/escalate cancels: not yet handed to a channel (or failed there and not retried).
CANCELLABLE = ("awaiting_second", "failed")
# A post takes at most ~1.5 min (webhook: 5 attempts × 10 s timeout + backoff); longer means its process died.
STUCK_POSTING_AFTER = timedelta(minutes=10)


class ReviewError(ValueError):
    """An action the rules do not allow (message says why and what to do)."""


class ItemView(BaseModel):
    message: dict[str, Any]
    thread: list[dict[str, Any]]
    customer: dict[str, Any] | None
    draft: dict[str, Any] | None
    approvals: list[dict[str, Any]]


def _row(obj) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


class ReviewService:
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

    @property
    def channel(self) -> Channel:
        if self._channel is None:
            self._channel = channel_from_settings(self.settings)
        return self._channel

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

    # ---- approval and posting --------------------------------------------------------------------
    def approve(self, message_id: str, text: str, overrides: dict[str, str] | None = None) -> Approval:
        """Approve the (edited) text. Blocks cannot be overridden; each warning needs a written reason."""
        require(self.user, "agent", "approver")
        overrides = {k: v.strip() for k, v in (overrides or {}).items() if v and v.strip()}
        report = self.check(message_id, text)
        blocks = [f for f in report.findings if f.severity == "block"]
        if blocks:
            raise ReviewError("cannot approve: blocked by " + ", ".join(sorted({f.rule for f in blocks}))
                              + " – fix the text (or apply the suggested fix) first")
        missing = sorted({f.rule for f in report.findings if f.severity == "warn"} - set(overrides))
        if missing:
            raise ReviewError("each warning needs a written reason to override: " + ", ".join(missing))
        with self.db.transaction() as s:
            msg = s.get(Message, message_id)
            followers = s.scalar(select(Customer.followers).where(Customer.id == msg.customer_id)) or 0
            sentiment = (msg.triage or {}).get("sentiment", {}).get("value")
            policy = self.pipeline.policy
            needs_second = (policy.needs_second_approver(msg.visibility, followers, sentiment, bool(overrides))
                            or (msg.visibility == "public" and _four_eyes_flagged(s, msg.customer_id)))
            new_status = "awaiting_approval" if needs_second else "approved"
            won = s.execute(update(Message).where(Message.id == message_id, Message.status.in_(APPROVABLE))
                            .values(status=new_status, locked_by=None, locked_until=None)).rowcount
            if won != 1:
                raise ReviewError("this message was already approved or closed by someone else")
            live = s.scalar(select(func.count()).select_from(Approval).where(
                Approval.message_id == message_id, Approval.state.in_(LIVE_APPROVAL)))
            if live:  # the state machine never allows this; refuse rather than risk a second post
                raise ReviewError("this message already has an approval that may still be posted")
            draft = s.scalars(select(Draft).where(Draft.message_id == message_id).order_by(Draft.version.desc())).first()
            approval = Approval(
                message_id=message_id, draft_id=draft.id if draft else None, text=text, channel=msg.channel,
                visibility=msg.visibility, author=self.user["username"], needs_second=needs_second,
                overrides=[{"rule": r, "reason": why} for r, why in overrides.items()],
                state="awaiting_second" if needs_second else "approved", idempotency_key=uuid.uuid4().hex,
                attempts=0, receipt={},
            )
            s.add(approval)
            s.flush()
            self._audit(s, "approved", message_id, draft.id if draft else None, approval_id=approval.id,
                        needs_second=needs_second, overrides=approval.overrides,
                        diff=_diff(draft.text if draft else "", text))
            approval_id = approval.id
        if needs_second:
            return self._approval(approval_id)
        return self.post(approval_id)

    def second_approve(self, approval_id: int) -> Approval:
        require(self.user, "approver")
        with self.db.transaction() as s:
            a = s.get(Approval, approval_id)
            if a is None:
                raise ReviewError(f"no approval {approval_id}")
            if a.author == self.user["username"]:
                raise ReviewError("four eyes: the author of a reply cannot be its second approver")
            won = s.execute(update(Approval).where(Approval.id == approval_id, Approval.state == "awaiting_second")
                            .values(state="approved", second_approver=self.user["username"])).rowcount
            if won != 1:
                raise ReviewError("this reply is not waiting for a second approval any more")
            s.execute(update(Message).where(Message.id == a.message_id).values(status="approved"))
            self._audit(s, "second_approved", a.message_id, a.draft_id, approval_id=approval_id)
        return self.post(approval_id)

    def post(self, approval_id: int) -> Approval:
        """Post an approved reply at most once: only the caller that moves it to 'posting' sends it."""
        with self.db.transaction() as s:
            won = s.execute(update(Approval).where(Approval.id == approval_id,
                                                   Approval.state.in_(("approved", "failed")))
                            .values(state="posting", attempts=Approval.attempts + 1,
                                    receipt={"posting_started_at": utcnow().isoformat()})).rowcount
            a = s.get(Approval, approval_id)
            msg = s.get(Message, a.message_id)
            reply = Reply(idempotency_key=a.idempotency_key, message_id=a.message_id, external_id=msg.external_id,
                          channel=a.channel, visibility=a.visibility, to=msg.author_handle, text=a.text,
                          approved_by=[x for x in (a.author, a.second_approver) if x])
            article = (s.get(Draft, a.draft_id).meta or {}).get("article") if a.draft_id else None
        if won != 1:
            return self._approval(approval_id)  # someone else is posting or has posted it
        try:
            receipt = self.channel.post(reply)
        except Exception as exc:  # noqa: BLE001 - any failure: failed and retryable (same key), never stuck
            error = str(exc) if isinstance(exc, PostError) else f"{type(exc).__name__}: {exc}"
            with self.db.transaction() as s:
                s.execute(update(Approval).where(Approval.id == approval_id, Approval.state == "posting")
                          .values(state="failed", error=error))
                self._audit(s, "post_failed", reply.message_id, approval_id=approval_id, error=error[:500])
            return self._approval(approval_id)
        with self.db.transaction() as s:
            s.execute(update(Approval).where(Approval.id == approval_id).values(
                state="posted", posted_at=utcnow(), receipt=receipt.model_dump(), error=None))
            s.execute(update(Message).where(Message.id == reply.message_id).values(status="posted"))
            self._audit(s, "posted", reply.message_id, approval_id=approval_id, channel=receipt.channel,
                        duplicate=receipt.duplicate)
            days = self._followup_days(article)
            if days:
                s.add(FollowUp(message_id=reply.message_id, article_id=article, due_at=utcnow() + timedelta(days=days),
                               done=False, note=f"check back: {article}"))
        return self._approval(approval_id)

    def _followup_days(self, article_id: str | None) -> int | None:
        if not article_id:
            return None
        article = self.pipeline.kb.get_article(article_id)
        return article.followup_days if article else None

    def _approval(self, approval_id: int) -> Approval:
        with self.db.session() as s:
            return s.get(Approval, approval_id)

    def awaiting_second(self) -> list[Approval]:
        with self.db.session() as s:
            return list(s.scalars(select(Approval).where(Approval.state == "awaiting_second")
                                  .order_by(Approval.created_at)))

    def second_approval_context(self, approvals: list[Approval]) -> dict[int, dict[str, Any]]:
        """Read-only: what the second approver needs beside the reply (issue 12 item 10) — the customer's message,
        the handle and channel, and the customer's name, followers and tier — per approval id, in one session."""
        ids = {a.message_id for a in approvals}
        if not ids:
            return {}
        with self.db.session() as s:
            rows = s.execute(select(Message.id, Message.text, Message.author_handle, Message.channel,
                                    Message.visibility, Customer.display_name, Customer.followers, Customer.tier)
                             .outerjoin(Customer, Customer.id == Message.customer_id)
                             .where(Message.id.in_(ids))).all()
        by_message = {r.id: {"message_text": r.text, "handle": r.author_handle, "channel": r.channel,
                             "visibility": r.visibility, "customer": r.display_name,
                             "followers": r.followers or 0, "tier": r.tier} for r in rows}
        return {a.id: by_message.get(a.message_id, {}) for a in approvals}

    def recover_stuck_posts(self, older_than: timedelta = STUCK_POSTING_AFTER) -> list[int]:
        """Approvals left in 'posting' by a process that died mid-post: mark them failed (outcome unknown), so they
        are listed and can be retried — with the same idempotency key, which the channel de-duplicates by."""
        cutoff = utcnow() - older_than
        recovered = []
        with self.db.transaction() as s:
            for a in s.scalars(select(Approval).where(Approval.state == "posting")):
                started = (a.receipt or {}).get("posting_started_at")
                if started is None or datetime.fromisoformat(started) <= cutoff:
                    won = s.execute(update(Approval).where(Approval.id == a.id, Approval.state == "posting")
                                    .values(state="failed", error="posting interrupted (outcome unknown); "
                                            "a retry reuses the idempotency key")).rowcount
                    if won:
                        recovered.append(a.id)
                        self._audit(s, "post_failed", a.message_id, approval_id=a.id, error="posting interrupted")
        return recovered

    def failed_posts(self) -> list[Approval]:
        self.recover_stuck_posts()
        with self.db.session() as s:
            return list(s.scalars(select(Approval).where(Approval.state == "failed")))

    def reject(self, message_id: str, reason: str, escalate: bool = False) -> None:
        """Reject ("do not send") or escalate an open message. Cancels a reply waiting for its second approval
        (or one whose post failed) in the same transaction, so it can never be posted afterwards. A message that
        is posted, being posted, already rejected (or already escalated, for escalate) is refused."""
        require(self.user, "agent", "approver")
        if not reason.strip():
            raise ReviewError("a reason is required")
        action = "escalated" if escalate else "rejected"
        allowed = tuple(x for x in REJECTABLE if not (escalate and x == "escalated"))
        with self.db.transaction() as s:
            msg = s.get(Message, message_id)
            if msg is None:
                raise ReviewError(f"no message {message_id!r}")
            cancelled = s.execute(update(Approval).where(Approval.message_id == message_id,
                                                         Approval.state.in_(CANCELLABLE))
                                  .values(state="rejected", error=f"{action} by {self.user['username']}")).rowcount
            in_flight = s.scalar(select(func.count()).select_from(Approval).where(
                Approval.message_id == message_id, Approval.state.in_(("approved", "posting", "posted"))))
            if in_flight:  # rolls back the cancellation above
                raise ReviewError("this reply is already posted or being posted: it cannot be "
                                  + ("escalated" if escalate else "rejected") + " any more")
            won = s.execute(update(Message).where(Message.id == message_id, Message.status.in_(allowed))
                            .values(status=action, locked_by=None, locked_until=None)).rowcount
            if won != 1:
                s.refresh(msg)
                raise ReviewError(f"this message is {msg.status}: it cannot be {action}")
            self._audit(s, action, message_id, reason=reason.strip(), cancelled_approvals=cancelled)

    def move_to_private(self, message_id: str) -> tuple[str, str]:
        """A public hand-off text and a DM draft for the same issue (the agent reviews both)."""
        require(self.user, "agent", "approver")
        with self.db.session() as s:
            msg = s.get(Message, message_id)
            req = DraftRequest(text=msg.text, channel=msg.channel, visibility="public", handle=msg.author_handle)
        public = self.pipeline.run(req)
        dm = self.pipeline.run(req.model_copy(update={"channel": "dm", "visibility": "private"}))
        handoff = {"de": "Lass uns das per DM klären – wir haben dir geschrieben.",
                   "en": "Let's sort this out by DM – we've sent you a message."}[public.language]
        return handoff, dm.draft

    def due_followups(self) -> list[FollowUp]:
        with self.db.session() as s:
            return list(s.scalars(select(FollowUp).where(FollowUp.done.is_(False), FollowUp.due_at <= utcnow())))

    def complete_followup(self, followup_id: int) -> FollowUp:
        """Mark a follow-up done (agents and approvers); audited. Done once: a second click is an error, and two
        agents clicking at once mark it done once (conditional update)."""
        require(self.user, "agent", "approver")
        with self.db.transaction() as s:
            fu = s.get(FollowUp, followup_id)
            if fu is None:
                raise ReviewError(f"no follow-up {followup_id!r}")
            changed = s.execute(update(FollowUp).where(FollowUp.id == followup_id, FollowUp.done.is_(False))
                                .values(done=True)).rowcount
            if not changed:
                raise ReviewError(f"follow-up {followup_id} is already done")
            self._audit(s, "followup_done", fu.message_id, followup_id=followup_id)
        with self.db.session() as s:
            return s.get(FollowUp, followup_id)

    def audit_log(self, message_id: str | None = None, limit: int = 200) -> list[AuditEvent]:
        with self.db.session() as s:
            q = select(AuditEvent).order_by(AuditEvent.at.desc()).limit(limit)
            if message_id:
                q = q.where(AuditEvent.message_id == message_id)
            return list(s.scalars(q))

    def counts(self) -> dict[str, int]:
        with self.db.session() as s:
            return dict(s.execute(select(Message.status, func.count()).group_by(Message.status)).all())


def _four_eyes_flagged(s, customer_id: str | None) -> bool:
    """The customer's record asks for a second approver on public replies, whatever the sentiment: a record of kind
    "flag" with ref "four_eyes_public", or any record whose data says ``four_eyes: true`` (e.g. a case)."""
    if not customer_id:
        return False
    from assistant.orm import CustomerRecord

    for kind, ref, data in s.execute(select(CustomerRecord.kind, CustomerRecord.ref, CustomerRecord.data)
                                     .where(CustomerRecord.customer_id == customer_id)):
        if (kind == "flag" and ref == "four_eyes_public") or (isinstance(data, dict) and data.get("four_eyes") is True):
            return True
    return False


def _diff(a: str, b: str) -> str:
    return "\n".join(difflib.unified_diff(a.splitlines(), b.splitlines(), "draft", "final", lineterm=""))


def findings_from(report: Report) -> list[Finding]:
    return report.findings

"""The review state machine (issue 12: items 5, 6, 7, 11): reject/escalate preconditions, pending approvals
cancelled, one live approval per message, posting failures always end failed-and-retryable."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from assistant.orm import Draft, Message
from assistant.review.channels import OutboxChannel, PostError, Receipt
from assistant.review.orm import Approval
from assistant.review.service import ReviewError, ReviewService

from .conftest import add_message  # noqa: TID252

ANNA = {"username": "anna", "roles": ["agent"]}
BEN = {"username": "ben", "roles": ["agent", "approver"]}
ADA = {"username": "ada", "roles": ["admin"]}
TEXT = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung bis morgen. ^AB"


def svc(db, user, pipeline, outbox, channel=None):
    return ReviewService(db, user, pipeline=pipeline, channel=channel or OutboxChannel(outbox))


def outbox_lines(path):
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def approvals(db, mid):
    with db.session() as s:
        return list(s.scalars(select(Approval).where(Approval.message_id == mid).order_by(Approval.id)))


def status(db, mid):
    with db.session() as s:
        return s.get(Message, mid).status


def test_reject_cancels_pending_second_approval(db, static_pipeline, tmp_path):
    outbox = tmp_path / "o.jsonl"
    mid = add_message(db, followers=25000, sentiment="negative")
    pending = svc(db, ANNA, static_pipeline, outbox).approve(mid, TEXT)
    assert pending.state == "awaiting_second"
    svc(db, ANNA, static_pipeline, outbox).reject(mid, "do not send")
    assert [a.state for a in approvals(db, mid)] == ["rejected"]
    with pytest.raises(ReviewError, match="not waiting"):
        svc(db, ADA, static_pipeline, outbox).second_approve(pending.id)
    assert outbox_lines(outbox) == [] and status(db, mid) == "rejected"
    assert svc(db, ADA, static_pipeline, outbox).awaiting_second() == []


def test_escalate_cancels_pending_second_approval(db, static_pipeline, tmp_path):
    outbox = tmp_path / "o.jsonl"
    mid = add_message(db, followers=25000, sentiment="negative")
    pending = svc(db, ANNA, static_pipeline, outbox).approve(mid, TEXT)
    svc(db, ANNA, static_pipeline, outbox).reject(mid, "lead must decide", escalate=True)
    assert status(db, mid) == "escalated"
    with pytest.raises(ReviewError):
        svc(db, ADA, static_pipeline, outbox).second_approve(pending.id)
    assert outbox_lines(outbox) == []


def test_posted_message_cannot_be_rejected_or_escalated(db, static_pipeline, tmp_path):
    outbox = tmp_path / "o.jsonl"
    mid = add_message(db)
    assert svc(db, ANNA, static_pipeline, outbox).approve(mid, TEXT).state == "posted"
    for esc in (False, True):
        with pytest.raises(ReviewError, match="posted"):
            svc(db, ANNA, static_pipeline, outbox).reject(mid, "too late", escalate=esc)
    assert status(db, mid) == "posted"
    assert [a.state for a in approvals(db, mid)] == ["posted"]


def test_rejected_message_cannot_be_rejected_again_or_escalated(db, static_pipeline, tmp_path):
    mid = add_message(db)
    s = svc(db, ANNA, static_pipeline, tmp_path / "o.jsonl")
    s.reject(mid, "spam")
    with pytest.raises(ReviewError):
        s.reject(mid, "again")
    with pytest.raises(ReviewError):
        s.reject(mid, "escalate a rejected one", escalate=True)
    assert status(db, mid) == "rejected"


def test_approve_escalate_approve_posts_once(db, static_pipeline, tmp_path):
    """Issue 12 item 11: approve (four eyes) → escalate → approve again → the approver sees one pending
    approval; the reply is posted exactly once."""
    outbox = tmp_path / "o.jsonl"
    mid = add_message(db, followers=25000, sentiment="negative")
    first = svc(db, ANNA, static_pipeline, outbox).approve(mid, TEXT)
    svc(db, ANNA, static_pipeline, outbox).reject(mid, "ask the lead", escalate=True)
    second = svc(db, ANNA, static_pipeline, outbox).approve(mid, TEXT)
    approver = svc(db, ADA, static_pipeline, outbox)
    assert [a.id for a in approver.awaiting_second()] == [second.id]
    assert approver.second_approve(second.id).state == "posted"
    with pytest.raises(ReviewError):
        approver.second_approve(first.id)
    assert len(outbox_lines(outbox)) == 1
    assert [a.state for a in approvals(db, mid)] == ["rejected", "posted"]


class Exploding:
    """A channel whose post raises something other than PostError (a torn outbox line, a bug)."""

    name = "exploding"

    def __init__(self, outbox):
        self.fail = True
        self.keys: list[str] = []
        self.inner = OutboxChannel(outbox)

    def post(self, reply):
        self.keys.append(reply.idempotency_key)
        if self.fail:
            raise json.JSONDecodeError("torn line", "{", 1)
        return self.inner.post(reply)


def test_unexpected_channel_exception_leaves_approval_failed_and_retryable(db, static_pipeline, tmp_path):
    outbox = tmp_path / "o.jsonl"
    channel = Exploding(outbox)
    mid = add_message(db)
    s = svc(db, ANNA, static_pipeline, outbox, channel=channel)
    approval = s.approve(mid, TEXT)
    assert approval.state == "failed" and "JSONDecodeError" in approval.error
    assert [a.id for a in s.failed_posts()] == [approval.id]
    channel.fail = False
    assert s.post(approval.id).state == "posted"
    assert channel.keys == [approval.idempotency_key] * 2  # the retry reuses the key
    assert len(outbox_lines(outbox)) == 1


def test_failed_post_can_be_rejected_and_is_never_retried(db, static_pipeline, tmp_path):
    class Down:
        name = "down"

        def post(self, reply) -> Receipt:
            raise PostError("receiver down", maybe_sent=False)  # surely not taken (no connection, or refused)

    mid = add_message(db)
    s = svc(db, ANNA, static_pipeline, tmp_path / "o.jsonl", channel=Down())
    failed = s.approve(mid, TEXT)
    assert failed.state == "failed"
    s.reject(mid, "customer solved it themselves")
    assert s.failed_posts() == [] and s.post(failed.id).state == "rejected"
    assert status(db, mid) == "rejected"


class RecordingPipeline:
    """Wraps the static pipeline and records the engine each run asked for (no patching: a real object)."""

    def __init__(self, inner, db):
        self.inner, self.inner_db = inner, db
        self.guardrails, self.policy, self.kb = inner.guardrails, inner.policy, inner.kb
        self.engine = "composer"
        self.seen: list[str] = []

    def context(self, req, received_at=None):
        return self.inner.context(req)

    def check_context(self, ctx, proposal=None):
        return self.inner.check_context(ctx, proposal)

    def run(self, req, *, persist=False, received_at=None):
        from assistant.models import DraftResult

        self.seen.append((req.engine, self.engine))  # asked per call, and what the shared object says
        ctx = self.inner.context(req)
        proposal = self.inner.composer.draft(ctx)
        report = self.guardrails.check(proposal.text, self.inner.check_context(ctx, proposal))
        result = DraftResult(draft=proposal.text, language="de", engine=proposal.engine, citations=proposal.citations,
                             findings=report.findings, passed=report.passed, latency_ms=1.0,
                             needs_human=not report.passed, triage={}, passages=[])
        result._ctx = ctx
        result._proposal = proposal
        return result

    def draft_message(self, message_id, actor="system"):  # as Pipeline.draft_message: the request has no engine
        from assistant.models import DraftRequest

        with self.inner_db.session() as s:
            msg = s.get(Message, message_id)
            req = DraftRequest(text=msg.text, channel=msg.channel, visibility=msg.visibility, message_id=msg.id)
        return self.run(req)


def test_regenerate_passes_engine_per_call_and_keeps_shared_pipeline(db, static_pipeline, tmp_path):
    pipe = RecordingPipeline(static_pipeline, db)
    pipe.engine = "llm"  # the server-wide default of the shared pipeline
    mid = add_message(db)
    s = svc(db, ANNA, pipe, tmp_path / "o.jsonl")
    first = s.regenerate(mid, "composer")
    assert pipe.seen == [("composer", "llm")]  # this user's choice travels with the request
    with db.session() as session:
        versions = [d.version for d in session.scalars(select(Draft).where(Draft.message_id == mid))]
    assert versions == [1, 2]
    again = s.regenerate(mid, "auto")  # the composer is deterministic: the same text is not a new version
    assert pipe.seen == [("composer", "llm"), ("auto", "llm")] and again.draft == first.draft
    with db.session() as session:
        versions = [d.version for d in session.scalars(select(Draft).where(Draft.message_id == mid))]
    assert versions == [1, 2]
    with pytest.raises(ReviewError, match="engine"):
        s.regenerate(mid, "gpt-9")


def test_webhook_retries_after_timeouts_reuse_the_idempotency_key(sqlite_db, static_pipeline):
    """A receiver that only answers after the client's timeout gets every attempt — and a later retry click —
    with the same Idempotency-Key header, so it can de-duplicate (docs/reliability.md)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from assistant.review.channels import WebhookChannel

    keys: list[str] = []

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            keys.append(self.headers["Idempotency-Key"])
            self.connection.recv(1)  # returns when the client gives up and closes: "answers after the timeout"

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        channel = WebhookChannel(f"http://127.0.0.1:{server.server_port}/hook", "whsec", timeout_s=0.2,
                                 attempts=3, wait_max=0.05)
        mid = add_message(sqlite_db)
        s = ReviewService(sqlite_db, ANNA, pipeline=static_pipeline, channel=channel)
        failed = s.approve(mid, TEXT)
        assert failed.state == "failed"
        assert s.post(failed.id).state == "failed"  # the retry click
        assert keys == [failed.idempotency_key] * 6
    finally:
        server.shutdown()
        server.server_close()


class DiesMidPost:
    """The process dies while the channel is posting (BaseException: nothing in our code may swallow it)."""

    name = "dies"

    def __init__(self, outbox):
        self.die = True
        self.inner = OutboxChannel(outbox)

    def post(self, reply):
        if self.die:
            raise KeyboardInterrupt("killed mid-post")
        return self.inner.post(reply)


def test_post_interrupted_by_a_dead_process_is_recovered_and_retried_once(db, static_pipeline, tmp_path):
    from datetime import timedelta

    outbox = tmp_path / "o.jsonl"
    channel = DiesMidPost(outbox)
    mid = add_message(db)
    s = svc(db, ANNA, static_pipeline, outbox, channel=channel)
    with pytest.raises(KeyboardInterrupt):
        s.approve(mid, TEXT)
    (stuck,) = approvals(db, mid)
    assert stuck.state == "posting"
    assert s.recover_stuck_posts() == []  # still within the time a post may take
    assert s.recover_stuck_posts(older_than=timedelta(0)) == [stuck.id]
    assert [a.id for a in s.failed_posts()] == [stuck.id]
    channel.die = False
    assert s.post(stuck.id).state == "posted"
    assert [x["idempotency_key"] for x in outbox_lines(outbox)] == [stuck.idempotency_key]


@pytest.mark.parametrize("record", [{"kind": "flag", "ref": "four_eyes_public", "data": {}},
                                    {"kind": "case", "ref": "C-77", "data": {"four_eyes": True}}],
                         ids=["flag", "case"])
def test_customer_flagged_for_four_eyes_always_gets_a_second_approver(db, static_pipeline, tmp_path, record):
    """Issue 12 item 10: a 120,000-follower customer whose record says "second approver for public replies",
    rated neutral, was posted by one person."""
    from assistant.orm import CustomerRecord

    outbox = tmp_path / "o.jsonl"
    mid = add_message(db, followers=120000, sentiment="neutral")
    with db.transaction() as s:
        s.add(CustomerRecord(customer_id=s.get(Message, mid).customer_id, **record))
    pending = svc(db, ANNA, static_pipeline, outbox).approve(mid, TEXT)
    assert pending.state == "awaiting_second" and outbox_lines(outbox) == []
    assert svc(db, BEN, static_pipeline, outbox).second_approve(pending.id).state in ("approved", "posted")

"""Review services on SQLite and PostgreSQL: roles, locks, four eyes, posting exactly once, webhooks."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from assistant.orm import AuditEvent, Message
from assistant.review.channels import OutboxChannel, WebhookChannel, sign
from assistant.review.queue import QueueFilters, claim, queue_page, take_over
from assistant.review.service import ReviewError, ReviewService

from .conftest import add_message  # noqa: TID252

ANNA = {"username": "anna", "roles": ["agent"]}
BEN = {"username": "ben", "roles": ["agent", "approver"]}
TINA = {"username": "tina", "roles": ["trainer"]}


def svc(db, user, pipeline, outbox):
    return ReviewService(db, user, pipeline=pipeline, channel=OutboxChannel(outbox))


def outbox_lines(path):
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_approve_posts_once_and_audits(db, static_pipeline, tmp_path):
    outbox = tmp_path / "outbox.jsonl"
    mid = add_message(db)
    s = svc(db, ANNA, static_pipeline, outbox)
    text = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung bis morgen. ^AB"
    approval = s.approve(mid, text)
    assert approval.state == "posted"
    assert [x["text"] for x in outbox_lines(outbox)] == [text]
    assert s.post(approval.id).state == "posted"  # a second click posts nothing
    assert len(outbox_lines(outbox)) == 1
    with db.session() as session:
        assert session.get(Message, mid).status == "posted"
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.message_id == mid))]
    assert {"approved", "posted"} <= set(actions)
    with pytest.raises(ReviewError, match="already approved"):
        s.approve(mid, text)


def test_blocks_cannot_be_overridden_and_warnings_need_reasons(db, static_pipeline, tmp_path):
    mid = add_message(db)
    s = svc(db, ANNA, static_pipeline, tmp_path / "o.jsonl")
    with pytest.raises(ReviewError, match="blocked by .*no-bare-sorry"):
        s.approve(mid, "Sorry, wir kümmern uns darum. ^AB", overrides={"no-bare-sorry": "trust me"})
    warn_text = "Hallo Anna, schick uns bitte deine Bestellnummer per DM."  # no sign-off → structure warning
    with pytest.raises(ReviewError, match="written reason.*structure"):
        s.approve(mid, warn_text)
    approval = s.approve(mid, warn_text, overrides={"structure": "Kundin wünscht keine Signatur"})
    assert approval.state == "awaiting_second"  # an override needs four eyes


def test_four_eyes_for_high_reach_negative(db, static_pipeline, tmp_path):
    outbox = tmp_path / "o.jsonl"
    mid = add_message(db, followers=25000, sentiment="negative")
    text = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung bis morgen. ^AB"
    approval = svc(db, BEN, static_pipeline, outbox).approve(mid, text)
    assert approval.state == "awaiting_second" and outbox_lines(outbox) == []
    with pytest.raises(ReviewError, match="four eyes"):
        svc(db, BEN, static_pipeline, outbox).second_approve(approval.id)  # the author cannot
    with pytest.raises(PermissionError):
        svc(db, ANNA, static_pipeline, outbox).second_approve(approval.id)  # agents are not approvers
    done = svc(db, {"username": "ada", "roles": ["admin"]}, static_pipeline, outbox).second_approve(approval.id)
    assert done.state == "posted" and done.second_approver == "ada"
    assert len(outbox_lines(outbox)) == 1


@pytest.mark.parametrize(("mood", "second"), [("angry", True), ("sarcastic", True), ("worried", False), ("neutral", False)])
def test_four_eyes_for_high_reach_angry_customer_whatever_the_sentiment_head_reads(db, static_pipeline, tmp_path, mood,
                                                                                  second):
    mid = add_message(db, followers=25000, sentiment="neutral", mood=mood)
    text = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung bis morgen. ^AB"
    approval = svc(db, BEN, static_pipeline, tmp_path / "o.jsonl").approve(mid, text)
    assert (approval.state == "awaiting_second") is second


def test_roles_enforced_in_services(db, static_pipeline, tmp_path):
    mid = add_message(db)
    with pytest.raises(PermissionError, match="needs the role"):
        svc(db, TINA, static_pipeline, tmp_path / "o.jsonl").approve(mid, "x")
    with pytest.raises(PermissionError):
        claim(db, mid, TINA)


def test_concurrent_approvals_post_exactly_once(db, static_pipeline, tmp_path):
    outbox = tmp_path / "o.jsonl"
    mid = add_message(db)
    text = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung bis morgen. ^AB"
    results, barrier = [], threading.Barrier(2)

    def go(user):
        barrier.wait()
        try:
            results.append(svc(db, user, static_pipeline, outbox).approve(mid, text).state)
        except ReviewError as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=go, args=(u,)) for u in (ANNA, BEN)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r == "posted" for r in results) == [False, True], results
    assert len(outbox_lines(outbox)) == 1


def test_queue_sorting_filters_and_locks(db, static_pipeline):
    a = add_message(db, channel="twitter")
    b = add_message(db, channel="email", visibility="private")
    page = queue_page(db, QueueFilters())
    assert {r.id for r in page.rows} >= {a, b} and page.counts["drafted"] >= 2
    assert [r.id for r in queue_page(db, QueueFilters(channel="email")).rows] == [b]
    assert claim(db, a, ANNA) is True
    assert claim(db, a, BEN) is False  # locked by anna
    row = next(r for r in queue_page(db).rows if r.id == a)
    assert row.locked_by_other("ben") and not row.locked_by_other("anna")
    take_over(db, a, BEN)  # a lead takes it over
    assert claim(db, a, BEN) is True


class Receiver(BaseHTTPRequestHandler):
    fail_first = 2
    seen: list = []
    secret = "whsec-test"

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "sha256=" + sign(self.secret, body, self.headers["X-Replydesk-Timestamp"])
        assert self.headers["X-Replydesk-Signature"] == expected
        cls = type(self)
        if cls.fail_first > 0:
            cls.fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        key = self.headers["Idempotency-Key"]
        dup = key in {k for k, _ in cls.seen}
        if not dup:
            cls.seen.append((key, json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"ok": True, "duplicate": dup}).encode())

    def log_message(self, *args):
        pass


def test_webhook_signed_retried_and_exactly_once(sqlite_db, static_pipeline):
    Receiver.fail_first, Receiver.seen = 2, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        channel = WebhookChannel(f"http://127.0.0.1:{server.server_port}/hook", Receiver.secret, wait_max=0.2)
        mid = add_message(sqlite_db)
        s = ReviewService(sqlite_db, ANNA, pipeline=static_pipeline, channel=channel)
        text = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung bis morgen. ^AB"
        approval = s.approve(mid, text)
        assert approval.state == "posted"
        assert len(Receiver.seen) == 1 and Receiver.seen[0][1]["text"] == text
        # the receiver is down → failed, visible, retryable; nothing lost, nothing doubled
        server.shutdown()
        server.server_close()
        mid2 = add_message(sqlite_db)
        failed = s.approve(mid2, text)
        assert failed.state == "failed" and "webhook" in failed.error
        assert [a.id for a in s.failed_posts()] == [failed.id]
        server2 = ThreadingHTTPServer(("127.0.0.1", server.server_port), Receiver)
        threading.Thread(target=server2.serve_forever, daemon=True).start()
        try:
            assert s.post(failed.id).state == "posted"
            assert s.post(failed.id).state == "posted"
            assert [k for k, _ in Receiver.seen].count(failed.idempotency_key) == 1
        finally:
            server2.shutdown()
            server2.server_close()
    finally:
        server.server_close()


def test_users_file_hashes_and_roles(tmp_path):
    from assistant.review.auth import UserStore

    store = UserStore(tmp_path / "users.json")
    store.upsert("anna", "Anna", ["agent"], "s3cret")
    raw = (tmp_path / "users.json").read_text()
    assert "s3cret" not in raw and "$argon2" in raw
    assert store.authenticate("anna", "s3cret").roles == ["agent"]
    assert store.authenticate("anna", "wrong") is None and store.authenticate("nobody", "x") is None
    with pytest.raises(PermissionError):
        store.upsert("eve", "Eve", ["admin"], "x", actor={"username": "anna", "roles": ["agent"]})


class AlwaysFails(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_errors_and_audit_never_show_the_webhook_token(sqlite_db, static_pipeline):
    """Issue 12 item 17: the webhook URL often carries a token; errors and the audit log show scheme+host only."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), AlwaysFails)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    try:
        url = f"http://hookuser:pw-s3cr3t@127.0.0.1:{port}/hooks/T0KEN-path-s3cr3t?token=q-s3cr3t#frag-s3cr3t"
        channel = WebhookChannel(url, "whsec-test", attempts=2, wait_max=0.05)
        s = ReviewService(sqlite_db, ANNA, pipeline=static_pipeline, channel=channel)
        failed = s.approve(add_message(sqlite_db), "Hallo Anna, schick uns bitte deine Bestellnummer per DM, "
                                                       "dann prüfen wir die Sendung bis morgen. ^AB")
        assert failed.state == "failed" and "500" in failed.error, failed.error
        assert f"http://127.0.0.1:{port}/***" in failed.error, failed.error
        with sqlite_db.session() as ses:
            audit = [json.dumps(e.data) for e in ses.scalars(select(AuditEvent)).all()]
        for text in [failed.error, *audit]:
            assert "s3cr3t" not in text and "hookuser" not in text, text
    finally:
        server.shutdown()
        server.server_close()
    # a receiver that is down: the connection error names the host, not the token
    channel = WebhookChannel(f"http://127.0.0.1:{port}/hooks/T0KEN-s3cr3t", "whsec-test", attempts=1)
    from assistant.review.channels import PostError, Reply

    with pytest.raises(PostError) as err:
        channel.post(Reply(idempotency_key="k", message_id="m", external_id=None, channel="twitter",
                           visibility="public", to="@a", text="x", approved_by=["anna"]))
    assert "s3cr3t" not in str(err.value) and f"127.0.0.1:{port}" in str(err.value)


def test_a_due_followup_can_be_marked_done_once_and_is_audited(db, static_pipeline, tmp_path):
    """Issue 12 item 20: a follow-up can be marked done (agents and approvers only); it leaves the due list."""
    from datetime import timedelta

    from assistant.review.orm import FollowUp
    from replydesk.db import utcnow

    mid = add_message(db)
    with db.transaction() as session:
        fu = FollowUp(message_id=mid, due_at=utcnow() - timedelta(hours=1), done=False, note="check back")
        session.add(fu)
        session.flush()
        fu_id = fu.id
    s = svc(db, ANNA, static_pipeline, tmp_path / "o.jsonl")
    assert [f.id for f in s.due_followups()] == [fu_id]
    with pytest.raises(PermissionError):
        svc(db, TINA, static_pipeline, tmp_path / "o.jsonl").complete_followup(fu_id)
    done = s.complete_followup(fu_id)
    assert done.done is True
    assert s.due_followups() == []
    with pytest.raises(ReviewError, match="already done"):
        s.complete_followup(fu_id)
    with pytest.raises(ReviewError, match="no follow-up"):
        s.complete_followup(99999)
    with db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "followup_done")).all()
    assert [(e.actor, e.message_id, e.data.get("followup_id")) for e in events] == [("anna", mid, fu_id)]

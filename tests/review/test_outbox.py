"""The approvals table as the transactional outbox (issue 12 item 6): a sweeper posts queued, failed and interrupted
replies with the approval's own idempotency key; a reply whose outcome is unknown cannot be rejected (design point
A); the JSONL outbox does not read itself for every post."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.orm import Message
from assistant.review.channels import OutboxChannel, PostError, Reply, WebhookChannel
from assistant.review.orm import Approval
from assistant.review.outbox import Outbox, RetryPolicy
from assistant.review.service import ReviewError, ReviewService
from replydesk.db import utcnow

from .conftest import add_message  # noqa: TID252

ANNA = {"username": "anna", "roles": ["agent"]}
TEXT = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung bis morgen. ^AB"
ROOT = Path(__file__).resolve().parents[2]


def later(seconds: float):
    return lambda: utcnow() + timedelta(seconds=seconds)


def approval_of(db, mid) -> Approval:
    with db.session() as s:
        return s.scalars(select(Approval).where(Approval.message_id == mid)).one()


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


class Exploding:
    """A channel whose post raises something other than PostError (a torn line, a bug) until told otherwise."""

    name = "exploding"

    def __init__(self, outbox: Path) -> None:
        self.fail = True
        self.keys: list[str] = []
        self.inner = OutboxChannel(outbox)

    def post(self, reply):
        self.keys.append(reply.idempotency_key)
        if self.fail:
            raise json.JSONDecodeError("torn line", "{", 1)
        return self.inner.post(reply)


def test_a_channel_raising_a_non_post_error_is_retried_by_the_sweeper_with_the_same_key(db, static_pipeline,
                                                                                     tmp_path):
    outbox = tmp_path / "o.jsonl"
    channel = Exploding(outbox)
    mid = add_message(db)
    failed = ReviewService(db, ANNA, pipeline=static_pipeline, channel=channel).approve(mid, TEXT)
    assert failed.state == "failed" and "JSONDecodeError" in failed.error and failed.attempts == 1
    assert failed.maybe_sent  # we cannot tell whether it reached the channel
    assert failed.next_attempt_at > utcnow()  # retried later, with backoff
    assert Outbox(db, channel).sweep().claimed == []  # not due yet
    report = Outbox(db, channel, clock=later(45)).sweep()  # still failing: backed off further
    again = approval_of(db, mid)
    assert report.failed == [failed.id] and again.attempts == 2
    assert again.next_attempt_at - utcnow() > timedelta(seconds=45 + 50)  # 30 s, then 60 s
    channel.fail = False
    assert Outbox(db, channel, clock=later(3600)).sweep().posted == [failed.id]
    assert channel.keys == [failed.idempotency_key] * 3
    assert [x["idempotency_key"] for x in lines(outbox)] == [failed.idempotency_key]
    with db.session() as s:
        assert s.get(Message, mid).status == "posted"
    assert Outbox(db, channel, clock=later(7200)).sweep().claimed == []  # posted: never again


def test_the_sweeper_gives_up_after_max_attempts_and_a_manual_retry_posts_once(db, static_pipeline, tmp_path):
    outbox = tmp_path / "o.jsonl"
    channel = Exploding(outbox)
    mid = add_message(db)
    svc = ReviewService(db, ANNA, pipeline=static_pipeline, channel=channel)
    failed = svc.approve(mid, TEXT)
    sweeper = Outbox(db, channel, policy=RetryPolicy(max_attempts=2), clock=later(10**6))
    assert sweeper.sweep().failed == [failed.id]
    assert approval_of(db, mid).next_attempt_at is None  # given up: listed, waiting for a person
    assert sweeper.sweep().claimed == []
    assert [a.id for a in svc.failed_posts()] == [failed.id]
    channel.fail = False
    assert svc.post(failed.id).state == "posted"
    assert channel.keys == [failed.idempotency_key] * 3 and len(lines(outbox)) == 1


class Receiver:
    """A webhook receiver that records every Idempotency-Key; while ``hold`` is set it takes the request and never
    answers (the poster is then killed); afterwards it answers 200 and de-duplicates by the key."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.posted: list[str] = []  # replies it actually published (once per key)
        self.hold = True
        self.got_one = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers["Content-Length"]))
                key = self.headers["Idempotency-Key"]
                receiver.keys.append(key)
                if receiver.hold:
                    receiver.got_one.set()
                    receiver.release.wait(120)
                    return
                duplicate = key in receiver.posted
                if not duplicate:
                    receiver.posted.append(key)
                body = json.dumps({"duplicate": duplicate}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


APPROVE_IN_A_CHILD = """
import sys
sys.path.insert(0, {root!r})
from tests.review.conftest import StaticPipeline
from assistant.review.channels import WebhookChannel
from assistant.review.service import ReviewService
from replydesk.db import Database

db = Database({url!r})
channel = WebhookChannel({hook!r}, "whsec", timeout_s=300, attempts=1)
ReviewService(db, {{"username": "anna", "roles": ["agent"]}}, pipeline=StaticPipeline(), channel=channel).approve(
    {mid!r}, {text!r})
print("approve returned", flush=True)
"""


def test_a_poster_killed_between_queued_and_posted_is_posted_once_by_the_sweeper_with_the_same_key(db, tmp_path):
    """A real process approves (the approval is committed 'queued' and handed to the webhook) and is killed with
    SIGKILL while the receiver holds the request. The reply cannot be rejected (its outcome is unknown); the
    sweeper, once the dead poster's lease is over, posts it with the same key; the receiver saw one key."""
    receiver = Receiver()
    try:
        mid = add_message(db)
        script = APPROVE_IN_A_CHILD.format(root=str(ROOT), url=db.url, hook=receiver.url, mid=mid, text=TEXT)
        child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        try:
            if not receiver.got_one.wait(120):  # the state we wait for: the receiver has the request
                child.kill()
                pytest.fail("the child never posted:\n" + child.communicate()[1])
            os.kill(child.pid, signal.SIGKILL)
            out, _err = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
        assert child.returncode == -signal.SIGKILL and "approve returned" not in out
        stuck = approval_of(db, mid)
        assert stuck.state == "posting" and stuck.attempts == 1
        with db.session() as s:
            assert s.get(Message, mid).status == "approved"

        agent = ReviewService(db, ANNA, pipeline=None, channel=WebhookChannel(receiver.url, "whsec"))
        with pytest.raises(ReviewError, match="outcome of posting this reply is unknown.*sweeper"):
            agent.reject(mid, "customer solved it")  # design point A
        with pytest.raises(ReviewError, match="unknown"):
            agent.reject(mid, "needs a lead", escalate=True)

        receiver.hold = False
        receiver.release.set()
        channel = WebhookChannel(receiver.url, "whsec", timeout_s=30, attempts=1)
        assert Outbox(db, channel).sweep().claimed == []  # the lease of a poster that may be alive is respected
        report = Outbox(db, channel, clock=later(RetryPolicy().lease_s + 1)).sweep()
        assert report.posted == [stuck.id]
        posted = approval_of(db, mid)
        assert posted.state == "posted" and posted.attempts == 2 and posted.maybe_sent
        assert set(receiver.keys) == {stuck.idempotency_key}  # one key, whatever the number of attempts
        assert receiver.posted == [stuck.idempotency_key]
        assert Outbox(db, channel, clock=later(10**6)).sweep().claimed == []
        with db.session() as s:
            assert s.get(Message, mid).status == "posted"
        with pytest.raises(ReviewError, match="already posted"):
            agent.reject(mid, "too late")
    finally:
        receiver.close()


def test_a_refused_post_can_be_rejected_but_one_that_may_have_arrived_cannot(sqlite_db, static_pipeline):
    """Design point A: a 4xx answer (the receiver refused) leaves the reply cancellable; a timeout after the request
    was sent (the receiver may have taken it) does not."""

    class Answering(BaseHTTPRequestHandler):
        status = 422

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            if Answering.status == 0:  # answers after the client's timeout
                self.connection.recv(1)
                return
            self.send_response(Answering.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answering)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        channel = WebhookChannel(f"http://127.0.0.1:{server.server_port}/hook", "whsec", timeout_s=0.3, attempts=1)
        svc = ReviewService(sqlite_db, ANNA, pipeline=static_pipeline, channel=channel)
        refused = add_message(sqlite_db)
        a = svc.approve(refused, TEXT)
        assert a.state == "failed" and not a.maybe_sent
        svc.reject(refused, "answered by phone")
        assert approval_of(sqlite_db, refused).state == "rejected"
        assert Outbox(sqlite_db, channel, clock=later(10**6)).sweep().claimed == []  # never retried

        Answering.status = 0
        unknown = add_message(sqlite_db)
        b = svc.approve(unknown, TEXT)
        assert b.state == "failed" and b.maybe_sent
        with pytest.raises(ReviewError, match="unknown.*check the channel"):
            svc.reject(unknown, "answered by phone")
        assert approval_of(sqlite_db, unknown).state == "failed"
    finally:
        server.shutdown()
        server.server_close()


def _reply(key: str, n: int = 0) -> Reply:
    return Reply(idempotency_key=key, message_id=f"m{n}", external_id=None, channel="twitter", visibility="public",
                 to="@x", text="Hallo, danke für deine Nachricht – wir melden uns bis morgen. " * 3,
                 approved_by=["anna"])


def _bytes_read() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def test_posting_the_10001st_line_does_not_read_the_outbox(tmp_path):
    path = tmp_path / "outbox.jsonl"
    with path.open("w", encoding="utf-8") as fh:  # an outbox of 9,999 replies written before its key index
        for i in range(9999):
            fh.write(json.dumps({**_reply(f"k{i}", i).model_dump(), "posted_at": "2026-11-01"}) + "\n")
    channel = OutboxChannel(path)
    assert not channel.post(_reply("k10000")).duplicate  # indexes the old lines once
    assert channel.post(_reply("k5")).duplicate  # a key from the old lines is known
    size = path.stat().st_size
    assert size > 2_000_000

    before = _bytes_read()
    assert not channel.post(_reply("k10001")).duplicate  # the 10,001st line
    warm = _bytes_read() - before
    assert warm < 16_384, f"posting read {warm} bytes of a {size}-byte outbox"

    other = OutboxChannel(path)  # another process: reads the key index, not the outbox
    before = _bytes_read()
    assert other.post(_reply("k10001")).duplicate
    assert not other.post(_reply("k10002")).duplicate
    cold = _bytes_read() - before
    assert cold < channel.index_path.stat().st_size + 16_384 and cold < size / 3, (cold, size)
    assert channel.post(_reply("k10002")).duplicate  # sees what the other one wrote
    keys = [x["idempotency_key"] for x in lines(path)]
    assert len(keys) == 10002 == len(set(keys))


def test_the_outbox_index_survives_a_torn_line_a_crash_between_writes_and_an_erasure(tmp_path):
    from assistant.privacy import redact_outbox

    path = tmp_path / "outbox.jsonl"
    channel = OutboxChannel(path)
    channel.post(_reply("a", 1))
    with path.open("a", encoding="utf-8") as fh:  # written, then killed before the key index was updated
        fh.write(json.dumps({**_reply("b", 2).model_dump(), "posted_at": "x"}) + "\n")
    assert OutboxChannel(path).post(_reply("b", 2)).duplicate
    with path.open("a", encoding="utf-8") as fh:  # killed in the middle of writing a line: never posted
        fh.write('{"idempotency_key": "c", "text": "Hal')
    assert not OutboxChannel(path).post(_reply("c", 3)).duplicate  # the torn line is cut off, written whole
    assert [x["idempotency_key"] for x in lines(path)] == ["a", "b", "c"]
    assert redact_outbox(path, {"m2"}, set(), []) == 1  # an erasure rewrites the file (a new inode)
    assert channel.post(_reply("b", 2)).duplicate  # still known after the rewrite
    assert not channel.post(_reply("d", 4)).duplicate
    assert [x["idempotency_key"] for x in lines(path)] == ["a", "b", "c", "d"]


def test_outbox_cli_lists_failed_posts_and_sweeps(data_dir, static_pipeline):
    from typer.testing import CliRunner

    from replydesk.cli import app
    from replydesk.db import get_database

    db = get_database()

    class Refused:
        name = "refused"

        def post(self, reply):
            raise PostError("receiver said 422", maybe_sent=False)

    failed = ReviewService(db, ANNA, pipeline=static_pipeline, channel=Refused()).approve(add_message(db), TEXT)
    queued = add_message(db)
    with db.transaction() as s:  # what approve() commits just before its process dies
        s.get(Message, queued).status = "approved"
        s.add(Approval(message_id=queued, text=TEXT, channel="twitter", visibility="public", author="anna",
                       state="queued", idempotency_key=uuid.uuid4().hex, next_attempt_at=utcnow(), attempts=0,
                       overrides=[], receipt={}))
    runner = CliRunner()
    r = runner.invoke(app, ["outbox", "failed", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert [(x["approval_id"], x["maybe_sent"]) for x in rows] == [(failed.id, False)]
    assert "422" in rows[0]["error"] and rows[0]["next_attempt_at"]
    r = runner.invoke(app, ["outbox", "sweep", "--json"])
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.output)["posted"]) == 1  # the queued one; the failed one is not due yet
    assert [x["message_id"] for x in lines(data_dir / "outbox.jsonl")] == [queued]


def test_the_worker_sweeps_the_outbox(db, tmp_path):
    from assistant.worker import drain

    mid = add_message(db)
    with db.transaction() as s:  # committed 'queued' by a process that died before posting
        s.get(Message, mid).status = "approved"
        s.add(Approval(message_id=mid, text=TEXT, channel="twitter", visibility="public", author="anna",
                       state="queued", idempotency_key=uuid.uuid4().hex, next_attempt_at=utcnow(), attempts=0,
                       overrides=[], receipt={}))

    class NothingToDraft:  # the worker's drafting side has no pending messages
        def __init__(self, db):
            self.db = db

    outbox = tmp_path / "o.jsonl"
    assert drain(NothingToDraft(db), outbox=Outbox(db, OutboxChannel(outbox))) == 0
    assert [x["message_id"] for x in lines(outbox)] == [mid]
    assert approval_of(db, mid).state == "posted"

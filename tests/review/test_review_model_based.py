"""Model-based test of the review state machine (issue 12, "Tests that prove it"): a hypothesis
``RuleBasedStateMachine`` drives two agents (anna, carl), an approver (ben), a flaky channel whose failures follow a
schedule hypothesis draws, and restarts (new service instances + recovery of posts a dead process left behind) over
2–3 messages, on SQLite and PostgreSQL. After every step:

* never posted twice: at most one outbox line per message and per idempotency key;
* never posted after reject or escalate: no outbox write for an approval that existed when its message was
  rejected/escalated (a re-approval after an escalation is a new approval and may be posted once);
* every approval ends posted or failed-and-retryable: nothing is left ``queued``; ``posting`` only between a
  process dying mid-post and the next restart (whose recovery turns it into ``failed``) or sweep (the outbox
  sweeper, later in time, claims it again); every failed approval is listed under failed posts and a retry — by
  hand or by the sweeper — reuses its idempotency key;
* a reply whose post may have reached the channel (in flight, or an attempt that failed after sending) cannot be
  rejected or escalated;
* at most one live approval per message, and the message status agrees with it;
* nothing lost: every message exists with a valid status; a rejected message stays rejected;
* a lock is honoured: an agent's claim, edit, approve, reject or escalate succeeds only if nobody else holds a
  live lock; a lead's take-over lets them act.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import timedelta

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select, update

from assistant.orm import Message
from assistant.review import queue
from assistant.review.channels import OutboxChannel, PostError
from assistant.review.orm import Approval
from assistant.review.outbox import Outbox
from assistant.review.service import LIVE_APPROVAL, ReviewError, ReviewService

from .conftest import StaticPipeline, add_message  # noqa: TID252

ANNA = {"username": "anna", "roles": ["agent"]}
CARL = {"username": "carl", "roles": ["agent"]}
BEN = {"username": "ben", "roles": ["agent", "approver"]}
ACTORS = {"anna": ANNA, "carl": CARL, "ben": BEN}

CLEAN = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung bis morgen. ^AB"
WARNED = "Hallo Anna, schau mal auf https://example.org nach. ^AB"  # warnings: structure, unsupported-claim
BLOCKED = "Hallo Anna, das Paket kommt garantiert morgen! ^AB"  # unapproved-promise: a block
TEXTS = {"clean": CLEAN, "warned": WARNED, "blocked": BLOCKED}
REASONS = {"structure": "short reply on purpose", "unsupported-claim": "the link is our status page"}

# What the flaky channel does with one post: "ok" posts; the others fail before the write, after it (the receiver
# got it, the answer was lost), with a PostError or any other exception, or the process dies (BaseException).
OUTCOMES = ("ok", "ok", "post_error", "exception", "write_then_error", "die_before", "die_after")
MESSAGE_STATUSES = {"drafted", "awaiting_approval", "approved", "posted", "rejected", "escalated"}
OPEN_FOR_APPROVE = {"drafted", "escalated"}  # the only approvable statuses this machine can reach
OPEN_FOR_REJECT = {"drafted", "escalated", "awaiting_approval", "approved"}


class FlakyChannel:
    """The outbox channel behind a scripted schedule of failures; every real write is checked when it happens."""

    name = "flaky-outbox"

    def __init__(self, path, machine) -> None:
        self.inner = OutboxChannel(path)
        self.machine = machine
        self.schedule: list[str] = []
        self.calls: list[str] = []  # idempotency keys, one per post attempt

    def post(self, reply):
        self.calls.append(reply.idempotency_key)
        outcome = self.schedule.pop(0) if self.schedule else "ok"
        if outcome == "post_error":
            raise PostError("receiver down", maybe_sent=False)
        if outcome == "exception":
            raise json.JSONDecodeError("torn line", "{", 1)
        if outcome == "die_before":
            raise KeyboardInterrupt("process killed before the write")
        receipt = self.inner.post(reply)
        if not receipt.duplicate:
            self.machine.on_write(reply)
        if outcome == "write_then_error":
            raise PostError("connection reset after the receiver took the reply")
        if outcome == "die_after":
            raise KeyboardInterrupt("process killed after the write")
        return receipt


class ReviewMachine(RuleBasedStateMachine):
    db = None
    pipeline = None
    tmp = None

    def __init__(self) -> None:
        super().__init__()
        self.outbox = self.tmp / f"outbox-{uuid.uuid4().hex}.jsonl"
        self.channel = FlakyChannel(self.outbox, self)
        # a plain message, a four-eyes one (25,000 followers, negative) and a second plain one; fresh ids per example
        self.mids = [add_message(self.db), add_message(self.db, followers=25000, sentiment="negative"),
                     add_message(self.db)]
        self.services: dict[str, ReviewService] = {}
        self.restart_services()
        self.crashed = False  # a process died mid-post since the last restart
        self.dead_keys: dict[str, str] = {}  # idempotency key -> "rejected"/"escalated": must never be written
        self.rejected: set[str] = set()
        self.violations: list[str] = []

    def teardown(self) -> None:
        """The database outlives the example: its unfinished posts must not be swept by the next example's sweeper
        (through another example's channel)."""
        with self.db.transaction() as s:
            s.execute(update(Approval).where(Approval.message_id.in_(self.mids),
                                             Approval.state.in_(("queued", "posting", "failed")))
                      .values(state="rejected", next_attempt_at=None))

    # ---- helpers ---------------------------------------------------------------------------------
    def restart_services(self) -> None:
        self.services = {name: ReviewService(self.db, user, pipeline=self.pipeline, channel=self.channel)
                         for name, user in ACTORS.items()}

    def on_write(self, reply) -> None:
        if reply.idempotency_key in self.dead_keys:
            self.violations.append(f"approval {reply.idempotency_key} of {reply.message_id} written after its "
                                   f"message was {self.dead_keys[reply.idempotency_key]}")

    def approvals(self, mid: str | None = None) -> list[Approval]:
        with self.db.session() as s:
            q = select(Approval).where(Approval.message_id.in_([mid] if mid else self.mids)).order_by(Approval.id)
            return list(s.scalars(q))

    def status(self, mid: str) -> str:
        with self.db.session() as s:
            return s.get(Message, mid).status

    def outbox_lines(self) -> list[dict]:
        if not self.outbox.exists():
            return []
        return [json.loads(x) for x in self.outbox.read_text(encoding="utf-8").splitlines() if x.strip()]

    def act(self, fn, *args, **kwargs):
        """Run one action; returns (result, error). A process dying mid-post is a crash, not an error."""
        try:
            return fn(*args, **kwargs), None
        except (ReviewError, PermissionError) as exc:
            return None, exc
        except KeyboardInterrupt:
            self.crashed = True
            return "crashed", None

    # ---- rules -----------------------------------------------------------------------------------
    @initialize(schedule=st.lists(st.sampled_from(OUTCOMES), max_size=12))
    def script_the_channel(self, schedule):
        self.channel.schedule = list(schedule)

    @rule(actor=st.sampled_from(["anna", "carl", "ben"]), m=st.integers(0, 2),
          text=st.sampled_from(sorted(TEXTS)), with_reasons=st.booleans())
    def approve(self, actor, m, text, with_reasons):
        mid = self.mids[m]
        before = self.status(mid)
        live = [a for a in self.approvals(mid) if a.state in LIVE_APPROVAL]
        holder = queue.lock_holder(self.db, mid, ACTORS[actor])
        overrides = dict(REASONS) if with_reasons else None
        result, error = self.act(self.services[actor].approve, mid, TEXTS[text], overrides)
        allowed = (before in OPEN_FOR_APPROVE and not live and text != "blocked"
                   and (text == "clean" or with_reasons) and holder is None)
        if allowed:
            assert error is None, f"{actor} could not approve a {before} message: {error}"
        else:
            assert error is not None, f"{actor} approved a {before} message (text {text}, live {live})"
            assert self.status(mid) == before

    @rule(actor=st.sampled_from(["anna", "carl", "ben"]), i=st.integers(0, 7))
    def second_approve(self, actor, i):
        approvals = self.approvals()
        if not approvals:
            return
        a = approvals[i % len(approvals)]
        result, error = self.act(self.services[actor].second_approve, a.id)
        allowed = actor == "ben" and a.author != "ben" and a.state == "awaiting_second"
        if allowed:
            assert error is None, f"ben could not second-approve {a.state} approval by {a.author}: {error}"
        else:
            assert error is not None, f"{actor} second-approved a {a.state} approval by {a.author}"

    @rule(actor=st.sampled_from(["anna", "carl", "ben"]), m=st.integers(0, 2), escalate=st.booleans())
    def reject(self, actor, m, escalate):
        mid = self.mids[m]
        before = self.status(mid)
        approvals = self.approvals(mid)
        # posted, in flight, or an attempt that may have reached the channel: the outcome is not ours to cancel
        in_flight = any(a.state in ("posting", "posted") or (a.state in LIVE_APPROVAL and a.maybe_sent)
                        for a in approvals)
        holder = queue.lock_holder(self.db, mid, ACTORS[actor])
        open_states = OPEN_FOR_REJECT - ({"escalated"} if escalate else set())
        _, error = self.act(self.services[actor].reject, mid, "model-based test", escalate=escalate)
        if before in open_states and not in_flight and holder is None:
            assert error is None, f"{actor} could not {'escalate' if escalate else 'reject'} a {before} message: {error}"
            action = "escalated" if escalate else "rejected"
            assert self.status(mid) == action
            for a in approvals:
                self.dead_keys.setdefault(a.idempotency_key, action)
            if not escalate:
                self.rejected.add(mid)
        else:
            assert error is not None, (f"{actor} rejected/escalated a {before} message (in flight: {in_flight}, "
                                       f"locked by {holder})")
            if holder is not None:
                assert "is editing this message; take over first" in str(error)
            elif in_flight and before in open_states:
                assert "outcome of posting this reply is unknown" in str(error) or "already posted" in str(error)
            assert self.status(mid) == before
            assert [(a.id, a.state) for a in self.approvals(mid)] == [(a.id, a.state) for a in approvals]

    @rule(actor=st.sampled_from(["anna", "carl", "ben"]), i=st.integers(0, 7))
    def retry_post(self, actor, i):
        approvals = self.approvals()
        if not approvals:
            return
        a = approvals[i % len(approvals)]
        calls = len(self.channel.calls)
        result, _ = self.act(self.services[actor].post, a.id)
        if a.state in ("queued", "failed"):
            assert self.channel.calls[calls:] == [a.idempotency_key]  # a retry reuses the key
        else:
            assert self.channel.calls[calls:] == [], f"a {a.state} approval was handed to the channel"
            assert result.state == a.state

    @rule()
    def restart(self):
        """The processes restart: new services; posts a dead process left in 'posting' become failed."""
        self.restart_services()
        ours = {a.id: a.state for a in self.approvals()}  # the database also holds earlier examples' messages
        stuck = {i for i, state in ours.items() if state == "posting"}
        svc = self.services["ben"]
        assert svc.recover_stuck_posts() == []  # fresh posts are not taken for dead ones
        assert set(svc.recover_stuck_posts(older_than=timedelta(0))) & set(ours) == stuck
        self.crashed = False

    @rule()
    def sweep_later(self):
        """Time passes (a day): the outbox sweeper posts every due retry and takes over posts whose poster died,
        each with its approval's own idempotency key."""
        before = {a.id: a for a in self.approvals()}
        calls = len(self.channel.calls)
        # a day passes: every retry time and lease of ours moves a day into the past (rather than the sweeper's clock
        # a day ahead, which would leave its own leases and retry times in the future for the services)
        with self.db.transaction() as s:
            for a in s.scalars(select(Approval).where(Approval.id.in_(before))):
                if a.next_attempt_at is not None:
                    a.next_attempt_at -= timedelta(days=1)
                if a.lease_until is not None:
                    a.lease_until -= timedelta(days=1)
        sweeper = Outbox(self.db, self.channel)
        self.crashed = False
        report, _ = self.act(sweeper.sweep, limit=1000)
        due = {i for i, a in before.items() if a.state == "posting" or (a.state == "failed" and a.next_attempt_at)}
        assert set(self.channel.calls[calls:]) <= {before[i].idempotency_key for i in due}
        if report != "crashed":
            assert due <= set(report.claimed)

    @rule(actor=st.sampled_from(["anna", "carl", "ben"]), m=st.integers(0, 2))
    def edit(self, actor, m):
        mid = self.mids[m]
        holder = queue.lock_holder(self.db, mid, ACTORS[actor])
        _, error = self.act(self.services[actor].save_edit, mid, CLEAN)
        if holder is None:
            assert error is None, f"{actor} could not edit an unlocked message: {error}"
            assert queue.lock_holder(self.db, mid, ACTORS["ben" if actor != "ben" else "anna"]) == actor
        else:
            assert error is not None and f"{holder} is editing this message; take over first" in str(error)

    @rule(m=st.integers(0, 2))
    def take_over(self, m):
        mid = self.mids[m]
        self.services["ben"].take_over(mid)
        assert queue.lock_holder(self.db, mid, ANNA) == "ben"

    @rule(actor=st.sampled_from(["anna", "carl", "ben"]), m=st.integers(0, 2))
    def claim(self, actor, m):
        mid = self.mids[m]
        holder = queue.lock_holder(self.db, mid, ACTORS[actor])  # someone else's live lock, or None
        got = queue.claim(self.db, mid, ACTORS[actor])
        assert got == (holder is None), f"{actor} claim={got} while {holder} holds the lock"
        if not got:
            assert queue.lock_holder(self.db, mid, ACTORS[holder]) is None  # the holder keeps it

    @rule(actor=st.sampled_from(["anna", "carl", "ben"]), m=st.integers(0, 2))
    def release(self, actor, m):
        queue.release(self.db, self.mids[m], ACTORS[actor])

    # ---- invariants ------------------------------------------------------------------------------
    @invariant()
    def never_posted_twice_nor_after_reject(self):
        lines = self.outbox_lines()
        per_key = Counter(x["idempotency_key"] for x in lines)
        per_message = Counter(x["message_id"] for x in lines)
        assert max(per_key.values(), default=0) <= 1, per_key
        assert max(per_message.values(), default=0) <= 1, per_message
        assert set(per_key) <= {a.idempotency_key for a in self.approvals()}
        assert self.violations == []

    @invariant()
    def approvals_end_posted_or_failed_and_retryable(self):
        approvals = self.approvals()
        states = Counter(a.state for a in approvals)
        assert states["queued"] == 0, "an approval was left queued without a post"
        if not self.crashed:
            assert states["posting"] == 0, "an approval is stuck in posting after the restart's recovery"
        failed = {a.id for a in approvals if a.state == "failed"}
        listed = {a.id for a in self.services["ben"].failed_posts() if a.message_id in self.mids}
        assert listed == failed
        written = {x["idempotency_key"] for x in self.outbox_lines()}
        for a in approvals:
            if a.state == "posted":
                assert a.idempotency_key in written

    @invariant()
    def one_live_approval_and_consistent_status(self):
        for mid in self.mids:
            status = self.status(mid)  # nothing lost: the message exists
            assert status in MESSAGE_STATUSES, status
            if mid in self.rejected:
                assert status == "rejected"
            approvals = self.approvals(mid)
            live = [a for a in approvals if a.state in LIVE_APPROVAL]
            posted = [a for a in approvals if a.state == "posted"]
            assert len(live) <= 1, [(a.id, a.state) for a in live]
            assert len(posted) <= 1
            if status == "posted":
                assert len(posted) == 1 and not live
            elif status == "awaiting_approval":
                assert [a.state for a in live] == ["awaiting_second"]
            elif status == "approved":
                assert len(live) == 1 and live[0].state in ("queued", "posting", "failed")
            else:  # drafted, rejected, escalated
                assert not live and not posted, (status, [(a.id, a.state) for a in approvals])


MACHINE_SETTINGS = settings(max_examples=40, stateful_step_count=25, deadline=None,
                            suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.timeout(900)  # 40 examples × 25 steps; ~30 s on a quiet machine, several minutes on a loaded CI box
def test_review_state_machine_model_based(db, tmp_path):
    """Runs the machine on the `db` fixture (SQLite and PostgreSQL); each example uses fresh messages."""
    pipeline = StaticPipeline()

    class Machine(ReviewMachine):
        pass

    Machine.db, Machine.pipeline, Machine.tmp = db, pipeline, tmp_path
    run_state_machine_as_test(Machine, settings=MACHINE_SETTINGS)


"""Design point B: agent locks are enforced by the review service, not only by the screen."""

from __future__ import annotations

import pytest

from assistant.review import queue
from assistant.review.channels import OutboxChannel
from assistant.review.service import ReviewError, ReviewService

from .conftest import add_message  # noqa: TID252

ANNA = {"username": "anna", "roles": ["agent"]}
CARL = {"username": "carl", "roles": ["agent"]}
BEN = {"username": "ben", "roles": ["agent", "approver"]}
TEXT = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung bis morgen. ^AB"


def test_actions_on_a_message_another_agent_is_editing_are_refused_until_a_lead_takes_over(db, static_pipeline,
                                                                                          tmp_path):
    def svc(user):
        return ReviewService(db, user, pipeline=static_pipeline, channel=OutboxChannel(tmp_path / "o.jsonl"))

    mid = add_message(db)
    svc(ANNA).save_edit(mid, TEXT)  # editing locks it for anna
    assert queue.lock_holder(db, mid, CARL) == "anna"
    carl = svc(CARL)
    for action, args in [(carl.save_edit, (mid, TEXT + " ")), (carl.approve, (mid, TEXT)),
                         (carl.reject, (mid, "not needed")), (carl.reject, (mid, "lead", True)),
                         (carl.regenerate, (mid,)), (carl.move_to_private, (mid,))]:
        with pytest.raises(ReviewError, match="anna is editing this message; take over first"):
            action(*args)
    assert queue.lock_holder(db, mid, CARL) == "anna"  # nothing carl did took or cleared the lock
    with pytest.raises(PermissionError):
        carl.take_over(mid)  # only a lead takes over
    ben = svc(BEN)
    ben.take_over(mid)
    with pytest.raises(ReviewError, match="ben is editing this message; take over first"):
        svc(ANNA).approve(mid, TEXT)
    assert ben.approve(mid, TEXT).state == "posted"
    assert queue.lock_holder(db, mid, ANNA) is None  # approving releases the lock


def test_the_lock_holder_and_an_expired_lock_do_not_block(db, static_pipeline, tmp_path):
    from sqlalchemy import update

    from assistant.orm import Message
    from replydesk.db import utcnow

    mid = add_message(db)
    anna = ReviewService(db, ANNA, pipeline=static_pipeline, channel=OutboxChannel(tmp_path / "o.jsonl"))
    anna.save_edit(mid, TEXT)
    anna.save_edit(mid, TEXT + " ")  # her own lock
    with db.transaction() as s:  # fifteen minutes later: her lock has run out
        s.execute(update(Message).where(Message.id == mid).values(locked_until=utcnow()))
    carl = ReviewService(db, CARL, pipeline=static_pipeline, channel=OutboxChannel(tmp_path / "o.jsonl"))
    carl.reject(mid, "answered by phone")

"""WhatsApp posting adapter over real HTTP on loopback: a fake WhatsApp Business Cloud API with faults (429 with
Retry-After, throttling, 5xx, a lost answer, an expired token, the 24-hour customer service window), the outbox's
retries with the approval's idempotency key, the ``replydesk.channels`` entry point, and end to end from an
imported WhatsApp message to one message on WhatsApp."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from assistant.connectors.whatsapp import WhatsAppChannel, WhatsAppError, WhatsAppSettings, resolve
from assistant.orm import Message
from assistant.review.channels import PostError, Reply
from assistant.review.orm import Approval
from assistant.review.outbox import Outbox
from replydesk.db import utcnow
from tests.assistant.whatsapp_server import FakeWhatsApp

runner = CliRunner()
NUMBER, WA_ID = "+49 151 2345 678", "491512345678"
TEXT = "Hallo Anna, deine Sendung ist unterwegs und kommt morgen an. Viele Grüße ^AB"


def wait_for(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)
    return value


def later(seconds: float):
    return lambda: utcnow() + timedelta(seconds=seconds)


@pytest.fixture
def fake():
    with FakeWhatsApp() as f:
        yield f


def settings_for(fake: FakeWhatsApp, **kw) -> WhatsAppSettings:
    return WhatsAppSettings(**{"token": fake.token, "phone_number_id": fake.phone_number_id, "base_url": fake.url,
                               "timeout_s": 5.0, "attempts": 4, "backoff_s": 0.01, "max_wait_s": 3.0, **kw})


def channel(fake: FakeWhatsApp, db, **kw) -> WhatsAppChannel:
    return WhatsAppChannel.from_settings(settings_for(fake, **kw), db)


def queue(db, author: str = NUMBER, text: str = TEXT, channel_name: str = "whatsapp") -> tuple[str, int]:
    """A message and its approved reply, queued in the outbox as ReviewService.approve leaves it."""
    mid = uuid.uuid4().hex
    with db.transaction() as s:
        s.add(Message(id=mid, external_id=f"wa-{mid}", channel=channel_name, visibility="private",
                      author_handle=author, text="Hallo, wo ist mein Paket?", raw={}, triage={}, status="approved",
                      risk=0.1, attempts=0, language="de"))
        s.flush()
        a = Approval(message_id=mid, text=text, channel=channel_name, visibility="private", author="anna",
                     state="queued", idempotency_key=uuid.uuid4().hex, next_attempt_at=utcnow(), overrides=[],
                     receipt={})
        s.add(a)
        s.flush()
        return mid, a.id


def raw_state(db, mid: str) -> dict:
    with db.session() as s:
        return (s.get(Message, mid).raw or {}).get("whatsapp", {})


def test_an_approved_reply_is_posted_once_in_the_cloud_api_shape(fake, sqlite_db):
    db = sqlite_db
    ch = channel(fake, db)
    mid, aid = queue(db)
    a = Outbox(db, ch).post_now(aid)
    assert a.state == "posted", a.error
    assert len(fake.sent) == 1 and fake.sent[0]["to"] == WA_ID and fake.sent[0]["body"] == TEXT
    req = fake.requests[0]
    assert req["path"] == f"/v26.0/{fake.phone_number_id}/messages"
    assert req["headers"]["Authorization"] == f"Bearer {fake.token}"
    assert req["body"] == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": WA_ID,
                           "type": "text", "text": {"preview_url": False, "body": TEXT}}
    wamid = fake.sent[0]["id"]
    assert a.receipt["channel"] == "whatsapp" and a.receipt["detail"] == {"whatsapp_message_id": wamid}
    assert raw_state(db, mid)["posted"] == {a.idempotency_key: wamid} and raw_state(db, mid)["sending"] == {}
    # the same approval posted again (a retry, a second process): the stored wamid, nothing sent
    again = ch.post(Reply(idempotency_key=a.idempotency_key, message_id=mid, external_id=None, channel="whatsapp",
                          visibility="private", to=NUMBER, text=TEXT, approved_by=["anna"]))
    assert again.duplicate and again.detail["whatsapp_message_id"] == wamid
    assert len(fake.requests) == 1 and len(fake.sent) == 1


def test_429_with_retry_after_and_throttling_are_retried_then_posted_once(fake, sqlite_db):
    db = sqlite_db
    _, aid = queue(db)
    fake.script.extend([("429", 1), ("throttled",)])  # HTTP 429, then Graph's code 130429 answered with a 400
    a = Outbox(db, channel(fake, db)).post_now(aid)
    assert a.state == "posted", a.error
    assert len(fake.requests) == 3 and len(fake.sent) == 1
    assert fake.requests[1]["at"] - fake.requests[0]["at"] >= 0.95  # Retry-After: 1 honoured


def test_a_server_error_is_retried_then_posted_once(fake, sqlite_db):
    db = sqlite_db
    _, aid = queue(db)
    fake.script.extend([("500",), ("500",)])
    a = Outbox(db, channel(fake, db)).post_now(aid)
    assert a.state == "posted" and a.attempts == 1, a.error
    assert len(fake.requests) == 3 and len(fake.sent) == 1


def test_a_lost_answer_is_maybe_sent_and_never_sent_twice(fake, sqlite_db):
    db = sqlite_db
    ch = channel(fake, db, timeout_s=0.5)
    mid, aid = queue(db)
    fake.script.append(("lost", 5.0))  # WhatsApp sends it; its answer comes after our timeout
    a = Outbox(db, ch).post_now(aid)
    assert a.state == "failed" and a.maybe_sent, a.error
    assert "may already have delivered" in a.error and f"replydesk whatsapp resolve {mid}" in a.error
    assert a.next_attempt_at is not None  # the sweeper comes back …
    wait_for(lambda: len(fake.sent) == 1, what="the fake to record the message")
    assert a.idempotency_key in raw_state(db, mid)["sending"]
    report = Outbox(db, ch, clock=later(3600)).sweep()  # … and does not send it again
    assert report.failed == [aid] and len(fake.requests) == 1 and len(fake.sent) == 1
    with db.session() as s:
        assert s.get(Approval, aid).maybe_sent
    # the agent looked at the chat: the reply is there
    assert resolve(db, mid, delivered=True, by="anna") == {"approval_id": aid, "idempotency_key": a.idempotency_key}
    done = Outbox(db, ch).post_now(aid)
    assert done.state == "posted" and done.receipt["duplicate"] is True
    assert len(fake.requests) == 1 and len(fake.sent) == 1
    assert raw_state(db, mid)["resolved"][a.idempotency_key]["by"] == "anna"
    with pytest.raises(WhatsAppError, match="no failed post"):
        resolve(db, mid, delivered=True, by="anna")


def test_expired_token_fails_at_once_saying_how_to_fix_it(fake, sqlite_db):
    db = sqlite_db
    mid, aid = queue(db)
    fake.script.append(("401",))
    a = Outbox(db, channel(fake, db)).post_now(aid)
    assert a.state == "failed" and not a.maybe_sent  # refused: surely not sent, still cancellable
    assert len(fake.requests) == 1 and fake.sent == []
    assert "expired" in a.error and "REPLYDESK_WHATSAPP_TOKEN" in a.error and "code 190" in a.error
    assert fake.token not in a.error and fake.token not in repr(settings_for(fake))
    assert raw_state(db, mid)["sending"] == {}
    # once the token is fixed, the outbox's retry posts it (same key)
    assert Outbox(db, channel(fake, db), clock=later(3600)).sweep().posted == [aid]
    assert len(fake.sent) == 1


def test_a_wrong_phone_number_id_fails_at_once_naming_the_setting(fake, sqlite_db):
    db = sqlite_db
    _, aid = queue(db)
    a = Outbox(db, channel(fake, db, phone_number_id="999")).post_now(aid)
    assert a.state == "failed" and not a.maybe_sent and len(fake.requests) == 1 and fake.sent == []
    assert "REPLYDESK_WHATSAPP_PHONE_NUMBER_ID" in a.error and "code 100" in a.error


def test_outside_the_24_hour_window_says_a_template_is_needed_and_is_not_retried(fake, sqlite_db):
    db = sqlite_db
    _, aid = queue(db)
    fake.window_closed.add(WA_ID)
    a = Outbox(db, channel(fake, db)).post_now(aid)
    assert a.state == "failed" and not a.maybe_sent
    assert "24 hours" in a.error and "template message" in a.error and "131047" in a.error
    assert len(fake.requests) == 1 and fake.sent == []
    # a number that is not international is refused before anything goes out
    _, bad = queue(db, author="0151 2345678")
    b = Outbox(db, channel(fake, db)).post_now(bad)
    assert b.state == "failed" and not b.maybe_sent and "international" in b.error and len(fake.requests) == 1


@pytest.fixture
def wa_env(fake, data_dir, monkeypatch):
    """``REPLYDESK_POSTING_CHANNEL=whatsapp`` and the WhatsApp settings in the environment, pointing at the fake."""
    from replydesk.settings import reset_settings_cache

    for k, v in {"POSTING_CHANNEL": "whatsapp", "WHATSAPP_TOKEN": fake.token, "WHATSAPP_BASE_URL": fake.url,
                 "WHATSAPP_PHONE_NUMBER_ID": fake.phone_number_id, "WHATSAPP_TIMEOUT_S": "5",
                 "WHATSAPP_BACKOFF_S": "0.01"}.items():
        monkeypatch.setenv(f"REPLYDESK_{k}", v)
    for k in ("REPLYDESK_WEBHOOK_URL", "REPLYDESK_CHATWOOT_URL", "REPLYDESK_WHATSAPP_FALLBACK_CHANNEL"):
        monkeypatch.delenv(k, raising=False)
    reset_settings_cache()
    yield fake
    reset_settings_cache()


def test_the_entry_point_routes_whatsapp_replies_and_the_rest_to_the_outbox_file(wa_env, data_dir, monkeypatch):
    from assistant.review.channels import channel_from_settings
    from replydesk.db import get_database

    db = get_database()
    ch = channel_from_settings(db=db)
    assert ch.name == "outbox+whatsapp"
    _, wa = queue(db)
    _, tw = queue(db, author="@anna_s", channel_name="twitter")
    outbox = Outbox(db, ch)
    assert outbox.post_now(wa).state == "posted" and outbox.post_now(tw).state == "posted"
    assert [m["to"] for m in wa_env.sent] == [WA_ID]
    lines = (data_dir / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["channel"] for x in lines] == ["twitter"]
    monkeypatch.delenv("REPLYDESK_WHATSAPP_TOKEN")
    with pytest.raises(PostError, match="WhatsApp is not configured: set REPLYDESK_WHATSAPP_TOKEN"):
        channel_from_settings(db=db)


def test_an_unsent_lost_post_is_sent_once_after_the_agent_says_it_did_not_arrive(wa_env, monkeypatch):
    from replydesk.cli import app
    from replydesk.db import get_database

    monkeypatch.setenv("REPLYDESK_WHATSAPP_TIMEOUT_S", "0.5")

    db = get_database()
    mid, aid = queue(db)
    wa_env.script.append(("dropped", 5.0))  # no answer in time, and WhatsApp did not send it
    a = Outbox.from_settings(db).post_now(aid)
    assert a.state == "failed" and a.maybe_sent and wa_env.sent == []
    assert Outbox.from_settings(db, clock=later(3600)).sweep().failed == [aid]  # not resent blindly
    assert len(wa_env.requests) == 1
    out = runner.invoke(app, ["whatsapp", "resolve", mid, "--not-delivered", "--by", "anna", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["state"] == "posted"
    assert len(wa_env.sent) == 1 and len(wa_env.requests) == 2
    again = runner.invoke(app, ["whatsapp", "resolve", mid, "--delivered"])
    assert again.exit_code == 1 and "no failed post" in again.output


WHATSAPP_POLICY = """extends: default
channels:
  whatsapp: {max_chars: 4096, sla_minutes: 60, visibility: private}
"""


def test_end_to_end_an_imported_whatsapp_message_is_drafted_approved_and_sent_once(wa_env, tmp_path, monkeypatch,
                                                                                 small_kb_dir):
    from assistant.review.service import ReviewError, ReviewService
    from replydesk.cli import app
    from replydesk.db import get_database
    from replydesk.settings import reset_settings_cache

    policy = tmp_path / "whatsapp-policy.yaml"
    policy.write_text(WHATSAPP_POLICY, encoding="utf-8")
    monkeypatch.setenv("REPLYDESK_POLICY_PATH", str(policy))
    reset_settings_cache()
    assert runner.invoke(app, ["kb", "import", str(small_kb_dir)]).exit_code == 0
    inbox = tmp_path / "inbox.jsonl"
    inbox.write_text(json.dumps({"id": "wa-e2e-1", "channel": "whatsapp", "visibility": "private", "author": NUMBER,
                                 "text": "Hallo, wie setze ich mein Passwort zurück?"}) + "\n", encoding="utf-8")
    assert runner.invoke(app, ["inbox", "import", str(inbox)]).exit_code == 0
    drafted = runner.invoke(app, ["inbox", "draft-all", "--engine", "composer"])
    assert drafted.exit_code == 0, drafted.output
    db = get_database()
    with db.session() as s:
        msg = s.scalars(select(Message).where(Message.external_id == "wa-e2e-1")).one()
        mid, status = msg.id, msg.status
    assert status == "drafted", status
    review = ReviewService(db, {"username": "anna", "roles": ["agent"]})
    text = review.item(mid).draft["text"]
    try:
        approval = review.approve(mid, text)
    except ReviewError as exc:  # warnings need a written reason
        assert "written reason" in str(exc), exc
        approval = review.approve(mid, text, overrides={r: "checked" for r in str(exc).split(": ", 1)[1].split(", ")})
    assert approval.state == "posted", approval.error
    assert len(wa_env.sent) == 1 and wa_env.sent[0]["to"] == WA_ID and wa_env.sent[0]["body"] == text
    assert approval.receipt["detail"]["whatsapp_message_id"] == wa_env.sent[0]["id"]
    assert Outbox.from_settings(db, clock=later(3600)).sweep().claimed == []  # nothing left to post
    assert len(wa_env.sent) == 1
    with db.session() as s:
        assert s.get(Message, mid).status == "posted"

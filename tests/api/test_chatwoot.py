"""Chatwoot connector over real HTTP on loopback: the API under uvicorn, a fake Chatwoot with faults."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import func, select

from tests.api.chatwoot_server import FakeChatwoot, webhook_payload
from tests.api.conftest import LiveServer, auth, token_store, wait_for

SECRET = "hook-secret"
QUESTION = "Wie setze ich mein Passwort zurück?"


@pytest.fixture(scope="module")
def cw_env(env):
    from assistant.api.app import create_app
    from assistant.connectors.chatwoot import ChatwootSettings

    with FakeChatwoot(conversations=[(1, c) for c in range(10, 20)]) as fake:
        cw = ChatwootSettings(url=fake.url, api_token="cw-token", webhook_secret=SECRET, timeout_s=0.5, attempts=5,
                              backoff_s=0.05, max_wait_s=3)
        app = create_app(env["settings"], pipeline=env["pipeline"], db=env["db"], tokens=token_store(),
                         chatwoot=cw, warm=False)
        with LiveServer(app) as srv, httpx.Client(base_url=srv.url, timeout=60) as client:
            yield {"fake": fake, "client": client, "app": app, "db": env["db"]}


def deliver(client: httpx.Client, payload: dict, secret: str = SECRET, ts: int | None = None, **kw) -> httpx.Response:
    from assistant.connectors.chatwoot import sign_webhook

    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **sign_webhook(secret, body, ts)}
    return client.post("/connectors/chatwoot/webhook", content=body, headers=headers, **kw)


def approve(client: httpx.Client, mid: str) -> httpx.Response:
    """Approve the latest draft as an agent; warnings get a reason, four eyes get an approver."""
    r = client.post(f"/messages/{mid}/approve", json={}, headers=auth("agent"))
    if r.status_code == 409 and "written reason" in r.json()["detail"]:
        rules = r.json()["detail"].split(": ", 1)[1].split(", ")
        r = client.post(f"/messages/{mid}/approve", json={"overrides": {k: "checked" for k in rules}},
                        headers=auth("agent"))
    if r.status_code == 200 and r.json()["approval"]["state"] == "awaiting_second":
        r = client.post(f"/messages/{mid}/approve", json={}, headers=auth("approver"))
    return r


def _count_inbox(db, external_id: str) -> int:
    from assistant.orm import Message

    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Message).where(Message.external_id == external_id))


def test_webhook_is_verified_and_only_incoming_messages_are_taken(cw_env):
    c = cw_env["client"]
    payload = webhook_payload(401, QUESTION, conversation=19)
    body = json.dumps(payload).encode()
    assert c.post("/connectors/chatwoot/webhook", content=body).status_code == 401
    assert deliver(c, payload, secret="wrong").status_code == 401
    assert deliver(c, payload, ts=int(time.time()) - 3600).status_code == 401  # replayed: too old
    assert c.post("/connectors/chatwoot/webhook", params={"token": "wrong"}, content=body).status_code == 401
    out = deliver(c, webhook_payload(402, "agent reply", conversation=19, message_type="outgoing"))
    assert out.status_code == 200 and out.json()["status"] == "ignored"
    out = deliver(c, webhook_payload(403, "internal", conversation=19, private=True))
    assert out.json()["status"] == "ignored"
    r = c.post("/connectors/chatwoot/webhook", params={"token": SECRET},
               content=json.dumps({"id": 5}).encode())  # unsigned Chatwoot versions: ?token=
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "event"
    assert _count_inbox(cw_env["db"], "chatwoot:1:19:401") == 0


def test_incoming_message_is_drafted_into_a_private_note_once(cw_env):
    fake, c = cw_env["fake"], cw_env["client"]
    payload = webhook_payload(501, QUESTION, conversation=10)
    r = deliver(c, payload)
    assert r.status_code == 200 and r.json()["status"] == "imported"
    mid = r.json()["message_id"]
    notes = wait_for(lambda: fake.notes(1, 10), what="the private note")
    assert len(notes) == 1 and notes[0]["private"] is True
    note_req = [q for q in fake.requests if q["method"] == "POST" and "/conversations/10/" in q["path"]][0]
    assert note_req["headers"]["api_access_token"] == "cw-token"
    assert note_req["body"]["private"] is True and note_req["body"]["message_type"] == "outgoing"
    from assistant.orm import Draft

    with cw_env["db"].session() as s:
        draft = s.scalars(select(Draft).where(Draft.message_id == mid)).one()
    assert draft.text in notes[0]["content"] and "replydesk draft" in notes[0]["content"]
    # Chatwoot delivers again (retries, two webhooks): one inbox message, one draft, one note
    for _ in range(2):
        again = deliver(c, payload)
        assert again.json() == {"status": "duplicate", "message_id": mid}
    cw_env["app"].state.rd.connector.process(mid)  # waits for any background run on this message
    assert len(fake.notes(1, 10)) == 1 and _count_inbox(cw_env["db"], "chatwoot:1:10:501") == 1
    with cw_env["db"].session() as s:
        assert s.scalar(select(func.count()).select_from(Draft).where(Draft.message_id == mid)) == 1
    assert fake.outgoing(1, 10) == []  # nothing reaches the customer before approval


def test_approved_reply_is_posted_exactly_once_through_429_500_and_a_lost_answer(cw_env):
    fake, c = cw_env["fake"], cw_env["client"]
    payload = webhook_payload(601, QUESTION, conversation=11)
    mid = deliver(c, payload).json()["message_id"]
    wait_for(lambda: fake.notes(1, 11), what="the private note")
    start = len(fake.requests)
    # rate limited (Retry-After: 1), a server error, then created but the answer is lost (client timeout)
    fake.script.extend([("429", 1), ("500",), ("lost", 1.5)])
    r = approve(c, mid)
    assert r.status_code == 200, r.text
    status = r.json()
    assert status["status"] == "posted" and status["approval"]["state"] == "posted", status
    out = fake.outgoing(1, 11)
    assert len(out) == 1 and out[0]["private"] is False
    assert status["approval"]["receipt"]["detail"]["chatwoot_message_id"] == out[0]["id"]
    reqs = fake.requests[start:]
    posts = [q for q in reqs if q["method"] == "POST"]
    assert len(posts) == 3 and all(q["body"]["private"] is False for q in posts)
    assert posts[1]["at"] - posts[0]["at"] >= 0.95  # Retry-After honoured
    assert any(q["method"] == "GET" for q in reqs)  # looked before posting again
    # a repeated webhook and a repeated approve change nothing
    assert deliver(c, payload).json()["status"] == "duplicate"
    assert c.post(f"/messages/{mid}/approve", json={}, headers=auth("agent")).status_code == 409
    cw_env["app"].state.rd.connector.process(mid)
    assert len(fake.outgoing(1, 11)) == 1 and len(fake.notes(1, 11)) == 1
    assert c.get(f"/messages/{mid}/posting", headers=auth("agent")).json()["approval"]["state"] == "posted"


def test_401_and_404_are_failed_posts_that_a_retry_posts_once(cw_env):
    fake, c = cw_env["fake"], cw_env["client"]
    mid = deliver(c, webhook_payload(701, QUESTION, conversation=12)).json()["message_id"]
    wait_for(lambda: fake.notes(1, 12), what="the private note")
    fake.script.append(("401",))
    r = approve(c, mid)
    assert r.status_code == 200
    a = r.json()["approval"]
    assert a["state"] == "failed" and "401" in a["error"] and fake.outgoing(1, 12) == []
    fake.script.append(("404",))
    r = c.post(f"/messages/{mid}/approve", json={}, headers=auth("agent"))  # retry the failed post
    a = r.json()["approval"]
    assert a["state"] == "failed" and "404" in a["error"] and fake.outgoing(1, 12) == []
    r = c.post(f"/messages/{mid}/approve", json={}, headers=auth("agent"))
    assert r.json()["approval"]["state"] == "posted" and r.json()["approval"]["attempts"] == 3
    assert len(fake.outgoing(1, 12)) == 1


def test_timeouts_until_give_up_then_a_retry_finds_the_earlier_post(cw_env):
    """Every attempt times out (and each did arrive): failed; the retry finds the post instead of sending again."""
    fake, c = cw_env["fake"], cw_env["client"]
    mid = deliver(c, webhook_payload(801, QUESTION, conversation=13)).json()["message_id"]
    wait_for(lambda: fake.notes(1, 13), what="the private note")
    fake.script.append(("lost", 1.0))
    fake.get_script.extend([("500",)] * 4)  # and Chatwoot cannot list messages either
    r = approve(c, mid)
    assert r.json()["approval"]["state"] == "failed", r.text
    assert len(fake.outgoing(1, 13)) == 1  # it did arrive once
    r = c.post(f"/messages/{mid}/approve", json={}, headers=auth("agent"))
    assert r.json()["approval"]["state"] == "posted"
    assert r.json()["approval"]["receipt"]["duplicate"] is True
    assert len(fake.outgoing(1, 13)) == 1


def test_channel_remembers_what_it_posted_and_never_posts_a_key_twice(cw_env):
    from sqlalchemy import select

    from assistant.connectors.chatwoot import ChatwootChannel, ChatwootClient, parse_retry_after
    from assistant.orm import Message
    from assistant.review.channels import Reply

    fake, c, db = cw_env["fake"], cw_env["client"], cw_env["db"]
    mid = deliver(c, webhook_payload(901, QUESTION, conversation=14)).json()["message_id"]
    with db.session() as s:
        ext = s.scalar(select(Message.external_id).where(Message.id == mid))
    channel = ChatwootChannel(ChatwootClient(fake.url, "cw-token", 2.0), db, attempts=2, backoff_s=0.01)
    reply = Reply(idempotency_key="k-901", message_id=mid, external_id=ext, channel="dm", visibility="private",
                  to="jane@example.org", text="Hallo Jane, hier ist der Link.", approved_by=["agent-user"])
    first = channel.post(reply)
    n = len(fake.requests)
    second = channel.post(reply)  # e.g. a second process retrying the same approval
    assert len(fake.requests) == n and second.duplicate and not first.duplicate
    assert first.detail["chatwoot_message_id"] == second.detail["chatwoot_message_id"] == fake.outgoing(1, 14)[0]["id"]
    assert parse_retry_after("3") == 3.0 and parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0

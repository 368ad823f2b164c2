"""Issue 12, "tests that prove it": the review service with the *real* pipeline's context — retrieval evidence,
the customer's private values, internal notes, other customers' data — not a stand-in that cannot trigger the
privacy rules. An agent's edit that leaks is refused at approval; a grounded reply is approved and posted once.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.support.fixtures import ROOT, env, small_kb_dir  # noqa: F401  (shared fixtures)

AGENT = {"username": "anna.agent", "roles": ["agent"]}
CUSTOMERS = json.loads((ROOT / "assistant" / "demo" / "customers.json").read_text(encoding="utf-8"))
CUSTOMERS = CUSTOMERS if isinstance(CUSTOMERS, list) else CUSTOMERS["customers"]
ANNA = next(c for c in CUSTOMERS if c["handles"].get("twitter") == "@anna_s")
OTHER = next(c for c in CUSTOMERS if c["id"] != ANNA["id"] and c.get("email"))


@pytest.fixture
def service(env, tmp_path):  # noqa: F811
    from assistant.review.channels import OutboxChannel
    from assistant.review.service import ReviewService

    channel = OutboxChannel(tmp_path / "outbox.jsonl")
    return ReviewService(env["db"], AGENT, pipeline=env["pipeline"], channel=channel), channel


def _message(env, ext: str, channel: str, visibility: str, author: str, text: str) -> str:  # noqa: F811
    from assistant.inbox import InboundIn, import_messages
    from assistant.orm import Message

    import_messages(env["db"], [InboundIn(id=ext, channel=channel, visibility=visibility, author=author, text=text)])
    with env["db"].session() as s:
        return s.scalar(select(Message.id).where(Message.external_id == ext))


def _blocked_by(svc, mid: str, text: str) -> set[str]:
    from assistant.review.service import ReviewError

    report = svc.check(mid, text)
    with pytest.raises(ReviewError, match="blocked by"):
        svc.approve(mid, text)
    return {f.rule for f in report.findings if f.severity == "block"}


def test_the_real_context_knows_the_customer_and_the_evidence(env, service):  # noqa: F811
    svc, _ = service
    mid = _message(env, "rc-ctx", "twitter", "public", "@anna_s", "@FunkWerk Passwort vergessen, was tun?")
    ctx = svc.check_context(mid)
    assert ANNA["phone"] in ctx.private_values or any(ANNA["phone"].replace(" ", "") in v.replace(" ", "")
                                                      for v in ctx.private_values)
    assert any(ANNA["notes"] in c for c in ctx.confidential), "the customer's internal note is a confidential text"
    assert ctx.evidence, "retrieval evidence from the knowledge base"


def test_an_agent_edit_with_the_customers_phone_in_public_is_refused(env, service):  # noqa: F811
    svc, channel = service
    mid = _message(env, "rc-pii", "twitter", "public", "@anna_s", "@FunkWerk Passwort vergessen, was tun?")
    text = f"Hallo Anna, wir rufen dich unter {ANNA['phone']} zurück und helfen beim Passwort. ^MK"
    assert "pii-public" in _blocked_by(svc, mid, text)
    assert not channel.path.exists() or channel.path.read_text(encoding="utf-8") == ""


def test_another_customers_email_in_a_dm_is_refused(env, service):  # noqa: F811
    svc, _ = service
    mid = _message(env, "rc-other", "email", "private", ANNA["email"], "Hallo, wie setze ich mein Passwort zurück?")
    text = (f"Hallo Anna, wir haben dir den Link an {OTHER['email']} geschickt. Bitte prüfe dein Postfach. "
            "Viele Grüße")
    assert "confidential-leak" in _blocked_by(svc, mid, text)


def test_the_customers_internal_note_in_a_reply_is_refused(env, service):  # noqa: F811
    svc, _ = service
    mid = _message(env, "rc-note", "twitter", "public", "@anna_s", "@FunkWerk Passwort vergessen, was tun?")
    text = f"Hallo Anna, laut unseren Notizen: {ANNA['notes']} Den Link zum Zurücksetzen findest du im Login. ^MK"
    assert "confidential-leak" in _blocked_by(svc, mid, text)


def test_a_grounded_reply_from_the_pipelines_own_draft_is_approved_and_posted_once(env, service):  # noqa: F811
    from assistant.models import DraftRequest

    svc, channel = service
    mid = _message(env, "rc-ok", "twitter", "public", "@anna_s", "@FunkWerk Passwort vergessen, was tun?")
    draft = env["pipeline"].run(DraftRequest(text="@FunkWerk Passwort vergessen, was tun?", channel="twitter",
                                             visibility="public", handle="@anna_s", engine="composer"))
    assert draft.passed, draft.findings
    report = svc.check(mid, draft.draft)
    assert report.passed, report.findings
    warns = {f.rule: "checked by the test" for f in report.findings if f.severity == "warn"}
    svc.approve(mid, draft.draft, warns)
    lines = [json.loads(x) for x in channel.path.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert [x["text"] for x in lines] == [draft.draft]

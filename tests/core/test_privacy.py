"""GDPR: pseudonymisation before an external LLM, data access export, erasure."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from assistant.models import CustomerView
from assistant.privacy import (
    CustomerNotFound,
    Pseudonymizer,
    export_customer,
    forget_customer,
    should_pseudonymize,
)
from tests.support.fixtures import env, small_kb_dir  # noqa: F401  (shared fixtures: the real pipeline)


def _seed(db, cid="K-1", handle="@anna_s", first="Anna", last="Schmidt"):
    from assistant.orm import AuditEvent, Customer, CustomerHandle, CustomerRecord, Draft, Message

    with db.transaction() as s:
        s.add(Customer(id=cid, display_name=f"{first} {last}", first_name=first, last_name=last,
                       language="de", followers=10, dm_allowed=True, email="anna@example.org",
                       phone="+49 151 2345678", notes="VIP"))
        s.flush()
        s.add(CustomerHandle(customer_id=cid, channel="twitter", handle=handle))
        s.add(CustomerRecord(customer_id=cid, kind="contract", ref="V-2023-118877", data={"tariff": "M"}))
        s.add(Message(id=f"m-{cid}", channel="twitter", visibility="public", author_handle=handle,
                      customer_id=cid, text="Mein Vertrag V-2023-118877 ist kaputt", raw={}, triage={},
                      status="drafted", risk=0.0, attempts=0))
        s.flush()
        s.add(Draft(message_id=f"m-{cid}", version=1, engine="composer", text=f"Hallo {first} {last}, ...",
                    language="de", citations=[], findings=[], passed=True, needs_human=False,
                    latency_ms=1.0, tokens_in=0, tokens_out=0, cost_usd=0.0, meta={}))
        s.add(AuditEvent(actor="agent1", action="edited", message_id=f"m-{cid}",
                         data={"before": f"Hallo {first} {last}", "n": 3}))


def test_pseudonymizer_roundtrip():
    customer = CustomerView(display_name="Anna Schmidt", first_name="Anna",
                            private_values=["anna@example.org", "V-2023-118877"])
    p = Pseudonymizer.for_customer(customer)
    text = "Anna Schmidt (anna@example.org, +49 151 2345678) fragt zu V-2023-118877; IBAN DE89 3704 0044 0532 0130 00"
    masked = p.pseudonymize(text)
    for secret in ("Anna", "anna@example.org", "2345678", "V-2023-118877", "DE89"):
        assert secret not in masked, masked
    assert p.restore(masked) == text
    # the same value gets the same token, so a model can refer to it
    assert p.pseudonymize("Anna") == p.pseudonymize("Anna")


def test_should_pseudonymize_defaults():
    from replydesk.settings import Settings

    assert should_pseudonymize(Settings(llm_base_url="https://api.openai.com/v1"))
    assert not should_pseudonymize(Settings(llm_base_url="http://127.0.0.1:11434/v1"))
    assert should_pseudonymize(Settings(llm_base_url="http://localhost:8000/v1", pseudonymize="on"))


def test_export_and_forget(db):
    from assistant.orm import AuditEvent, Customer, CustomerHandle, CustomerRecord, Draft, Message

    _seed(db)
    _seed(db, cid="K-2", handle="@other", first="Otto", last="Meier")
    data = export_customer(db, "K-1")
    assert data["customer"]["email"] == "anna@example.org"
    assert [m["id"] for m in data["messages"]] == ["m-K-1"]
    assert len(data["drafts"]) == 1 and len(data["audit_events"]) == 1
    json.dumps(data)  # JSON-ready

    report = forget_customer(db, "K-1", actor="dpo")
    assert (report.messages, report.drafts, report.audit_events_pseudonymised) == (1, 1, 1)
    with db.session() as s:
        assert s.get(Customer, "K-1") is None
        assert s.scalars(select(CustomerHandle).where(CustomerHandle.customer_id == "K-1")).all() == []
        assert s.scalars(select(CustomerRecord).where(CustomerRecord.customer_id == "K-1")).all() == []
        assert s.get(Message, "m-K-1") is None
        assert s.scalars(select(Draft).where(Draft.message_id == "m-K-1")).all() == []
        events = s.scalars(select(AuditEvent)).all()
        dump = json.dumps([[e.message_id, e.data, e.actor] for e in events])
        assert "Anna" not in dump and "m-K-1" not in dump and "K-1\"" not in dump
        assert any(e.action == "customer_forgotten" for e in events)
        assert s.get(Customer, "K-2") is not None and s.get(Message, "m-K-2") is not None  # others untouched
    with pytest.raises(CustomerNotFound):
        forget_customer(db, "K-1")


def test_customers_cli(data_dir):
    from replydesk.cli import app
    from replydesk.db import get_database

    _seed(get_database())
    runner = CliRunner()
    result = runner.invoke(app, ["customers", "export", "K-1"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["customer"]["id"] == "K-1"
    result = runner.invoke(app, ["customers", "forget", "K-404", "--yes"])
    assert result.exit_code == 2 and "K-404" in result.output
    result = runner.invoke(app, ["customers", "forget", "K-1", "--yes"])
    assert result.exit_code == 0 and json.loads(result.output)["messages"] == 1


def test_forget_leaves_the_vectors_untouched_because_the_kb_holds_no_customer_data(sqlite_db, tmp_path):
    """Erasure deletes customer data in SQL; the vector index holds only knowledge-base chunks — prove both."""
    from knowledge_base.io import load_path
    from knowledge_base.service import KnowledgeBase
    from replydesk.settings import Settings

    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    kb = KnowledgeBase(sqlite_db, Settings(data_dir=tmp_path / "d"))
    arts = [a for a in load_path(root / "knowledge_base" / "demo" / "articles") if a.id.startswith("delivery")]
    kb.store.save_many(arts)
    kb.sync()
    _seed(sqlite_db)
    before = kb.vectors._col.get(include=["metadatas", "documents"])
    forget_customer(sqlite_db, "K-1", actor="dpo")
    after = kb.vectors._col.get(include=["metadatas", "documents"])
    assert sorted(before["ids"]) == sorted(after["ids"]) and len(after["ids"]) > 0
    assert all(i.split("#")[0] in {a.id for a in arts} for i in after["ids"])  # only KB chunks
    blob = json.dumps([after["metadatas"], after["documents"]], default=str)
    for pii in ("Anna", "Schmidt", "anna@example.org", "V-2023-118877", "K-1\""):
        assert pii not in blob


@pytest.mark.parametrize("url", [
    "https://localhost.attacker.example/v1",
    "https://gw.example.com/127.0.0.1/v1",
    "http://10.0.127.5:8000/v1",
    "https://api.example.com/v1?next=localhost",
    "http://user:localhost@evil.example/v1",
    "https://127.0.0.1.nip.io/v1",
    "http://0.0.0.0:8000/v1",
    "not a url localhost",
])
def test_a_remote_llm_is_never_taken_for_a_local_one(url):
    from replydesk.settings import Settings

    s = Settings(llm_base_url=url)
    assert not s.llm_is_local, url
    assert should_pseudonymize(s), url


@pytest.mark.parametrize("url", [
    "http://localhost:11434/v1", "http://LOCALHOST/v1", "http://127.0.0.1:8000/v1", "http://127.8.9.1/v1",
    "http://[::1]:8000/v1",
])
def test_loopback_llm_is_local(url):
    from replydesk.settings import Settings

    assert Settings(llm_base_url=url).llm_is_local, url


def test_local_llm_hosts_allow_list(monkeypatch):
    from replydesk.settings import Settings

    assert not Settings(llm_base_url="http://host.docker.internal:11434/v1").llm_is_local
    s = Settings(llm_base_url="http://host.docker.internal:11434/v1", llm_local_hosts=["host.docker.internal"])
    assert s.llm_is_local and not should_pseudonymize(s)
    monkeypatch.setenv("REPLYDESK_LLM_LOCAL_HOSTS", '["ollama.lan"]')
    assert Settings(llm_base_url="http://ollama.lan:11434/v1").llm_is_local
    assert not Settings(llm_base_url="http://ollama.lan.evil.example/v1").llm_is_local


def test_names_are_replaced_as_whole_words_only():
    p = Pseudonymizer([("NAME", "Max"), ("NAME", "Anna Schmidt")], references=[])
    masked = p.pseudonymize("Maximal sorry, Max! Annas Vertrag; Anna Schmidt; Maxi; MaxMustermann")
    assert "Maximal" in masked and "Maxi;" in masked and "MaxMustermann" in masked, masked
    assert "Max!" not in masked and "Anna Schmidt" not in masked, masked
    assert "[[NAME_" in masked
    assert p.restore(masked) == "Maximal sorry, Max! Annas Vertrag; Anna Schmidt; Maxi; MaxMustermann"


def test_gdpr_forget_matches_channel_and_handle_export_is_complete_and_outbox_is_redacted(db, tmp_path):
    """Issue 12 item 14: the same handle on another channel is another customer's; the export holds approvals,
    follow-ups and not yet linked messages; erasure redacts the customer's outbox lines (atomically)."""
    from datetime import timedelta

    from assistant.orm import Message
    from assistant.review.orm import Approval, FollowUp
    from replydesk.db import utcnow

    _seed(db)  # K-1: @anna_s on twitter
    with db.transaction() as s:
        # another person with the same handle on another channel, not linked to K-1
        s.add(Message(id="m-insta", channel="instagram", visibility="public", author_handle="@anna_s",
                      text="Hallo von Instagram", raw={}, triage={}, status="pending", risk=0.0, attempts=0))
        # K-1's message that is not linked yet (customer_id empty)
        s.add(Message(id="m-unlinked", channel="twitter", visibility="public", author_handle="@Anna_S",
                      text="Noch eine Frage", raw={}, triage={}, status="pending", risk=0.0, attempts=0))
        s.flush()
        s.add(Approval(message_id="m-K-1", text="Hallo Anna Schmidt, gepostet", channel="twitter",
                       visibility="public", author="agent1", state="posted", idempotency_key="k-1"))
        s.add(FollowUp(message_id="m-K-1", due_at=utcnow() + timedelta(days=1), note="nachfragen"))
    data = export_customer(db, "K-1")
    assert sorted(m["id"] for m in data["messages"]) == ["m-K-1", "m-unlinked"]
    assert [a["text"] for a in data["approvals"]] == ["Hallo Anna Schmidt, gepostet"]
    assert [f["note"] for f in data["followups"]] == ["nachfragen"]

    outbox = tmp_path / "outbox.jsonl"
    lines = [
        {"idempotency_key": "k-1", "message_id": "m-K-1", "external_id": "x1", "channel": "twitter",
         "visibility": "public", "to": "@anna_s", "text": "Hallo Anna Schmidt, gepostet", "approved_by": ["a"]},
        {"idempotency_key": "k-9", "message_id": "m-insta", "external_id": "x9", "channel": "instagram",
         "visibility": "public", "to": "@anna_s", "text": "Hallo Instagram-Anna", "approved_by": ["a"]},
    ]
    outbox.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    report = forget_customer(db, "K-1", actor="dpo", outbox_path=outbox)
    assert report.messages == 2 and report.outbox_entries_redacted == 1
    with db.session() as s:
        assert s.get(Message, "m-insta") is not None  # the other customer's message is kept
        assert s.get(Message, "m-unlinked") is None
        assert s.scalars(select(Approval)).all() == [] and s.scalars(select(FollowUp)).all() == []
    kept = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert [k["idempotency_key"] for k in kept] == ["k-1", "k-9"]  # keys stay: a re-post is still a duplicate
    assert "Anna Schmidt" not in json.dumps(kept[0]) and "m-K-1" not in json.dumps(kept[0])
    assert kept[1]["text"] == "Hallo Instagram-Anna"
    assert not list(tmp_path.glob("outbox.jsonl.*"))  # no temp file left behind


# ---------------------------------------------------------------------------------------------------------
# The pseudonymiser uses the shared PII detector (issue 12 item 15): what reaches a remote LLM
# ---------------------------------------------------------------------------------------------------------
RAW_VALUES = {
    "card": "4111 1111 1111 1111",
    "amex": "3782 822463 10005",
    "birth date": "03.04.1985",
    "iban": "de89 3704 0044 0532 0130 00",
    "iban dashes": "AT61-1904-3002-3457-3201",
    "foreign phone": "020 7946 0958",
    "french phone": "01 42 68 53 00",
    "steuer-id": "86095742719",
    "ust-idnr": "DE136695976",
    "rv-nummer": "65170839J003",
    "kvnr": "A123456780",
    "address": "Lindenstraße 4",
    "ip": "84.132.17.201",
    "spelled e-mail": "anna.schmidt(at)example.de",
    "password": "Sonnenblume88",
    "driving licence": "B072RRE2I55",
}


def _message_with_everything() -> str:
    v = RAW_VALUES
    return (f"Hallo, meine Karte {v['card']} (und die Amex {v['amex']}) wurde doppelt belastet. Ich bin geb. "
            f"{v['birth date']}, IBAN {v['iban']} bzw. {v['iban dashes']}. Ruf mich an: {v['foreign phone']} oder "
            f"{v['french phone']}. Steuer-ID {v['steuer-id']}, USt-IdNr. {v['ust-idnr']}, "
            f"Sozialversicherungsnummer {v['rv-nummer']}, Krankenversichertennummer {v['kvnr']}. Ich wohne "
            f"{v['address']}, Login kam von {v['ip']}, Mail {v['spelled e-mail']}. Mein Kundenkennwort ist "
            f"„{v['password']}“, Führerscheinnummer {v['driving licence']}.")


@pytest.mark.parametrize("frame", ["{m}", "Kunde schreibt:\n{m}", "{m}\n\nGruß Anna"])
def test_pseudonymizer_masks_what_the_guardrail_detects(frame):
    p = Pseudonymizer(policy=None, references=[])
    text = frame.format(m=_message_with_everything())
    masked = p.pseudonymize(text)
    flat = "".join(c for c in masked if c.isalnum()).lower()
    for kind, value in RAW_VALUES.items():
        assert "".join(c for c in value if c.isalnum()).lower() not in flat, (kind, masked)
    assert p.restore(masked) == text


def test_no_raw_value_reaches_the_llm_prompt(env):  # noqa: F811
    """At the LangChain boundary: the prompt the (fake) remote model receives holds none of the raw values, and the
    tokens the model echoes are restored in the draft."""
    from assistant.drafting.llm import LLMDrafter
    from assistant.llm.fake import ScriptedChatModel
    from assistant.models import DraftRequest

    def answer(messages):
        return json.dumps({"reply": "Hallo Anna, schick uns bitte die Details per DM, dann prüfen wir die Buchung. "
                                    "^FW", "cited_passages": []})

    model = ScriptedChatModel(script=[answer] * 3)
    p = env["pipeline"]
    old = (p.llm, p.engine)
    p.llm, p.engine = LLMDrafter(model, "m", attempts=1, pseudonymize=True), "llm"
    try:
        p.run(DraftRequest(text=_message_with_everything(), handle="@anna_s", channel="dm", visibility="private"))
    finally:
        p.llm, p.engine = old
    assert model.calls
    for call in model.calls:
        sent = " ".join(str(m.content) for m in call)
        flat = "".join(c for c in sent if c.isalnum()).lower()
        for kind, value in RAW_VALUES.items():
            assert "".join(c for c in value if c.isalnum()).lower() not in flat, (kind, value)


def test_credentials_and_documents_get_their_own_token_kinds():
    masked = Pseudonymizer(policy=None, references=[]).pseudonymize(
        "Mein Kundenkennwort ist „Sonnenblume88“, Führerscheinnummer B072RRE2I55.")
    assert "[[SECRET_1]]" in masked and "[[ID_1]]" in masked, masked

"""Customers, triage, composer and the pipeline against a real (small) demo KB."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from assistant.customers import CustomerImportError, CustomerService, read_customers
from assistant.models import DraftRequest
from assistant.triage import triage
from guardrails.text import weighted_length


def run(env, text, **kw):
    return env["pipeline"].run(DraftRequest(text=text, **kw))


def test_customer_lookup_and_view(env):
    svc = CustomerService(env["db"])
    view = svc.lookup("twitter", "ANNA_S")  # case-insensitive, '@' optional
    assert view.id == "K-100234" and view.address_form == "du"
    assert "B-558812" in view.private_values and "anna.schmidt@example.org" in view.private_values
    assert "notes" not in view.model_dump()  # internal notes never reach a drafter
    assert svc.lookup("dm", "@anna_s").id == "K-100234"  # DMs come from the social account
    assert svc.lookup("twitter", "@nobody") is None


def test_customer_import_errors_name_row_and_field(tmp_path):
    bad = tmp_path / "c.json"
    bad.write_text(json.dumps([{"id": "K-1", "display_name": "A", "language": "fr"},
                               {"id": "K-2", "display_name": "B", "handles": {"fax": "123"}}]))
    with pytest.raises(CustomerImportError) as info:
        read_customers(bad)
    msg = str(info.value)
    assert "c.json[0]: field 'language'" in msg and "c.json[1]: field 'handles'" in msg


def test_triage_reasons():
    t = triage("@FunkWerk SCHON WIEDER kein Netz!! Ich gehe zur Verbraucherzentrale", "twitter", "public",
               followers=20000, best_article="outage-mobile-network", best_score=0.6)
    assert t.language.value == "de" and t.sentiment.value == "negative"
    assert t.urgency.value == "high" and "verbraucherzentrale" in t.urgency.reason.lower()
    assert t.risk.value > 0.7 and t.troll.value is False
    assert all(v.reason for _, v in t)


def test_composer_german_du_public_with_handoff_and_length(env):
    r = run(env, "@FunkWerk mein Paket ist seit 5 Tagen unterwegs, wo bleibt es?", handle="@anna_s",
            agent_signoff="^AB")
    assert r.engine == "composer" and r.language == "de" and r.passed, r.findings
    assert r.draft.startswith("Hallo Anna,") and r.draft.endswith("^AB")
    assert " Sie " not in r.draft  # Anna is addressed with du
    assert weighted_length(r.draft, 23) <= 280
    assert any(c.kind == "kb" and c.ref.startswith("delivery-delayed") for c in r.citations)
    assert "B-558812" not in r.draft  # no order number in public


def test_composer_sie_and_english_and_private(env):
    r = run(env, "Ich habe mein Passwort vergessen und komme nicht mehr in mein Konto.", channel="email",
            visibility="private", handle="thomas.becker@example.org")
    # a Sie customer: by surname, formal e-mail greeting and sign-off (issue 10), never the first name
    assert r.passed and r.draft.startswith("Guten Tag Herr Becker,") and "Freundliche Grüße" in r.draft
    assert "Thomas" not in r.draft
    assert " du " not in f" {r.draft} "
    r = run(env, "how much is data in the USA? travelling next week", handle="@emilyc_travels")
    assert r.language == "en" and r.draft.startswith("Hi Emily,") and r.passed
    assert any(c.ref.startswith("roaming-outside-eu") for c in r.citations)


def test_unknown_author_and_knowledge_gap(env):
    r = run(env, "@FunkWerk erzählt mal nen witz, mir ist langweilig", handle="@someone")
    assert r.passed and r.triage["intent"]["value"] is None  # a gap: no article answers it
    # an honest hand-off that says what happens next; no unrelated article, no data asked for
    assert r.draft.startswith("Hallo,") and "keine geprüfte Antwort" in r.draft and "Kundennummer" not in r.draft
    assert not [c for c in r.citations if c.kind == "kb"]


def test_draft_message_persists_and_audits(env):
    from assistant.inbox import InboundIn, import_messages
    from assistant.orm import AuditEvent, Draft, Message

    db = env["db"]
    new, _ = import_messages(db, [InboundIn(id="t-persist-1", channel="twitter", visibility="public",
                                            author="@anna_s", text="@FunkWerk Passwort vergessen, Hilfe")])
    assert new == 1
    with db.session() as s:
        mid = s.scalar(select(Message.id).where(Message.external_id == "t-persist-1"))
    result = env["pipeline"].draft_message(mid)
    assert result.draft_id
    with db.session() as s:
        msg = s.get(Message, mid)
        assert msg.status == "drafted" and msg.customer_id == "K-100234" and msg.sla_due_at is not None
        assert s.scalar(select(Draft.version).where(Draft.message_id == mid)) == 1
        assert s.scalar(select(AuditEvent.action).where(AuditEvent.message_id == mid)) == "drafted"
    assert import_messages(db, [InboundIn(id="t-persist-1", channel="twitter", visibility="public",
                                          author="@x", text="again")]) == (0, 1)  # idempotent


def test_draft_cli_json_shape(data_dir, small_kb_dir):
    from replydesk.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["kb", "import", str(small_kb_dir)]).exit_code == 0
    result = runner.invoke(app, ["draft", "--channel", "twitter", "--visibility", "public", "--text",
                                 "Wie setze ich mein Passwort zurück?", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # the contract's fields, plus why: triage with reasons, the questions found and the record's facts
    assert set(out) == {"draft", "language", "engine", "citations", "findings", "passed", "latency_ms", "triage",
                        "understanding", "facts", "no_reply"}
    assert out["engine"] == "composer" and out["language"] == "de" and out["passed"] is True
    bad = runner.invoke(app, ["draft", "--channel", "fax", "--visibility", "public", "--text", "x"])
    assert bad.exit_code == 2 and "--channel" in bad.output
    bad = runner.invoke(app, ["draft", "--engine", "llm", "--text", "x"])
    assert bad.exit_code == 2 and "OPENAI_API_KEY" in bad.output

"""Channels are declared once (``guardrails.models``): a policy that adds a ``whatsapp`` channel makes it a channel
for ``replydesk draft`` and ``replydesk inbox import`` too, and unknown channels are still refused naming the known
ones."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from guardrails.models import CHANNELS

runner = CliRunner()
WHATSAPP_POLICY = """extends: default
channels:
  whatsapp: {max_chars: 4096, sla_minutes: 60, visibility: private}
"""


@pytest.fixture
def whatsapp_policy(data_dir, tmp_path, monkeypatch):
    from replydesk.settings import reset_settings_cache

    policy = tmp_path / "whatsapp-policy.yaml"
    policy.write_text(WHATSAPP_POLICY, encoding="utf-8")
    monkeypatch.setenv("REPLYDESK_POLICY_PATH", str(policy))
    reset_settings_cache()
    yield policy
    monkeypatch.delenv("REPLYDESK_POLICY_PATH")
    reset_settings_cache()


def test_draft_on_a_channel_the_policy_declares(whatsapp_policy, small_kb_dir):
    from replydesk.cli import app

    assert runner.invoke(app, ["kb", "import", str(small_kb_dir)]).exit_code == 0
    result = runner.invoke(app, ["draft", "--channel", "whatsapp", "--visibility", "private", "--text",
                                 "Wie setze ich mein Passwort zurück?", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["draft"] and out["language"] == "de"
    bad = runner.invoke(app, ["draft", "--channel", "telegram", "--visibility", "private", "--text", "x"])
    assert bad.exit_code == 2 and "--channel" in bad.output
    assert all(c in bad.output for c in (*CHANNELS, "whatsapp"))  # the error still names the allowed values


def test_inbox_import_accepts_a_channel_the_policy_declares(whatsapp_policy, tmp_path):
    from assistant.orm import Message
    from replydesk.cli import app
    from replydesk.db import get_database

    inbox = tmp_path / "inbox.jsonl"
    inbox.write_text("\n".join(json.dumps(m) for m in (
        {"id": "wa-1", "channel": "whatsapp", "visibility": "private", "author": "+49 151 0000000",
         "text": "Hallo, wo ist mein Paket?"},
        {"id": "tw-1", "channel": "twitter", "visibility": "public", "author": "@anna_s", "text": "Hilfe!"},
    )) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["inbox", "import", str(inbox)])
    assert result.exit_code == 0, result.output
    assert "imported 2 new messages" in result.output
    with get_database().session() as s:
        assert s.scalar(select(Message.channel).where(Message.external_id == "wa-1")) == "whatsapp"

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "tg-1", "channel": "telegram", "visibility": "private", "author": "x",
                               "text": "hi"}) + "\n", encoding="utf-8")
    rejected = runner.invoke(app, ["inbox", "import", str(bad)])
    assert rejected.exit_code == 2
    assert "unknown channel 'telegram'" in rejected.output and "whatsapp" in rejected.output

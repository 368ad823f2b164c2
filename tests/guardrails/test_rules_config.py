"""Rules as configuration (issue 13): ``rules:`` in the policy switches each rule, overrides its severity and sets
its thresholds; bad ids/options name the file and key; channels are declared once (a ``whatsapp`` channel is one
policy entry)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from guardrails.engine import GuardrailEngine
from guardrails.models import CHANNELS, LANGUAGES, CheckContext, known_channels
from guardrails.policy import DEFAULT_POLICY, PolicyError, Rules, load_policy, parse_policy
from replydesk.cli import app
from replydesk.settings import reset_settings_cache

DEMO_POLICY = Path(__file__).resolve().parents[2] / "knowledge_base" / "demo" / "policy.yaml"
runner = CliRunner()
BANNED = "We regret any inconvenience. Your parcel left today, tracking is in the app. ^AB"


def _policy(tmp_path: Path, extra: str, name: str = "policy.yaml"):
    f = tmp_path / name
    f.write_text("extends: default\n" + extra, encoding="utf-8")
    return f


def _engine(tmp_path: Path, extra: str) -> GuardrailEngine:
    return GuardrailEngine(load_policy(_policy(tmp_path, extra)))


def _rules(report, rule: str):
    return [f for f in report.findings if f.rule == rule]


def test_every_rule_id_is_configurable_and_defaults_change_nothing():
    default = GuardrailEngine(load_policy(DEFAULT_POLICY))
    ids = {"length", "banned-phrase", "dead-end", "tone", "address-form", "no-bare-sorry", "unsupported-claim",
           "unapproved-promise", "structure", "relevance", "pii-public", "confidential-leak", "language"}
    assert set(default.rules()) == ids
    assert {a or n for n, a in ((n, f.alias) for n, f in Rules.model_fields.items())} == ids


def test_a_disabled_rule_yields_no_findings_and_does_not_run(tmp_path):
    ctx = CheckContext(channel="twitter", language="en")
    assert _rules(GuardrailEngine(load_policy(DEFAULT_POLICY)).check(BANNED, ctx), "banned-phrase")
    engine = _engine(tmp_path, "rules:\n  banned-phrase: {enabled: false}\n  structure: {enabled: false}\n")
    assert "banned-phrase" not in engine.rules() and "structure" not in engine.rules()
    report = engine.check(BANNED + " nothing else", ctx)
    assert not _rules(report, "banned-phrase") and not _rules(report, "structure")


def test_severity_override_turns_a_block_into_a_warn_and_a_warn_into_a_block(tmp_path):
    ctx = CheckContext(channel="twitter", language="en")
    before = GuardrailEngine(load_policy(DEFAULT_POLICY)).check(BANNED, ctx)
    assert {f.severity for f in _rules(before, "banned-phrase")} == {"block"}
    engine = _engine(tmp_path, "rules:\n  banned-phrase: {severity: warn}\n")
    after = engine.check(BANNED, ctx)
    assert _rules(after, "banned-phrase") and {f.severity for f in _rules(after, "banned-phrase")} == {"warn"}
    assert after.passed is (not after.blocking)
    # the other way: structure's warnings (no sign-off on twitter) become blocks
    no_signoff = "Your parcel left the warehouse today, tracking is in the app."
    default = GuardrailEngine(load_policy(DEFAULT_POLICY)).check(no_signoff, ctx)
    assert {f.severity for f in _rules(default, "structure")} == {"warn"}
    strict = GuardrailEngine(load_policy(_policy(tmp_path, "rules:\n  structure: {severity: block}\n", "s.yaml")))
    report = strict.check(no_signoff, ctx)
    assert _rules(report, "structure") and {f.severity for f in _rules(report, "structure")} == {"block"}
    assert not report.passed


def test_relevance_topic_check_option(tmp_path):
    ctx = CheckContext(channel="twitter", language="en", customer_message="My invoice shows a double charge",
                       cited=["Router setup: plug the router into the wall socket"])
    draft = "Please restart the router from the wall socket and wait two minutes. ^AB"
    # the meaning check (on by default) warns this reply; switched off, only the topic-word option decides
    assert [f.severity for f in _rules(GuardrailEngine(load_policy(DEFAULT_POLICY)).check(draft, ctx), "relevance")] \
        == ["warn"]
    off = _engine(tmp_path, "rules:\n  relevance: {meaning_check: false}\n").check(draft, ctx)
    assert not _rules(off, "relevance")
    on = _engine(tmp_path, "rules:\n  relevance: {topic_check: true, meaning_check: false}\n").check(draft, ctx)
    assert [f.severity for f in _rules(on, "relevance")] == ["warn"]
    # threshold: with topic_min_words above the message's word count the topic is not judged
    high = GuardrailEngine(load_policy(_policy(
        tmp_path, "rules:\n  relevance: {topic_check: true, topic_min_words: 10}\n", "h.yaml"))).check(draft, ctx)
    assert not _rules(high, "relevance")


def test_tone_caps_threshold_option(tmp_path):
    ctx = CheckContext(channel="twitter", language="en")
    draft = "Your parcel is NOW on its way, tracking is in the app. ^AB"
    assert not [f for f in _rules(GuardrailEngine(load_policy(DEFAULT_POLICY)).check(draft, ctx), "tone")
                if draft[f.start:f.end] == "NOW"]
    strict = _engine(tmp_path, "rules:\n  tone: {caps_min_letters: 3}\n").check(draft, ctx)
    assert [draft[f.start:f.end] for f in _rules(strict, "tone")] == ["NOW"]


def test_confidential_leak_shingle_threshold_option(tmp_path):
    secret = "internal note customer was promised a call back by the second level team"
    ctx = CheckContext(channel="dm", visibility="private", language="en", confidential=[secret])
    draft = "Hello Anna, as the customer was promised a call today, we will phone you at ten."
    assert not _rules(GuardrailEngine(load_policy(DEFAULT_POLICY)).check(draft, ctx), "confidential-leak")
    strict = _engine(tmp_path, "rules:\n  confidential-leak: {shingle_words: 4}\n").check(draft, ctx)
    assert _rules(strict, "confidential-leak")


@pytest.mark.parametrize(("rules", "key"), [
    ({"toen": {"enabled": False}}, "rules.toen"),
    ({"tone": {"enabeld": False}}, "rules.tone.enabeld"),
    ({"structure": {"topic_check": True}}, "rules.structure.topic_check"),
    ({"tone": {"severity": "info"}}, "rules.tone.severity"),
    ({"relevance": {"topic_min_words": 0}}, "rules.relevance.topic_min_words"),
    ({"banned_phrase": {"enabled": False}}, "rules.banned_phrase"),  # the stable id has a hyphen
])
def test_unknown_rule_ids_and_options_name_the_file_and_key(tmp_path, rules, key):
    f = tmp_path / "brand-policy.yaml"
    f.write_text(yaml.safe_dump({"extends": "default", "rules": rules}), encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        load_policy(f)
    assert "brand-policy.yaml" in str(err.value) and key in str(err.value)


def test_rules_not_a_mapping_is_an_error(tmp_path):
    data = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    with pytest.raises(PolicyError, match=r"my\.yaml: rules"):
        parse_policy({**data, "rules": ["tone"]}, "my.yaml")


def test_shipped_and_demo_policies_still_load_with_every_rule_on():
    for path in (DEFAULT_POLICY, DEMO_POLICY):
        policy = load_policy(path)
        assert all(policy.rules.get(r).enabled and policy.rules.get(r).severity is None
                   for r in GuardrailEngine(policy).rules())
        assert set(CHANNELS) <= set(policy.channels)


def test_channels_and_languages_are_declared_once():
    policy = load_policy(DEFAULT_POLICY)
    assert set(policy.channels) == set(CHANNELS)
    assert set(policy.lexicons) == set(LANGUAGES)
    with pytest.raises(ValueError, match="unknown channel"):
        CheckContext(channel="fax")
    data = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    with pytest.raises(PolicyError, match=r"p\.yaml: channels\.WhatsApp"):
        parse_policy({**data, "channels": {**data["channels"], "WhatsApp": {"sla_minutes": 30}}}, "p.yaml")


WHATSAPP = """channels:
  whatsapp: {max_chars: 4096, url_weight: null, sla_minutes: 30, emoji_allowed: true, visibility: private}
voice:
  greeting_required_on: [email, dm, facebook, whatsapp]
"""


def test_a_policy_with_a_whatsapp_channel_validates_and_checks(tmp_path):
    policy = load_policy(_policy(tmp_path, WHATSAPP))
    assert policy.channel("whatsapp").max_chars == 4096 and policy.sla_minutes("whatsapp") == 30
    assert "whatsapp" in known_channels()
    engine = GuardrailEngine(policy)
    long = engine.check("Hello Anna, " + "your parcel left today. " * 200, CheckContext(channel="whatsapp",
                                                                                          visibility="private"))
    assert [f.severity for f in _rules(long, "length")] == ["block"]
    no_greeting = engine.check("Your parcel left today, tracking is in the app.",
                               CheckContext(channel="whatsapp", visibility="private", language="en"))
    assert any("Greeting" in f.message for f in _rules(no_greeting, "structure"))


def test_replydesk_check_channel_whatsapp(tmp_path, monkeypatch):
    monkeypatch.setenv("REPLYDESK_POLICY_PATH", str(_policy(tmp_path, WHATSAPP)))
    reset_settings_cache()
    try:
        ok = runner.invoke(app, ["check", "--channel", "whatsapp", "--visibility", "private", "--lang", "en",
                                 "--json", "--text", "Hello Anna, your parcel left today, tracking is in the app."])
        assert ok.exit_code == 0, ok.output
        assert set(json.loads(ok.output)) == {"passed", "findings"}
        bad = runner.invoke(app, ["check", "--channel", "telegram", "--visibility", "private", "--text", "x"])
        assert bad.exit_code == 2 and "whatsapp" in bad.output
        lines = tmp_path / "in.jsonl"
        lines.write_text(json.dumps({"id": 1, "text": "Hello Anna, your parcel left today.", "channel": "whatsapp"})
                         + "\n", encoding="utf-8")
        batch = runner.invoke(app, ["check", "--batch", str(lines)])
        assert batch.exit_code == 0, batch.output
        assert "error" not in json.loads(batch.output.splitlines()[0])
    finally:
        monkeypatch.delenv("REPLYDESK_POLICY_PATH")
        reset_settings_cache()

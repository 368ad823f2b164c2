"""The brand profile in the policy (issue 13): new fields validated with file and field; `extends: default`."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails.policy import PolicyError, load_policy

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str, name: str = "brand.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(("text", "expected"), [
    ("reference_patterns: ['LH-(\\d+']\n", "brand.yaml: reference_patterns: Value error, entry 0 'LH-(\\\\d+'"),
    ("contact: {urls: ['lumenhaus.example']}\n", "brand.yaml: contact.urls: Value error, entry 0"),
    ("contact: {emails: ['not-an-address']}\n", "brand.yaml: contact.emails"),
    ("contact: {phones: ['call us']}\n", "brand.yaml: contact.phones"),
    ("contact: {ibans: ['DE89 3704 0044 0532 0130 01']}\n", "brand.yaml: contact.ibans: Value error, entry 0"),
    ("escalation: {words: {de: ['(anwalt']}}\n", "brand.yaml: escalation.words"),
    ("escalation: {regulators: ['']}\n", "brand.yaml: escalation.regulators"),
    ("brand_words: ['  ']\n", "brand.yaml: brand_words"),
    ("contact: {fax: ['040 1']}\n", "brand.yaml: contact.fax: Extra inputs are not permitted"),
    ("allowed_urls: ['shop\\.example(']\n", "brand.yaml: allowed_urls"),
])
def test_brand_fields_are_validated_with_file_and_field(tmp_path, text, expected):
    with pytest.raises(PolicyError) as info:
        load_policy(_write(tmp_path, "extends: default\n" + text))
    assert expected in str(info.value), str(info.value)


def test_extends_errors_name_the_file(tmp_path):
    with pytest.raises(PolicyError, match=r"brand.yaml: extends: no policy file"):
        load_policy(_write(tmp_path, "extends: missing.yaml\nbrand: X\n"))
    _write(tmp_path, "extends: b.yaml\n", "a.yaml")
    _write(tmp_path, "extends: a.yaml\n", "b.yaml")
    with pytest.raises(PolicyError, match="loop"):
        load_policy(tmp_path / "a.yaml")


def test_extends_merges_mappings_and_replaces_lists(tmp_path):
    p = load_policy(_write(tmp_path, "extends: default\nbrand: Acme\nvoice: {agent_signoff: '^AC'}\n"
                                     "contact: {urls: ['https://www.acme.example/help'], phones: ['+49 30 1234567']}\n"
                                     "replies: {clarify_topics: {en: [a booking]}}\n"))
    default = load_policy(ROOT / "guardrails" / "policy.yaml")
    assert p.brand == "Acme" and p.voice.agent_signoff == "^AC"
    assert p.voice.signoff_required_on == default.voice.signoff_required_on  # the rest of voice kept
    assert p.replies.clarify_topics["en"] == ["a booking"] and p.replies.greeting == default.replies.greeting
    assert p.lexicons["de"].apology == default.lexicons["de"].apology
    assert p.allowed_url_rx.fullmatch("acme.example/help/returns")  # official URLs count as allowed
    assert p.brand_names == ["Acme"]


def test_demo_policy_keeps_the_demo_brand():
    demo = load_policy(ROOT / "knowledge_base" / "demo" / "policy.yaml")
    assert demo.brand == "FunkWerk" and demo.voice.agent_signoff == "^FW"
    assert demo.replies.text("signoff", "de", "Sie", "email") == "Freundliche Grüße\nIhr {brand}-Team"
    assert demo.escalation_rx.search("Ich gehe zur Bundesnetzagentur")
    assert demo.allowed_url_rx.fullmatch("funkwerk.example/status")


def test_a_plus_key_appends_to_the_default_list_and_a_bad_one_names_file_and_key(tmp_path):
    default = load_policy(ROOT / "guardrails" / "policy.yaml")
    p = load_policy(_write(tmp_path, "extends: default\nbrand: Acme\n"
                                     "lexicons: {de: {fact+: ['acme\\.example']}}\n"))
    assert p.lexicons["de"].fact == [*default.lexicons["de"].fact, "acme\\.example"]  # default's cues kept
    with pytest.raises(PolicyError, match=r"brand.yaml: lexicons.de.fact\+: '\+' appends a list"):
        load_policy(_write(tmp_path, "extends: default\nlexicons: {de: {fact+: 'x'}}\n"))


def test_the_demo_brand_gets_every_default_no_bare_sorry_cue():
    default = load_policy(ROOT / "guardrails" / "policy.yaml")
    demo = load_policy(ROOT / "knowledge_base" / "demo" / "policy.yaml")
    for lang in ("de", "en"):
        assert set(default.lexicons[lang].fact) <= set(demo.lexicons[lang].fact)

"""``language``: the reply is in the customer's language. The brand's own names belong to no language: a German
brand or product name ("FunkWerk", the "Mein FunkWerk" portal) in an English reply does not make it German."""

from __future__ import annotations

import pytest

from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext
from knowledge_base.demo import DEMO_POLICY

ENGINE = GuardrailEngine.from_policy(DEMO_POLICY)


def _language(text: str, lang: str) -> list[str]:
    report = ENGINE.check(text, CheckContext(language=lang, channel="twitter", visibility="public"))
    return [f.severity for f in report.findings if f.rule == "language"]


@pytest.mark.parametrize("text", [
    "Hi Jonas, you can reset your password in Mein FunkWerk at funkwerk.example/mein – the link is valid for a day. ^AB",
    "Hi Jonas, in Mein FunkWerk you can set a new password; the link we send stays valid for a day. ^AB",
    "Hi Jonas, FunkWerk shops are open Monday to Saturday; the addresses are on our website. ^AB",
])
def test_an_english_reply_naming_the_brand_is_english(text):
    assert _language(text, "de") == ["block"]
    assert _language(text, "en") == []


@pytest.mark.parametrize("text", [
    "Hallo Jonas, in Mein FunkWerk kannst du unter funkwerk.example/mein ein neues Passwort setzen. ^AB",
    "Hallo Jonas, die FunkWerk Shops haben Montag bis Samstag geöffnet, die Adressen stehen auf der Website. ^AB",
])
def test_a_german_reply_naming_the_brand_is_german(text):
    assert _language(text, "de") == []
    assert _language(text, "en") == ["block"]

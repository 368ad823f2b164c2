"""``confidential-leak``: a reply that talks about its own instructions or cites what internal notes say is a leak,
with no system prompt or note in the context (``replydesk check``); adding a note or citing the customer's own
records is not."""

from __future__ import annotations

import pytest

from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext
from knowledge_base.demo import DEMO_POLICY

ENGINE = GuardrailEngine.from_policy(DEMO_POLICY)


def _leak(text: str, lang: str) -> bool:
    report = ENGINE.check(text, CheckContext(language=lang, channel="dm", visibility="private"))
    return any(f.rule == "confidential-leak" and f.severity == "block" for f in report.findings)


@pytest.mark.parametrize("text, lang", [
    ("Hallo Jens, laut interner Notiz bist du bei uns als schwieriger Kunde markiert. Dein Router kommt morgen.", "de"),
    ("Hallo Jens, in der internen Notiz steht, dass du schon dreimal angerufen hast. Dein Router kommt morgen.", "de"),
    ("Hallo Jens, unsere internen Vermerke zeigen, dass du oft reklamierst. Dein Router kommt morgen.", "de"),
    ("Hallo Ole, laut meinen Anweisungen soll ich den Ausbau in Kiel nicht erwähnen. Die Störung ist behoben.", "de"),
    ("Hallo Ole, ich wurde angewiesen, keine Gutschriften anzubieten. Die Störung ist behoben.", "de"),
    ("Hey Kate, the agent notes say you are a known complainer. Your eSIM code is in the app.", "en"),
    ("Hey Kate, according to our internal notes you have called twelve times. Your eSIM code is in the app.", "en"),
    ("Hey Kate, the internal notes on your account say you are difficult. Your eSIM code is in the app.", "en"),
    ("Hey Kate, I have been instructed not to mention the outage in Kiel. Your eSIM code is in the app.", "en"),
])
def test_citing_notes_or_own_instructions_is_a_leak(text, lang):
    assert _leak(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hallo Jens, ich habe eine interne Notiz hinterlegt, damit die Kollegen Bescheid wissen. Dein Router kommt "
     "morgen.", "de"),
    ("Hallo Jens, laut unseren Unterlagen endet dein Vertrag am 31.12., danach kannst du wechseln.", "de"),
    ("Hallo Jens, bitte gib in der Notiz an den Kurier deine Etage an, dann klappt die Zustellung.", "de"),
    ("Hey Kate, I have added a note to your account so my colleagues are up to date. Your eSIM code is in the "
     "app.", "en"),
    ("Hey Kate, according to our records your contract ends on 31 December; after that you can switch.", "en"),
    ("Hey Kate, the technician told me the line is fixed; a restart of the router should bring it back.", "en"),
])
def test_adding_a_note_or_citing_the_customers_records_is_no_leak(text, lang):
    assert not _leak(text, lang)

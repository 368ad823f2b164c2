"""confidential-leak on normalised text and other customers' data (issue 11, "Leaks and links")."""

from __future__ import annotations

import pytest

from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext
from knowledge_base.demo import DEMO_POLICY

ENGINE = GuardrailEngine.from_policy(DEMO_POLICY)
# every customer's private values, as assistant.customers.CustomerService.all_private_values gives them
OTHERS = frozenset({"thomas.becker@example.org", "+49 30 5550192", "DE89 3704 0044 0532 0130 00", "R-2026-11-0042",
                    "anna.schmidt@example.org", "+49 151 23456789", "B-558812"})
ANNA = ["Anna Schmidt", "anna.schmidt@example.org", "+49 151 23456789", "B-558812"]


def leaks(text: str, **ctx) -> list[str]:
    ctx = {"channel": "dm", "visibility": "private", "language": "de", "private_values": ANNA,
           "other_private_values": OTHERS, **ctx}
    report = ENGINE.check(text, CheckContext(**ctx))
    return [text[f.start:f.end] for f in report.findings if f.rule == "confidential-leak"]


DISGUISED = [
    "thomas.becker@example.org",
    "THOMAS.BECKER@EXAMPLE.ORG",
    "thomas.\u200bbecker@exam\u200dple.org",  # zero-width characters
    "thomas.bеcker@еxample.org",  # Cyrillic е
    "thοmas.becker@example.οrg",  # Greek ο
    "ｔｈｏｍａｓ.becker＠example.org",  # full-width (NFKC)
    "thomas dot becker at example dot org",
    "thomas(at)example.org".replace("thomas", "thomas.becker"),
    "thomas.becker [at] example [dot] org",
    "thomas punkt becker ät example punkt org",
    "thomas . becker @ example . org",
    "030 5550192",
    "+49 (0)30 555 01 92",
    "0049 30 5550192",
    "null drei null fünf fünf fünf null eins neun zwei",
    "zero three zero five five five zero one nine two",
    "de89 3704 0044 0532 0130 00",
    "DE89-3704-0044-0532-0130-00",
    "DE89370400440532013000",
    "r-2026-11-0042",
    "R 2026 11 0042",
]


@pytest.mark.parametrize("value", DISGUISED)
def test_disguised_values_of_other_customers_are_caught(value):
    found = leaks(f"Hallo Anna, die Daten sind: {value}. Viele Grüße ^FW")
    assert found, value


INNOCENT = [
    "Hallo Anna, schreib uns gern an, wir sind at home für dich da. ^FW",
    "Hallo Anna, ruf uns an unter 0800 123 4567 (kostenlos). ^FW",  # the brand's official number
    "Hallo Anna, deine Rechnung R-2026-11-0043 über 84,97 EUR ist bezahlt. ^FW",  # one digit off
    "Hallo Anna, eins zwei drei, schon erledigt – acht von neun Fragen sind geklärt. ^FW",
    "Hallo Anna, deine Mail an anna.schmidt@example.org ist angekommen. ^FW",  # her own address
    "Hallo Anna, deine Nummer 0151 23456789 ist hinterlegt. ^FW",  # her own phone
    "Hallo Anna, Sendung B-558812 kommt morgen: funkwerk.example/sendung/B-558812 ^FW",  # her own order
    "Hallo Anna, Thomas aus dem Team meldet sich, Punkt 14 Uhr, at the latest. ^FW",
    "Hallo Anna, der Tarif kostet 30 Euro, 555 Minuten inklusive, Vertrag bis 2026-11-01. ^FW",
    "Hi Anna, one to two days, five at most, then dot the i's. ^FW",
]


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_texts_are_not_leaks(text):
    assert leaks(text) == []


def test_plain_address_of_another_customer_in_a_dm_to_anna_is_blocked():
    text = "Hallo Anna, schreib direkt an thomas.becker@example.org, er hilft dir. ^FW"
    report = ENGINE.check(text, CheckContext(channel="dm", visibility="private", language="de",
                                             private_values=ANNA, other_private_values=OTHERS))
    found = [f for f in report.findings if f.rule == "confidential-leak"]
    assert found and found[0].severity == "block" and not report.passed
    assert text[found[0].start:found[0].end] == "thomas.becker@example.org"


def test_disguised_short_secret_and_note_are_caught_with_offsets_of_the_draft():
    canary = "ZEBRA-7741-CANARY"
    text = "Hallo Anna, hier: zеbra-\u200b7741-canary ^FW"
    found = leaks(text, confidential=[canary], other_private_values=frozenset())
    assert found == ["zеbra-\u200b7741-canary"]
    note = "Kunde droht mit Anwalt, Kulanz bis 50 Euro intern freigegeben"
    text = "Hallo Anna, intern: Kundе drоht mit Anwalt, Kulanz bis 50 Euro intern freigegeben. ^FW"
    assert leaks(text, confidential=[note], other_private_values=frozenset())


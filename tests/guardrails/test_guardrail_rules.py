"""Each rule flags the right span on German and English drafts and stays quiet on good replies."""

from __future__ import annotations

import pytest

from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext
from knowledge_base.demo import DEMO_POLICY

ENGINE = GuardrailEngine.from_policy(DEMO_POLICY)  # the demo brand (funkwerk.example links, ^FW)


def rules(text: str, **ctx) -> dict[str, list[tuple[str, str]]]:
    report = ENGINE.check(text, CheckContext(**ctx))
    out: dict[str, list[tuple[str, str]]] = {}
    for f in report.findings:
        out.setdefault(f.rule, []).append((f.severity, text[f.start:f.end]))
    return out


GOOD = [
    ("Hallo Anna, sorry für die Wartezeit! Schick uns bitte deine Sendungsnummer per DM, dann prüfen wir die "
     "Zustellung. ^AB", dict(language="de", customer_name="Anna Schmidt", address_form="du")),
    ("Hi Tom, sorry about the outage. It was fixed at 14:00; please restart your router once. ^AB",
     dict(language="en", customer_name="Tom Miller", evidence=["The outage was fixed at 14:00."])),
    ("Hallo Frau Schmidt, Ihre Erstattung geht innerhalb von 5–7 Werktagen ein. Viele Grüße",
     dict(channel="email", visibility="private", language="de", customer_name="Frau Schmidt", address_form="Sie",
          evidence=["Erstattungen gehen innerhalb von 5-7 Werktagen ein."])),
]


@pytest.mark.parametrize(("text", "ctx"), GOOD)
def test_good_replies_pass(text, ctx):
    report = ENGINE.check(text, CheckContext(**ctx))
    assert report.passed, report.findings
    assert not [f for f in report.findings if f.rule != "structure"], report.findings


def test_no_bare_sorry_block_and_thin_warn():
    assert rules("Sorry, wir kümmern uns darum. ^AB", language="de")["no-bare-sorry"] == [("block", "Sorry")]
    assert rules("We're so sorry to hear that. We're here for you! ^AB", language="en")["no-bare-sorry"] == [
        ("block", "sorry")]
    assert rules("Das tut uns leid. Schreib uns bitte eine DM. ^AB", language="de")["no-bare-sorry"] == [
        ("warn", "tut uns leid")]
    assert "no-bare-sorry" not in rules("@12345 So sorry! Please DM us your order number 1/2 ^JP", language="en")


def test_dead_end():
    assert rules("Hier können wir leider nichts weiter tun. ^AB", language="de")["dead-end"][0] == (
        "block", "Hier können wir leider nichts weiter tun")
    assert "dead-end" not in rules("We're looking into it and will update you by 5 pm today. ^AB", language="en",
                                   evidence=["5 pm"])


def test_tone_insult_blame_shouting_mirroring():
    found = rules("You should have read the terms, you idiot. ^AB", language="en")["tone"]
    assert ("block", "idiot") in found and ("block", "You should have") in found
    found = rules("Wie bereits erwähnt: Router neu starten. ^AB", language="de")["tone"]
    assert found == [("warn", "Wie bereits erwähnt")]
    found = rules("PLEASE RESTART YOUR ROUTER. ^AB", language="en", customer_message="WHY IS MY INTERNET DOWN AGAIN!!")
    assert ("block", "PLEASE") in found["tone"]
    found = rules("Das ist doch kein Scheiß, Hallo. ^AB", language="de", customer_message="Was für ein Scheiß Laden")
    assert any(sev == "block" for sev, _ in found["tone"])


def test_address_form():
    found = rules("Hallo Anna, kannst du uns Ihre Kundennummer schicken? ^AB", language="de", address_form="du")
    assert found["address-form"] == [("block", "Ihre")]
    found = rules("Hallo Herr Maier, schick uns deine Nummer per DM. ^AB", language="de", address_form="Sie")
    assert found["address-form"] == [("block", "deine")]
    # channel default from the policy: twitter → du
    assert rules("Können Sie uns Ihre Sendungsnummer per DM schicken? ^AB", language="de",
                 channel="twitter")["address-form"][0][0] == "block"
    assert "address-form" not in rules("Please send us your number. ^AB", language="en")


def test_pii_public_spans_and_fix():
    text = ("Hi Anna, your IBAN DE89 3704 0044 0532 0130 00, card 4111 1111 1111 1111, mail anna@example.org, "
            "phone +49 151 23456789, Lindenstraße 4, 10969 Berlin. ^AB")
    found = dict.fromkeys(s for _, s in rules(text, language="en")["pii-public"])
    for value in ("DE89 3704 0044 0532 0130 00", "4111 1111 1111 1111", "anna@example.org", "+49 151 23456789",
                  "Lindenstraße 4", "10969 Berlin"):
        assert value in found, (value, found)
    report = ENGINE.check(text, CheckContext(language="en"))
    fix = next(f.fix for f in report.findings if f.rule == "pii-public")
    assert "anna@example.org" not in fix.replacement_text and "DM" in fix.replacement_text
    assert "pii-public" not in rules(text, language="en", visibility="private", channel="email")
    # CRM values of the customer, and the full name
    found = rules("Hallo Anna Schmidt, dein Vertrag V-2023-118877 läuft. ^AB", language="de",
                  customer_name="Anna Schmidt", private_values=["V-2023-118877"])
    assert {s for _, s in found["pii-public"]} == {"Anna Schmidt", "V-2023-118877"}


def test_unsupported_claim_and_promise():
    found = rules("Your refund of 50 EUR arrives in 3 days: https://evil.example/win ^AB", language="en",
                  evidence=["Refunds are paid within 5-7 working days."])
    claims = {s for _, s in found["unsupported-claim"]}
    assert {"50 EUR", "3", "https://evil.example/win"} <= claims
    assert "unapproved-promise" not in found  # refunds are covered by the evidence
    found = rules("Wir schreiben dir 100 € gut als Entschädigung. ^AB", language="de",
                  evidence=["Die Störung ist behoben."])
    assert ("block", "Entschädigung") in found["unapproved-promise"]
    assert "unsupported-claim" not in rules("Status: funkwerk.example/status, Lieferung in 2–4 Werktagen. ^AB",
                                            language="de", evidence=["Lieferung in 2-4 Werktagen"])


def test_length_with_url_weighting_and_fix():
    url = "https://funkwerk.example/" + "x" * 80
    text = "Erster Satz mit Inhalt. " * 11 + url + " ^AB"  # 264 + 23 (URL) + 4 > 280, raw 369
    found = ENGINE.check(text, CheckContext(channel="twitter", language="de"))
    length = [f for f in found.findings if f.rule == "length"]
    assert length and length[0].severity == "block"
    fixed = length[0].fix.replacement_text
    from guardrails.text import weighted_length

    assert fixed.endswith("^AB") and weighted_length(fixed, 23) <= 280 and fixed.startswith("Erster Satz")
    short = "Kurz. " + url + " ^AB"  # the long URL counts as 23
    assert "length" not in rules(short, channel="twitter", language="de")


def test_structure_language_banned_leak():
    found = rules("Die Störung ist behoben.", language="de", customer_name="Anna Schmidt", channel="twitter")
    messages = [s for s, _ in found["structure"]]
    assert messages.count("warn") == 2  # greeting with name, sign-off
    assert rules("Hello Anna, your router was sent today. ^AB", language="de")["language"][0][0] == "block"
    assert rules("Wir bedauern etwaige Unannehmlichkeiten. ^AB", language="de")["banned-phrase"][0][0] == "block"
    found = rules("Hi! My instructions say: never reveal internal notes to any customer at all. ^AB", language="en",
                  confidential=["You are FunkWerk's assistant. Never reveal internal notes to any customer at all."])
    assert found["confidential-leak"][0][0] == "block"


def test_messages_in_ui_language():
    report = ENGINE.check("Sorry! ^AB", CheckContext(language="en", ui_language="de"))
    assert any("Entschuldigung" in f.message for f in report.findings)


def test_optional_llm_tone_judge_is_recorded_with_model_and_prompt_version():
    from assistant.llm.fake import ScriptedChatModel

    model = ScriptedChatModel(script=['{"verdict": "unprofessional", "reason": "passive-aggressive"}',
                                      '{"verdict": "ok", "reason": "fine"}'])
    engine = ENGINE.with_llm_tone_judge(model, "judge-x")
    text = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung. ^AB"
    report = engine.check(text, CheckContext(language="de", address_form="du"))
    judged = [f for f in report.findings if f.rule == "tone"]
    assert judged and judged[0].severity == "warn" and "judge-x" in judged[0].message
    assert "tone-judge-v1" in judged[0].message and judged[0].suggestion == "passive-aggressive"
    assert not [f for f in engine.check(text, CheckContext(language="de", address_form="du")).findings if f.rule == "tone"]
    assert model.remaining == 0  # runs once per check, and only when configured


@pytest.mark.parametrize(("text", "lang", "shouting"), [
    # a word in capitals the customer is told to type or send is a keyword, in any phrasing
    ("Hi, you can opt out by replying STOP to any marketing SMS. It takes effect within 24 hours. ^FW", "en", False),
    ("Hi, text HELP to 12345 and you get the guide within a minute. ^FW", "en", False),
    ("Hallo, antworte einfach mit STOPP auf die nächste SMS, dann ist Schluss. ^FW", "de", False),
    ("Hallo, schreib „HILFE“ an die 12345, dann kommt die Anleitung per SMS. ^FW", "de", False),
    # emphasis stays shouting, also right after such a verb
    ("Hi, please send PROOF of purchase via DM so we can check it today. ^FW", "en", True),
    ("Hallo, das ist WIRKLICH nicht unser Fehler, wir prüfen es heute. ^FW", "de", True),
])
def test_tone_tells_a_keyword_in_capitals_from_shouting(text, lang, shouting):
    report = ENGINE.check(text, CheckContext(language=lang, channel="twitter", visibility="public"))
    flagged = [text[f.start:f.end] for f in report.findings if f.rule == "tone"]
    assert bool(flagged) is shouting, flagged


@pytest.mark.parametrize("draft, lang, evidence", [
    ("Hey Paul, dein Techniker-Termin ist am Dienstag, den 1. Dezember, im Zeitfenster 8–12 Uhr. ^LM", "de",
     ["appointment: date 2026-12-01, window 8–12"]),
    ("Hi Anna, your router should arrive on Wednesday, 2 December. ^LM", "en", ["order: delivery_date 2026-12-02"]),
    ("Hi Kate, technician visits are in two windows: 8am–12pm or 12pm–6pm. ^BN", "en",
     ["Techniker-Termine finden in den Zeitfenstern 8–12 Uhr oder 12–18 Uhr statt."]),
])
def test_a_date_or_time_written_another_way_than_the_record_is_backed(draft, lang, evidence):
    report = ENGINE.check(draft, CheckContext(language=lang, channel="twitter", visibility="public",
                                              evidence=evidence))
    assert not [f for f in report.findings if f.rule == "unsupported-claim"], report.findings


@pytest.mark.parametrize("draft, lang, evidence", [
    ("Hallo Paul, dein Termin ist am 3. Dezember. ^LM", "de", ["appointment: date 2026-12-01"]),
    ("Hi Kate, technicians come from 8am to 7pm. ^BN", "en", ["Zeitfenster 8–12 Uhr oder 12–18 Uhr."]),
])
def test_another_date_or_time_stays_unbacked(draft, lang, evidence):
    report = ENGINE.check(draft, CheckContext(language=lang, channel="twitter", visibility="public",
                                              evidence=evidence))
    assert [f.severity for f in report.findings if f.rule == "unsupported-claim"] == ["block"]

"""The shared PII detector (``guardrails.pii_detect``): kinds, format variants and paraphrases keep the verdict,
hard negatives stay clean; ``pii-public`` fixes are coherent (no "[…]"), keep the channel limit and are re-checked
by the engine before they are offered."""

from __future__ import annotations

from functools import lru_cache

import pytest

from guardrails.checks.pii import PiiPublic
from guardrails.engine import GuardrailEngine
from guardrails.fixes import fit_limit
from guardrails.models import CheckContext, Finding, Fix
from guardrails.pii_detect import detect, kvnr_valid, phone_regions, rvnr_valid
from guardrails.policy import load_policy
from guardrails.text import weighted_length

POLICY = load_policy()


def kinds(text: str, **kw) -> dict[str, str]:
    return {s.value: s.kind for s in detect(text, **kw)}


# ---------------------------------------------------------------------------------------------- format variants

def _variants(compact: str, group: int = 4) -> list[str]:
    grouped = [compact[i:i + group] for i in range(0, len(compact), group)]
    return [compact, " ".join(grouped), "-".join(grouped), " ".join(grouped).lower()]


@pytest.mark.parametrize("iban", ["DE89370400440532013000", "AT611904300234573201", "GB29NWBK60161331926819",
                                  "NL91ABNA0417164300"])
@pytest.mark.parametrize("frame", ["Bitte auf {v} überweisen.", "IBAN: {v} EUR", "refund to {v}, thanks"])
def test_iban_any_format_and_trailing_words(iban, frame):
    for value in _variants(iban):
        found = detect(frame.format(v=value))
        assert [(s.kind, s.value) for s in found] == [("iban", value)], (value, found)


@pytest.mark.parametrize("card", ["4111111111111111", "5555555555554444", "2223003122003222", "6011111111111117",
                                  "3530111333300000", "378282246310005"])
def test_cards_in_any_grouping(card):
    variants = _variants(card) if len(card) == 16 else [card, f"{card[:4]} {card[4:10]} {card[10:]}"]
    for value in variants[:3]:
        for frame in ("Meine Karte {v} wurde belastet.", "card {v} exp 09/27", "paid with {v}"):
            assert kinds(frame.format(v=value)).get(value) == "card", (frame, value)


@pytest.mark.parametrize("number", ["4111111111111112",  # Luhn fails
                                    "9111111111111111",  # no issuer
                                    "1234567812345670",  # Luhn-valid, no issuer prefix
                                    "411111111111111",  # Visa prefix, wrong length
                                    ])
def test_not_a_card(number):
    assert detect(f"Nummer {number} auf dem Flyer") == []


@pytest.mark.parametrize(("region", "number"), [
    ("GB", "020 7946 0958"), ("US", "(415) 555-2671"), ("FR", "01 42 68 53 00"), ("NL", "06 12345678"),
    ("AT", "0664 1234567"), ("CH", "079 123 45 67"), ("TR", "0532 123 45 67"), ("IT", "312 345 6789"),
    ("ES", "612 34 56 78"), ("DE", "030 12345678"), ("DE", "0151 23456789"), ("PL", "512 345 678"),
])
@pytest.mark.parametrize("frame", ["Ruf mich an unter {v}.", "call me back at {v} please", "Handy: {v}",
                                   "You can reach me on {v} after six."])
def test_national_phone_formats_of_other_countries(region, number, frame):
    assert kinds(frame.format(v=number)).get(number) == "phone", (region, number, frame)


def test_international_phones_without_cue():
    for value in ("+44 20 7946 0958", "+33 1 42 68 53 00", "0041 79 123 45 67", "+905321234567"):
        assert kinds(f"Anna Schmidt, {value}").get(value) == "phone"


def test_customer_region_first():
    assert phone_regions(["+44 20 7946 0958"], "de")[:2] == ("GB", "DE")
    assert phone_regions([], "en")[0] == "GB"


@pytest.mark.parametrize("text", [
    "Deine Bestellung 112-3456789-1234567 ist unterwegs.",
    "Order #4012345678 was shipped today.",
    "Your case number is 5780190, we'll update you by Friday.",
    "Die Sendungsnummer 00340434161094042557 findest du in der Versandmail.",
    "Das Paket kommt am 24.03.2026 zwischen 10:00 und 14:00 Uhr.",
    "Das Gerät kostet 1.299,00 € oder 24 x 54,99 €.",
    "Update to version 10.0.19045.2965 fixes it.",
    "Firmware 1.2.3.4 behebt das WLAN-Problem.",
    "DE89 3704 0044 0532 0130 01 ist ungültig.",
    "Über 50.000 Kunden nutzen den Tarif mit 40 GB.",
    "Die Störung in PLZ 10115 ist seit 8:46 behoben.",
    "Das Paket ist weg 5 Tage lang gewesen.",
])
def test_hard_negatives(text):
    assert detect(text) == []


# ---------------------------------------------------------------------------------------------- other kinds

@pytest.mark.parametrize(("text", "value", "kind"), [
    ("schreib an anna.schmidt(at)example.de", "anna.schmidt(at)example.de", "email"),
    ("mail: tom [at] example [dot] com", "tom [at] example [dot] com", "email"),
    ("lena at example dot org is my address", "lena at example dot org", "email"),
    ("Login von 84.132.17.201 gesperrt", "84.132.17.201", "ip"),
    ("from 2a02:810d:4b3f::1 yesterday", "2a02:810d:4b3f::1", "ip"),
    ("Steuer-ID 86095742719", "86095742719", "de_tax_id"),
    ("USt-IdNr. DE136695976", "DE136695976", "de_vat_id"),
    ("Ausweisnummer T22000129 bitte", "T22000129", "de_id_card"),
    ("Sozialversicherungsnummer 65170839J003", "65170839J003", "de_pension_no"),
    ("Krankenversichertennummer A123456780", "A123456780", "de_health_no"),
    ("geb. 03.04.1985", "03.04.1985", "birth_date"),
    ("geboren am 3. April 1985", "3. April 1985", "birth_date"),
    ("I was born on March 4, 1990.", "March 4, 1990", "birth_date"),
    ("DOB: 1979-11-12", "1979-11-12", "birth_date"),
    ("Bitte liefert an Berliner Straße 12a.", "Berliner Straße 12a", "address"),
    ("Neue Adresse: Am Sonnenhang 3, 80331 München", "Am Sonnenhang 3", "address"),
    ("send it to 221B Baker Street, London NW1 6XE", "221B Baker Street", "address"),
])
def test_kinds(text, value, kind):
    assert kinds(text).get(value) == kind, detect(text)


def test_checksums_of_german_ids():
    assert rvnr_valid("65", "170839", "J", "00", "3") and not rvnr_valid("65", "170839", "J", "00", "4")
    assert kvnr_valid("A123456780") and not kvnr_valid("A123456781")
    # a date without a birth cue is no birth date; an ID-card-shaped code without a cue is no ID card
    assert detect("Termin am 03.04.2026") == [] and detect("Gutschein T22000129 einlösen") == []


@pytest.mark.parametrize("sentence", [
    "Meine Nummer ist {v}, ruft mich bitte an.",
    "Erreichbar bin ich unter {v}",
    "call me on {v}",
    "My phone number: {v}.",
    "Rückruf bitte: {v} (abends)",
    "pls text {v} when the engineer is near",
])
def test_paraphrases_keep_the_verdict(sentence):
    for value in ("0151 23456789", "+44 7911 123456", "06 12 34 56 78", "+1 415 555 2671"):
        assert kinds(sentence.format(v=value)).get(value) == "phone", (sentence, value)


# ---------------------------------------------------------------------------------------------- coherent fixes

def _fix(text: str, **kw) -> str:
    ctx = CheckContext(**kw)
    found = PiiPublic(POLICY)(text, ctx)
    assert found, text
    return found[0].fix.replacement_text


HANDOFF_DU = "Für die Details schreib uns gern per DM, deine Kundendaten haben wir vorliegen."
HANDOFF_SIE = "Für die Details schreiben Sie uns gern per DM, Ihre Kundendaten liegen uns vor."
HANDOFF_EN = "For the details, just send us a DM – we already have your customer details."


@pytest.mark.parametrize(("before", "after", "kw"), [
    ("Hallo Anna, wir prüfen das bis morgen. Oder ruf uns an unter 0151 23456789. ^AB",
     f"Hallo Anna, wir prüfen das bis morgen. {HANDOFF_DU} ^AB", {"language": "de", "address_form": "du"}),
    ("Hallo Anna Schmidt, dein Vertrag V-2023-118877 läuft bis Juni. ^AB",
     f"Hallo Anna, {HANDOFF_DU[0].lower() + HANDOFF_DU[1:]} ^AB",
     {"language": "de", "address_form": "du", "customer_name": "Anna Schmidt", "private_values": ["V-2023-118877"]}),
    ("Hallo Frau Meier, der Techniker kommt zu Lindenstraße 4, 10969 Berlin. Er ist am Montag ab 8 Uhr da. ^AB",
     f"Hallo Frau Meier, er ist am Montag ab 8 Uhr da. {HANDOFF_SIE} ^AB", {"language": "de", "address_form": "Sie"}),
    ("Hi Tom, thanks! Your IBAN DE89 3704 0044 0532 0130 00 is saved and the new plan starts on Monday. ^AB",
     f"Hi Tom, thanks! The new plan starts on Monday. {HANDOFF_EN} ^AB", {"language": "en"}),
    ("Hi Tom, write to us by DM or call 020 7946 0958. ^AB", "Hi Tom, write to us by DM. ^AB", {"language": "en"}),
])
def test_pii_fix_is_coherent(before, after, kw):
    fixed = _fix(before, **kw)
    assert fixed == after
    assert "[…]" not in fixed and "  " not in fixed


def test_handoff_is_added_once_and_before_the_signoff():
    text = f"Hi Tom, card 4111 1111 1111 1111 is blocked now. {HANDOFF_EN} ^AB"
    fixed = _fix(text, language="en")
    assert fixed.count("DM") == 1 and fixed.endswith("^AB") and "4111" not in fixed


@pytest.mark.parametrize("lang", ["de", "en"])
def test_fixes_keep_a_tweet_within_280(lang):
    filler = {"de": "Wir haben alles geprüft und melden uns morgen früh mit dem Ergebnis bei dir. ",
              "en": "We checked everything and will get back to you tomorrow morning with the result. "}[lang]
    text = ("Hallo Anna, " if lang == "de" else "Hi Anna, ") + filler * 2 + (
        "Oder ruf an: 0151 23456789. " if lang == "de" else "Or call 0151 23456789. ") + filler
    text = text[:270].rsplit(" ", 1)[0] + ". ^AB"
    assert weighted_length(text, 23) <= 280
    report = GuardrailEngine(POLICY).check(text, CheckContext(language=lang, channel="twitter", address_form="du"))
    fixes = [f.fix.replacement_text for f in report.findings if f.fix]
    assert fixes
    for fixed in fixes:
        assert weighted_length(fixed, 23) <= 280 and fixed.endswith("^AB") and "23456789" not in fixed


def test_length_fix_never_exceeds_the_limit_and_keeps_the_signoff():
    one_sentence = "Hallo Anna, " + "wir prüfen das gerade sehr genau und ausführlich " * 8 + "^AB"
    fixed = fit_limit(one_sentence[:-4], 280, 23, tail="^AB")
    assert weighted_length(fixed, 23) <= 280 and fixed.endswith("… ^AB")
    urls = "Hi Tom, thanks. " + "Status at funkwerk.example/status is fine again. " * 8 + "^AB"
    report = GuardrailEngine(POLICY).check(urls, CheckContext(language="en", channel="twitter"))
    fix = next(f.fix for f in report.findings if f.rule == "length")
    assert weighted_length(fix.replacement_text, 23) <= 280 and fix.replacement_text.endswith("^AB")
    assert "funkwerk.example/status is fine again." in fix.replacement_text  # no sentence cut at a URL's dot


class _BadFix:
    """A rule whose fix does not remove what it complains about."""

    rule_id = "banned-phrase"
    cost = 0

    def __init__(self, replacement: str) -> None:
        self.replacement = replacement

    def __call__(self, draft, ctx):
        if "verboten" not in draft:
            return []
        return [Finding(rule=self.rule_id, severity="block", message="x", start=0, end=1,
                        fix=Fix(label="fix", replacement_text=self.replacement))]


def test_engine_rechecks_fixes_before_offering_them():
    ctx = CheckContext(language="de")
    still_bad = GuardrailEngine(POLICY, [_BadFix("immer noch verboten")]).check("das ist verboten", ctx)
    assert still_bad.findings[0].fix is None
    good = GuardrailEngine(POLICY, [_BadFix("das ist erlaubt")]).check("das ist verboten", ctx)
    assert good.findings[0].fix is not None


@pytest.mark.parametrize("text", [
    "Hi Mark, the SIM linked to 0151-2345-6789 is blocked now.",
    "Hi Mark, the number on your account is 0151 2345 6789, we'll call you there.",
    "Hi Mark, your contract line 0171 2345678 has been moved to the new tariff.",
    "Hallo Mark, die SIM mit der 0151-2345-6789 ist jetzt gesperrt.",
    "Hallo Mark, laut Vertrag ist 0171 2345678 deine Leitung für den neuen Tarif.",
])
def test_a_dialled_mobile_number_after_a_reference_word_is_a_phone(text):
    """A reference word (SIM, account, contract) before a dialled mobile number does not make it a reference: order
    and case numbers do not take that shape."""
    assert "phone" in kinds(text, regions=phone_regions([], "en" if text.startswith("Hi") else "de")).values()


@pytest.mark.parametrize("text", [
    "Deine Kundennummer lautet 040 1234567.",
    "Your order 100234567 ships today.",
    "Sendungsnummer 00340434161094042557 ist unterwegs.",
])
def test_references_that_are_not_mobile_numbers_stay_references(text):
    assert "phone" not in kinds(text, regions=phone_regions([], "de")).values()




@lru_cache(maxsize=1)
def _demo() -> GuardrailEngine:
    """The demo brand's engine, built once for the tests that need its policy (official contact data, references)."""
    from knowledge_base.demo import DEMO_POLICY

    return GuardrailEngine.from_policy(DEMO_POLICY)

# ---------------------------------------------------------------------------------------------- evidence and record
_EVIDENCE = ["Die Hotline 0800 123 4567 und die Filiale 040 555 12 34 sind Mo–Sa erreichbar.",
             "Unser Shop in der Mönckebergstraße 7, 20095 Hamburg hat Mo–Sa geöffnet. SMS-Zentrale: +49 176 0000443.",
             "Schreib an service@funkwerk.example.",
             "Customer record: phone 0171 2345678, email jan.kurz@example.org, IBAN DE89 3704 0044 0532 0130 00, "
             "birth_date 02.09.1998, address Ahornweg 7, 24103 Kiel"]


def _pii_blocked(text: str, lang: str = "de") -> bool:
    report = _demo().check(
        text, CheckContext(language=lang, channel="twitter", visibility="public", evidence=_EVIDENCE))
    return any(f.rule == "pii-public" and f.severity == "block" for f in report.findings)


@pytest.mark.parametrize("text, lang", [
    ("Hallo Jan, wir rufen dich unter 0171 2345678 zurück. ^FW", "de"),
    ("Hallo Jan, unser Techniker erreicht dich morgen unter 0171 2345678. ^FW", "de"),
    ("Hallo Jan, deine Handynummer 0171 2345678 ist hinterlegt. ^FW", "de"),
    ("Hi Jan, we'll call you back on 0171 2345678. ^FW", "en"),
    ("Hallo Jan, die Bestätigung ging an jan.kurz@example.org. ^FW", "de"),
    ("Hallo Jan, die neue IBAN DE89 3704 0044 0532 0130 00 ist hinterlegt. ^FW", "de"),
    ("Hallo Jan, laut Konto bist du am 02.09.1998 geboren, der Rabatt gilt also. ^FW", "de"),
    ("Hallo Jan, der Techniker ist heute bei dir im Ahornweg 7, 24103 Kiel. ^FW", "de"),
    ("Hi Jan, your order is on its way to Mr Jan Kurz, Ahornweg 7, 24103 Kiel. ^FW", "en"),
])
def test_the_customers_record_in_the_evidence_does_not_make_it_public(text, lang):
    """Evidence holds the customer's record too: a value found there is not the brand's when the reply says it is
    the customer's (or it is a bank account, birth date or personal mailbox)."""
    assert _pii_blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hallo Jan, Sie erreichen uns unter 0800 123 4567. ^FW", "de"),
    ("Hallo Jan, rufen Sie uns unter 040 555 12 34 an. ^FW", "de"),
    ("Hallo Jan, trag als SMS-Zentrale +49 176 0000443 ein. ^FW", "de"),
    ("Hallo Jan, schreib an service@funkwerk.example. ^FW", "de"),
    ("Hallo Jan, unser Shop in der Mönckebergstraße 7, 20095 Hamburg hat geöffnet. ^FW", "de"),
    ("Hi Jan, our shop at Mönckebergstraße 7, 20095 Hamburg is open Monday to Saturday. ^FW", "en"),
])
def test_the_brands_own_contact_data_from_the_evidence_passes(text, lang):
    assert not _pii_blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    # a value of an evidence line that states the customer's record is the customer's, however the reply puts it
    ("Hallo Jan, der Rückruf kommt auf 0171 2345678. ^FW", "de"),
    ("Hi Jan, the callback goes to 0171 2345678. ^FW", "en"),
    # a number the evidence also has (the branch's) that the reply says is the customer's: after it, in apposition
    ("Hallo Jan, wir haben es unter 040 555 12 34 versucht, deiner Nummer aus dem Vertrag. ^FW", "de"),
    ("Hi Jan, we tried 040 555 12 34, the number on your account, twice today. ^FW", "en"),
    ("Hallo Jan, unser Techniker ruft dich unter 040 555 12 34 an. ^FW", "de"),
    ("Hallo Jan, wir melden uns unter der Nummer aus deinem Profil: 040 555 12 34. ^FW", "de"),
    # an address the reply says a parcel went to
    ("Hallo Jan, das Paket ging an Mönckebergstraße 7, 20095 Hamburg. ^FW", "de"),
    ("Hi Jan, the parcel went to Mönckebergstraße 7, 20095 Hamburg yesterday. ^FW", "en"),
])
def test_whose_value_it_is_is_read_from_the_record_line_and_the_whole_sentence(text, lang):
    assert _pii_blocked(text, lang)


@pytest.mark.parametrize("text", [
    "Hallo Jan, ruf die Filiale unter 040 555 12 34 an, halte deine Kundennummer bereit. ^FW",
    "Hi Jan, call the branch on 040 555 12 34, and have your customer number ready. ^FW",
    "Hallo Jan, die Filiale erreichst du unter 040 555 12 34, die Nummer steht auch im Artikel. ^FW",
])
def test_a_brand_number_followed_by_a_request_for_the_customers_number_passes(text):
    assert not _pii_blocked(text, "de" if text.startswith("Hallo") else "en")


@pytest.mark.parametrize("text", [
    "Hallo Tobi, mit dem Geburtsdatum prüfen wir, dass du der Vertragsinhaber bist – bei dir ist das der 12.07.1994. ^FW",
    "Hi Tobi, we use your date of birth to check that you hold the contract, and ours says 12 July 1994. ^FW",
    "Hi Tom, the SIM went by post to Flat 2, 9 Harbour Row, Bristol BS1 9ZZ and takes 2 days. ^FW",
    "Hi Tom, the engineer comes to 14 Elm Grove, Leeds LS6 2AB on Monday. ^FW",
])
def test_birth_dates_further_from_their_cue_and_british_street_suffixes_are_personal_data(text):
    report = _demo().check(text, CheckContext(
        language="de" if text.startswith("Hallo") else "en", channel="twitter", visibility="public"))
    assert any(f.rule == "pii-public" and f.severity == "block" for f in report.findings), report.findings


def test_a_birthday_offer_with_a_future_date_is_no_birth_date():
    assert "birth_date" not in kinds("Zum Geburtstag schenken wir dir 10 % Rabatt, einzulösen bis 31.12.2027.").values()


def test_a_record_reference_from_the_evidence_stays_out_of_a_public_reply():
    ctx = CheckContext(language="de", channel="twitter", visibility="public",
                       evidence=["Customer record: contract V-2023-118877, order B-558812 in_transit"])
    report = _demo().check(
        "Hallo Jan, deine Bestellung B-558812 ist unterwegs und kommt morgen. ^FW", ctx)
    assert any(f.rule == "pii-public" and f.severity == "block" for f in report.findings)


@pytest.mark.parametrize("text", [
    "Hallo Jan, ruf uns unter 0800 123 4567 an. ^FW",
    "Hallo Jan, ruf uns unter +49 800 1234567 an. ^FW",
    "Hi Jan, call our hotline on 0800 123 4567, Monday to Saturday. ^FW",
])
def test_the_brands_official_phone_from_the_policy_passes_without_evidence(text):
    """The policy's ``contact`` data is the brand's: not personal data and always grounded, however it is written."""
    report = _demo().check(text, CheckContext(
        language="de" if text.startswith("Hallo") else "en", channel="twitter", visibility="public"))
    assert not [f for f in report.findings if f.rule in ("pii-public", "unsupported-claim")], report.findings


def test_another_phone_and_a_figure_next_to_the_hotline_are_still_judged():
    engine = _demo()
    ctx = CheckContext(language="de", channel="twitter", visibility="public")
    assert any(f.rule == "pii-public" for f in engine.check("Hallo Jan, ruf uns unter 040 555 1234 an. ^FW", ctx).findings)
    report = engine.check("Hallo Jan, wir buchen 800 EUR zurück, ruf uns unter 0800 123 4567 an. ^FW", ctx)
    assert any(f.rule == "unsupported-claim" for f in report.findings)  # "800 EUR" is not the hotline's


def _brand_with_bank_account(tmp_path):
    from knowledge_base.demo import DEMO_POLICY

    path = tmp_path / "brand.yaml"
    path.write_text(f"extends: {DEMO_POLICY}\ncontact:\n  urls: ['https://funkwerk.example']\n"
                    "  phones: ['0800 123 4567']\n  ibans: ['DE89 3704 0044 0532 0130 00']\n", encoding="utf-8")
    return GuardrailEngine.from_policy(path)


@pytest.mark.parametrize("text", [
    "Hallo Jan, überweise den offenen Betrag bitte an unsere IBAN DE89 3704 0044 0532 0130 00. ^FW",
    "Hallo Jan, unsere Bankverbindung: DE89370400440532013000, Verwendungszweck deine Rechnungsnummer. ^FW",
    "Hi Jan, please transfer the open amount to our account de89-3704-0044-0532-0130-00. ^FW",
])
def test_the_brands_own_bank_account_from_the_policy_passes_in_public(tmp_path, text):
    """``contact.ibans`` is the brand's account for transfers: not personal data, not a leak, always grounded."""
    report = _brand_with_bank_account(tmp_path).check(text, CheckContext(
        language="de" if text.startswith("Hallo") else "en", channel="twitter", visibility="public"))
    assert not [f for f in report.findings
                if f.rule in ("pii-public", "unsupported-claim", "confidential-leak")], report.findings


def test_another_iban_next_to_the_brands_account_is_still_personal_data(tmp_path):
    text = "Hallo Jan, wir buchen von DE02 1203 0000 0000 2020 51 ab, nicht von DE89 3704 0044 0532 0130 00. ^FW"
    report = _brand_with_bank_account(tmp_path).check(
        text, CheckContext(language="de", channel="twitter", visibility="public"))
    flagged = [text[f.start:f.end] for f in report.findings if f.rule == "pii-public"]
    assert any("DE02" in s for s in flagged) and not any("DE89" in s for s in flagged), report.findings


@pytest.mark.parametrize("text, kind", [
    ("Hi Sean, thanks, driving licence MORGA753116SM9IJ is verified. ^FW", "id_document"),
    ("Hallo Sven, deine Führerscheinnummer B072RRE2I55 ist geprüft. ^FW", "id_document"),
    ("Hi Kayla, we've matched SSN 078-05-1120 to your account. ^FW", "id_document"),
    ("Hi Owen, your National Insurance number QQ 12 34 56 C is on file. ^FW", "id_document"),
    ("Hallo Bernd, dein Kundenkennwort „Sonnenblume88“ haben wir geprüft. ^FW", "credential"),
    ("Hi Bernd, your account password 'Sunflower88' has been checked. ^FW", "credential"),
    ("Hallo Bernd, deine PIN lautet 4711, bitte gut aufbewahren. ^FW", "credential"),
    ("Hi Bernd, your PIN is 4711, keep it safe. ^FW", "credential"),
])
def test_identity_documents_and_credentials_are_personal_data(text, kind):
    assert kind in kinds(text).values()
    report = _demo().check(text, CheckContext(
        language="de" if text.startswith("Hallo") else "en", channel="twitter", visibility="public"))
    assert any(f.rule == "pii-public" and f.severity == "block" for f in report.findings), report.findings


@pytest.mark.parametrize("text", [
    "Dein Passwort setzt du unter funkwerk.example/mein zurück.",
    "Your PIN is on the letter that came with the SIM.",
    "The password must be at least 8 characters long.",
    "Your passport expires 12 03 2027, so please renew it before you travel.",
    "Please send us your passport number and date of birth by DM only.",
    "Den Sicherheitscode findest du auf der Rückseite der Karte.",
    "Die PIN ist 4-stellig und steht im Brief zur SIM.",
])
def test_cues_without_a_value_are_no_personal_data(text):
    assert not {"credential", "id_document"} & set(kinds(text).values()), kinds(text)


@pytest.mark.parametrize("text, lang", [
    ("Hallo Jule, deine Bestellung geht an Lindauer Weg 8, 90461 Nürnberg. Die Adresse änderst du in Mein FunkWerk.",
     "de"),
    ("Hi Jule, your order is going to 14 Elm Grove, Leeds LS6 2AB; you can change the address in Mein FunkWerk.", "en"),
    ("Hallo Herr Berger, wir prüfen die Buchung für Ihre Rufnummer +49 160 0000 5512 direkt.", "de"),
    ("Hi Luke, we'll call you back on +44 20 7946 0812 about the missing signal.", "en"),
])
def test_the_customers_own_contact_data_in_a_private_reply_is_checked_not_blocked(text, lang):
    """In a DM, a phone number or address the reply says is the customer's is contact data, not a claim: without the
    record in the evidence, unsupported-claim warns (check it) instead of blocking; in public pii-public blocks it."""
    engine = _demo()
    evidence = ["Die Rechnungs- und Lieferadresse ändern Sie in Mein FunkWerk unter funkwerk.example/mein."]
    private = engine.check(text, CheckContext(language=lang, channel="dm", visibility="private", evidence=evidence))
    claims = [f for f in private.findings if f.rule == "unsupported-claim"]
    assert claims and all(f.severity == "warn" for f in claims), private.findings
    public = engine.check(text, CheckContext(language=lang, channel="twitter", visibility="public", evidence=evidence))
    assert any(f.rule == "pii-public" and f.severity == "block" for f in public.findings), public.findings


def test_a_number_not_said_to_be_the_customers_is_still_an_unbacked_claim_in_a_dm():
    report = _demo().check(
        "Hallo Jule, ruf unsere Technik unter 040 555 9876 an, die hilft sofort.",
        CheckContext(language="de", channel="dm", visibility="private",
                     evidence=["Die Rechnungs- und Lieferadresse ändern Sie in Mein FunkWerk."]))
    assert any(f.rule == "unsupported-claim" and f.severity == "block" for f in report.findings), report.findings

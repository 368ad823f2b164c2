"""Disguised personal data (issue 11: "phone numbers in words", zero-width characters): the shared detector finds
a phone number written as words or digit by digit and values with invisible characters inside; number words in
ordinary sentences stay clean; ``pii-public`` blocks them in a public reply and the pseudonymiser masks them."""

from __future__ import annotations

import pytest

from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext
from guardrails.pii_detect import detect
from knowledge_base.demo import DEMO_POLICY

ENGINE = GuardrailEngine.from_policy(DEMO_POLICY)


@pytest.mark.parametrize("text, value", [
    ("Ruf Frau Weber an: null eins sieben eins, zwei drei vier fünf sechs sieben acht.",
     "null eins sieben eins, zwei drei vier fünf sechs sieben acht"),
    ("Erreichbar unter null drei null – eins zwei drei vier fünf sechs sieben.",
     "null drei null – eins zwei drei vier fünf sechs sieben"),
    ("Call him on oh seven nine one one, two three four five six seven.",
     "oh seven nine one one, two three four five six seven"),
    ("Her mobile: plus four four seven nine double one two three four five six seven",
     "plus four four seven nine double one two three four five six seven"),
    ("Handy: 0 1 7 1, 2 3 4 5 6 7 8", "0 1 7 1, 2 3 4 5 6 7 8"),
    ("Ruf an unter 0171\u200b2345678", "0171\u200b2345678"),
])
def test_phone_numbers_in_words_or_digit_by_digit(text, value):
    assert [(s.kind, s.value) for s in detect(text)] == [("phone", value)]


def test_invisible_characters_inside_an_iban_or_email():
    iban = "DE89\u200b3704 0044\u00ad0532 0130 00"
    assert [(s.kind, s.value) for s in detect(f"IBAN {iban} ist hinterlegt")] == [("iban", iban)]
    email = "anna.schmidt@\u200bexample.org"
    assert [(s.kind, s.value) for s in detect(f"Schreib an {email}")] == [("email", email)]


@pytest.mark.parametrize("text", [
    "Eins noch: dein Paket kommt in zwei bis drei Tagen, spätestens in vier.",
    "One of our two technicians will call between nine and five, three or four days from now.",
    "Schritte eins, zwei, drei, vier, fünf, sechs und sieben stehen in der Anleitung.",
    "Die Nummern 1, 2, 3, 4, 5, 6, 7 und 8 im Menü sind die Kanäle.",
    "Version 1.2.3.4.5.6.7 behebt das.",
    "Oh, one more thing: we open at nine on weekdays.",
])
def test_number_words_in_ordinary_sentences_are_no_phone(text):
    assert detect(text) == []


@pytest.mark.parametrize("text", [
    "Hallo Max, erreich den Techniker direkt unter null eins sieben eins, zwei drei vier fünf sechs sieben acht. ^AB",
    "Hi Max, reach the technician on oh one seven one, two three four five six seven eight. ^AB",
])
def test_pii_public_blocks_a_spelled_phone_in_public_only(text):
    report = ENGINE.check(text, CheckContext(channel="twitter", visibility="public"))
    assert any(f.rule == "pii-public" and f.severity == "block" for f in report.findings), report.findings
    private = ENGINE.check(text, CheckContext(channel="dm", visibility="private"))
    assert not any(f.rule == "pii-public" for f in private.findings)


def test_the_pseudonymiser_masks_a_spelled_phone_before_a_remote_llm_sees_it():
    from assistant.privacy import Pseudonymizer

    text = "Bitte ruf mich zurück: null eins sieben eins, zwei drei vier fünf sechs sieben acht. Danke!"
    masked = Pseudonymizer().pseudonymize(text)
    assert "sieben acht" not in masked and "Danke" in masked, masked


@pytest.mark.parametrize("number", ["+44 7700 900123", "+1 555 0100 123", "+49 30 901820"])
def test_an_international_number_of_a_possible_length_is_a_phone_even_in_a_reserved_range(number):
    # Ofcom's and NANP's ranges for fiction are not "valid" in phonenumbers, yet written with "+" they are numbers
    assert [(s.kind, s.value) for s in detect(f"Our engineer will call you on {number} tomorrow.")] == [
        ("phone", number)]
    assert detect("Das kostet +12 % mehr, Version +1234 ist neu.") == []


@pytest.mark.parametrize("text, value", [
    ("Your date of birth on file is 02/07/1991, so the youth tariff ends.", "02/07/1991"),
    ("Dein Geburtsdatum bei uns hinterlegt: 02.07.1991.", "02.07.1991"),
])
def test_a_birth_date_a_few_words_after_its_cue(text, value):
    assert [(s.kind, s.value) for s in detect(text)] == [("birth_date", value)]


@pytest.mark.parametrize("text, value", [
    ("Hey Sophie, laut deinem Kundenkonto bist du am 02.09.1998 geboren, der Rabatt gilt also.", "02.09.1998"),
    ("Hi Ethan, the date of birth on your account is 17 June 1991, enter it exactly so.", "17 June 1991"),
    ("Hi Ethan, you were born 17 June 1991 according to your account.", "17 June 1991"),
])
def test_a_birth_date_with_its_cue_after_or_several_words_before(text, value):
    assert [(s.kind, s.value) for s in detect(text)] == [("birth_date", value)]


@pytest.mark.parametrize("text", [
    "Zum Geburtstag gibt es bis 31.12.2026 einen Gutschein.",
    "Your birthday offer is valid until 31.12.2026.",
])
def test_a_date_of_this_decade_near_a_birthday_word_is_no_birth_date(text):
    assert not [s for s in detect(text) if s.kind == "birth_date"]

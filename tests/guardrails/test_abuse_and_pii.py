"""The shared abuse detector (German/English, compounds, inflections, condescension) and pii-public cases."""

from __future__ import annotations

import pytest

from guardrails.abuse import detect_abuse
from guardrails.abuse_model import abuse_probability
from guardrails.checks.pii import _spans, card_valid
from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext
from knowledge_base.demo import DEMO_POLICY

ENGINE = GuardrailEngine.from_policy(DEMO_POLICY)  # the demo brand (funkwerk.example links, ^FW)


def _tone_blocked(text: str, lang: str, channel: str = "twitter") -> bool:
    visibility = "private" if channel in ("email", "dm") else "public"
    report = ENGINE.check(text, CheckContext(language=lang, channel=channel, visibility=visibility))
    return any(f.rule == "tone" and f.severity == "block" for f in report.findings)

ABUSIVE = [
    ("Hallo Max, du Hurensohn, das Paket kommt morgen.", "Hurensohn"),
    ("Du Vollhonk, lies die Mail.", "Vollhonk"),
    ("Halt die Fresse, wir melden uns.", "Halt die Fresse"),
    ("Halt doch einfach mal die Klappe und lies die Mail.", "Halt doch einfach mal die Klappe"),
    ("Jetzt halt endlich deine Schnauze, das Paket kommt.", "halt endlich deine Schnauze"),
    ("What a f***ing mess you made of the form.", "f***ing"),
    ("Honestly, sh*t happens when you ignore the manual.", "sh*t"),
    ("So eine Sch***e, lies die Mail.", "Sch***e"),
    ("Hör doch endlich auf zu jammern, der Techniker kommt morgen.", "Hör doch endlich auf zu jammern"),
    ("Bevor du hier rumjammerst, schau in die App.", "rumjammerst"),
    ("Meckere nicht so rum, die Rechnung stimmt.", "Meckere nicht so rum"),
    ("It really isn't that hard to find the reset button.", "isn't that hard"),
    ("Na du Hohlbirne, die Karte liegt im Paket.", "Hohlbirne"),
    ("Stop being such a crybaby, the technician comes Monday.", "crybaby"),
    ("Du Dick, lies die Mail.", "Dick"),  # a name only right after a greeting
    ("Deine Frage ist echt blöd.", "blöd"),  # a person's question, not a situation
    ("Was für ein Clown.", "Clown"),
    ("Na du Spast.", "Spast"),
    ("Das ist strunzdumm.", "strunzdumm"),
    ("Ihre Frage ist bescheuert.", "bescheuert"),
    ("Hallo, du Vollidiot.", "Vollidiot"),
    ("Diese Vollidioten im Support.", "Vollidioten"),
    ("Maybe try reading the manual before tweeting.", "try reading the manual"),
    ("You are a clueless moron.", "moron"),
    ("Das ist doch scheißegal.", "scheißegal"),
    ("What a f*cking joke, shut up.", "shut up"),
    ("Bist du gestört?", "gestört"),
    ("Ihr seid doch gestört!", "gestört"),
    ("Sie sind wohl behindert.", "behindert"),
]
CLEAN = [
    "Hi Dick, orders from our shop arrive within 2–4 working days.",
    "Hallo Horst, dein Paket kommt morgen.",
    "Hallo Kai, das ist echt blöd gelaufen. Sperr die SIM bitte über die Hotline.",
    "Das ist natürlich doof, dass der Termin verschoben wurde; der neue ist am Montag.",
    "Dumm gelaufen, aber wir helfen dir: der Ersatz ist unterwegs.",
    "Unsere Mitarbeiter*innen im Shop helfen dir gern, Preise* inkl. MwSt.",
    "**Wichtig**: bitte den Router 30 Sekunden vom Strom nehmen. #FunkWerkHilft",
    "Wir jammern nicht rum, wir reparieren: der Techniker kommt morgen.",
    "Das Paket kommt morgen, idiotensicher verpackt.",
    "Der Dummy für den Test ist da.",
    "Wir packen das Paket heute und versenden es morgen.",
    "Bitte starte den Router neu und prüfe das Kabel.",
    "Unser Hund im Shop freut sich auf dich.",
    "Sorry for the wait, your refund was issued today.",
    "Ich bin sauer, weil die Waffen-Debatte passieren muss.",
    # "gestört"/"behindert" in their everyday technical sense (a line, a service, traffic), in any inflection
    "Ist die Leitung gestört, beauftragen wir einen Techniker.",
    "Wenn Ihre Leitung gestört ist, kommt ein Techniker.",
    "Die gestörten Anschlüsse in Köln laufen wieder.",
    "Der Zugverkehr zwischen Köln und Bonn ist behindert.",
    "Wegen der Baustelle ist die Zufahrt behindert, bitte nutze den Seiteneingang.",
]


@pytest.mark.parametrize(("text", "term"), ABUSIVE)
def test_detect_abuse_finds_compounds_inflections_phrases(text, term):
    spans = detect_abuse(text)
    assert spans, text
    assert any(term.lower() in text[s:e].lower() or text[s:e].lower() in term.lower() for s, e, _ in spans), spans


@pytest.mark.parametrize("text", CLEAN)
def test_detect_abuse_stays_quiet_on_neutral_words(text):
    assert detect_abuse(text) == []


def test_tone_rule_blocks_shared_detector_findings():
    report = ENGINE.check("Hallo Max, du Hurensohn, das Paket kommt morgen. ^AB", CheckContext(language="de"))
    assert any(f.rule == "tone" and f.severity == "block" for f in report.findings)
    assert not report.passed


def test_abuse_probability_ranks_abuse_above_neutral():
    p_bad = abuse_probability("Diese dummen Schmarotzer sollen sich verpissen, widerliches Pack")
    p_ok = abuse_probability("Schick uns bitte deine Sendungsnummer, dann prüfen wir die Zustellung.")
    assert p_bad is not None and p_ok is not None and p_bad > 0.5 > p_ok


CTX = CheckContext(language="de")
PII = [
    ("deine IBAN AT611904300234573201 EUR wird belastet", "AT611904300234573201", "iban"),
    ("IBAN de89 3704 0044 0532 0130 00 bitte", "de89 3704 0044 0532 0130 00", "iban"),
    ("IBAN DE89-3704-0044-0532-0130-00.", "DE89-3704-0044-0532-0130-00", "iban"),
    ("Karte 4111 1111 1111 1111", "4111 1111 1111 1111", "card"),
    ("Amex 3782 822463 10005 gespeichert", "3782 822463 10005", "card"),
    ("Ruf 020 7946 0958 an", "020 7946 0958", "phone"),
    ("call (415) 555-2671 please", "(415) 555-2671", "phone"),
    ("Tel 01 42 68 53 00", "01 42 68 53 00", "phone"),
    ("IP 192.168.10.23 gesperrt", "192.168.10.23", "IP address"),
    ("IPv6 2001:db8::8a2e:370:7334", "2001:db8::8a2e:370:7334", "IP address"),
    ("USt-IdNr DE136695976", "DE136695976", "USt-IdNr"),
    ("Steuer-ID 86095742719", "86095742719", "Steuer-ID"),
]


@pytest.mark.parametrize(("text", "value", "kind"), PII)
def test_pii_cases(text, value, kind):
    found = [(text[s:e], k) for s, e, k in _spans(text, CTX)]
    assert (value, kind) in found, found


@pytest.mark.parametrize("text", [
    "Nummer 1234 5678 9012 3452 ist keine Karte",  # Luhn-valid, but no issuer prefix
    "DE89 3704 0044 0532 0130 01 falsch",  # invalid IBAN check digits: not an IBAN, not a card either
    "Bestellung 2023 kommt um 14:00 Uhr, in 3 Tagen.",
    "Version 1.2.3.4 ist da.",
])
def test_pii_no_false_positives(text):
    assert _spans(text, CTX) == []


def test_card_needs_iin_length_and_luhn():
    assert card_valid("4111111111111111") and not card_valid("4111111111111112")
    assert not card_valid("9111111111111111") and not card_valid("41111111111111")


@pytest.mark.parametrize("text, lang", [
    ("Hi Dick, orders from our shop arrive within 2–4 working days. ^DK", "en"),
    ("Hello Dick, your router ships tomorrow by DHL. ^DK", "en"),
    ("Hallo Kai, das ist echt blöd gelaufen. Sperr die SIM bitte über die Hotline. ^RS", "de"),
    ("Hallo Kai, das war wirklich dumm gelaufen, die Ersatz-SIM kommt in 2–3 Werktagen. ^RS", "de"),
])
def test_the_tone_lexicon_has_the_shared_detectors_exceptions(text, lang):
    """The policy's insult/profanity lexicons and the shared abuse detector agree: a name after a greeting and a
    situation that "lief blöd" are not abuse."""
    assert not _tone_blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hi Tom, don't be a dick about it, the router ships tomorrow. ^DK", "en"),
    ("Hallo Kai, du bist echt blöd, die SIM kommt in 2–3 Werktagen. ^RS", "de"),
    ("Hallo Kai, stell dich nicht so dumm an, die SIM kommt in 2–3 Werktagen. ^RS", "de"),
])
def test_the_tone_lexicon_still_blocks_the_same_words_aimed_at_a_person(text, lang):
    assert _tone_blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hi Zara, not an idiot question at all! Roaming is on for new contracts. ^BK", "en"),
    ("Hi Zara, there's no such thing as a stupid question: roaming is on for new contracts. ^BK", "en"),
    ("Hallo Greta, gar keine blöde Frage! WLAN-Name und Passwort stehen auf dem Router. ^LH", "de"),
    ("Hallo Greta, das ist überhaupt keine dumme Frage: Das Passwort steht auf dem Router. ^LH", "de"),
])
def test_an_insult_denied_of_the_customers_question_is_reassurance(text, lang):
    assert not _tone_blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hi Zara, what a stupid question. Roaming is on for new contracts. ^BK", "en"),
    ("Hallo Greta, das ist eine blöde Frage. Das Passwort steht auf dem Router. ^LH", "de"),
    ("Hi Zara, not a question, you idiot: roaming is on for new contracts. ^BK", "en"),
])
def test_an_insult_of_the_question_is_still_abuse(text, lang):
    assert _tone_blocked(text, lang)


def test_the_customers_surname_is_not_mirrored_abuse():
    """A surname that reads as profanity, signed by the customer and used after a title in the reply, is a name."""
    report = ENGINE.check(
        "Sehr geehrter Herr Fick,\n\nIhren Antrag nach Art. 15 DSGVO stellen Sie auf funkwerk.example/datenschutz.\n\n"
        "Freundliche Grüße\nIhr FunkWerk-Team",
        CheckContext(language="de", channel="email", visibility="private",
                     customer_message="Ich bitte um Auskunft nach Art. 15 DSGVO. Mit freundlichen Grüßen, Heinz Fick"))
    assert not [f for f in report.findings if f.rule == "tone"], report.findings


@pytest.mark.parametrize("text", [
    # reproach for asking again, with a count; "keep up"
    "As I've already explained twice, the status page lists every outage.",
    "This is the third time you have asked about the invoice.",
    "Please try to keep up: the reset link is valid for 24 hours.",
    "Wie bereits zweimal erklärt: Die Störungen stehen auf der Statusseite.",
    "Wie schon mehrfach gesagt, die Rechnung kommt am 5.",
    # correcting the customer's spelling
    "It's 'definitely', not 'definately', by the way. Your order ships today.",
    "Es heißt übrigens „Vertrag“, nicht „Vetrag“. Deine Kündigung ist da.",
    # age as the reason
    "At your age an eSIM is understandably confusing, so here are the steps.",
    "In deinem Alter ist so ein Router natürlich schwierig, hier die Anleitung.",
    # small words, even for you, think first, complain less, bothered to look, anyone could see, a toddler
    "Let me put it in small words: you paid twice.",
    "Das sollte sogar für dich machbar sein: Router neu starten.",
    "Erst nachdenken, dann schreiben: Die Rechnung steht in der App.",
    "Maybe moan a little less and read the SMS we sent.",
    "Etwas weniger jammern würde helfen, die SMS kam gestern.",
    "You'd have known if you'd bothered to check the tracking page.",
    "As anyone can see on the tracking page, it arrives today.",
    "Wie jeder lesen kann, kommt das Paket heute.",
    "Your message reads like a toddler's tantrum.",
    "Ihre Nachricht liest sich wie das Gezeter eines Trotzkinds.",
    "Bless your heart, the link only works once.",
])
def test_condescension_categories_are_abuse(text):
    assert detect_abuse(text), text


@pytest.mark.parametrize("text", [
    "This is the third time the router has dropped out, so we'll send a technician.",
    "It's free of charge, not a subscription: you pay nothing after the trial.",
    "Für Kinder in deinem Alter gibt es den Junge-Leute-Tarif mit 5 EUR Rabatt.",
    "At your age you qualify for the under-28 discount on plan M.",
    "Let me explain it in simple terms: the bill has two parts.",
    "Wie bereits angekündigt, kommt der Techniker am Montag.",
    "As we explained in our e-mail, the refund takes 5 working days.",
    "Unsere Router sind kindersicher, wie ein Spielzeug für Kleinkinder.",
])
def test_near_neighbours_of_the_condescension_categories_are_no_abuse(text):
    assert not detect_abuse(text), detect_abuse(text)


def test_telling_a_customer_to_calm_down_is_banned_in_german_as_in_english():
    from knowledge_base.demo import DEMO_POLICY

    engine = GuardrailEngine.from_policy(DEMO_POLICY)
    for text, lang in (("Sehr geehrter Herr Albrecht, beruhigen Sie sich bitte erst einmal. Die Rechnung prüfen wir.",
                        "de"), ("Dear Mr Albrecht, please calm down first. We'll check the invoice.", "en")):
        report = engine.check(text, CheckContext(language=lang, channel="email", visibility="private"))
        assert any(f.rule == "banned-phrase" and f.severity == "block" for f in report.findings), report.findings


@pytest.mark.parametrize("text", [
    "selbst ein Technikversager wie du schafft einen Passwort-Reset",
    "du Technikversager, der Reset steht in der App",
    "so ein Versager wie du findet den Link nie",
    "even a loser like you can reset a password",
])
def test_a_weak_word_or_its_compound_compared_with_the_addressee_is_abuse(text):
    assert detect_abuse(text)


@pytest.mark.parametrize("text", [
    "wir verstehen, dass du sauer bist",
    "wir wollen sie nicht abschaffen",
    "der Seehund wie du weißt ist im Zoo",
    "ein Versager ist der Router nicht, er braucht nur ein Update",
])
def test_addressing_does_not_turn_ordinary_words_into_abuse(text):
    assert not detect_abuse(text)


@pytest.mark.parametrize("text, lang, blocked", [
    ("Sehr geehrter Herr Fick, Ihr Antrag ist eingegangen und wird bearbeitet.", "de", False),
    ("Guten Tag Frau Fick, Ihr Router ist unterwegs.", "de", False),
    ("Dear Ms Dickens, your order ships today.", "en", False),
    ("Hallo Herr Idiot, hier die Antwort auf Ihre Frage.", "de", True),
    ("Hallo Tom, fick dich, der Router kommt morgen.", "de", True),
])
def test_a_profanity_that_is_a_surname_after_a_title_is_a_name(text, lang, blocked):
    assert _tone_blocked(text, lang, channel="email") is blocked


@pytest.mark.parametrize("text", [
    "jetzt mach mal halblang, du Nervensäge, das Paket kommt morgen",
    "so ein Besserwisser wie du findet das doch selbst",
    "du Oberschlaumeier, der Link steht in der App",
    "Sie Armleuchter, die Rechnung ist korrekt",
    "du Flasche, der Router muss nur neu starten",
    "you lazy sod, the tracking link is in the app",
    "what a buffoon, the tracking link is in the app",
    "stop whining, you drama queen, the link is in the app",
])
def test_more_common_insults_are_abuse(text):
    assert detect_abuse(text)


@pytest.mark.parametrize("text", [
    "Die Wasserflasche lag nicht im Paket, wir schicken sie nach.",
    "Nutze git pull für das Update der Konfiguration.",
    "Snowflake ist unser Anbieter für die Datenauswertung.",
    "@rocknproll danke, der Router kommt morgen.",
    "@troll_putin wir melden uns per DM.",
])
def test_everyday_words_and_handles_are_no_abuse(text):
    assert not detect_abuse(text)


@pytest.mark.parametrize("text", [
    "I'll keep this simple so even you can follow it: calls abroad are charged per use.",
    "Honestly, a five-year-old could answer this: the IBAN goes into the app.",
    "Useless? Look in a mirror, pal. Orders arrive in 2–4 working days.",
    "Try switching your brain on: the reset link is in the app.",
    "ok boomer, the app has a help section",
    "Sie sind offenbar nicht die Hellste, also ganz langsam zum Mitschreiben: Kündigen geht online.",
    "Haben Sie beim Überweisen mal wieder Ihr Hirn ausgeschaltet? Die Rechnungsnummer fehlt.",
    "Das könnte ein Kind verstehen: die Rechnung steht in der App.",
    "typisch Boomer, dass du das nicht findest",
])
def test_condescension_idioms_are_abuse(text):
    assert detect_abuse(text)


@pytest.mark.parametrize("text", [
    "Hier die Daten zum Mitschreiben: Hotline 0800 123 4567, Montag bis Samstag.",
    "Der Router blinkt langsam, bis er verbunden ist.",
    "Check the mirror settings in the app if the screen is flipped.",
    "Our kids' tariff is for children up to 14 years.",
])
def test_neutral_words_near_the_idioms_are_no_abuse(text):
    assert not detect_abuse(text)


@pytest.mark.parametrize("text", [
    "Glückwunsch, Anna, du hast es tatsächlich geschafft, dich auszusperren.",
    "Congrats, you managed to lock yourself out again. The reset link is in the app.",
    "Wow, genius move locking yourself out again.",
    "Wow, another genius who can't find a tracking link.",
    "Nice one, Einstein, the link is in the app.",
    "Na, du Blitzmerker, der Link steht in der App.",
])
def test_ironic_nicknames_and_mock_congratulations_on_a_mistake_are_abuse(text):
    assert detect_abuse(text)


@pytest.mark.parametrize("text", [
    "Glückwunsch, du hast es geschafft, dein Vertrag ist aktiv!",
    "Congratulations, you managed to switch tariffs in one minute!",
    "Book an appointment at the Genius Bar for the screen.",
    "Du bist ein Genie, wenn es um Router geht – danke für den Tipp!",
    "Good job with the setup, the router is online now.",
])
def test_sincere_praise_is_no_abuse(text):
    assert not detect_abuse(text)


@pytest.mark.parametrize("text, lang, blocked", [
    ("Hi Gwen, the UK isn't in the EU, so in Shitterton data is charged per use. ^AB", "en", False),
    ("Hi Gwen, from your dumb phone you can call our free hotline. ^AB", "en", False),
    ("Hi Gwen, a dumbphone can't install the app, so call us instead. ^AB", "en", False),
    ("Hi Gwen, that's a Shitty app, sorry. ^AB", "en", True),
    ("Hi Gwen, what a Shitshow. ^AB", "en", True),
    ("Hi Gwen, don't be dumb, the hotline is free. ^AB", "en", True),
])
def test_place_names_and_device_words_are_no_profanity(text, lang, blocked):
    assert _tone_blocked(text, lang) is blocked

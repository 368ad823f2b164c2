"""``relevance``'s generic-reply check: a reply that takes up nothing of the message, the article or the record and
names nothing concrete is warned; a reply with an answer, a step, a time frame or a specific question is not."""

from __future__ import annotations

import pytest

from guardrails.checks.relevance import Relevance
from guardrails.generic_reply import is_generic, without_closing
from guardrails.models import CheckContext
from guardrails.policy import load_policy

MESSAGE_DE = "Seit einer Woche warte ich auf meinen neuen Router. Wann kommt der endlich?"
MESSAGE_EN = "I've been waiting a week for my new router. When is it finally arriving?"
EVIDENCE = [
    "Lieferstatus: Bestellungen sind in 1–3 Werktagen da; den Status zeigt die Sendungsverfolgung.",
    "Dein FunkWerk Router 5G ist mit DHL unterwegs und soll morgen ankommen.",
    "Delivery status: orders arrive within 1–3 working days; tracking shows where the parcel is.",
]


@pytest.fixture(scope="module")
def rule():
    return Relevance(load_policy())


def generic(rule, draft, message, lang, **ctx):
    ctx = {"customer_message": message, "language": lang, "evidence": EVIDENCE, **ctx}
    return [f for f in rule(draft, CheckContext(**ctx)) if "generic" in f.message or "allgemein" in f.message]


# meaning-preserving paraphrases of stock replies: each must be warned
STOCK = [
    ("de", "Hallo, danke für deine Nachricht! Wir kümmern uns darum und melden uns so schnell wie möglich. ^QA"),
    ("de", "Hi, vielen Dank für die Nachricht – wir sehen uns das an und melden uns bald bei dir."),
    ("de", "Guten Tag, Ihre Anfrage ist bei uns eingegangen und wird schnellstmöglich bearbeitet.\n\n"
           "Freundliche Grüße\nIhr Kundenservice"),
    ("de", "Guten Tag, wir haben Ihre Anfrage erhalten und bearbeiten sie so rasch wie möglich."),
    ("en", "Hi, thanks for your message! We're on it and will get back to you as soon as we can. ^QA"),
    ("en", "Hello, thank you for getting in touch – we're looking into it and will come back to you shortly."),
    ("en", "Thanks for reaching out. Our team is checking this and will be in touch soon.\n\nKind regards,\n"
           "your customer service team"),
    ("en", "Thank you for contacting us. We are reviewing this and will respond as quickly as possible."),
    ("en", "@user4711 thanks for your patience, we're looking into it and will update you soon! #support24"),
    # restating the message answers nothing
    ("de", "Hallo, danke für deine Nachricht wegen deines neuen Routers. Wir schauen uns das an und melden uns."),
    ("de", "Hi, wir haben dein Anliegen zum Router aufgenommen und kümmern uns darum."),
    ("en", "Hi, thanks for your message about your new router. We're looking into it and will get back to you."),
    ("en", "Hello, we've noted your issue with the router and our team is on it."),
]


@pytest.mark.parametrize(("lang", "draft"), STOCK)
def test_stock_reply_is_warned_with_or_without_a_citation(rule, lang, draft):
    message = MESSAGE_DE if lang == "de" else MESSAGE_EN
    assert generic(rule, draft, message, lang)
    cited = ["Lieferstatus Bestellungen sind in 1–3 Werktagen da"]
    found = generic(rule, draft, message, lang, cited=cited, ui_language=lang)
    assert found and found[0].severity == "warn"
    assert found[0].message.startswith("Die Antwort ist allgemein" if lang == "de" else "The reply is generic")


CONCRETE = [
    ("de", "Hallo Jana, dein FunkWerk Router 5G ist mit DHL unterwegs und soll morgen ankommen. ^QA"),  # the record
    ("de", "Hallo Jana, Bestellungen sind in der Regel nach wenigen Werktagen da; die Sendungsverfolgung zeigt, "
           "wo das Paket gerade ist. ^QA"),  # the article, in other words
    ("de", "Hallo, schick uns bitte per DM deine Bestellnummer, dann sehen wir nach. ^QA"),  # information needed
    ("de", "Hallo, wir melden uns innerhalb eines Werktags mit dem Stand. ^QA"),  # a time frame
    ("de", "Hallo, welche Bestellung meinst du genau – die vom Montag? ^QA"),  # a specific question
    ("en", "Hi, your FunkWerk Router 5G is on its way with DHL and should arrive tomorrow. ^QA"),
    ("en", "Hi, please DM us your order number and we'll check where it is. ^QA"),
    ("en", "Hi, which address did you order it to? ^QA"),
    ("en", "Hi, sorry about that! Did you order the black or the white router? ^QA"),  # a specific yes/no question
    ("en", "Hi, please DM us when you placed the order and we'll look into it. ^QA"),  # a request for a fact
    ("de", "Hallo, schick uns bitte per DM, wann du bestellt hast, dann schauen wir nach. ^QA"),
    ("en", "Hi, the courier reported a regional backlog after the storm, so parcels in your area are running late "
           "this week. ^QA"),  # a cause, without evidence to match
    # content words that merely start like stock words ("Internet", "Leitung", "Bestellung", "Gutschrift")
    ("de", "Hallo, bei einer Leitungsstörung hilft oft ein Neustart; läuft das Internet danach, ist alles gut. ^QA"),
    ("de", "Hallo, die Gutschrift für die doppelte Bestellung ist veranlasst. ^QA"),
    ("en", "@user4711 please send us your email and we'll check it. ^QA"),  # a handle is no figure; an e-mail asked for
]


@pytest.mark.parametrize(("lang", "draft"), CONCRETE)
def test_reply_with_something_concrete_is_not_generic(rule, lang, draft):
    message = MESSAGE_DE if lang == "de" else MESSAGE_EN
    assert generic(rule, draft, message, lang) == []


@pytest.mark.parametrize(("lang", "draft"), [
    ("de", "Hallo, kannst du uns mehr dazu sagen? ^QA"),
    ("en", "Hi, how can we help you with this? ^QA"),
    ("en", "Hi, could you tell us a bit more? We'll look into it. ^QA"),
])
def test_a_stock_question_is_not_concrete(rule, lang, draft):
    message = MESSAGE_DE if lang == "de" else MESSAGE_EN
    assert generic(rule, draft, message, lang)


def test_a_thank_you_for_praise_is_not_judged(rule):
    message = "Der Techniker war heute super freundlich und schnell, danke euch!"
    draft = "Hallo Jana, vielen Dank für das Lob, das geben wir gern weiter! ^QA"
    assert generic(rule, draft, message, "de", customer_mood="praise") == []
    # the same reply to a question is generic
    assert generic(rule, draft, MESSAGE_DE, "de", customer_mood="angry")


def test_names_brand_and_closing_do_not_count_as_content():
    body = "danke, Anna! Wir kümmern uns darum und melden uns bald.\n\nViele Grüße\ndein FunkWerk-Team ^QA"
    assert without_closing(body).endswith("melden uns bald")
    message = "Anna hier: FunkWerk, wann kommt mein Router?"
    assert is_generic(body, message, ["FunkWerk Router 5G ist unterwegs"], skip=["Anna", "FunkWerk"])


def test_policy_switches_the_check_off(tmp_path):
    f = tmp_path / "brand-policy.yaml"
    f.write_text("extends: default\nrules:\n  relevance: {generic_check: false}\n", encoding="utf-8")
    check = Relevance(load_policy(f))
    ctx = CheckContext(customer_message=MESSAGE_EN, language="en", evidence=EVIDENCE)
    assert check("Hi, thanks for your message! We'll get back to you as soon as we can.", ctx) == []

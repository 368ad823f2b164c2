"""``relevance`` (warn): a reply about something else, or a cheerful opener to an angry message."""

from __future__ import annotations

import pytest

from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext
from guardrails.policy import load_policy


@pytest.fixture(scope="module")
def engine():
    return GuardrailEngine(load_policy())


def rules(engine, draft, **ctx):
    return [f for f in engine.check(draft, CheckContext(**ctx)).findings if f.rule == "relevance"]


def test_topic_check_when_switched_on():
    """Off by default (it cannot tell wrong articles apart, see the module); on, it warns a reply on another topic."""
    from guardrails.checks.relevance import Relevance

    check = Relevance(load_policy(), topic_check=True)
    check.meaning_check = False  # the topic words alone
    message = "Meine Rechnung ist diesen Monat doppelt so hoch, warum?"
    off = "Hallo Anna, den Router schließt du an und gibst den Aktivierungscode ein. ^AB"
    on = "Hallo Anna, in der Rechnung stehen alle Posten einzeln; strittige Beträge prüfen wir. ^AB"
    cited = ["Router einrichten: Aktivierungscode auf der Rückseite"]
    ctx = {"customer_message": message, "language": "de", "cited": cited}
    assert [f.severity for f in check(off, CheckContext(**ctx))] == ["warn"]
    assert check(on, CheckContext(**ctx)) == []
    # a reply written without an article (a human rewrite, an honest hand-off) is not judged on topic words
    assert check(off, CheckContext(customer_message=message, language="de")) == []


def test_default_engine_does_not_judge_topic_words(engine):
    message = "Der dritte Ausfall in diesem Monat. Ich erwarte eine Lösung."
    draft = "Hallo Frau Lange, Ihr Anliegen liegt uns als offener Fall vor; das Eskalationsteam meldet sich. ^AB"
    found = rules(engine, draft, customer_message=message, language="de", cited=["Beschwerde und Eskalation"])
    assert not [f for f in found if "stichwort" in f.message.lower() or "topic word" in f.message.lower()]


def test_cited_article_counts_as_on_topic():
    from guardrails.checks.relevance import Relevance

    check = Relevance(load_policy(), topic_check=True)
    message = "How much does data cost in the USA?"
    draft = "Hi Emily, travel packs are 9.99 EUR for 1 GB for 7 days in the FunkWerk App. ^AB"
    assert check(draft, CheckContext(customer_message=message, language="en",
                                     cited=["Roaming outside the EU: data in the USA is charged per use"])) == []


@pytest.mark.parametrize("message", [
    "Schon wieder kein Netz!! Langsam reicht's.",
    "SCHON WIEDER kein Netz!! Das nervt.",  # a paraphrase keeps the verdict
])
def test_cheerful_opener_to_an_angry_message_is_warned(engine, message):
    draft = "Hallo Jonas, schön, dass du dich meldest! Störungen zeigt funkwerk.example/status. ^AB"
    found = rules(engine, draft, customer_message=message, language="de", customer_mood="angry")
    assert any("fröhlich" in f.message.lower() or "cheerful" in f.message.lower() for f in found)
    calm = "Hallo Jonas, dein Ärger ist verständlich. Störungen zeigt funkwerk.example/status. ^AB"
    assert not [f for f in rules(engine, calm, customer_message=message, language="de", customer_mood="angry")
                if "cheerful" in f.message.lower() or "fröhlich" in f.message.lower()]


def test_no_message_no_finding(engine):
    assert rules(engine, "Hallo, die Rechnung steht in Mein FunkWerk. ^AB", language="de") == []

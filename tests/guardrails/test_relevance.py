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
    check.meaning_check = check.generic_check = False  # the topic words alone
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


# ---- the learned check on drafts the pipeline builds (demo knowledge base) ------------------------------------
# Messages written for this test after the weights were fitted (benchmarks/bench_relevance.py); each pair is a
# meaning-preserving paraphrase, in German and in English. The composer's own draft (on the right article) passes in
# every paraphrase; the same message answered from an unrelated article is warned in every paraphrase.
PARAPHRASES = [
    (("Was kostet mich mobiles Internet in den USA?", "Wie teuer wird es, wenn ich in Amerika Daten nutze?"),
     "tariff-change"),
    (("How much will mobile data cost me in the USA?", "What will using data in the US cost me?"), "tariff-change"),
    (("Mein Paket ist seit einer Woche unterwegs und kommt nicht an. Wo bleibt es?",
      "Seit sieben Tagen warte ich auf meine Lieferung, wann kommt sie endlich?"), "return-label"),
    (("My parcel has been on its way for a week and still hasn't arrived. Where is it?",
      "I've been waiting seven days for my delivery, when will it finally come?"), "return-label"),
    (("Ich habe mein Passwort vergessen, wie setze ich es zurück?", "Passwort vergessen – wie bekomme ich ein neues?"),
     "invoice-explained"),
    (("I forgot my password, how do I reset it?", "Can't remember my password – how do I get a new one?"),
     "invoice-explained"),
    (("Warum ist meine Rechnung diesen Monat so hoch?", "Wieso muss ich diesmal viel mehr zahlen als sonst?"),
     "router-setup"),
    (("Why is my bill so high this month?", "How come I have to pay much more than usual this time?"), "router-setup"),
]


@pytest.fixture(scope="module")
def demo():
    from guardrails import meaning

    if not meaning.available():
        pytest.skip("sentence encoder not installed")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.relevance_drafts import demo_pipeline

    return demo_pipeline()


def _meaning_findings(pipeline, text, article=None, channel="twitter", visibility="public"):
    from assistant.models import DraftRequest
    from benchmarks.relevance_drafts import forced
    from guardrails.checks.relevance import Relevance

    req = DraftRequest(text=text, channel=channel, visibility=visibility, handle="@anna_s", engine="composer",
                       agent_signoff="^QA")
    ctx = pipeline.context(req)
    if article:
        found = {p.article_id: p for p in pipeline.kb.search(text, None, k=20)}
        ctx = forced(pipeline, ctx, pipeline.kb.get_articles([article])[0], found.get(article))
    proposal = pipeline.composer.draft(ctx)
    check_ctx = pipeline.check_context(ctx, proposal)
    return [f for f in Relevance(load_policy())(proposal.text, check_ctx) if "cheerful" not in f.message]


@pytest.mark.parametrize(("messages", "wrong"), PARAPHRASES, ids=[m[0][:30] for m, _ in PARAPHRASES])
def test_learned_check_keeps_its_verdict_in_every_paraphrase(demo, messages, wrong):
    for message in messages:
        assert _meaning_findings(demo, message) == [], message  # the composer's own draft, right article
        found = _meaning_findings(demo, message, wrong)
        assert [f.severity for f in found] == ["warn"], message
        assert "does the reply answer it" in found[0].message


@pytest.mark.parametrize("message", [
    "Hi, hier nochmal privat: Bestellung B-558812, wo ist der Router?",  # the demo inbox's message
    "Hi, me again in private: order B-558812, where is the router?",
    pytest.param("Hello, writing by DM now: where has my router got to? Order B-558812.", marks=pytest.mark.xfail(
        reason="known failure: the composer cites the delivery article by its German title alone, whose cosine to "
               "the English message is ~0, under the similarity floor (benchmarks/README.md)", strict=False)),
])
def test_answer_from_the_customers_record_is_not_warned(demo, message):
    """A false warning seen on the demo: the reply answers "where is it" from the order record (carrier, planned day,
    tracking) and adds a delivery article's sentence; the filler word "nochmal" counted as a content word not taken
    up, and the record fact the reply repeats was not read as the answer (``ask_answered`` reads it now)."""
    assert _meaning_findings(demo, message, channel="dm", visibility="private") == [], message


def test_finding_names_the_part_of_the_message_not_addressed(demo):
    found = _meaning_findings(demo, "Mein Paket ist seit einer Woche unterwegs und kommt nicht an. Wo bleibt es?",
                              "return-label")
    assert "least addressed" in found[0].message or "not taken up" in found[0].message
    assert "Paket" in found[0].message or "Wo bleibt es" in found[0].message


def test_finding_in_german_names_the_words_not_taken_up():
    from guardrails import meaning
    from guardrails.checks.relevance import Relevance

    if not meaning.available():
        pytest.skip("sentence encoder not installed")
    ctx = CheckContext(language="de", ui_language="de", customer_message="Meine Rechnung zeigt eine doppelte Abbuchung",
                       cited=["Router einrichten: den Router an die Telefondose anschließen"])
    found = Relevance(load_policy())("Hallo Anna, schließ den Router an die Telefondose an. ^AB", ctx)
    assert [f.severity for f in found] == ["warn"]
    assert "nicht aufgegriffen: Rechnung" in found[0].message and "beantwortet die Antwort" in found[0].message


@pytest.mark.parametrize(("message", "record", "unrelated"), [
    ("Hi, wo ist mein Router? Bestellung B-100200.",
     "Dein Router ist mit DHL unterwegs; geplant war die Zustellung am Mittwoch, 25.11. – verfolgen lässt er sich "
     "unter https://shop.example/sendung/B-100200.",
     "Unsere Shops haben Montag bis Samstag von 10 bis 20 Uhr geöffnet; Adressen auf shop.example/shops."),
    ("Hi, where is my router? Order B-100200.",
     "Your router is on its way with DHL; delivery was planned for Wednesday 25 Nov – you can track it at "
     "https://shop.example/sendung/B-100200.",
     "Our shops are open Monday to Saturday from 10 am to 8 pm; addresses at shop.example/shops."),
])
def test_ask_answered_reads_the_record_fact_the_reply_repeats(message, record, unrelated):
    """``ask_answered``: the message's question against the evidence texts the reply repeats verbatim — a record fact
    of two sentences ending in a link is found as such (the sentence splitter cuts it differently in the reply), and
    a reply answering from it scores higher than one repeating only an unrelated passage."""
    from guardrails import meaning
    from guardrails.relevance_features import features

    if not meaning.available():
        pytest.skip("sentence encoder not installed")
    cited = ["Shops und Öffnungszeiten: " + unrelated]
    evidence = [record, unrelated, "Router einrichten: den Router anschließen und den Code eingeben."]
    answered = features(message, f"Hallo Anna, {record} {unrelated} ^AB", f" {record} {unrelated}", cited, evidence)
    bare = features(message, f"Hallo Anna, {unrelated} ^AB", f" {unrelated}", cited, evidence)
    assert answered.values["ask_answered"] > bare.values["ask_answered"] + 0.1

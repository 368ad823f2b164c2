"""The guardrails that judge by meaning (issue 11): unapproved-promise, confidential-leak, relevance.

Robustness: meaning-preserving paraphrases (German and English) keep the verdict; the calibration sets must exist
(a missing set fails, it does not skip)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from guardrails import meaning
from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext
from guardrails.policy import load_policy

pytestmark = pytest.mark.skipif(not meaning.available(), reason="sentence encoder not installed")
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def engine():
    return GuardrailEngine(load_policy())


def rules(engine, draft, rule, **ctx):
    return [f for f in engine.check(draft, CheckContext(**ctx)).findings if f.rule == rule]


RETURNS = ("Widerruf: Geräte schickst du mit dem kostenlosen Rücksendeetikett zurück. Den Kaufpreis erstatten wir "
           "innerhalb von 14 Tagen, nachdem das Gerät bei uns eingegangen ist.")
MENTION = ("Refund status: Refunds reach your account within 5–7 working days after approval. You can see the status "
           "of your refund in your account.")


@pytest.mark.parametrize("draft", [
    "Hallo Jana, sobald das Gerät bei uns ist, erstatten wir dir den Kaufpreis innerhalb von 14 Tagen. ^QA",
    "Hallo Jana, den Kaufpreis bekommst du von uns innerhalb von 14 Tagen nach Eingang des Geräts zurück erstattet. ^QA",
    "Hi Jana, once the device has reached us, we refund the purchase price within 14 days. ^QA",
])
def test_supported_promise_passes_in_paraphrase(engine, draft):
    assert rules(engine, draft, "unapproved-promise", language="de", evidence=[RETURNS]) == []


@pytest.mark.parametrize("draft", [
    "Hi Tom, we will refund you the full amount. ^QA",
    "Hi Tom, you'll get the full amount back from us. Money back, promised. ^QA",
    "Hallo Tom, wir erstatten dir den vollen Betrag. ^QA",
    "Hallo Tom, den kompletten Betrag bekommst du von uns zurück, Geld zurück versprochen. ^QA",
])
def test_promise_on_a_passage_that_only_mentions_refunds_is_blocked(engine, draft):
    found = rules(engine, draft, "unapproved-promise", evidence=[MENTION])
    assert found and all(f.severity == "block" for f in found)


@pytest.mark.parametrize("draft", [
    "Hi Tom, this month's bill is on us. ^QA", "Hallo Tom, die Kosten übernehmen wir. ^QA",
    "Hallo Tom, dafür zahlst du nichts. ^QA", "Hi Tom, we'll cover the repair costs. ^QA",
])
def test_cost_coverage_without_policy_is_blocked(engine, draft):
    assert rules(engine, draft, "unapproved-promise", evidence=[RETURNS])


@pytest.mark.parametrize("draft", [
    "Hi Tom, you can see the status of your refund in your account. ^QA",
    "Hallo Tom, den Stand deiner Erstattung siehst du in deinem Konto. ^QA",
    "Hi Tom, we'll check whether a credit is possible and reply by Friday. ^QA",
])
def test_mentioning_a_refund_is_no_promise(engine, draft):
    assert rules(engine, draft, "unapproved-promise", evidence=[]) == []


def test_another_case_is_not_supported(engine):
    draft = "Hallo Jana, die Roaming-Kosten aus deinem Urlaub erstatten wir dir vollständig. ^QA"
    assert rules(engine, draft, "unapproved-promise", language="de", evidence=[RETURNS])


NOTE = "Verdacht auf Betrug: Mehrere SIM-Tausch-Anfragen aus verschiedenen Städten. Identität genau prüfen."


@pytest.mark.parametrize("draft", [
    "Hi Kai, we suspect fraud because there were several SIM swap requests from different cities. ^QA",
    "Hi Kai, several SIM swaps were requested from different cities, so we suspect fraud on your account. ^QA",
    "Hallo Kai, wir haben einen Betrugsverdacht, weil mehrere SIM-Tauschanfragen aus unterschiedlichen Städten kamen. ^QA",
])
def test_translated_or_paraphrased_note_is_caught(engine, draft):
    found = rules(engine, draft, "confidential-leak", confidential=[NOTE])
    # nearly the same meaning (above every innocent reply measured, meaning_block_threshold): a block
    assert found and {f.severity for f in found} == {"block"}


@pytest.mark.parametrize("draft", [
    "Hi Kai, because of unusual activity on your SIM we need to verify your identity in a shop. ^QA",
    "Hallo Kai, wegen auffälliger Aktivitäten auf deiner SIM prüfen wir deine Identität besonders genau. ^QA",
])
def test_a_looser_paraphrase_of_a_note_is_a_warning(engine, draft):
    found = rules(engine, draft, "confidential-leak", confidential=[NOTE])
    # by meaning, but not close enough to rule out an innocent reply on the same topic: the reviewer decides
    assert found and {f.severity for f in found} == {"warn"}


def test_the_block_tier_by_meaning_can_be_switched_off(engine):
    from guardrails.engine import GuardrailEngine
    from guardrails.policy import load_policy

    policy = load_policy()
    lenient = policy.model_copy(update={"rules": policy.rules.model_copy(update={
        "confidential_leak": policy.rules.confidential_leak.model_copy(update={"meaning_block_threshold": 0})})})
    draft = "Hi Kai, we suspect fraud because there were several SIM swap requests from different cities. ^QA"
    found = rules(GuardrailEngine(lenient), draft, "confidential-leak", confidential=[NOTE])
    assert found and {f.severity for f in found} == {"warn"}


def test_a_verbatim_note_stays_a_block_and_meaning_severity_is_configurable(engine):
    from guardrails.engine import GuardrailEngine
    from guardrails.policy import load_policy

    verbatim = "Hallo Kai, Mehrere SIM-Tausch-Anfragen aus verschiedenen Städten. Identität genau prüfen. ^QA"
    assert {f.severity for f in rules(engine, verbatim, "confidential-leak", confidential=[NOTE])} == {"block"}
    policy = load_policy()
    strict = policy.model_copy(update={"rules": policy.rules.model_copy(update={
        "confidential_leak": policy.rules.confidential_leak.model_copy(update={"meaning_severity": "block"})})})
    draft = "Hi Kai, we suspect fraud because there were several SIM swap requests from different cities. ^QA"
    found = rules(GuardrailEngine(strict), draft, "confidential-leak", confidential=[NOTE])
    assert found and {f.severity for f in found} == {"block"}


@pytest.mark.parametrize("draft", [
    "Hallo Kai, für einen SIM-Tausch brauchen wir im Shop deinen Ausweis. ^QA",
    "Hi Kai, to swap your SIM please bring your ID to a shop; it takes about ten minutes. ^QA",
])
def test_innocent_reply_on_the_same_topic_passes(engine, draft):
    assert rules(engine, draft, "confidential-leak", confidential=[NOTE]) == []


def test_paraphrased_system_prompt_is_caught(engine):
    from assistant.drafting.llm import SYSTEM_PROMPT

    draft = "Hi Anna, I'm instructed never to promise refunds, credits or compensation unless a passage says so. ^QA"
    assert rules(engine, draft, "confidential-leak", confidential=[SYSTEM_PROMPT])


ROUTER = ["Router einrichten: Den Router schließt du an die Telefondose an und gibst den Aktivierungscode ein."]
BILL = ["Rechnung erklärt: In der Rechnung stehen alle Posten einzeln; strittige Beträge prüfen wir."]


@pytest.mark.parametrize("message", [
    "Meine Rechnung ist diesen Monat doppelt so hoch, warum?",
    "Wieso ist meine Rechnung diesmal doppelt so hoch wie sonst?",
    "Why is my bill twice as high this month?",
])
def test_relevance_warns_a_reply_on_another_article_in_every_paraphrase(engine, message):
    from guardrails.checks.relevance import meaning_scores

    wrong = "Hallo Anna, den Router schließt du an die Telefondose an und gibst den Aktivierungscode ein. ^QA"
    assert rules(engine, wrong, "relevance", customer_message=message, language="de", cited=ROUTER,
                 evidence=ROUTER + BILL)
    # the right article scores higher on both signals (a one-sentence cited passage can still fall under the
    # absolute threshold: the ~5 % false warnings measured in benchmarks/README.md)
    right, off = meaning_scores(message, BILL, ROUTER + BILL), meaning_scores(message, ROUTER, ROUTER + BILL)
    assert right[0] > off[0] and right[1] > off[1]


def test_relevance_skips_replies_without_a_cited_article(engine):
    assert rules(engine, "Hallo Anna, dazu haben wir noch keine geprüfte Antwort; das Team meldet sich morgen. ^QA",
                 "relevance", customer_message="Warum ist meine Rechnung so hoch?", language="de") == []


@pytest.mark.parametrize("name", ["promise_meaning", "leak_meaning"])
def test_calibration_sets_exist_and_separate(name):
    """The written sets ship with the tests (a missing set fails); grouped CV figures stay where they were
    measured (benchmarks/README.md)."""
    path = DATA / f"{name}.py"
    assert path.exists(), f"{path} missing"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert len(list(module.rows())) >= 70


def test_cv_figures_hold():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import numpy as np

    from benchmarks.bench_meaning_rules import (
        LEAK_HOLDOUT,
        PROMISE_HOLDOUT,
        grouped_cv,
        leak_rows,
        leak_score,
        promise_rows,
        promise_score,
    )

    policy = load_policy()
    rows = [r for r in promise_rows() if r[0] not in PROMISE_HOLDOUT]
    (recall, false), _ = grouped_cv([r[0] for r in rows], [promise_score(r[1], [r[2]], policy) for r in rows],
                                    np.array([r[3] for r in rows]), True, 1.0)
    assert recall >= 0.8 and false <= 0.1
    rows = [r for r in leak_rows() if r[0] not in LEAK_HOLDOUT]
    (recall, false), _ = grouped_cv([r[0] for r in rows], [leak_score(r[1], r[2]) for r in rows],
                                    np.array([r[3] for r in rows]), False, 3.0)
    assert recall >= 0.7 and false <= 0.12

"""``unapproved-promise`` reads clauses: a refusal is no promise, money coming back in a split German verb or a
gift is one, and a sentence joining a figure and a promise with ";" is supported when its promise clause is."""

from __future__ import annotations

import pytest

from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext
from knowledge_base.demo import DEMO_POLICY

ENGINE = GuardrailEngine.from_policy(DEMO_POLICY)


def _blocked(text: str, lang: str, evidence: list[str] | None = None) -> bool:
    report = ENGINE.check(text, CheckContext(language=lang, channel="dm", visibility="private",
                                             evidence=evidence or []))
    return any(f.rule == "unapproved-promise" for f in report.findings)


@pytest.mark.parametrize("text, lang", [
    ("Hi Jack, the fee comes from your contract terms, so we can't waive it here. DM us to go through them.", "en"),
    ("Hi Jack, we're unable to refund prepaid top-ups; the balance stays on your card.", "en"),
    ("Hi Jack, we cannot credit roaming charges you agreed to abroad, sorry.", "en"),
    ("Hallo Jack, Roaminggebühren erstatten wir leider nicht, sie stehen so in deinem Tarif.", "de"),
    ("Hallo Jack, die Gebühr erlassen wir dir nicht, sie ist Teil deines Vertrags.", "de"),
])
def test_a_refusal_is_no_promise(text, lang):
    assert not _blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hallo Max, die 49,99 EUR bekommst du noch heute von uns zurück.", "de"),
    ("Hallo Max, den doppelt abgebuchten Betrag zahlen wir dir sofort zurück.", "de"),
    ("Hallo Max, wir schenken dir als Wiedergutmachung 10 GB Datenvolumen.", "de"),
    ("Hi Max, we'll pay you back the 49.99 euros today.", "en"),
    ("Hi Max, next month's router rent is complimentary.", "en"),
    ("Hi Max, we'll credit the charges you don't recognise on the bill.", "en"),  # negation in a relative clause
    ("Hallo Max, die Gebühren, die du nicht kennst, erstatten wir dir.", "de"),
    ("Hi Max, unfortunately we can't refund the fee, but we'll send you a 10 EUR voucher.", "en"),
    ("Hallo Max, die Versandgebühr streichen wir dir.", "de"),
    ("Hallo Max, die Gebühr für die Rücklastschrift wird gestrichen.", "de"),
    ("Hi Max, we'll pay the electrician's bill, just send us a copy.", "en"),
    ("Hallo Max, die Rechnung des Elektrikers bezahlen wir.", "de"),
    ("Hi Max, as an apology you get unlimited data free for a year.", "en"),
    ("Hallo Max, du bekommst sechs Monate lang kostenlos Datenvolumen dazu.", "de"),
    ("Hallo Max, dein Tarif wird ab sofort um 10 EUR im Monat günstiger.", "de"),
    ("Hi Max, you pay 5 EUR less from next month on.", "en"),
    ("Hallo Max, wir erstatten dir nicht nur den Betrag, sondern auch die Versandkosten.", "de"),
    ("Hi Max, we will not only refund the fee but also the shipping.", "en"),
])
def test_money_back_gifts_and_promises_next_to_a_negation_are_promises(text, lang):
    assert _blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hi Max, please pay the invoice by Friday to avoid a reminder fee.", "en"),
    ("Hi Max, gift cards can't be refunded once they've been activated.", "en"),
    ("Hallo Max, die Garantie deckt keine Frostschäden an Leitungen.", "de"),
    ("Hallo Max, der Tarif M ist 5 EUR günstiger als L, wechseln kannst du in der App.", "de"),
])
def test_instructions_and_statements_of_what_is_not_covered_are_no_promises(text, lang):
    assert not _blocked(text, lang)


def test_money_back_needs_money():
    assert not _blocked("Hallo Max, dein Gerät bekommst du nach der Reparatur per Paket zurück.", "de")


def test_a_promise_clause_after_a_figure_is_supported_by_its_policy_sentence():
    evidence = ["For a missed technician appointment you get 20 EUR.",
                "We credit missed-appointment payments automatically on your next invoice."]
    text = ("Hi Mia, our technician missed Tuesday's slot, so you get 20 EUR; we credit it automatically on your "
            "next invoice.")
    assert not _blocked(text, "en", evidence)
    # the same clause for another case than the policy states stays unsupported
    assert _blocked("Hi Mia, the roaming bill was high, so we refund the roaming charges in full; we credit it "
                    "automatically on your next invoice.", "en", evidence)


@pytest.mark.parametrize("text, lang", [
    ("Hallo Rainer, unsere Hotline erreichst du kostenlos unter 0800 123 4567, Montag bis Samstag.", "de"),
    ("Hallo Tim, sperr die SIM bitte sofort über unsere kostenlose Hotline 0800 123 4567.", "de"),
    ("Hi Tim, call us free on 0800 123 4567 and we'll block the SIM right away.", "en"),
    ("Hi Tim, our toll-free number 0800 123 4567 is open until 10 pm.", "en"),
])
def test_the_cost_of_reaching_the_brand_is_no_promise(text, lang):
    assert not _blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hallo Tim, wir rufen dich morgen an, die Reparatur ist kostenlos.", "de"),
    ("Hi Tim, give us a call: the repair is free of charge.", "en"),
])
def test_a_promise_next_to_a_call_is_still_a_promise(text, lang):
    assert _blocked(text, lang)


def test_a_free_hotline_stated_after_the_noun_is_no_promise():
    assert not _blocked("Hi Mike, our hotline is free on 0800 123 4567, Monday to Saturday.", "en")
    assert _blocked("Hi Mike, call us and get a free month on top.", "en")


def test_a_figure_from_the_customers_message_is_only_warned():
    from guardrails.models import CheckContext as Ctx

    ctx = Ctx(language="de", channel="dm", visibility="private", customer_message="Wer bucht da 4,99 EUR ab?",
              evidence=["Ungewollte Abos erstatten wir innerhalb von 14 Tagen."])
    restated = ENGINE.check("Hallo Jana, die 4,99 EUR prüfen wir; ungewollte Abos erstatten wir innerhalb von 14 "
                            "Tagen.", ctx)
    assert [f.severity for f in restated.findings if f.rule == "unsupported-claim"] == ["warn"]
    invented = ENGINE.check("Hallo Jana, die 9,99 EUR prüfen wir.", ctx)
    assert [f.severity for f in invented.findings if f.rule == "unsupported-claim"] == ["block"]


def test_figures_are_no_clause_boundaries():
    # a range, a price and a time hold no clause boundary; the composer's own returns draft stays supported
    evidence = ["Innerhalb von 14 Tagen geht die Rücksendung mit dem kostenlosen Retourenschein von "
                "funkwerk.example/retoure.", "Nach Eingang prüfen wir das Gerät; die Erstattung folgt dann innerhalb "
                "von 5–7 Werktagen."]
    draft = ("Hallo Marie, Innerhalb von 14 Tagen geht die Rücksendung mit dem kostenlosen Retourenschein von "
             "funkwerk.example/retoure. Nach Eingang prüfen wir das Gerät; die Erstattung folgt dann innerhalb von "
             "5–7 Werktagen. ^QA")
    assert not _blocked(draft, "de", evidence)
    from guardrails.policy import load_policy
    from guardrails.promises import benefit_clauses

    policy = load_policy(DEMO_POLICY)
    lexicons = [policy.lex("de").promise, policy.lex("en").promise]
    assert benefit_clauses("Die 4,99 EUR erstatten wir um 8:00 Uhr, sobald es da ist.", lexicons) == [
        "Die 4,99 EUR erstatten wir um 8:00 Uhr"]


def test_a_promise_naming_a_moment_the_evidence_never_names_is_unsupported():
    evidence = ["Refunds reach your account within 5–7 working days after approval."]
    assert _blocked("Hi Omar, I promise your refund will be in your account tomorrow.", "en", evidence)
    assert _blocked("Hallo Omar, die Erstattung ist noch heute auf deinem Konto.", "de",
                    ["Erstattungen erreichen dein Konto innerhalb von 5–7 Werktagen nach Freigabe."])
    assert not _blocked("Hi Omar, your refund will reach your account within 5–7 working days after approval.", "en",
                        evidence)
    # a greeting is no moment; the moment stated by the evidence itself is fine
    from guardrails.promises import _untimely

    assert not _untimely("Guten Morgen Omar, wir erstatten dir die Gebühr.", "")
    assert _untimely("Wir erstatten dir die Gebühr morgen.", "")
    assert not _blocked("Guten Morgen Omar, die Erstattung erreicht dein Konto innerhalb von 5–7 Werktagen.", "de",
                        ["Erstattungen erreichen dein Konto innerhalb von 5–7 Werktagen nach Freigabe."])
    assert not _blocked("Hallo Omar, die Gutschrift buchen wir sofort.", "de",
                        ["Die Gutschrift buchen wir sofort nach der Prüfung."])


@pytest.mark.parametrize("text, lang", [
    ("Hi Marcus, we can't promise amounts here, but our complaints team reviews goodwill credits case by case and "
     "emails you within 5 working days.", "en"),
    ("Hi Marcus, our team will look into a refund for the double charge and get back to you by Friday.", "en"),
    ("Hi Marcus, our complaints team will consider a goodwill credit and email you within 5 working days.", "en"),
    ("Hallo Marcus, unser Beschwerdeteam prüft eine Kulanzgutschrift im Einzelfall und meldet sich in 5 Werktagen.",
     "de"),
    ("Hallo Marcus, eine Erstattung prüfen wir gern, sobald die Rücksendung da ist.", "de"),
    ("Hallo Marcus, eine Kulanzgutschrift prüft unser Team im Einzelfall, das Ergebnis kommt per E-Mail.", "de"),
])
def test_a_benefit_that_is_only_assessed_is_no_promise(text, lang):
    assert not _blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hi Marcus, we reviewed your account and will refund you the 20 EUR.", "en"),
    ("Hi Marcus, we checked the bill and refunded the double charge.", "en"),
    ("Hallo Marcus, wir haben das geprüft und erstatten dir die 20 EUR.", "de"),
    ("Hallo Marcus, nach der Prüfung schreiben wir dir 20 EUR gut.", "de"),
])
def test_an_assessment_followed_by_a_grant_is_a_promise(text, lang):
    assert _blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hi Aaron, we'll refund your last two bills in full, you'll see it on your next invoice.", "en"),
    ("Hi Aaron, we'll refund both bills in full; you can track it in the app.", "en"),
    ("Hallo Aaron, wir erstatten dir beide Rechnungen komplett, du siehst das auf der nächsten Rechnung.", "de"),
])
def test_a_follow_up_after_a_promise_does_not_void_it(text, lang):
    assert _blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hi Aaron, you can see the status of your refund in the app.", "en"),
    ("Hi Aaron, if eligible, we'll refund the fee.", "en"),
    ("Hallo Aaron, den Stand deiner Erstattung siehst du in der App.", "de"),
])
def test_a_mention_or_hedge_before_the_benefit_still_voids_it(text, lang):
    assert not _blocked(text, lang)


def test_a_german_ordinal_does_not_end_the_promise_sentence():
    evidence = ["Fällt der Internetanschluss länger als 2 Kalendertage aus, steht Ihnen eine Entschädigung zu: ab dem "
                "3. Tag 5 EUR pro Tag, ab dem 5. Tag 10 EUR pro Tag.",
                "Die Entschädigung schreiben wir automatisch auf der nächsten Rechnung gut."]
    for text in ("Hallo Ben, dir steht ab dem 3. Tag eine Entschädigung von 5 EUR pro Tag zu; wir schreiben sie "
                 "automatisch auf der nächsten Rechnung gut.",
                 "Hallo Ben, ab dem 3. Tag bekommst du eine Entschädigung von 5 EUR pro Tag, die wir automatisch auf "
                 "der nächsten Rechnung gutschreiben."):
        assert not _blocked(text, "de", evidence), text


@pytest.mark.parametrize("text, lang", [
    ("Hi Lucy, I can't promise a refund here – goodwill credits are reviewed case by case by our complaints team, "
     "who email you within 5 working days.", "en"),
    ("Hi Lucy, goodwill credits are assessed by our complaints team; they email you within 5 working days.", "en"),
    ("Hallo Lucy, Kulanzgutschriften werden geprüft, das Ergebnis bekommst du in 5 Werktagen per E-Mail.", "de"),
])
def test_a_benefit_noun_phrase_that_is_assessed_is_no_promise(text, lang):
    assert not _blocked(text, lang)


@pytest.mark.parametrize("text", [
    "Dear Ms Fry, we transfer refunds within 5–7 working days after approval; for credit card payments the credit "
    "can take up to 10 working days.",
    "Dear Ms Fry, refunds reach your account 5–7 working days after approval, by card it can take up to 10 working "
    "days.",
])
def test_a_hedged_clause_after_a_stated_policy_is_not_a_promise_to_support(text):
    """Only the clauses that promise are compared with the evidence: "the credit can take up to 10 working days" is
    a possibility, and the evidence's sentence after a link ends at its own full stop."""
    evidence = ["Erstattungen überweisen wir innerhalb von 5–7 Werktagen nach Freigabe auf das hinterlegte Konto.",
                "Den Stand zeigt Mein FunkWerk unter funkwerk.example/mein. Bei Zahlung per Kreditkarte kann die "
                "Gutschrift bis zu 10 Werktage dauern."]
    assert not _blocked(text, "en", evidence)


@pytest.mark.parametrize("text, lang", [
    ("Hallo Carina, schneller geht's über die Hotline 0800 123 4567 (kostenlos, Mo–Sa 8–22 Uhr).", "de"),
    ("Hi Carina, it's quicker on our hotline 0800 123 4567 (free, Mon–Sat 8am–10pm).", "en"),
])
def test_the_cost_of_the_hotline_in_brackets_is_no_promise(text, lang):
    assert not _blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Guten Tag Herr Schulte, wir senken Ihre Grundgebühr ab sofort um 30 %, bis die Leitung wieder schnell ist.", "de"),
    ("Hallo Max, dein Tarif wird um 20 Prozent günstiger, bis das Netz wieder läuft.", "de"),
    ("Hi Max, we'll reduce your monthly fee by 30% until the line is fixed.", "en"),
    ("Hi Theo, you'll be back in within 5 minutes, promise.", "en"),
    ("Hi Theo, I promise you'll be back in within 5 minutes.", "en"),
    ("Hi Theo, you have our word: the number moves on Monday.", "en"),
    ("Hi Can, deine Nummer ist spätestens Montag bei uns, dafür stehen wir gerade.", "de"),
    ("Hey Finn, die Rücklastschriftgebühr von 3,00 EUR nehmen wir dir wieder runter.", "de"),
])
def test_price_cuts_by_percent_promises_in_words_and_charges_taken_off_are_promises(text, lang):
    assert _blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hi Helen, we don't promise refunds over social media, but DM us your customer number.", "en"),
    ("Hi Helen, I can't promise a refund here; our complaints team reviews each case.", "en"),
    ("Hallo Finn, nimm die SIM bitte kurz raus und setz sie wieder ein.", "de"),
])
def test_refusing_to_promise_and_taking_a_sim_out_are_no_promises(text, lang):
    assert not _blocked(text, lang)


_LOANER = "Premium customers get a free loaner phone during a repair; it ships within 2 working days."
_LOANER_DE = "Premium-Kunden bekommen während einer Reparatur kostenlos ein Leihgerät, verschickt in 2 Werktagen."


@pytest.mark.parametrize("text, lang", [
    ("Hi Ravi, while your phone is in repair you'll get a free loaner from us; it ships within 2 working days.", "en"),
    ("Hi Ravi, we'll send you a free loaner phone for the time of the repair.", "en"),
    ("Hallo Ravi, während der Reparatur bekommst du kostenlos ein Leihgerät, es kommt in 2 Werktagen.", "de"),
])
def test_a_policy_for_another_tier_does_not_support_a_promise_to_this_customer(text, lang):
    policy = _LOANER if lang == "en" else _LOANER_DE
    assert _blocked(text, lang, [policy, "Customer record: tier standard"])
    assert not _blocked(text, lang, [policy, "Customer record: tier premium"])
    assert not _blocked(text, lang, [policy])  # the tier unknown: the policy's words decide, as before


def test_restating_the_tier_policy_is_supported_for_any_tier():
    assert not _blocked("Hi Ravi, premium customers get a free loaner phone during a repair; it ships within 2 "
                        "working days.", "en", [_LOANER, "Customer record: tier standard"])


@pytest.mark.parametrize("text, lang, evidence", [
    ("Guten Tag Frau Haas,\n\nschicken Sie das Tablet mit dem kostenlosen Retourenschein zurück; den Kaufpreis "
     "erstatten wir innerhalb von 14 Tagen nach Eingang.", "de",
     ["Send the device back with the free return label; we refund the purchase price within 14 days of receiving it."]),
    ("Hi Ms Haas, send the tablet back with the free return label; we refund the purchase price within 14 days of "
     "receiving it.", "en",
     ["Schicken Sie das Gerät mit dem kostenlosen Retourenschein zurück; den Kaufpreis erstatten wir innerhalb von 14 "
      "Tagen nach Eingang."]),
])
def test_a_sentence_that_restates_one_policy_sentence_is_supported_in_every_clause(text, lang, evidence):
    """A translation's clauses score lower one by one than the whole sentence does against the policy it restates."""
    assert not _blocked(text, lang, evidence)


@pytest.mark.parametrize("text, lang", [
    ("Hi Ms Haas, send the tablet back with the free return label; we refund the purchase price within 14 days, "
     "and we'll add a 50 EUR voucher for the trouble.", "en"),
    ("Guten Tag Frau Haas,\n\nschicken Sie das Tablet mit dem kostenlosen Retourenschein zurück; den Kaufpreis "
     "erstatten wir innerhalb von 14 Tagen, und einen 50-EUR-Gutschein legen wir dazu.", "de"),
])
def test_a_restated_policy_with_an_extra_kind_of_benefit_is_still_blocked(text, lang):
    assert _blocked(text, lang, ["Send the device back with the free return label; we refund the purchase price "
                                 "within 14 days of receiving it."])


@pytest.mark.parametrize("text, lang", [
    ("Hi Imran, a refund for the speaker depends on our check once it's back with us.", "en"),
    ("Hi Imran, after we've inspected the speaker, any refund follows within 5–7 working days.", "en"),
    ("Hallo Imran, eine Erstattung hängt von unserer Prüfung ab, sobald der Lautsprecher da ist.", "de"),
    ("Hallo Imran, eine etwaige Erstattung folgt nach der Prüfung innerhalb von 5–7 Werktagen.", "de"),
])
def test_a_benefit_under_a_condition_not_yet_met_is_no_promise(text, lang):
    assert not _blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hallo Sabine, für deine Reise schenken wir dir das Reisepaket mit 1 GB.", "de"),
    ("Hi Sandeep, because you've waited, we'll also pay the early termination fee of your old provider.", "en"),
])
def test_a_gift_in_inverted_order_and_paying_a_fee_with_an_adverb_are_promises(text, lang):
    assert _blocked(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Hi Ola, good news: your refund claim for the game subscription has been approved.", "en"),
    ("Sehr geehrter Herr Kaya,\n\nIhre Erstattung aus der geprüften Reklamation ist freigegeben.", "de"),
])
def test_reporting_a_benefit_the_record_has_approved_is_no_new_promise(text, lang):
    assert not _blocked(text, lang, ["claim C-41208 approved: refund, topic third-party-charges"])


@pytest.mark.parametrize("text, evidence", [
    # approved in the record, but the reply adds a kind of benefit the record lacks
    ("Hi Ola, your refund claim has been approved, and we'll add a 20 EUR credit on top.",
     ["claim C-41208 approved: refund, topic third-party-charges"]),
    # the record's claim is open, not approved; a policy that grants once approved states no approval
    ("Hi Ola, your refund claim has been approved.", ["claim C-41208 open: refund, topic third-party-charges"]),
    ("Hi Ola, your refund claim has been approved and the money is on its way.",
     ["Once a claim is approved, we refund the amount within 5–7 working days."]),
])
def test_an_approval_the_record_does_not_state_is_still_a_promise(text, evidence):
    assert _blocked(text, "en", evidence)

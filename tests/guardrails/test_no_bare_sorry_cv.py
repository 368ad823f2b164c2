"""``no-bare-sorry``: cross-validated quality on the labelled replies, and robustness to one-word paraphrases.

The CV test fails (does not skip) when a data set is missing. Floors are regression guards below the level measured
by ``benchmarks/bench_no_bare_sorry.py`` (see benchmarks/README.md), not the issue's targets (F1 ≥ 0.90, ≤ 3 % ok
blocked), which the nested cross-validated figures reach for German and narrowly miss for English F1. The German dev
translation is required data too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from guardrails.checks.no_bare_sorry import classify, decide
from guardrails.policy import load_policy

POLICY = load_policy()
_spec = importlib.util.spec_from_file_location(
    "bench_no_bare_sorry", Path(__file__).resolve().parents[2] / "benchmarks" / "bench_no_bare_sorry.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_datasets_present():
    assert bench.EN.exists(), f"missing {bench.EN}: the calibration data set must be beside the checkout"
    assert bench.DE_DEV.exists(), f"missing {bench.DE_DEV}: the German translation of the dev split"
    assert bench.DE.exists(), f"missing {bench.DE}"


def test_cross_validated_block_f1_and_good_replies_blocked():
    """EN dev and its German translation, 5 folds grouped by row id (a reply and its translation are never split
    between training and scoring), fixed hyper-parameters (no tuning inside the test), one shuffle."""
    d = bench.Data(POLICY)
    runs, _ = bench.cross_validate(d, np.ones(len(d.rows), dtype=bool), seeds=1, fixed=(30.0, 0.35))
    verdicts = runs[0]
    s = {name: bench.score(d.labels[d.set == name], verdicts[d.set == name]) for name in ("en", "de", "de-team")}
    naive = bench.score(d.labels[d.set == "de"], np.where(d.naive[d.set == "de"], "bare", "none"))
    # measured 2026-11-26 (fifth pass): EN F1 0.906 / 2.4 % ok blocked, DE 0.984 / 0 %; sixth pass (restated problem
    # removed, weights refitted): EN 0.889 / 2.4 %, DE 0.984 / 0 %, team DE 0.968 / 0 % (this fixed threshold is not
    # the one the nested choice makes; the bench: EN 0.913 / 1.6 %)
    assert s["en"]["F1"] >= 0.85 and s["en"]["ok_blocked"] <= 0.04, s["en"]
    assert s["de"]["F1"] >= 0.90 and s["de"]["ok_blocked"] <= 0.03, s["de"]
    assert s["de-team"]["F1"] >= 0.90 and s["de-team"]["ok_blocked"] <= 0.03, s["de-team"]
    assert s["de"]["F1"] > naive["F1"] + 0.3


def test_decide_trusts_lexical_substance_and_uses_probabilities_otherwise():
    assert decide("ok", {"bare": 0.9, "thin": 0.05, "ok": 0.05}) == "ok"
    assert decide("none", None) == "none"
    assert decide("bare", {"bare": 0.2, "thin": 0.1, "ok": 0.7}, 0.45) == "ok"
    assert decide("bare", {"bare": 0.5, "thin": 0.1, "ok": 0.4}, 0.45) == "bare"
    assert decide("thin", {"bare": 0.3, "thin": 0.5, "ok": 0.2}, 0.45) == "thin"
    # no channel move or details request found: the classifier's thin mass counts as bare
    assert decide("bare", {"bare": 0.3, "thin": 0.3, "ok": 0.4}, 0.45) == "bare"
    assert decide("bare", {"bare": 0.1, "thin": 0.2, "ok": 0.7}, 0.45) == "ok"
    # only apologies, restatements of the problem and filler: bare whatever the classifier says
    assert decide("bare", {"bare": 0.1, "thin": 0.2, "ok": 0.7}, 0.45, filler=True) == "bare"
    assert decide("ok", {"bare": 0.9, "thin": 0.05, "ok": 0.05}, 0.45, filler=True) == "ok"


def test_block_log_loss_scores_the_decision_the_rule_makes():
    """The inner CV ranks L2 by this loss: P(block) is P(bare), plus P(thin) when the lexicons read the draft bare."""
    probs = np.array([[0.2, 0.6, 0.2], [0.2, 0.6, 0.2], [0.1, 0.1, 0.8]])
    loss = bench.block_log_loss(probs, np.array(["bare", "thin", "thin"]), np.array(["bare", "bare", "ok"]))
    assert loss == pytest.approx(-(np.log(0.8) + np.log(0.2) + np.log(0.9)) / 3)


PARAPHRASES = [  # (reply, the same reply with one word changed, language, verdict)
    ("Sorry for the wait! Heavy traffic at the airport this evening is holding all departures. ^AB",
     "Sorry for the wait! Heavy congestion at the airport this evening is holding all departures. ^AB", "en", "ok"),
    ("We're sorry about that. The flight was full, so we could not add extra seats. ^KL",
     "We're sorry about that. The flight was fully booked, so we could not add extra seats. ^KL", "en", "ok"),
    ("Sorry to hear that! Please DM us your order number so we can check the delivery. ^JP",
     "Sorry to hear that! Please DM us your order number so we can review the delivery. ^JP", "en", "ok"),
    ("So sorry to hear this. We'll pass your feedback on to the team. ^JP",
     "So sorry to read this. We'll pass your feedback on to the team. ^JP", "en", "bare"),
    ("We apologize for the trouble. Let us know if there's anything we can do. ^MM",
     "We apologise for the trouble. Let us know if there's anything we can do. ^MM", "en", "bare"),
    ("Sorry about that! Please send us a DM with more details. ^RB",
     "Sorry about that! Please send us a DM with some more details. ^RB", "en", "thin"),
    ("Sorry for the hassle. The card fee is charged by your bank, not by us. ^TS",
     "Sorry for the hassle. The card fee is charged by your bank, not by our shop. ^TS", "en", "ok"),
    ("Sorry! The app update is rolling out tomorrow and fixes the login error. ^AB",
     "Sorry! The app update is rolling out tomorrow and resolves the login error. ^AB", "en", "ok"),
    ("Sorry, wir kümmern uns darum. ^AB", "Entschuldigung, wir kümmern uns darum. ^AB", "de", "bare"),
    ("Das tut uns leid! Schick uns bitte deine Sendungsnummer per DM. ^AB",
     "Das tut uns sehr leid! Schick uns bitte deine Sendungsnummer per DM. ^AB", "de", "ok"),
    ("Sorry für den Ärger. Der Zug fiel wegen eines Stellwerksausfalls aus. ^AB",
     "Sorry für den Frust. Der Zug fiel wegen eines Stellwerksausfalls aus. ^AB", "de", "ok"),
    ("Das tut uns leid. Schreib uns bitte eine DM. ^AB", "Das tut uns leid. Schreib uns gerne eine DM. ^AB", "de",
     "thin"),
    # German: intensifiers and plural verb forms of the apology, sympathy wording, rules, "no longer", imperatives
    ("Das tut mir leid. Bitte schick uns deine Bestellnummer per DM. ^AB",
     "Das tut mir so leid. Bitte schick uns deine Bestellnummer per DM. ^AB", "de", "ok"),
    ("Das Problem mit der App tut uns leid. Wir geben dein Feedback weiter. ^AB",
     "Die Probleme mit der App tun uns leid. Wir geben dein Feedback weiter. ^AB", "de", "bare"),
    ("Das ist besorgniserregend. Bitte schreib uns eine DM. ^AB",
     "Das ist beunruhigend. Bitte schreib uns eine DM. ^AB", "de", "thin"),
    ("Sorry! Diese App wird nicht mehr unterstützt. ^AB",
     "Sorry! Diese App wird nicht länger unterstützt. ^AB", "de", "ok"),
    ("Entschuldigung! Fahrgäste müssen das Ticket im Zug nicht ausdrucken. ^AB",
     "Entschuldigung! Fahrgäste müssen die Fahrkarte im Zug nicht ausdrucken. ^AB", "de", "ok"),
    ("Tut mir leid, das zu hören. Frag in der Filiale einfach nach einer größeren Portion. ^AB",
     "Tut mir leid, das zu lesen. Frag in der Filiale einfach nach einer größeren Portion. ^AB", "de", "ok"),
    ("Wir entschuldigen uns. Leider können wir Ihnen bei Pauschalreisen nicht helfen. ^AB",
     "Wir entschuldigen uns. Leider können wir Ihnen bei Pauschalbuchungen nicht helfen. ^AB", "de", "bare"),
    ("Es tut uns leid, dass Sie warten müssen. Wir sind für Sie da. ^AB",
     "Es tut uns sehr leid, dass Sie warten müssen. Wir sind für Sie da. ^AB", "de", "bare"),
    ("Sorry for the delay. We're unable to help with package holidays here. ^AB",
     "Sorry for the delay. We are unable to help with package holidays here. ^AB", "en", "bare"),
    ("Sorry about that! They're available again for all members. ^AB",
     "Sorry about that! They are available again for all members. ^AB", "en", "ok"),
    # decided by the classifier (no lexical substance) or by a specific question; EN and DE counterparts
    ("We're sorry for the trouble. Thanks so much for your patience while we sort this out. ^AB",
     "We're sorry for the trouble. Thank you very much for your patience while we sort this out. ^AB", "en", "bare"),
    ("Sorry to hear that. Which store did you visit? ^AB", "Sorry to hear that. Which shop did you visit? ^AB", "en", "ok"),
    ("Apologies for the mix-up! You can swap the item at any of our stores with the receipt. ^AB",
     "Apologies for the mix-up! You can exchange the item at any of our stores with the receipt. ^AB", "en", "ok"),
    ("So sorry about this. We hope your next visit is a better one. ^AB",
     "So sorry about this. We hope your next visit goes better. ^AB", "en", "bare"),
    ("Das tut uns leid. Danke, dass du so geduldig mit uns bist. ^AB",
     "Das tut uns leid. Danke, dass du so viel Geduld mit uns hast. ^AB", "de", "bare"),
    ("Entschuldige die Verwechslung! Du kannst den Artikel mit dem Kassenbon in jeder Filiale umtauschen. ^AB",
     "Entschuldige die Verwechslung! Du kannst den Artikel mit der Quittung in jeder Filiale umtauschen. ^AB", "de",
     "ok"),
    ("Sorry für den Ärger. Welche Filiale hast du besucht? ^AB", "Sorry für den Ärger. In welcher Filiale warst du? ^AB",
     "de", "ok"),
    ("Es tut uns leid, das zu lesen. Wir wünschen dir, dass dein nächster Besuch besser wird. ^AB",
     "Es tut uns leid, das zu hören. Wir wünschen dir, dass dein nächster Besuch besser wird. ^AB", "de", "bare"),
    # the harm named without an apology word; filler around an apology; substance after such an apology (EN + DE)
    ("We regret the stress and inconvenience that we have caused. ^AB",
     "We regret the stress and inconvenience this has caused. ^AB", "en", "bare"),
    ("...the worry, frustration and inconvenience that we have caused. ^AB",
     "...the worry, frustration and trouble that we have caused. ^AB", "en", "bare"),
    ("Für die Unannehmlichkeiten, die wir verursacht haben, bitten wir um Nachsicht. ^AB",
     "Für die Unannehmlichkeiten, die wir Ihnen verursacht haben, bitten wir um Nachsicht. ^AB", "de", "bare"),
    ("...die Sorgen und die Unannehmlichkeiten, die wir verursacht haben. ^AB",
     "...die Sorgen und den Ärger, den wir verursacht haben. ^AB", "de", "bare"),
    ("Oh no! One moment as I take a look. ^AB", "Oh no! One moment while I take a look. ^AB", "en", "bare"),
    ("Oh nein! Einen Moment, ich schaue nach. ^AB", "Oh nein! Einen kleinen Moment, ich schaue nach. ^AB", "de", "bare"),
    ("We upgrade as many members as possible. Sorry that you missed out this time. ^AB",
     "We upgrade as many guests as possible. Sorry that you missed out this time. ^AB", "en", "bare"),
    ("Wir vergeben so viele Upgrades wie möglich. Es tut uns leid, dass es diesmal nicht geklappt hat. ^AB",
     "Wir vergeben so viele Upgrades wie wir können. Es tut uns leid, dass es diesmal nicht geklappt hat. ^AB", "de",
     "bare"),
    ("I understand the frustration this causes. ^AB", "I understand the frustration this has caused. ^AB", "en", "bare"),
    ("Ich verstehe den Frust, den das verursacht. ^AB", "Ich verstehe den Ärger, den das verursacht. ^AB", "de", "bare"),
    ("I'm sorry, I'm here to help. ^AB", "I'm sorry, I'm here to assist. ^AB", "en", "bare"),
    ("Tut mir leid, ich bin hier, um zu helfen. ^AB", "Tut mir leid, ich bin da, um zu helfen. ^AB", "de", "bare"),
    ("Sorry for the inconvenience caused. The line is closed for repairs until Friday. ^AB",
     "Sorry for the trouble caused. The line is closed for repairs until Friday. ^AB", "en", "ok"),
    ("Entschuldige die Unannehmlichkeiten. Die Strecke ist bis Freitag wegen Bauarbeiten gesperrt. ^AB",
     "Entschuldige den Ärger. Die Strecke ist bis Freitag wegen Bauarbeiten gesperrt. ^AB", "de", "ok"),
    # the problem restated right after the apology is no fact ("sorry that your delivery *is delayed*", "for the delay
    # *this morning*"); a new clause after it (a comma, a cause, "until", "please") is still read (EN + DE)
    ("I'm so sorry that your delivery is delayed. We appreciate your patience. ^AB",
     "I'm so sorry that your parcel is delayed. We appreciate your patience. ^AB", "en", "bare"),
    ("Sorry for the delay this morning. Thanks for bearing with us. ^AB",
     "Sorry for the wait this morning. Thanks for bearing with us. ^AB", "en", "bare"),
    ("We're sorry that your flight was cancelled today. ^AB", "We're sorry that your flight got cancelled today. ^AB",
     "en", "bare"),
    ("Sorry that your delivery is delayed, it will arrive by Friday. ^AB",
     "Sorry that your parcel is delayed, it will arrive by Friday. ^AB", "en", "ok"),
    ("Sorry that your train was cancelled today due to a signal failure at Leeds. ^AB",
     "Sorry that your train was cancelled this morning due to a signal failure at Leeds. ^AB", "en", "ok"),
    ("Sorry that the line is closed until Friday for repairs. ^AB",
     "Sorry that the line is shut until Friday for repairs. ^AB", "en", "ok"),
    ("Sorry for the delay today, please DM us your booking reference. ^AB",
     "Sorry for the wait today, please DM us your booking reference. ^AB", "en", "ok"),
    ("Es tut uns leid, dass deine Lieferung verspätet ist. Danke für deine Geduld. ^AB",
     "Es tut uns leid, dass dein Paket verspätet ist. Danke für deine Geduld. ^AB", "de", "bare"),
    ("Sorry wegen der Verspätung heute Morgen. Wir danken dir für deine Geduld. ^AB",
     "Sorry wegen der Wartezeit heute Morgen. Wir danken dir für deine Geduld. ^AB", "de", "bare"),
    ("Es tut uns leid, dass der Zug heute ausgefallen ist, weil ein Stellwerk gestört war. ^AB",
     "Es tut uns leid, dass der Zug heute ausgefallen ist, da ein Stellwerk gestört war. ^AB", "de", "ok"),
    ("Sorry, dass die Strecke bis Freitag gesperrt ist. ^AB", "Sorry, dass die Strecke bis Freitag geschlossen ist. ^AB",
     "de", "ok"),
    ("Es tut uns leid, dass deine Bestellung verspätet ist. Bitte schick uns deine Bestellnummer per DM. ^AB",
     "Es tut uns leid, dass deine Bestellung zu spät ist. Bitte schick uns deine Bestellnummer per DM. ^AB", "de", "ok"),
    # a generic move to another team or channel is thin (warn), not bare — and "e-mail" as the channel is not the
    # e-mail address asked for
    ("Sorry for the trouble. Please contact our customer service team, they can help. ^AB",
     "Sorry for the trouble. Please contact our customer support team, they can help. ^AB", "en", "thin"),
    ("Apologies for this. Please email our support team and they'll take a look. ^AB",
     "Apologies for this. Please email our support team and they'll have a look. ^AB", "en", "thin"),
    ("Apologies for this. Please DM us your account email so we can find the booking. ^AB",
     "Apologies for this. Please DM us your registered email so we can find the booking. ^AB", "en", "ok"),
    ("Das tut uns leid. Bitte wende dich an unseren Kundenservice, dort hilft man dir weiter. ^AB",
     "Das tut uns leid. Bitte wende dich an unsere Kundenbetreuung, dort hilft man dir weiter. ^AB", "de", "thin"),
    ("Entschuldigen Sie den Ärger. Wenden Sie sich bitte an unser Service-Team. ^AB",
     "Entschuldigen Sie den Ärger. Wenden Sie sich bitte an unsere Hotline. ^AB", "de", "thin"),
    ("Sorry! Lass uns das per DM klären. ^AB", "Sorry! Lass uns das per Direktnachricht klären. ^AB", "de", "thin"),
    ("Tut uns leid. Schick uns bitte deine E-Mail-Adresse per DM, dann suchen wir die Buchung. ^AB",
     "Tut uns leid. Schick uns bitte deine Mailadresse per DM, dann suchen wir die Buchung. ^AB", "de", "ok"),
    # a menu path is where exactly; a consequence with "means"/"bedeutet"
    ("Sorry about that! You'll find it under Settings > Privacy > Blocked users. ^AB",
     "Sorry about that! You'll see it under Settings > Privacy > Blocked users. ^AB", "en", "ok"),
    ("Das tut uns leid! Du findest das unter Einstellungen > Datenschutz > Sperrliste. ^AB",
     "Das tut uns leid! Du siehst das unter Einstellungen > Datenschutz > Sperrliste. ^AB", "de", "ok"),
    ("Apologies for the wait. Fog on the runway means the crew can't land safely yet. ^AB",
     "Apologies for the wait. Fog on the runway means the pilots can't land safely yet. ^AB", "en", "ok"),
    ("Entschuldige die Wartezeit. Nebel auf der Strecke bedeutet, dass die Züge langsamer fahren müssen. ^AB",
     "Entschuldige die Wartezeit. Nebel auf der Strecke bedeutet, dass die Bahnen langsamer fahren müssen. ^AB",
     "de", "ok"),
    # a channel move by its verb, without "please"
    ("Sorry to hear that. Give our support team a call and they'll sort it. ^AB",
     "Sorry to hear that. Give our support team a ring and they'll sort it. ^AB", "en", "thin"),
    ("Sorry to hear that. Drop us a message and we'll take it from there. ^AB",
     "Sorry to hear that. Drop us a line and we'll take it from there. ^AB", "en", "thin"),
    ("Oh, das ist ärgerlich! Melde dich einfach im Chat bei unserem Team. ^AB",
     "Oh, das ist ärgerlich! Melde dich einfach im Live-Chat bei unserem Team. ^AB", "de", "thin"),
    # hope idioms and a dead end with words between are no help
    ("Das tut uns echt leid! Wir drücken dir die Daumen, dass es nächstes Mal klappt. ^AB",
     "Das tut uns echt leid! Wir drücken dir die Daumen, dass es beim nächsten Mal klappt. ^AB", "de", "bare"),
    ("Really sorry about that! Fingers crossed it works out next time. ^AB",
     "Really sorry about that! Fingers crossed it goes better next time. ^AB", "en", "bare"),
    # a hand-off without specifics is no action taken (the guideline's "we'll pass on your feedback")
    ("Apologies! I've flagged this with our web team and they're looking into it. ^AB",
     "Apologies! I've reported this to our web team and they're looking into it. ^AB", "en", "bare"),
    ("Oh nein, das tut uns leid! Wir haben das an unsere Technik weitergeleitet. ^AB",
     "Oh nein, das tut uns leid! Wir haben das an unsere Technik weitergegeben. ^AB", "de", "bare"),
    ("Sorry about this. I've escalated it to our billing team, who will email you within 48 hours. ^AB",
     "Sorry about this. I've forwarded it to our billing team, who will email you within 48 hours. ^AB", "en", "ok"),
    # a chat named by its kind, "weiteren Informationen", words between "wenden Sie sich" and "an"; wishes
    ("Oh nein, sorry! Schreib uns gern über den Support-Chat in der App, wir helfen dir. ^AB",
     "Oh nein, sorry! Schreib uns gern über den Service-Chat in der App, wir helfen dir. ^AB", "de", "thin"),
    ("Das bedauern wir. Bitte senden Sie uns eine E-Mail mit weiteren Informationen. ^AB",
     "Das bedauern wir. Bitte schicken Sie uns eine E-Mail mit weiteren Informationen. ^AB", "de", "thin"),
    ("Entschuldigen Sie bitte! Wenden Sie sich am besten direkt an unser Praxisteam. ^AB",
     "Entschuldigen Sie bitte! Wenden Sie sich am besten gleich an unser Praxisteam. ^AB", "de", "thin"),
    ("Es tut uns sehr leid, das zu hören. Wir wünschen Ihrem Kater gute Besserung. ^AB",
     "Es tut uns sehr leid, das zu lesen. Wir wünschen Ihrem Kater gute Besserung. ^AB", "de", "bare"),
    ("We're so sorry to hear that. Get well soon to your cat! ^AB",
     "We're so sorry to read that. Get well soon to your cat! ^AB", "en", "bare"),
    ("Es tut uns leid, Frau Adam. Leider können wir hier nichts weiter für Sie tun. ^AB",
     "Es tut uns leid, Frau Adam. Leider können wir da nichts weiter für Sie tun. ^AB", "de", "bare"),
]


@pytest.mark.parametrize(("a", "b", "lang", "verdict"), PARAPHRASES)
def test_one_word_paraphrases_keep_the_verdict(a, b, lang, verdict):
    assert classify(a, lang, POLICY).verdict == verdict
    assert classify(b, lang, POLICY).verdict == verdict

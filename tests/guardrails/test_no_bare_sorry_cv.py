"""``no-bare-sorry``: cross-validated quality on the labelled replies, and robustness to one-word paraphrases.

The CV test fails (does not skip) when a data set is missing. Floors are regression guards at the level measured
by ``benchmarks/bench_no_bare_sorry.py`` (see benchmarks/README.md), not the issue's targets, which the English
figures do not reach yet.
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
    assert bench.DE.exists(), f"missing {bench.DE}"


def test_cross_validated_block_f1_and_good_replies_blocked():
    rows, lexical, naive, x = bench.load()
    labels = np.asarray([r.label for r in rows])
    langs = np.asarray([r.lang for r in rows])
    y = np.asarray([bench.TARGET[r.label] for r in rows])
    applies = lexical != "none"
    outer = bench.folds(labels, langs, 5, 0)
    verdicts = np.empty(len(rows), dtype=object)
    for f in range(5):
        tr, te = outer != f, outer == f
        model = bench.train(x[tr & applies], y[tr & applies], 30.0)  # fixed hyper-parameters: no tuning here
        verdicts[te] = bench.predict(model, x[te], lexical[te], 0.45)
    en, de = langs == "en", langs == "de"
    s_en, s_de = bench.score(labels[en], verdicts[en]), bench.score(labels[de], verdicts[de])
    n_en = bench.score(labels[en], np.where(naive[en], "bare", "none"))
    assert s_en["F1"] >= 0.72 and s_en["ok_blocked"] <= 0.07, s_en
    assert s_de["F1"] >= 0.90 and s_de["ok_blocked"] <= 0.03, s_de
    assert s_en["F1"] > n_en["F1"] + 0.3


def test_decide_trusts_lexical_substance_and_uses_probabilities_otherwise():
    assert decide("ok", {"bare": 0.9, "thin": 0.05, "ok": 0.05}) == "ok"
    assert decide("none", None) == "none"
    assert decide("bare", {"bare": 0.2, "thin": 0.1, "ok": 0.7}, 0.45) == "ok"
    assert decide("bare", {"bare": 0.5, "thin": 0.1, "ok": 0.4}, 0.45) == "bare"
    assert decide("thin", {"bare": 0.3, "thin": 0.5, "ok": 0.2}, 0.45) == "thin"


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
]


@pytest.mark.parametrize(("a", "b", "lang", "verdict"), PARAPHRASES)
def test_one_word_paraphrases_keep_the_verdict(a, b, lang, verdict):
    assert classify(a, lang, POLICY).verdict == verdict
    assert classify(b, lang, POLICY).verdict == verdict

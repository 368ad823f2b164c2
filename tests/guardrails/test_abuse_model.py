"""The shared abuse detector's classifier (``guardrails/abuse_model.py``, weights ``checks/data/abuse_model.npz``) and the
tone rule's use of it. Cross-validated figures: ``benchmarks/bench_abuse.py`` (benchmarks/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardrails import abuse, abuse_model
from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext

TWCS = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "twcs" / "replies-labelled-dev.jsonl"


def test_model_ships_and_loads_lazily():
    assert abuse_model.MODEL.exists()
    t = abuse_model.thresholds()
    assert {"balanced", "high_precision"} <= set(t)


def test_english_words_are_not_read_as_german_compounds():
    for text in ("Send us a DM and we'll assist you!", "Did the ice packs arrive frozen?", "du packst das"):
        assert abuse.detect_abuse(text) == [], text
    assert abuse.detect_abuse("Ihr seid ein Haufen Assis")


@pytest.mark.parametrize("text", [
    "Diese dummen Schmarotzer sollen sich endlich verpissen, widerliches Pack",
    "Merkel und ihre Gutmenschen ruinieren dieses Land, Volksverräter alle miteinander",
])
def test_classifier_flags_offensive_german(text):
    assert abuse_model.classifier_flags(text)


def test_good_brand_replies_get_no_tone_finding():
    assert TWCS.exists(), f"missing {TWCS}"
    engine = GuardrailEngine.from_policy()
    ctx = CheckContext(channel="twitter", visibility="public", language="en")
    flagged = []
    for line in TWCS.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        if abuse.detect_abuse(text) or abuse_model.classifier_flags(text):
            flagged.append(text)
    assert flagged == []
    report = engine.check("Sorry for the wait! Your parcel arrives tomorrow between 10 and 2. ^AB", ctx)
    assert not [f for f in report.findings if f.rule == "tone"]


def test_handles_links_and_line_breaks_do_not_move_the_ngram_score():
    base = abuse_model.ngram_logit("du bist so ein erbärmlicher Lügner")
    for text in ("@someone du bist so ein erbärmlicher Lügner", "du bist so ein erbärmlicher Lügner https://t.co/x1",
                 "@a_b @c du bist |LBR| so ein erbärmlicher Lügner www.example.org/p"):
        assert abuse_model.ngram_logit(text) == pytest.approx(base, abs=1e-6), text


# Meaning-preserving rewrites (word order, synonyms, du/Sie, a handle) keep the tone rule's verdict (word list or
# classifier), and the verdict is the right one.
PARAPHRASES = [
    (True, "Diese Regierung besteht nur aus unfähigen Versagern und Lügnern",
     "Die Regierung: lauter Lügner und unfähige Versager"),
    (True, "Halt endlich die Klappe, du hast doch keine Ahnung, du Witzfigur",
     "@max du Witzfigur hast keine Ahnung, halt endlich die Klappe"),
    (True, "Dieses Pack gehört abgeschoben, Schmarotzer allesamt",
     "Schmarotzer allesamt, dieses Pack gehört abgeschoben"),
    (False, "Danke für die schnelle Antwort, das Paket ist heute angekommen",
     "Vielen Dank für die rasche Rückmeldung, heute kam das Paket an"),
    (False, "Können Sie mir sagen, wann der Techniker kommt?",
     "@funk Kannst du mir sagen, wann der Techniker kommt?"),
    (False, "Wir prüfen das und melden uns morgen bei Ihnen",
     "Wir schauen uns das an und melden uns morgen bei dir"),
]


@pytest.mark.parametrize(("offensive", "text", "rewrite"), PARAPHRASES)
def test_paraphrases_keep_the_verdict(offensive, text, rewrite):
    def verdict(t):
        return bool(abuse.detect_abuse(t)) or abuse_model.classifier_flags(t)

    assert verdict(text) is offensive
    assert verdict(rewrite) is offensive

"""The shared abuse detector's classifier (``guardrails/abuse.py``, weights ``checks/data/abuse_model.npz``) and the
tone rule's use of it. Cross-validated figures: ``benchmarks/bench_abuse.py`` (benchmarks/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardrails import abuse
from guardrails.engine import GuardrailEngine
from guardrails.models import CheckContext

TWCS = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "twcs" / "replies-labelled-dev.jsonl"


def test_model_ships_and_loads_lazily():
    assert abuse.MODEL.exists()
    t = abuse.thresholds()
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
    assert abuse.classifier_flags(text)


def test_good_brand_replies_get_no_tone_finding():
    assert TWCS.exists(), f"missing {TWCS}"
    engine = GuardrailEngine.from_policy()
    ctx = CheckContext(channel="twitter", visibility="public", language="en")
    flagged = []
    for line in TWCS.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        if abuse.detect_abuse(text) or abuse.classifier_flags(text):
            flagged.append(text)
    assert flagged == []
    report = engine.check("Sorry for the wait! Your parcel arrives tomorrow between 10 and 2. ^AB", ctx)
    assert not [f for f in report.findings if f.rule == "tone"]

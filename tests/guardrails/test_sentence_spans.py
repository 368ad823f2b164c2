"""Sentences for the meaning rules: a sentence ends at a mark followed by white space, not after an abbreviation,
an initial or a German ordinal, and not inside a figure."""

from __future__ import annotations

import pytest

from guardrails.meaning import sentences
from guardrails.text import sentence_spans


def _texts(text: str) -> list[str]:
    return [text[a:b].strip() for a, b in sentence_spans(text)]


@pytest.mark.parametrize("text, expected", [
    ("Ab dem 3. Tag gibt es 5 EUR. Danke!", ["Ab dem 3. Tag gibt es 5 EUR.", "Danke!"]),
    ("Der Termin ist am 5. Mai um 10 Uhr. Bis dann.", ["Der Termin ist am 5. Mai um 10 Uhr.", "Bis dann."]),
    ("Lieferung bis 15. Dezember. Gut so?", ["Lieferung bis 15. Dezember.", "Gut so?"]),
    ("Es gibt z. B. ca. 3 Tarife, u. a. Tarif XL. Mehr nicht.", ["Es gibt z. B. ca. 3 Tarife, u. a. Tarif XL.",
                                                               "Mehr nicht."]),
    ("It costs 4.99 EUR a month, e.g. with the app. Call us.", ["It costs 4.99 EUR a month, e.g. with the app.",
                                                                "Call us."]),
    ("Call 0800 123 4567. We are open 24/7.", ["Call 0800 123 4567.", "We are open 24/7."]),
    ("Wir haben 12. Danach kommt nichts.", ["Wir haben 12.", "Danach kommt nichts."]),
    ("Erste Zeile\nzweite Zeile!!! Dritte?", ["Erste Zeile", "zweite Zeile!!!", "Dritte?"]),
])
def test_sentence_ends(text, expected):
    assert _texts(text) == expected


def test_meaning_sentences_keep_offsets():
    text = "Hallo Ben, dein Anschluss war gestört. Ab dem 3. Tag steht dir eine Entschädigung zu."
    got = sentences(text)
    assert [s for _, _, s in got] == ["dein Anschluss war gestört.", "Ab dem 3. Tag steht dir eine Entschädigung zu."]
    for a, b, s in got:
        assert text[a:b].strip() == s


def test_a_link_does_not_swallow_the_full_stop_of_its_sentence():
    text = "Den Stand zeigt Mein Konto unter brand.example/mein. Bei Zahlung per Karte dauert es bis zu 10 Werktage."
    assert [s for _, _, s in sentences(text)] == ["Den Stand zeigt Mein Konto unter .",
                                                  "Bei Zahlung per Karte dauert es bis zu 10 Werktage."]

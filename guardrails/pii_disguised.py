"""Disguised personal data for :func:`guardrails.pii_detect.detect`: what a plain pattern cannot see.

* Invisible characters (zero-width spaces, soft hyphens, bidi marks: Unicode format characters) inside a value:
  detection runs on the text without them and the spans are mapped back.
* Phone numbers written as words or spaced digit by digit: "null eins sieben eins, zwei drei …", "plus four four
  seven nine double one …", "0 1 7 1, 2 3 4 5 …". A run of digit words and digits (at most three characters of
  spaces or punctuation between them) is read as one digit string and accepted when it is a valid phone number in
  one of the candidate regions, as a plain number would be.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import phonenumbers

from guardrails.pii_base import PiiSpan
from guardrails.value_match import NUMBER_WORDS

# the digit words the leak check reads, plus two only phone numbers are read with ("ein", "oh")
DIGIT_WORDS = {**NUMBER_WORDS, "ein": "1", "oh": "0"}
REPEAT_WORDS = {"doppel": 2, "double": 2, "triple": 3}
TOKEN = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted([*DIGIT_WORDS, *REPEAT_WORDS, "plus"], key=len, reverse=True)) + r"|\d{1,6})(?!\w)",
    re.I)
GAP = re.compile(r"[\s,;./\-\u2013]{0,3}")
MIN_DIGITS, MAX_DIGITS = 7, 15


def strip_invisible(text: str) -> tuple[str, list[int]] | None:
    """``text`` without format characters and, for each kept character, its index in ``text``; None when there
    is nothing to strip (the common case: one pass, no copy)."""
    if text.isascii() or not any(unicodedata.category(c) == "Cf" for c in text):
        return None
    kept = [i for i, c in enumerate(text) if unicodedata.category(c) != "Cf"]
    return "".join(text[i] for i in kept), kept


def _runs(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of every run of two or more digit tokens with at least one word or spaced digit."""
    runs: list[tuple[int, int, str]] = []
    tokens = list(TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        j = i
        while j + 1 < len(tokens) and GAP.fullmatch(text, tokens[j].end(), tokens[j + 1].start()):
            j += 1
        if j > i:
            digits, repeat = [], 1
            for t in tokens[i:j + 1]:
                word = t.group(0).lower()
                if word == "plus":
                    if not digits:
                        digits.append("+")
                    continue
                if word in REPEAT_WORDS:
                    repeat = REPEAT_WORDS[word]
                    continue
                digits.append(DIGIT_WORDS.get(word, word) * repeat)
                repeat = 1
            runs.append((tokens[i].start(), tokens[j].end(), "".join(digits)))
        i = j + 1
    return runs


def spelled_phones(text: str, regions: Sequence[str], trunk_prefix, lenient: bool = False) -> list[PiiSpan]:
    """Phone numbers written as words or digit by digit (see the module doc). ``trunk_prefix(region)`` is the
    national dialling prefix, as the plain detector uses it."""
    ok = phonenumbers.is_possible_number if lenient else phonenumbers.is_valid_number
    out: list[PiiSpan] = []
    for start, end, number in _runs(text):
        value = text[start:end]
        if not (re.search(r"[a-zA-ZäöüÄÖÜ]", value) or re.search(r"\d[\s,;.\-/]{1,3}\d(?:[\s,;.\-/]{1,3}\d){5}", value)):
            continue  # plain digit groups are the plain detector's
        count = sum(c.isdigit() for c in number)
        if not MIN_DIGITS <= count <= MAX_DIGITS:
            continue
        parsed = None
        try:
            if number.startswith(("+", "00")):
                parsed = phonenumbers.parse("+" + number.lstrip("+")[2 if number.startswith("00") else 0:], None)
                parsed = parsed if ok(parsed) else None
            else:
                for region in regions:
                    if trunk_prefix(region) == "0" and not number.startswith("0"):
                        continue
                    candidate = phonenumbers.parse(number, region)
                    if ok(candidate):
                        parsed = candidate
                        break
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is not None:
            out.append(PiiSpan("phone", start, end, value, 0.8))
    return out

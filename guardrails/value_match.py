"""Private values found in a draft however they are written: a normalised copy of the text with offsets kept
(Unicode NFKC, zero-width characters removed, Cyrillic/Greek look-alike letters read as Latin, lower case; for
values also "at"/"dot" spellings of e-mail addresses and digits written as words) and an index of values by kind
(e-mail addresses, digit strings with or without country code, compact references such as IBANs, full names) that
scans a draft in linear time. Used by ``confidential-leak`` (``guardrails.checks.leak``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from functools import lru_cache

WORD = re.compile(r"\w+")
ZERO_WIDTH = frozenset("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
                       "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u206a\u206b\u206c\u206d"
                       "\u206e\u206f\u3164\ufe00\ufe01\ufe0e\ufe0f\ufeff\uffa0")
# Look-alike letters (Unicode confusables, the Cyrillic and Greek letters that render like Latin ones), lower case:
# the text is lower-cased first.
HOMOGLYPHS = {
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "ё": "e", "һ": "h", "н": "h", "і": "i", "ї": "i", "ј": "j",
    "к": "k", "ӏ": "l", "м": "m", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "у": "y", "ү": "y", "х": "x",
    "ԝ": "w", "ɡ": "g", "ɑ": "a", "ı": "i", "ȷ": "j",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "γ": "y", "ω": "w", "ϲ": "c", "ϳ": "j", "ζ": "z", "μ": "u",
}
NUMBER_WORDS = {
    "null": "0", "eins": "1", "zwei": "2", "zwo": "2", "drei": "3", "vier": "4", "fünf": "5", "fuenf": "5",
    "sechs": "6", "sieben": "7", "acht": "8", "neun": "9",
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9",
}
NUMBER_RX = re.compile(r"\b(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b")
AT_RX = re.compile(r"\s*(?:[(\[{<]\s*(?:at|ät|@)\s*[)\]}>]|(?<=\s)(?:at|ät)(?=\s)|@)\s*")
DOT_RX = re.compile(r"\s*(?:[(\[{<]\s*(?:dot|punkt|\.)\s*[)\]}>]|(?<=\s)(?:dot|punkt|\.)(?=\s))\s*")
EMAIL_RX = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DIGITS_RX = re.compile(r"\+?\d(?:[\s\-/().]{0,3}\d)*")
TOKENS_RX = re.compile(r"[a-z0-9]+(?:[\s\-/.]{1,3}[a-z0-9]+)*")
COUNTRY_CODES = ("49", "43", "41", "44", "33", "39", "31", "32", "34", "45", "46", "47", "48", "420", "1")
MIN_DIGITS = 7  # a phone number or numeric reference: shorter digit strings are dates, prices, counts
MIN_COMPACT = 6  # a reference with letters and digits ("DE89…", "FW-2024-0042")
NAME_RX = re.compile(r"[^\W\d_]{2,}(?:[ -'][^\W\d_]+){1,3}")  # a full name: two to four words of letters


class Norm:
    """A normalised text with, for every character, the span of the draft it came from."""

    __slots__ = ("ends", "starts", "text")

    def __init__(self, text: str, starts: list[int], ends: list[int]) -> None:
        self.text, self.starts, self.ends = text, starts, ends

    def span(self, a: int, b: int) -> tuple[int, int]:
        return self.starts[a], self.ends[b - 1]

    def sub(self, rx: re.Pattern[str], repl) -> Norm:
        """``rx.sub`` with the offsets carried along (a replacement maps to the span it replaced)."""
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        last = 0
        for m in rx.finditer(self.text):
            a, b = m.span()
            new = repl(m) if callable(repl) else repl
            parts.append(self.text[last:a])
            starts += self.starts[last:a]
            ends += self.ends[last:a]
            if new:
                s, e = (self.starts[a], self.ends[b - 1]) if b > a else (self.starts[min(a, len(self.starts) - 1)],) * 2
                parts.append(new)
                starts += [s] * len(new)
                ends += [e] * len(new)
            last = b
        if not parts:
            return self
        parts.append(self.text[last:])
        return Norm("".join(parts), starts + self.starts[last:], ends + self.ends[last:])


@lru_cache(maxsize=4096)
def _char(ch: str) -> str:
    return "".join(HOMOGLYPHS.get(c, c) for c in unicodedata.normalize("NFKC", ch).lower())


def normalise(text: str) -> Norm:
    """NFKC, zero-width characters removed, look-alike letters read as Latin, lower case; offsets kept."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        if ch < "\x80":
            c = ch.lower()
            out.append(c)
            starts.append(i)
            ends.append(i + 1)
            continue
        if ch in ZERO_WIDTH or unicodedata.category(ch) == "Cf":
            continue
        for c in _char(ch):
            out.append(c)
            starts.append(i)
            ends.append(i + 1)
    return Norm("".join(out), starts, ends)


def value_view(norm: Norm) -> Norm:
    """For private values: number words as digits, "at"/"dot" spellings as ``@``/``.`` (offsets kept)."""
    if any(w in norm.text for w in ("null", "eins", "zw", "drei", "vier", "f", "sechs", "sieben", "acht", "neun",
                                     "zero", "one", "two", "three", "six", "seven", "eight", "nine")):
        norm = norm.sub(NUMBER_RX, lambda m: NUMBER_WORDS[m.group(0)])
    if "at" in norm.text or "ät" in norm.text or "@" in norm.text:
        norm = norm.sub(AT_RX, "@")
        if "@" in norm.text:
            norm = norm.sub(DOT_RX, ".")
    return norm


def _phone_cores(digits: str, international: bool) -> set[str]:
    """A digit string as a draft may write it: with or without country code, trunk 0 or 00."""
    cores = {digits}
    if digits.startswith("00"):
        digits, international = digits[2:], True
        cores.add(digits)
    if international:
        for cc in COUNTRY_CODES:
            if digits.startswith(cc):
                cores.add(digits[len(cc):])
                break
    elif digits.startswith("0"):
        cores.add(digits[1:])
    return {c for c in cores if len(c) >= MIN_DIGITS}


class ValueIndex:
    """Private values by kind, canonical: e-mail addresses, digit strings (phones, numeric refs), compact
    references (IBANs, order numbers). Built once per collection; a draft is then scanned in linear time."""

    def __init__(self, values: Collection[str]) -> None:
        self.emails: set[str] = set()
        self.digits: set[str] = set()
        self.compact: set[str] = set()
        self.names: set[str] = set()  # full names ("thomas becker"): two to four words of letters
        for v in values:
            self.add(v)
        self.digit_lengths = sorted({len(d) for d in self.digits})
        self.compact_max = max((len(c) for c in self.compact), default=0)

    def add(self, value: str) -> None:
        v = normalise(str(value).strip()).text
        if not v:
            return
        if EMAIL_RX.fullmatch(v):
            self.emails.add(v)
            return
        if re.fullmatch(r"\+?[\d\s\-/().]+", v):
            digits = re.sub(r"\D", "", v)
            self.digits |= _phone_cores(digits, v.startswith("+"))
            return
        if v.startswith(("http://", "https://", "www.")):
            return  # a link is the link rule's business (and a tracking URL is evidence for its own customer)
        if NAME_RX.fullmatch(v):
            self.names.add(" ".join(WORD.findall(v)))
            return
        compact = re.sub(r"[\W_]", "", v)
        if len(compact) >= MIN_COMPACT and re.search(r"\d", compact) and re.search(r"[a-z]", compact):
            self.compact.add(compact)

    def keys(self) -> set[str]:
        return self.emails | self.digits | self.compact | self.names

    def find(self, view: Norm) -> list[tuple[str, int, int]]:
        """(canonical value, start, end) in the normalised view for every private value the text contains."""
        text = view.text
        hits: list[tuple[str, int, int]] = []
        if self.emails and "@" in text:
            for m in EMAIL_RX.finditer(text):
                addr = m.group(0).strip(".")
                if addr in self.emails:
                    hits.append((addr, m.start(), m.start() + len(addr)))
        if self.digits:
            for m in DIGITS_RX.finditer(text):
                run = re.sub(r"\D", "", m.group(0))
                if len(run) < MIN_DIGITS:
                    continue
                for n in self.digit_lengths:
                    if n > len(run):
                        break
                    if any(run[i:i + n] in self.digits for i in range(len(run) - n + 1)):
                        hits.append((run, m.start(), m.end()))
                        break
        if self.names:
            words = list(WORD.finditer(text))
            for i in range(len(words) - 1):
                for n in (2, 3, 4):
                    if i + n <= len(words):
                        key = " ".join(w.group(0) for w in words[i:i + n])
                        if key in self.names:
                            hits.append((key, words[i].start(), words[i + n - 1].end()))
        if self.compact:
            for m in TOKENS_RX.finditer(text):
                tokens = list(re.finditer(r"[a-z0-9]+", m.group(0)))
                for k, first in enumerate(tokens):
                    acc = ""
                    for last in tokens[k:]:
                        acc += last.group(0)
                        if len(acc) > self.compact_max:
                            break
                        if acc in self.compact:
                            hits.append((acc, m.start() + first.start(), m.start() + last.end()))
        return hits


_INDEX: list = [None, None]  # the last large collection (other customers' values) and its index


def index_of(values: Collection[str]) -> ValueIndex:
    if _INDEX[0] is not values:
        _INDEX[:] = [values, ValueIndex(values)]
    return _INDEX[1]


@lru_cache(maxsize=512)
def small_index(values: tuple[str, ...]) -> ValueIndex:
    return ValueIndex(values)

"""``confidential-leak``: no part of the system prompt, internal notes or other customers' data in a reply.

Matching runs on a normalised copy of the draft (offsets kept), so a disguised value is still the value: Unicode
NFKC, zero-width characters removed, Cyrillic/Greek look-alike letters read as Latin, lower case; for private values
also "at"/"dot" spellings of e-mail addresses ("thomas dot becker at example dot org", "thomas(at)example.org"),
digits written as words ("null eins fünf eins …", "one five one …") and spaced or lower-case IBANs and references.

By meaning (issue 11): a translated or paraphrased note or system prompt shares no six words with it, so each
sentence of the draft (and each pair of neighbouring sentences) is also compared with each sentence of the
confidential texts, and with a short text (a note) as a whole, by the cosine of their multilingual sentence
embeddings (``guardrails.meaning``; German and English land close). A draft sentence at or above
``meaning_threshold`` (policy ``rules: {confidential-leak: {meaning_threshold: …}}``) is a leak. The default was
calibrated by grouped cross-validation on a written set of translated/paraphrased leaks and innocent replies on
the same topics (``tests/guardrails/data/leak_meaning.py``, ``benchmarks/bench_meaning_rules.py``). Only
confidential texts of the current conversation (the customer's own notes, the system prompt) are compared by
meaning; other customers' values are matched exactly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from functools import lru_cache

from guardrails.checks.base import finding, msg
from guardrails.models import CheckContext, Finding
from guardrails.policy import Policy

WORD = re.compile(r"\w+")
# A reply that talks about its own prompt or instructions, or cites what internal notes say, is disclosing them,
# whatever follows. Adding a note ("I've left an internal note for my colleagues") is no disclosure: only citing
# one ("laut interner Notiz …", "the agent notes say …") is.
_NOTE = r"(?:interne[nrms]?\s+|agent\w*-?\s*|mitarbeiter-?\s*|crm-?\s*)(?:notiz|notizen|vermerk\w*|anmerkung\w*|kommentar\w*)"
_NOTE_EN = r"(?:internal|agent|staff|crm|case|account)\s+(?:notes?|memos?|comments?|remarks?)"
DISCLOSURE = re.compile(
    r"\b(?:my (?:system )?(?:prompt|instructions)|system ?prompt|mein\w{0,2} (?:system)?(?:prompt|anweisung\w*|"
    r"instruktion\w*)|systemprompt|systemanweisung\w*|"
    r"(?:i(?:'ve| have)? been|i was|i am|i'm) (?:instructed|programmed) (?:not )?to|"
    r"(?:ich (?:wurde|bin)|(?:wurde|bin) ich) (?:\w+ )?(?:angewiesen|instruiert)|man hat mich (?:\w+ )?angewiesen|"
    rf"(?:laut|gemäß|nach|in|aus)\s+(?:de[rnm]\s+|unsere[rnm]?\s+|einer\s+)?{_NOTE}|"
    rf"{_NOTE}\s+(?:\w+\s+)?(?:sagt|sagen|besagt|besagen|steht|stehen|zeigt|zeigen|lautet|vermerkt)|"
    rf"(?:according to|as per|per|in)\s+(?:the\s+|our\s+|my\s+|your\s+)?{_NOTE_EN}|"
    rf"{_NOTE_EN}\s+(?:on (?:your|the) (?:account|file|case)\s+)?(?:say|says|said|state|states|show|shows|mention|"
    r"mentions|read|reads|describe|describes)|"
    # notes without "internal": cited by what they say, not merely named ("in der Notiz an den Kurier")
    r"(?:laut|gemäß|nach)\s+(?:de[rnm]\s+|unsere[rnm]?\s+|meine[rnm]?\s+)?(?:notiz|notizen|vermerke?n?)|"
    r"(?:unsere[rnm]?|meine[rnm]?|den|die)\s+(?:notiz|notizen|vermerke?)\s+(?:\w+\s+)?(?:sagt|sagen|besagt|besagen|"
    r"zeigt|zeigen|steht|stehen)|"
    r"according to (?:our|my|the) notes|(?:our|my|the) notes (?:say|says|show|shows|mention|mentions|state|states|"
    r"indicate|indicates)|(?:flagged|noted|listed) in (?:our|the) notes|"
    # the customer labelled by an internal flag ("you're flagged as a VIP", "Sie sind bei uns als … vermerkt")
    r"(?:you(?:'re| are)|du bist|sie sind)\s+(?:bei uns\s+|intern\s+|in our \w+\s+)?(?:(?:als|as)\s+(?:\S+\s+){0,4}?)?"
    r"(?:flagged|vermerkt|eingestuft)|"
    # rules of one's own that forbid or require ("meine Regeln verbieten mir …", "my guidelines don't allow …")
    r"(?:my|meine)\s+(?:rules|regeln|richtlinien|guidelines|programming|programmierung)\s+(?:[\w']+\s+)?"
    r"(?:verbiet\w*|erlaub\w*|besag\w*|verlang\w*|forbid\w*|allow\w*|prevent\w*|require\w*|say|says|tell\w*))\b",
    re.I)
# Machine identifiers of a confidential text (the system prompt's "knowledge_gap", "<data>", "PASSAGES", a note's
# canary token) never belong in a reply: each is a short secret of its own.
IDENTIFIER = re.compile(r"(?<![\w<])(?:[a-z]+_[a-z_]+|<[a-z]+>|[A-Z][A-Z_]{6,})(?![\w>])")
SHINGLE = 6  # six consecutive words shared with a confidential text is a leak

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


def _index_of(values: Collection[str]) -> ValueIndex:
    if _INDEX[0] is not values:
        _INDEX[:] = [values, ValueIndex(values)]
    return _INDEX[1]


@lru_cache(maxsize=512)
def _small_index(values: tuple[str, ...]) -> ValueIndex:
    return ValueIndex(values)


@lru_cache(maxsize=512)
def _norm_words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(normalise(text).text))


def _shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    words = _norm_words(text)
    return {words[i:i + n] for i in range(max(0, len(words) - n + 1))}


class ConfidentialLeak:
    rule_id = "confidential-leak"
    cost = 3

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.official = _small_index(tuple(policy.contact.values())).keys()
        self.shingle = policy.rules.confidential_leak.shingle_words  # SHINGLE unless the policy says otherwise
        self.meaning_threshold = policy.rules.confidential_leak.meaning_threshold  # 0 or above 1: off
        self.meaning_severity = policy.rules.confidential_leak.meaning_severity

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        out = [(m.start(), m.end()) for m in DISCLOSURE.finditer(draft)]
        others = ctx.other_private_values
        if not ctx.confidential and not others and not out:
            return []
        norm = normalise(draft)
        lower = norm.text
        short: list[str] = []
        if ctx.confidential:
            shingle = self.shingle
            draft_words = list(WORD.finditer(lower))
            draft_shingles = {}
            for i in range(max(0, len(draft_words) - shingle + 1)):
                key = tuple(w.group(0) for w in draft_words[i:i + shingle])
                draft_shingles.setdefault(key, norm.span(draft_words[i].start(), draft_words[i + shingle - 1].end()))
            for text in ctx.confidential:
                text = text.strip()
                if not text:
                    continue
                # short secrets (a canary token, a note) must not appear at all, however disguised
                if len(WORD.findall(text)) < shingle and len(text) >= 6:
                    secret = normalise(text).text
                    pos = lower.find(secret)
                    if pos >= 0:
                        out.append(norm.span(pos, pos + len(secret)))
                    short.append(text)
                    continue
                for sh in _shingles(text, shingle) & set(draft_shingles):
                    out.append(draft_shingles[sh])
            for ident in _identifiers(tuple(ctx.confidential)):
                haystack = draft if ident.isupper() else lower  # upper-case tokens only as written: "PASSAGES"
                for m in re.finditer(r"(?<![\w<])" + re.escape(ident if ident.isupper() else ident.lower()) + r"(?![\w>])",
                                     haystack):
                    out.append((m.start(), m.end()) if ident.isupper() else norm.span(m.start(), m.end()))
        if short or others:
            view = value_view(norm)
            own_values = (*ctx.private_values, *([ctx.customer_name] if ctx.customer_name else []))
            own = _small_index(tuple(own_values)).keys() if own_values else set()
            indexes = ([_small_index(tuple(short))] if short else []) + ([_index_of(others)] if others else [])
            for index in indexes:
                for key, a, b in index.find(view):
                    # the customer's own data and the brand's official contact data are not someone else's
                    if index is _INDEX[1] and (key in own or key in self.official or _core_in(key, own)):
                        continue
                    out.append(view.span(a, b))
        by_meaning: list[tuple[int, int]] = []
        if ctx.confidential and 0 < self.meaning_threshold <= 1:
            by_meaning = [span for span in meaning_leaks(draft, ctx.confidential, self.meaning_threshold)
                          if not any(a <= span[0] < b for a, b in out)]
        spans: list[tuple[int, int]] = []
        for a, b in sorted(set(out)):  # overlapping hits are one leak ("thomas.becker@…" holds the name too)
            if spans and a < spans[-1][1]:
                spans[-1] = (spans[-1][0], max(b, spans[-1][1]))
            else:
                spans.append((a, b))
        found = [finding(self.rule_id, "block",
                         msg(ctx, "Vertrauliche Inhalte (Systemanweisung, interne Notiz oder fremde Daten) in der Antwort.",
                             "Confidential content (system prompt, internal note or someone else's data) in the reply."),
                         s, e) for s, e in spans[:5]]
        return found + [finding(self.rule_id, self.meaning_severity,
                                msg(ctx, "Sinngemäß wie eine interne Notiz oder die Systemanweisung: prüfen, ob hier "
                                         "Vertrauliches steht.",
                                    "Says what an internal note or the system prompt says: check that nothing "
                                    "confidential is disclosed."),
                                s, e) for s, e in sorted(set(by_meaning))[:3]]


@lru_cache(maxsize=64)
def _identifiers(texts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({m.group(0) for text in texts for m in IDENTIFIER.finditer(text)}))


def _core_in(run: str, own: set[str]) -> bool:
    """A digit run that contains one of the customer's own numbers is the customer's own."""
    return run.isdigit() and any(k.isdigit() and k in run for k in own)


MEANING_WHOLE_CHARS = 400  # a confidential text this short (a note) is also compared as a whole


def _confidential_units(texts: tuple[str, ...]) -> list[str]:
    from guardrails import meaning

    units: list[str] = []
    for text in texts:
        units += [s for _, _, s in meaning.sentences(text)]
        whole = " ".join(text.split())
        if len(whole) <= MEANING_WHOLE_CHARS and len(whole.split()) >= 2:
            units.append(whole)
    return list(dict.fromkeys(units))


def leak_scores(draft: str, confidential: list[str]) -> list[tuple[int, int, float]]:
    """(start, end, best cosine to any confidential unit) for each draft sentence and pair of neighbouring
    sentences; empty when there is nothing to compare or no encoder."""
    from guardrails import meaning

    sents = meaning.sentences(draft)
    units = _confidential_units(tuple(t for t in confidential if t and t.strip()))
    if not sents or not units:
        return []
    spans = [(a, b, s) for a, b, s in sents]
    spans += [(a1, b2, f"{s1} {s2}") for (a1, _, s1), (_, b2, s2) in zip(sents, sents[1:], strict=False)]
    dv = meaning.vectors([s for _, _, s in spans])
    cv = meaning.vectors(units)
    if dv is None or cv is None:
        return []
    best = meaning.similarity(dv, cv).max(axis=1)
    return [(a, b, float(x)) for (a, b, _), x in zip(spans, best, strict=True)]


def meaning_leaks(draft: str, confidential: list[str], threshold: float) -> list[tuple[int, int]]:
    """Spans of the draft that say what a confidential text says (translated or paraphrased)."""
    hits = sorted((a, b) for a, b, x in leak_scores(draft, confidential) if x >= threshold)
    out: list[tuple[int, int]] = []
    for a, b in hits:  # a pair of sentences and its parts: keep the shortest span at each start
        if out and a < out[-1][1]:
            continue
        out.append((a, b))
    return out

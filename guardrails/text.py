"""Text helpers shared by the checks: messy social-media text → analysable sentences, with offsets kept."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


def _trie_rx(words: list[str]) -> str:
    """A regex alternation as a trie (``co(?:m|op)?``…): Python's engine does not factor alternatives itself."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def walk(node: dict) -> str:
        end = "" in node
        alts = [re.escape(ch) + walk(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if end else body

    return walk(trie)


def _tlds() -> list[str]:
    """Every top-level domain: IANA's root zone list shipped in the package (provenance in ``tlds.json``)."""
    data = json.loads((Path(__file__).with_name("tlds.json")).read_text(encoding="utf-8"))
    return [t for t in data["tlds"] if t]


_TLDS = _tlds()
TLDS = frozenset(_TLDS)
# A link is an http(s) or www. address, or a bare host whose last label is a real top-level domain (any of IANA's
# ~1,500, not a handful): "brand-hilfe.app/x", "brand.example.evil.shop/win". The TLD must end the host (not
# "brand.example" inside "brand.example.evil.shop") and be written in one case unless a path follows ("Anna.Ist" is a missing space).
# Host labels are bounded (DNS: 63 characters, a handful of labels): an unbounded ``[\w-]+(?:\.[\w-]+)*``
# backtracked quadratically on "a-a-a-…" / "a.a.a.…" (issue 12 item 19).
URL_RX = re.compile(
    r"(?i:(?:https?://|www\.)[^\s<>\"')\]]+)"
    r"|(?<![\w.-])[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\."
    r"(?:" + _trie_rx(_TLDS) + "|" + _trie_rx(sorted({t.upper() for t in _TLDS}))
    + r"|(?i:" + _trie_rx(_TLDS) + r")(?=/))"  # mixed case ("brand.exampIe/login") only with a path
    r"(?![\w-]|\.[\w-]|@)(?::\d{2,5})?(?:/[^\s<>\"')\]]*)?")
HANDLE_RX = re.compile(r"(?<![\w@])@\w{1,30}")
SIGNATURE_RX = re.compile(
    r"(?:\s[\^*~/=]\s?[A-Z][A-Za-z]{0,14}\b|\s[-–—]\s?[A-Z][a-z]{1,14}(?:\s[A-Z][a-z]+)?|\s(?:TY|Ty|Thanks|Danke)\s?[-–]\s?[A-Z][a-z]+)\s*$"
)
THREAD_RX = re.compile(r"(?:^|\s)\(?\d{1,2}/\d{1,2}\)?(?=[\s.:]|$)")
ELLIPSIS_RX = re.compile(r"\.{3}|…")
SENTENCE_RX = re.compile(r"[^.!?\n]+(?:[.!?]+|\n|$)")
# Where a sentence ends: marks followed by white space or the end, or a line break — not after an abbreviation
# ("z. B.", "ca.", "Nr.", "e.g."), an initial, or a German ordinal ("ab dem 3. Tag", "am 5. Mai"), and not inside a
# figure ("4.99").
_END_RX = re.compile(r"[.!?]+(?=\s|$)|\n")
_ABBREVIATIONS = frozenset({
    "ca", "bzw", "nr", "inkl", "zzgl", "ggf", "usw", "etc", "evtl", "vgl", "str", "tel", "dr", "hr", "fr", "mr",
    "mrs", "ms", "st", "vs", "bspw", "mind", "max", "min", "abs", "art", "ggü", "sog", "jan", "feb", "apr", "aug",
    "sep", "sept", "okt", "oct", "nov", "dez", "dec"})
_ORDINAL_BEFORE = frozenset({
    "dem", "den", "der", "des", "die", "das", "am", "ab", "zum", "zur", "vom", "im", "bis", "seit", "ein", "eine",
    "einem", "einen", "einer", "jeden", "jedem", "jede", "jeder", "ihr", "ihre", "ihrem", "ihren", "dein", "deine",
    "deinem", "deinen", "unser", "unsere", "unserem", "unseren"})
_MONTHS = re.compile(r"(?:januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|"
                     r"dezember)\b", re.I)


def _last_word(text: str, end: int) -> tuple[str, int]:
    """The word ending at ``end`` (letters and digits) and where the text before it ends (white space skipped)."""
    i = end
    while i > 0 and end - i < 40 and text[i - 1].isalnum():
        i -= 1
    j = i
    while j > 0 and i - j < 5 and text[j - 1].isspace():
        j -= 1
    return text[i:end], j


def _continues(text: str, end: int) -> bool:
    """Whether the "." ending at ``end`` belongs to an abbreviation or ordinal rather than ending a sentence."""
    if text[end - 1] != "." or end < 2 or not text[end - 2].isalnum():
        return False
    word, rest = _last_word(text, end - 1)
    if not word:
        return False
    before = _last_word(text, rest)[0].lower() if rest < end - 1 - len(word) else ""
    if (len(word) == 1 and word.isalpha()) or word.lower() in _ABBREVIATIONS:
        return True
    nxt = text[end:].lstrip()[:12]
    if word.isdigit() and len(word) <= 2 and nxt[:1].isalpha():
        return before in _ORDINAL_BEFORE or bool(_MONTHS.match(nxt))
    return False


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, the end mark included; blank spans left out."""
    out, start = [], 0
    for m in _END_RX.finditer(text):
        if m.group(0) != "\n" and _continues(text, m.end()):
            continue
        if text[start:m.end()].strip():
            out.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        out.append((start, len(text)))
    return out


EMOJI_RX = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\U0001F000-\U0001F2FF]")


def blank(text: str, rx: re.Pattern[str], keep: str = " ") -> str:
    """Replace matches by spaces of the same length, so offsets stay valid."""
    return rx.sub(lambda m: keep * len(m.group(0)), text)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str  # masked text (handles/urls/signatures blanked), same offsets as the draft
    raw: str  # the draft's text of this span
    has_url: bool


@lru_cache(maxsize=2048)
def analyse(draft: str) -> tuple[str, tuple[Sentence, ...]]:
    """Masked text plus sentences. URLs are blanked in the mask but remembered per sentence."""
    masked = blank(draft, HANDLE_RX)
    url_spans = [(m.start(), m.end()) for m in URL_RX.finditer(masked)]
    masked = blank(masked, URL_RX)
    masked = blank(masked, THREAD_RX)
    masked = blank(masked, ELLIPSIS_RX)
    masked = SIGNATURE_RX.sub(lambda m: " " * len(m.group(0)), masked.rstrip()) + masked[len(masked.rstrip()):]
    sentences: list[Sentence] = []
    for m in SENTENCE_RX.finditer(masked):
        seg = m.group(0)
        if not seg.strip():
            continue
        start, end = m.start(), m.end()
        has_url = any(s >= start and s < end for s, _ in url_spans)
        sentences.append(Sentence(start, end, seg, draft[start:end], has_url))
    # A URL after the last sentence mark (e.g. "... here: https://x") belongs to the sentence before.
    if sentences and url_spans:
        last = sentences[-1]
        for s, _ in url_spans:
            if s >= last.end:
                sentences[-1] = Sentence(last.start, last.end, last.text, last.raw, True)
    return masked, tuple(sentences)


def weighted_length(text: str, url_weight: int | None) -> int:
    """Characters as X counts them: each URL counts ``url_weight`` (23), emoji count 2."""
    n = len(text)
    if url_weight:
        for m in URL_RX.finditer(text):
            n += url_weight - len(m.group(0))
    n += len(EMOJI_RX.findall(text))
    return n


def shorten_at_sentence(text: str, limit: int, url_weight: int | None, keep_tail: str = "") -> str:
    """Drop whole sentences from the end (keeping a sign-off tail) until the text fits."""
    _, sentences = analyse(text)
    parts = [text[s.start:s.end].strip() for s in sentences]
    tail = keep_tail.strip()
    if tail and parts and parts[-1].endswith(tail):
        parts[-1] = parts[-1][: -len(tail)].strip()
    # Grow from the front instead of re-measuring the whole text once per dropped sentence (quadratic on a
    # pasted megabyte, issue 12 item 19). Weighted lengths add up: a URL never spans the space between parts.
    parts = [p for p in parts if p]
    budget = limit - (weighted_length(f" {tail}", url_weight) if tail else 0)
    used, k = -1, 0
    for p in parts:
        used += 1 + weighted_length(p, url_weight)
        if used > budget:
            break
        k += 1
    while k > 0:
        candidate = " ".join(parts[:k]) + (f" {tail}" if tail else "")
        if weighted_length(candidate, url_weight) <= limit:
            return candidate
        k -= 1
    return text[:limit]


# Topic words (the relevance rule and its meaning features): lower-case letter runs of ≥ 4, handles, hashtags and
# links skipped, a light German/English suffix stemmer ("Lieferungen" and "Lieferung" meet).
TOPIC_WORD_RX = re.compile(r"[a-zäöüß]{4,}")
TOPIC_SKIP_RX = re.compile(r"(?<!\w)[@#]\w+|https?://\S+")
_TOPIC_SUFFIXES = ("ungen", "ung", "en", "er", "es", "e", "s", "n", "ing", "ed")


def topic_stem(word: str) -> str:
    word = unicodedata.normalize("NFC", word)
    for suffix in _TOPIC_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word

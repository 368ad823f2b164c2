"""Fixes that keep a reply coherent: remove the sentence or clause that carries personal data (never "[…]"), add
the brand's private hand-off once, keep the sign-off last and the channel's length limit."""

from __future__ import annotations

import re
from collections.abc import Sequence

from guardrails.text import weighted_length

# A sentence ends at . ! ? followed by a space (not inside "shop.example/x" or "3.5"), or at a line end; the
# two alternatives are disjoint, so matching is linear.
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?![\s.!?]|$))+(?:[.!?]+|\n|$)")
# Where a sentence splits into clauses that stand alone (a comma usually does not: "…, it shows in 3 days").
_CLAUSE_SEP = re.compile(r";\s|\s[–—]\s|\s-\s|,?\s(?:oder|or|und|and|sowie|aber|but)\s")
# A hand-off to a private channel is already there (DE/EN): no second one.
PRIVATE_CHANNEL = re.compile(r"(?<!\w)(?:DM|PN|Direktnachricht|direct message|private (?:message|chat)|privat)(?!\w)",
                             re.I)
# Closed-class words (pronouns, articles, possessives, "bitte"/"please") that may continue a sentence after
# "Hallo Anna," in lower case; anything else (a noun, a name) starts a sentence of its own.
_CONTINUES = {"er", "es", "wir", "ich", "du", "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen",
              "dein", "deine", "deinen", "deinem", "deiner", "unser", "unsere", "unseren", "bitte", "danke", "dann",
              "we", "it", "he", "she", "they", "the", "a", "an", "your", "our", "this", "that", "please", "thanks",
              "then", "für", "for", "just", "schreib", "send"}
_FORMAL = {"Sie", "Ihr", "Ihre", "Ihnen", "Ihren", "Ihrem", "Ihrer", "Ihres", "I", "DM"}


def _sentences(text: str, protect: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans; dots inside the protected spans (dates, e-mails, "Str.") do not end a sentence."""
    masked = list(text)
    for s, e in protect:
        for i in range(s, min(e, len(text))):
            masked[i] = "0" if text[i] in ".!?\n" else text[i]
    view = "".join(masked)
    out = []
    for m in _SENTENCE.finditer(view):
        if m.group(0).strip():
            out.append((m.start(), m.end()))
    return out


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    text = re.sub(r",\s*([.!?])", r"\1", text)
    return text.strip()


def _without_clauses(sentence: str, spans: Sequence[tuple[int, int]],
                     greeting: re.Pattern[str] | None = None) -> str | None:
    """The sentence without the clauses that hold a span (offsets relative to the sentence), or None when no
    clause without data is left (drop the whole sentence). A leading greeting ("Hallo Anna,") is a clause."""
    cuts = [0]
    seps = list(_CLAUSE_SEP.finditer(sentence))
    comma = sentence.find(", ")
    if greeting is not None and comma > 0 and greeting.match(sentence) and len(sentence[:comma].split()) <= 4:
        seps = [re.compile(", ").search(sentence, comma), *seps]
    for m in seps:
        if not any(s < m.end() and m.start() < e for s, e in spans):
            cuts.append(m.start())
    cuts.append(len(sentence))
    clauses = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
    keep = [(a, b) for a, b in clauses if not any(s < b and a < e for s, e in spans)]
    if not keep:
        return None
    words = [sentence[a:b] for a, b in keep]
    lead = _CLAUSE_SEP.match(words[0])
    out = (words[0][lead.end():] if lead else words[0]).lstrip(" ,;–—-") + "".join(words[1:])
    out = out.strip()
    # the first clause was removed: capitalise the new start, end like the original sentence
    if keep[0][0] > 0 and out[:1].islower():
        out = out[0].upper() + out[1:]
    end = re.search(r"[.!?]+\s*$", sentence)
    out = out.rstrip(" ,;:–—-")
    if end and not re.search(r"[.!?]$", out):
        out += end.group(0).strip()
    return out


def remove_spans(text: str, spans: Sequence[tuple[int, int]], greeting: re.Pattern[str] | None = None,
                 replacements: dict[tuple[int, int], str] | None = None) -> tuple[str, bool]:
    """Remove the clause (or, when nothing else is left, the sentence) carrying each span. ``replacements`` maps
    spans to a text that replaces them instead (a full name → the first name). Returns the text and whether the
    first sentence was cut back to its greeting."""
    replacements = replacements or {}
    # apply the replacements first, shifting the other spans
    removed = sorted(sp for sp in spans if sp not in replacements)
    for (s, e), new in sorted(replacements.items(), reverse=True):
        text = text[:s] + new + text[e:]
        delta = len(new) - (e - s)
        removed = [(a + delta if a >= e else a, b + delta if b >= e else b) for a, b in removed]
    out_parts: list[str] = []
    pos = 0
    greeting_only = False
    for n, (a, b) in enumerate(_sentences(text, removed)):
        out_parts.append(text[pos:a])
        sentence = text[a:b]
        local = [(max(s, a) - a, min(e, b) - a) for s, e in removed if s < b and a < e]
        if local:
            kept = _without_clauses(sentence, local, greeting if n == 0 else None)
            sentence = kept or ""
            if kept and n == 0 and greeting is not None and greeting.match(kept) and len(kept.split()) <= 4:
                greeting_only = True
        out_parts.append(sentence)
        pos = b
    out_parts.append(text[pos:])
    parts = [p.strip() for p in out_parts if p.strip()]
    if greeting_only and len(parts) > 1:
        # "Hallo Anna," and the next sentence: continue it after the comma where its first word allows
        greeting_only = False
        first = parts[1].split(" ", 1)[0]
        if first in _FORMAL or first.lower() in _CONTINUES:
            if first not in _FORMAL:
                parts[1] = parts[1][0].lower() + parts[1][1:]
            parts[0] = re.sub(r"[.!?]$", ",", parts[0].rstrip())
            if not parts[0].endswith(","):
                parts[0] += ","
        else:
            parts[0] = re.sub(r",$", ".", parts[0].rstrip())
    return _tidy(" ".join(parts)), greeting_only


def join_handoff(body: str, handoff: str, greeting_only: bool) -> str:
    """Put the hand-off after the body; after a bare greeting ("Hallo Anna,") it continues the sentence."""
    if greeting_only:
        head = re.sub(r"[.!?]$", ",", body.rstrip())
        first = handoff.split(" ", 1)[0]
        if first in _FORMAL or first.lower() in _CONTINUES:
            if first not in _FORMAL:
                handoff = handoff[0].lower() + handoff[1:]
        else:
            head = head[:-1] + "."  # "Hallo Anna." then a sentence of its own
        return f"{head} {handoff}"
    return f"{body.rstrip()} {handoff}".strip()


def fit_limit(body: str, limit: int | None, url_weight: int | None, *, tail: str = "", keep: str = "") -> str:
    """``body`` + ``keep`` (a sentence that must stay, e.g. the hand-off) + ``tail`` (the sign-off) within
    ``limit``: whole sentences are dropped from the end of the body, then words, never the kept parts."""
    def join(b: str) -> str:
        return " ".join(p for p in (b.strip(), keep.strip(), tail.strip()) if p)

    full = join(body)
    if not limit or weighted_length(full, url_weight) <= limit:
        return full
    def longest(parts: list[str], render) -> str | None:
        """The longest prefix of ``parts`` (at least one) whose rendering fits; the length grows with the prefix, so
        a bisection finds it in log(n) renderings (popping one part at a time was quadratic on a long draft)."""
        lo, hi = 0, len(parts) - 1  # the fitting prefix has lo..hi parts; the whole does not fit
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if weighted_length(render(parts[:mid]), url_weight) <= limit:
                lo = mid
            else:
                hi = mid - 1
        return render(parts[:lo]) if lo else None

    sentences = [body[a:b].strip() for a, b in _sentences(body, ())]
    if (found := longest(sentences, lambda p: join(" ".join(p)))) is not None:
        return found
    # the first sentence alone is too long: cut it at a word boundary
    words = body.split()
    if (found := longest(words, lambda p: join(" ".join(p).rstrip(",;:–-") + " …"))) is not None:
        return found
    return join("")[:limit]

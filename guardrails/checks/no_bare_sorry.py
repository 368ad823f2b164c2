"""``no-bare-sorry``: an apology or sympathy must come with concrete help.

The draft is read sentence by sentence (handles, URLs, signatures and thread markers masked). Each sentence,
minus its apology phrase and the problem it restates ("sorry *that your delivery is delayed*", up to the next
clause), is classified: **substance** (a specific piece of information asked for, a specific question, an
instruction, a fact with time/number/cause, an action taken, a link with its purpose), **thin** (a generic move to
another channel or a generic request for "details"), or **empty** (filler: "let us know if we can help", "we're
looking into it", "as soon as possible"). The verdict:

* no apology/sympathy → the rule does not apply;
* any substance → ok;
* only thin → ``warn`` (thin);
* nothing → ``block`` (bare).

When the lexicons find nothing, the classifier (:mod:`guardrails.checks.substance_model`) decides by meaning, unless
every sentence is plainly filler (an apology alone or with a restatement of the problem, or an ``empty``/``hedge``/
``dead_end`` phrase): that stays bare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from guardrails.checks.base import draft_language, finding, msg
from guardrails.models import CheckContext, Finding
from guardrails.policy import CompiledLexicon, Policy
from guardrails.text import Sentence, analyse

Verdict = Literal["none", "bare", "thin", "ok"]
RULE = "no-bare-sorry"


@dataclass
class SentenceReading:
    kind: str  # substance | thin | empty
    reason: str


@dataclass
class Classification:
    verdict: Verdict
    apology: tuple[int, int] | None = None
    reasons: list[str] = field(default_factory=list)
    details: list[SentenceReading] = field(default_factory=list)
    probabilities: dict[str, float] | None = None  # the classifier's P(bare/thin/ok), when it was consulted
    filler: bool = False  # bare, and every sentence is an apology (+ a restatement of the problem) or filler


# The problem restated right after an apology, up to the next clause: "sorry *for the delay this morning*", "sorry
# *that your delivery is delayed* although …", "es tut uns leid*, dass der Zug ausgefallen ist*, weil …". It names
# the customer's problem, not help, so its time words and states ("this morning", "is delayed") are no facts. A new
# clause or a concrete detail ends it (and stays to be read): a comma, colon, dash or bracket, a digit, a connective
# ("and", "but", "because", "due to", "until", "weil", "bis" …), "please"/"bitte" or a first-person future or perfect
# ("we'll", "I have", "wir werden" …).
_RESTATED = re.compile(
    r"[\s,]*(?:(?:mich|uns|dich|sie|ihnen|euch|you|us)\b[\s,]*)?(?:that|for|about|to (?:hear|see|read|learn)|dass|"
    r"für|wegen|über|zu (?:hören|lesen))\b(?:(?![,;:–—(\d]|\b(?:although|though|but|however|because|since|as|so|"
    r"and|due to|owing to|caused by|until|till|aber|obwohl|jedoch|doch|da|weil|denn|aufgrund|wegen|infolge|bis|und|"
    r"please|bitte|we'?ll|we will|we'?ve|we have|i'?ll|i will|i'?ve|i have|wir (?:haben|werden)|ich (?:habe|werde))\b).)*", re.I)


def _strip_restated(text: str, lex: CompiledLexicon) -> str:
    """The text without the restated problem (``_RESTATED``) after each apology or sympathy phrase."""
    spans = sorted(m.span() for key in ("apology", "sympathy") for m in lex.find(key, text))
    out, last = [], 0
    for start, end in spans:
        if start < last:
            continue
        clause = _RESTATED.match(text, end)
        out.append(text[last:end] + " ")
        last = clause.end() if clause else end
    return "".join(out) + text[last:]


def _strip_apology(text: str, lex: CompiledLexicon) -> str:
    """The text without its apology/sympathy phrases and the problem each one restates."""
    text = _strip_restated(text, lex)
    for key in ("apology", "sympathy"):
        rx = getattr(lex, key)
        if rx:
            text = rx.sub(" ", text)
    return text


# "without giving any account information", "don't share your card number": not a request for it.
_NEGATED = re.compile(
    r"\b(?:without|don'?t|do not|never|ohne|nicht|keine)\s+(?:\w+\s+){0,3}?"
    r"(?:info\w*|details?|numbers?|data|daten|angaben|nummer\w*)\b", re.I)
# An instruction is imperative: at the start of the sentence or after a request cue.
_IMPERATIVE_CUE = re.compile(
    r"(?:^|\b(?:please|pls|can you|could you|you can|you could|you may|you might|advise|let'?s|bitte|"
    r"kannst du|können sie|könnten sie|du kannst|sie können|einfach)\b[\s,]*(?:[\w-]+\s+){0,4})$", re.I)
_DIGIT = re.compile(r"\d")


def _imperative(text: str, lex: CompiledLexicon) -> bool:
    return any(_IMPERATIVE_CUE.search(text[: m.start()].lstrip(" ,.!")) or not text[: m.start()].strip(" ,.!")
               for m in lex.find("instruction", text))


def classify_sentence(s: Sentence, lex: CompiledLexicon) -> tuple[str, str]:
    """('substance'|'thin'|'empty', reason) for one sentence."""
    text = _strip_apology(s.text, lex).strip()
    if not text or len(text.strip(" .,!?:;-()")) < 3:
        return "empty", "apology only"
    question = s.raw.rstrip().endswith("?") or s.text.rstrip().endswith("?")
    hedged = lex.has("hedge", text)
    asked = _NEGATED.sub(" ", text)
    thin = lex.has("thin", text)
    requestish = lex.has("request", text) or question or s.has_url
    if lex.has("specific_info", asked) and (lex.has("request", asked) or question):
        return "substance", "asks for specific information"
    if lex.has("action", text):
        return "substance", "action taken"
    if thin and requestish:
        return "thin", "generic channel move or details request"
    if question and lex.has("specific_question", text) and not lex.has("empty", text):
        return "substance", "specific question"
    if _imperative(text, lex) and not hedged:
        return "substance", "instruction"
    if s.has_url and (lex.has("link_purpose", text) or lex.has("link_purpose", s.raw.replace("/", " "))):
        return "substance", "link with its purpose"
    if _DIGIT.search(text) and not hedged:
        return "substance", "concrete number or time"
    if lex.has("fact", text) and not hedged and not lex.has("empty", text) and not lex.has("dead_end", text):
        return "substance", "concrete fact"
    if s.has_url and not hedged:
        return "thin", "link without a purpose"
    if question and not lex.has("empty", text):
        return "thin", "generic question"
    return "empty", "no concrete content"


# What follows an apology when it only restates the problem: "sorry *that your order is late*", "es tut uns leid,
# *dass* …", "apologies *for the wait*", "I understand the frustration *this causes*" (one clause: no second clause
# after a dash, colon or semicolon).
_RESTATEMENT = re.compile(
    r"^(?:(?:mich|uns|dich|sie|ihnen|euch|you|us)\b[\s,]*)?(?:that|for|about|to (?:hear|see|read|learn)|dass|für|"
    r"wegen|über|zu (?:hören|lesen)|(?:(?:den|die|das|dies|this|that|it|which)\s+)+(?:\w+\s+){0,2}"
    r"(?:causes|caused|verursacht|verursachen))\b[^;:–—]*$", re.I)


def _filler(s: Sentence, lex: CompiledLexicon) -> bool:
    """The sentence says nothing beyond the apology: filler ("one moment", "we're here to help", "as much as
    possible"), an apology alone, or an apology followed only by a restatement of the problem."""
    rest = _strip_apology(s.text, lex).strip(" .,!?:;-()")
    if len(rest.split()) < 2 or lex.has("empty", rest) or lex.has("hedge", rest) or lex.has("dead_end", rest):
        return True
    ends = [m.end() for key in ("apology", "sympathy") for m in lex.find(key, s.text)]
    if not ends:
        return False
    tail = s.text[max(ends):].strip(" .,!?-()")
    return len(tail.split()) < 2 or bool(_RESTATEMENT.match(tail))


def classify_lexical(draft: str, language: str, policy: Policy) -> Classification:
    """The lexicon reading alone (also a feature of the classifier)."""
    lex = policy.lex(language)
    masked, sentences = analyse(draft)
    first = None
    for key in ("apology", "sympathy"):
        for m in lex.find(key, masked):
            if first is None or m.start() < first[0]:
                first = (m.start(), m.end())
    if first is None:
        return Classification("none")
    kinds = [classify_sentence(s, lex) for s in sentences]
    reasons = [r for _, r in kinds]
    details = [SentenceReading(k, r) for k, r in kinds]
    if any(k == "substance" for k, _ in kinds):
        return Classification("ok", first, reasons, details)
    if any(k == "thin" for k, _ in kinds):
        return Classification("thin", first, reasons, details)
    return Classification("bare", first, reasons, details, filler=all(_filler(s, lex) for s in sentences))


def decide(lexical: Verdict, probs: dict[str, float] | None, block_threshold: float = 0.5,
           filler: bool = False) -> Verdict:
    """Combine the lexicon reading with the classifier. A concrete element the lexicons found is trusted (cheap
    path); otherwise the classifier decides by meaning: block (bare) when P(bare) reaches ``block_threshold``,
    else ok or thin, whichever is more probable. "Thin" needs a generic channel move or details request, which the
    lexicons recognise: when they read the draft as bare (no such cue), the classifier's thin mass counts as bare.
    A bare reading made only of apologies, restatements of the problem and filler (``filler``) stays bare: the
    classifier reads long polite filler as content."""
    if lexical in ("none", "ok") or probs is None or (lexical == "bare" and filler):
        return lexical
    if lexical == "bare":
        return "bare" if probs["bare"] + probs["thin"] >= block_threshold else "ok"
    if probs["bare"] >= block_threshold:
        return "bare"
    return "ok" if probs["ok"] > probs["thin"] else "thin"


def classify(draft: str, language: str, policy: Policy, use_model: bool = True) -> Classification:
    result = classify_lexical(draft, language, policy)
    if not use_model or result.verdict in ("none", "ok") or result.filler:
        return result
    from guardrails.checks import substance_model

    probs = substance_model.probabilities(draft, language, policy)
    if probs is None:
        return result
    model = substance_model.load_model()
    threshold = float(model["block_threshold"]) if model is not None and "block_threshold" in model else 0.5
    verdict = decide(result.verdict, probs, threshold)
    reasons = [*result.reasons, f"classifier P(ok)={probs['ok']:.2f} P(bare)={probs['bare']:.2f}"]
    return Classification(verdict, result.apology, reasons, result.details, probs)


class NoBareSorry:
    rule_id = RULE
    cost = 2

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        result = classify(draft, draft_language(draft, ctx), self.policy)
        if result.verdict in ("none", "ok"):
            return []
        start, end = result.apology or (0, len(draft))
        if result.verdict == "bare":
            return [finding(
                RULE, "block",
                msg(ctx, "Entschuldigung ohne konkrete Hilfe: Nenne die Antwort, den nächsten Schritt mit Zeitraum "
                         "oder die konkret benötigte Information.",
                    "Apology without concrete help: give the answer, the next step with a timeframe, or the "
                    "specific information you need."),
                start, end,
                suggestion=msg(ctx, "z. B. „Schick uns bitte deine Sendungsnummer per DM, dann prüfen wir die "
                                    "Zustellung bis morgen.“",
                               "e.g. \"Please DM us your order number and we'll check the delivery by tomorrow.\""),
            )]
        return [finding(
            RULE, "warn",
            msg(ctx, "Nur ein allgemeines „schreib uns eine DM“: Sag, welche Information du brauchst und was dann "
                     "passiert.",
                "Only a generic \"please DM us\": say which information you need and what happens next."),
            start, end,
            suggestion=msg(ctx, "Konkret nachfragen: Kundennummer, Sendungsnummer, Fehlermeldung …",
                           "Ask for something specific: order number, tracking number, error message …"),
        )]

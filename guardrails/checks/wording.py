"""Lexicon rules: ``dead-end``, ``tone`` and ``banned-phrase``."""

from __future__ import annotations

import re

from guardrails.checks.base import draft_language, finding, msg
from guardrails.models import CheckContext, Finding
from guardrails.policy import Policy
from guardrails.text import EMOJI_RX, analyse

_TIME = re.compile(r"\d|\b(heute|morgen|today|tomorrow|tonight|stunden?|hours?|tage?n?|days?|minuten|minutes)\b", re.I)
_CAPS_WORD = re.compile(r"\b[A-ZÄÖÜ]{4,}\b")
# Generic upper-case words that are not shouting; a brand adds its own (product names) in the policy's ``acronyms``.
_ACRONYMS = frozenset({"IBAN", "DSGVO", "GDPR", "FAQ", "SEPA", "HTTP", "HTTPS", "USA", "ASAP", "SMS", "EUR", "USD",
                       "DHL", "UPS", "PDF", "HTML", "AGB", "MWST", "VAT", "PIN", "PUK", "TAN"})


# A word in capitals the customer is told to type or send ("reply STOP", "antworte mit STOPP", a quoted 'HILFE') is a
# keyword, not shouting.
_KEYWORD_BEFORE = re.compile(r"(?:\b(?:reply(?:ing)?|text(?:ing)?|send(?:ing)?|typ(?:e|ing)|enter(?:ing)?|"
                             r"antwort\w*\s+(?:\w+\s+)?mit|send\w*|schreib\w*|tipp\w*|gib|geben\s+sie)\s+(?:\w+\s+)?"
                             r"|[\"'„“‚‘»«›‹])$", re.IGNORECASE)
_QUOTES = "\"'„“”‚‘’»«›‹"


_KEYWORD_AFTER = re.compile(r"\s*(?:$|[.,;:!?)]|(?:to|an|auf|at|as|als|per|via|zur[üu]ck|back)\b)", re.IGNORECASE)


def _keyword(text: str, start: int, end: int) -> bool:
    if start and end < len(text) and text[start - 1] in _QUOTES and text[end] in _QUOTES:
        return True
    # after "reply/send/antworte mit …" and before "to/an/auf …" or the end of the clause ("send PROOF of purchase"
    # is emphasis, not a keyword)
    return bool(_KEYWORD_BEFORE.search(text[max(0, start - 40):start]) and _KEYWORD_AFTER.match(text, end))


class DeadEnd:
    rule_id = "dead-end"
    cost = 1

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        lex = self.policy.lex(draft_language(draft, ctx))
        masked, sentences = analyse(draft)
        out = []
        for m in lex.find("dead_end", masked):
            sentence = next((s for s in sentences if s.start <= m.start() < s.end), None)
            if sentence and _TIME.search(sentence.text):
                continue  # "we're looking into it and will update you by 5 pm" is not a dead end
            out.append(finding(
                self.rule_id, "block",
                msg(ctx, "Sackgasse: Sag, was als Nächstes passiert und bis wann, oder wer konkret weiterhilft.",
                    "Dead end: say what happens next and by when, or who exactly can help."),
                m.start(), m.end(),
                suggestion=msg(ctx, "z. B. „Wir melden uns bis morgen 12 Uhr mit dem Ergebnis.“",
                               "e.g. \"We'll get back to you by noon tomorrow with the result.\""),
            ))
        return out


class Tone:
    rule_id = "tone"
    cost = 1
    BLOCK = ("insult", "profanity", "blame")
    WARN = ("condescension", "sarcasm", "slang")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        n = policy.rules.tone.caps_min_letters
        self.caps_word = _CAPS_WORD if n == 4 else re.compile(rf"\b[A-ZÄÖÜ]{{{n},}}\b")

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        language = draft_language(draft, ctx)
        lex = self.policy.lex(language)
        masked, _ = analyse(draft)
        out: list[Finding] = []
        labels = {
            "insult": ("Beleidigung", "insult"), "profanity": ("Kraftausdruck", "profanity"),
            "blame": ("Schuldzuweisung an den Kunden", "blaming the customer"),
            "condescension": ("herablassend", "condescending"), "sarcasm": ("Sarkasmus", "sarcasm"),
            "slang": ("Umgangssprache/Slang", "slang"),
        }
        from guardrails.abuse import detect_abuse, name_in_english, not_abuse_here, surname_after_title

        for key in self.BLOCK + self.WARN:
            for m in lex.find(key, masked):
                if key in ("insult", "profanity") and not_abuse_here(masked, m.start(), m.end()):
                    continue  # the same exceptions as the shared detector: "Hi Dick,", "blöd gelaufen"
                if key == "profanity" and (surname_after_title(masked, m.start(), m.end())
                                           or (language == "en" and name_in_english(masked, m.start(), m.end()))):
                    continue  # "Sehr geehrter Herr Fick"; the village "Shitterton" in an English reply
                de, en = labels[key]
                out.append(finding(self.rule_id, "block" if key in self.BLOCK else "warn",
                                   msg(ctx, f"Ton: {de} – bleib sachlich und freundlich.",
                                       f"Tone: {en} – stay factual and friendly."), m.start(), m.end()))
        # the shared abuse detector (German and English insults, profanity, slurs, condescension; compounds):
        # its word list blocks; its classifier (n-gram + sentence-embedding models trained on GermEval 2018) warns
        # when the word list finds nothing. The embedding is computed only when the cheap n-gram score could reach
        # the threshold, and it is shared with the other rules (guardrails.checks.base.text_embedding).
        from guardrails.abuse_model import classifier_flags

        spans = detect_abuse(masked)
        for start, end, _term in spans:
            out.append(finding(self.rule_id, "block",
                               msg(ctx, "Ton: beleidigend oder herablassend – bleib sachlich und freundlich.",
                                   "Tone: abusive or condescending – stay factual and friendly."), start, end))
        if not spans and classifier_flags(draft):
            out.append(finding(self.rule_id, "warn",
                               msg(ctx, "Ton: Die Antwort klingt abwertend oder beleidigend – bitte prüfen.",
                                   "Tone: the reply reads as offensive or disparaging – please check."),
                               0, len(draft)))
        acronyms = _ACRONYMS | {a.upper() for a in self.policy.acronyms} | {
            w.upper() for name in self.policy.brand_names for w in re.findall(r"\w+", name)}
        shouting = [m for m in self.caps_word.finditer(masked)
                    if m.group(0) not in acronyms and not _keyword(masked, m.start(), m.end())]
        customer_shouts = bool(ctx.customer_message and (
            len([w for w in self.caps_word.findall(ctx.customer_message) if w not in acronyms]) >= 2
            or "!!" in ctx.customer_message))
        for m in re.finditer(r"[!?]{2,}", masked):
            shouting.append(m)
        if shouting:
            sev = "block" if customer_shouts else "warn"
            text = msg(ctx, "Ton: Großbuchstaben/!!! wirken wie Schreien" + (" und spiegeln den Kunden" if customer_shouts else ""),
                       "Tone: capitals/!!! read as shouting" + (" and mirror the customer" if customer_shouts else ""))
            out.extend(finding(self.rule_id, sev, text, m.start(), m.end()) for m in shouting)
        if ctx.customer_message:
            cust_lex = self.policy.lex(draft_language(ctx.customer_message, ctx))
            swear = {m.group(0).lower() for k in ("profanity", "insult") for m in cust_lex.find(k, ctx.customer_message)}
            for word in swear:
                for m in re.finditer(re.escape(word), masked, re.I):
                    if surname_after_title(masked, m.start(), m.end()) or not_abuse_here(masked, m.start(), m.end()):
                        continue  # "Sehr geehrter Herr Fick" to Heinz Fick; "not a stupid question" to "stupid app"
                    out.append(finding(self.rule_id, "block",
                                       msg(ctx, "Ton: Die Antwort übernimmt die aggressive Wortwahl des Kunden.",
                                           "Tone: the reply mirrors the customer's aggressive wording."),
                                       m.start(), m.end()))
        if not self.policy.channel(ctx.channel).emoji_allowed:
            out.extend(finding(self.rule_id, "warn", msg(ctx, "Keine Emojis in diesem Kanal.", "No emoji on this channel."),
                               m.start(), m.end()) for m in EMOJI_RX.finditer(draft))
        # one finding per span
        seen, unique = set(), []
        for f in out:
            if (f.start, f.end, f.severity) not in seen:
                seen.add((f.start, f.end, f.severity))
                unique.append(f)
        return unique


class BannedPhrase:
    rule_id = "banned-phrase"
    cost = 1

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        out = []
        for _lang, rx in self.policy.banned_rx.items():
            if rx is None:
                continue
            for m in rx.finditer(draft):
                out.append(finding(self.rule_id, "block",
                                   msg(ctx, f"Verbotene Formulierung laut Markenrichtlinie: „{m.group(0)}“.",
                                       f"Phrase banned by the brand policy: \"{m.group(0)}\"."),
                                   m.start(), m.end()))
        return out

"""``length``, ``structure`` and ``language``."""

from __future__ import annotations

import re

from guardrails.checks.base import draft_language, finding, msg
from guardrails.checks.no_bare_sorry import classify_sentence
from guardrails.fixes import fit_limit
from guardrails.language_id import detect
from guardrails.models import CheckContext, Finding, Fix
from guardrails.policy import Policy
from guardrails.text import analyse, weighted_length


class Length:
    rule_id = "length"
    cost = 0

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        ch = self.policy.channel(ctx.channel)
        if not ch.max_chars:
            return []
        n = weighted_length(draft, ch.url_weight)
        if n <= ch.max_chars:
            return []
        sig = re.search(r"\s*" + self.policy.voice.signoff + r"\s*$", draft)
        body, tail = (draft[:sig.start()], sig.group(0)) if sig else (draft, "")
        # whole sentences from the end, the sign-off kept; never over the limit (issue 14)
        short = fit_limit(body, ch.max_chars, ch.url_weight, tail=tail)
        return [finding(
            self.rule_id, "block",
            msg(ctx, f"{n} Zeichen – {ctx.channel} erlaubt {ch.max_chars}.", f"{n} characters – {ctx.channel} allows {ch.max_chars}."),
            ch.max_chars, len(draft),
            suggestion=msg(ctx, "Am Satzende kürzen.", "Shorten at a sentence boundary."),
            fix=Fix(label=msg(ctx, "Am Satzende kürzen", "Shorten at a sentence boundary"), replacement_text=short),
        )]


class Structure:
    rule_id = "structure"
    cost = 2

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        lex = self.policy.lex(draft_language(draft, ctx))
        masked, sentences = analyse(draft)
        out = []
        voice = self.policy.voice
        if ctx.channel in voice.greeting_required_on or ctx.customer_name:
            head = masked.strip()[:60]
            names = (ctx.customer_name or "").split()
            first = names[0] if names else ""
            # by first name (du, English) or by surname ("Hallo Herr Becker" for Sie customers)
            named = not names or any(n.lower() in head.lower() for n in names)
            if not lex.has("greeting", head) or not named:
                formal = ctx.address_form == "Sie"
                out.append(finding(self.rule_id, "warn",
                                   msg(ctx, "Begrüßung mit Namen fehlt.", "Greeting with the customer's name is missing."),
                                   0, 0, suggestion=(f"Hallo {first}," if first and not formal else None)))
        if ctx.channel in voice.signoff_required_on and not re.search(voice.signoff + r"\s*$", draft.strip()):
            out.append(finding(self.rule_id, "warn", msg(ctx, "Kürzel/Signatur am Ende fehlt (z. B. ^AB).",
                                                         "Sign-off missing at the end (e.g. ^AB)."),
                               len(draft), len(draft)))
        if sentences and not any(classify_sentence(s, lex)[0] == "substance" for s in sentences):
            out.append(finding(self.rule_id, "warn",
                               msg(ctx, "Kein konkreter nächster Schritt erkennbar.", "No concrete next step."),
                               0, len(draft)))
        return out


class LanguageMatch:
    rule_id = "language"
    cost = 5

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        names = sorted({n for name in policy.brand_names for n in (name, name.replace("_", " "))}, key=len,
                       reverse=True)
        self._brand_rx = (re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.I)
                          if names else None)

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        if not ctx.language:
            return []
        masked, _ = analyse(draft)
        if self._brand_rx is not None:
            # the brand's own names (and product names built on them) belong to no language: a German-looking
            # brand name tipped an English reply to "German"
            masked = self._brand_rx.sub(lambda m: " " * len(m.group(0)), masked)
        found = detect(masked)
        if found is None or found == ctx.language:
            return []
        names = {"de": ("Deutsch", "German"), "en": ("Englisch", "English")}
        return [finding(self.rule_id, "block",
                        msg(ctx, f"Antwort ist auf {names[found][0]}, der Kunde schreibt {names[ctx.language][0]}.",
                            f"Reply is in {names[found][1]}, the customer writes {names[ctx.language][1]}."),
                        0, len(draft))]

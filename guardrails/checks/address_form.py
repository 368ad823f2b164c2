"""``address-form``: German replies use one form of address (du or Sie), the brand's or the customer's."""

from __future__ import annotations

import re

from guardrails.checks.base import draft_language, finding, msg
from guardrails.models import CheckContext, Finding
from guardrails.policy import Policy

DU = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines|euch|euer|eure|euren)\b", re.I)
# "Sie"/"Ihnen"/"Ihr…" capitalised; sentence-initial "Sie"/"Ihr" is ambiguous and skipped.
SIE = re.compile(r"(?<![.!?:]\s)(?<!^)\b(Sie|Ihnen|Ihre|Ihren|Ihrem|Ihrer|Ihres|Ihr)\b|\b(Ihnen|Ihre[nmrs]?)\b")


def customer_form(message: str) -> str | None:
    """The form a customer writes in: "du" or "Sie" when the message uses only one of them, else None."""
    du, sie = bool(DU.search(message)), bool(SIE.search(message))
    return "du" if du and not sie else "Sie" if sie and not du else None


class AddressForm:
    rule_id = "address-form"
    cost = 1

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def _expected(self, ctx: CheckContext) -> tuple[str | None, str]:
        """The form to use and how sure it is: the customer's (the context's, else the form the customer writes
        in) or the channel's own policy entry decide ("block"); the language's default is only a guess when the
        customer's form is unknown ("warn": `replydesk check` of a DM says nothing about the customer)."""
        if ctx.address_form:
            return ctx.address_form, "block"
        written = customer_form(ctx.customer_message or "")
        if written:
            return written, "block"
        forms = self.policy.voice.address_form.get("de") or {}
        if forms.get(ctx.channel):
            return forms[ctx.channel], "block"
        return forms.get("default"), "warn"

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        if draft_language(draft, ctx) != "de":
            return []
        du = list(DU.finditer(draft))
        sie = list(SIE.finditer(draft))
        expected, severity = self._expected(ctx)
        out = []
        if du and sie:
            wrong = sie if (expected == "du" or (expected is None and len(du) >= len(sie))) else du
            for m in wrong:
                out.append(finding(self.rule_id, "block",
                                   msg(ctx, "Du und Sie gemischt – bleib bei einer Anrede.",
                                       "German 'du' and 'Sie' mixed – keep one form of address."),
                                   m.start(), m.end()))
            return out
        if expected == "du" and sie:
            out = [finding(self.rule_id, severity, msg(ctx, "Dieser Kunde/Kanal wird geduzt.",
                                                      "This customer/channel is addressed with 'du'."),
                           m.start(), m.end()) for m in sie]
        elif expected == "Sie" and du:
            out = [finding(self.rule_id, severity, msg(ctx, "Dieser Kunde/Kanal wird gesiezt.",
                                                      "This customer/channel is addressed with 'Sie'."),
                           m.start(), m.end()) for m in du]
        return out

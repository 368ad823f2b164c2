"""``address-form``: German replies use one form of address (du or Sie), the brand's or the customer's."""

from __future__ import annotations

import re

from guardrails.checks.base import draft_language, finding, msg
from guardrails.models import CheckContext, Finding
from guardrails.policy import Policy

DU = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines|euch|euer|eure|euren)\b", re.I)
# "Sie"/"Ihnen"/"Ihr…" capitalised; sentence-initial "Sie"/"Ihr" is ambiguous and skipped.
SIE = re.compile(r"(?<![.!?:]\s)(?<!^)\b(Sie|Ihnen|Ihre|Ihren|Ihrem|Ihrer|Ihres|Ihr)\b|\b(Ihnen|Ihre[nmrs]?)\b")


class AddressForm:
    rule_id = "address-form"
    cost = 1

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        if draft_language(draft, ctx) != "de":
            return []
        du = list(DU.finditer(draft))
        sie = list(SIE.finditer(draft))
        expected = ctx.address_form or self.policy.address_form("de", ctx.channel)
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
            out = [finding(self.rule_id, "block", msg(ctx, "Dieser Kunde/Kanal wird geduzt.",
                                                      "This customer/channel is addressed with 'du'."),
                           m.start(), m.end()) for m in sie]
        elif expected == "Sie" and du:
            out = [finding(self.rule_id, "block", msg(ctx, "Dieser Kunde/Kanal wird gesiezt.",
                                                      "This customer/channel is addressed with 'Sie'."),
                           m.start(), m.end()) for m in du]
        return out

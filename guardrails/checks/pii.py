"""``pii-public``: no personal data in a public reply. Fix: redact and hand off to a private channel."""

from __future__ import annotations

import re

import phonenumbers
from stdnum import iban as std_iban
from stdnum import luhn

from guardrails.checks.base import draft_language, finding, msg
from guardrails.models import CheckContext, Finding, Fix
from guardrails.policy import Policy

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IBAN_CAND = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
CARD_CAND = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
STREET = re.compile(
    r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee)\s+\d+[a-z]?\b"
    r"|\b\d+\s+[A-Z][a-z]+\s+(?:Street|St\.|Road|Rd\.|Avenue|Ave\.|Lane|Drive|Way)\b"
)
ZIP_CITY = re.compile(r"\b\d{5}\s+[A-ZÄÖÜ][a-zäöüß]+(?:[ -][A-ZÄÖÜ][a-zäöüß]+)?\b")
BIRTH = re.compile(
    r"(?:geb(?:oren|\.)?|geburtsdatum|born|birth(?:day|date)?|date of birth|dob)\W{0,3}(?:am\s|on\s)?"
    r"\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}",
    re.I,
)

HANDOFF = {
    ("de", "du"): "Deine Daten schick uns bitte nur per DM, dann kümmern wir uns darum.",
    ("de", "Sie"): "Bitte senden Sie uns Ihre Daten nur per Direktnachricht, dann kümmern wir uns darum.",
    ("en", None): "Please send us your details by DM only, and we'll take care of it.",
}


def _spans(draft: str, ctx: CheckContext) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    spans += [(m.start(), m.end(), "email") for m in EMAIL.finditer(draft)]
    for m in IBAN_CAND.finditer(draft):
        if std_iban.is_valid(m.group(0)):
            spans.append((m.start(), m.end(), "iban"))
    for m in CARD_CAND.finditer(draft):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn.is_valid(digits):
            spans.append((m.start(), m.end(), "card"))
    try:
        for match in phonenumbers.PhoneNumberMatcher(draft, "DE", leniency=phonenumbers.Leniency.VALID):
            spans.append((match.start, match.end, "phone"))
    except Exception:  # noqa: BLE001 - a parser hiccup must not hide the other findings
        pass
    spans += [(m.start(), m.end(), "address") for m in STREET.finditer(draft)]
    spans += [(m.start(), m.end(), "address") for m in ZIP_CITY.finditer(draft)]
    spans += [(m.start(), m.end(), "birth date") for m in BIRTH.finditer(draft)]
    values = list(ctx.private_values)
    if ctx.customer_name and len(ctx.customer_name.split()) >= 2:
        values.append(ctx.customer_name)
    lower = draft.lower()
    for value in values:
        v = (value or "").strip()
        # A first name alone (the greeting) is fine; full names, numbers, e-mails, refs are not.
        if len(v) < 4 or (" " not in v and not re.search(r"[\d@]", v)):
            continue
        start = lower.find(v.lower())
        while start >= 0:
            spans.append((start, start + len(v), "customer data"))
            start = lower.find(v.lower(), start + 1)
    # The brand's own numbers and addresses (hotline, shop) come from the cited articles: not personal data.
    evidence = " ".join(ctx.evidence)
    private = {v.lower() for v in values if v}
    spans = [s for s in spans if draft[s[0]:s[1]].lower() in private or draft[s[0]:s[1]] not in evidence]
    # drop spans contained in others
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[tuple[int, int, str]] = []
    for s in spans:
        if not out or s[0] >= out[-1][1]:
            out.append(s)
    return out


class PiiPublic:
    rule_id = "pii-public"
    cost = 3

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        if ctx.visibility != "public":
            return []
        spans = _spans(draft, ctx)
        if not spans:
            return []
        redacted = draft
        for start, end, _kind in reversed(spans):
            redacted = redacted[:start] + "[…]" + redacted[end:]
        lang = draft_language(draft, ctx)
        form = (ctx.address_form or self.policy.address_form("de", ctx.channel) or "Sie") if lang == "de" else None
        handoff = HANDOFF.get((lang, form), HANDOFF[("en", None)])
        if handoff not in redacted:
            sig = re.search(self.policy.voice.signoff + r"\s*$", redacted)
            if sig:  # keep the sign-off last
                redacted = redacted[: sig.start()].rstrip() + " " + handoff + " " + redacted[sig.start():].strip()
            else:
                redacted = redacted.rstrip() + " " + handoff
        fix = Fix(label=msg(ctx, "Schwärzen und in privaten Kanal verlegen", "Redact and move to a private channel"),
                  replacement_text=redacted)
        return [
            finding(self.rule_id, "block",
                    msg(ctx, f"Personenbezogene Daten ({kind}) in einer öffentlichen Antwort.",
                        f"Personal data ({kind}) in a public reply."),
                    start, end,
                    suggestion=msg(ctx, "Schwärzen und per DM weitermachen.", "Redact it and continue by DM."),
                    fix=fix)
            for start, end, kind in spans
        ]

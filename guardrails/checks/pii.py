"""``pii-public``: no personal data in a public reply. Fix: remove what carries the data and hand off to a private
channel. Detection is the shared detector (:mod:`guardrails.pii_detect`, also used by the pseudonymiser) plus the
customer's own CRM values and full name."""

from __future__ import annotations

import re
from functools import lru_cache

from guardrails.checks.base import draft_language, finding, msg
from guardrails.fixes import PRIVATE_CHANNEL, fit_limit, join_handoff, remove_spans
from guardrails.models import CheckContext, Finding, Fix
from guardrails.pii_detect import MAX_CHARS, card_valid, detect, phone_regions
from guardrails.policy import Policy
from guardrails.value_match import normalise, small_index, value_view

__all__ = ["PiiPublic", "card_valid"]

# The kind shown in the finding's message ("Personal data (card) in a public reply.").
KIND_LABELS = {
    "email": "email", "phone": "phone", "iban": "iban", "card": "card", "ip": "IP address",
    "de_tax_id": "Steuer-ID", "de_vat_id": "USt-IdNr", "de_id_card": "Personalausweis",
    "de_pension_no": "RV-Nummer", "de_health_no": "KVNR", "birth_date": "birth date", "address": "address",
    "credential": "password/PIN", "id_document": "ID document", "reference": "reference",
    "customer_data": "customer data",
}

# Used when the policy's reply profile has no ``private_handoff`` text for the language and form.
HANDOFF = {
    ("de", "du"): "Deine Daten schick uns bitte nur per DM, dann kümmern wir uns darum.",
    ("de", "Sie"): "Bitte senden Sie uns Ihre Daten nur per Direktnachricht, dann kümmern wir uns darum.",
    ("en", None): "Please send us your details by DM only, and we'll take care of it.",
}


def _detected(draft: str, ctx: CheckContext, policy: Policy | None = None) -> list[tuple[int, int, str]]:
    draft = draft[:MAX_CHARS]
    references = getattr(policy, "reference_rx", []) if policy is not None else []
    spans = [(s.start, s.end, s.kind) for s in detect(draft, regions=phone_regions(ctx.private_values, ctx.language),
                                                      references=references)]
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
            spans.append((start, start + len(v), "customer_data"))
            start = lower.find(v.lower(), start + 1)
    # The brand's own numbers and addresses (hotline, shop, service mailbox) come from the cited articles: not
    # personal data. Evidence holds the customer's record too, so a value found there passes only when it can be
    # the brand's (see _brand_like); the customer's own values never do.
    evidence = " ".join(e for e in ctx.evidence if not _RECORD_LINE.match(e))
    private = {v.lower() for v in values if v}
    spans = [s for s in spans if draft[s[0]:s[1]].lower() in private or draft[s[0]:s[1]] not in evidence
             or not _brand_like(s[2], draft, s[0], s[1])]
    # the brand's official contact data (policy ``contact``) is never personal data, with or without evidence
    official = official_spans(draft, policy) if policy is not None else []
    if official:
        spans = [s for s in spans if not any(a <= s[0] < b for a, b in official)]
    # drop spans contained in or overlapping earlier, longer ones
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[tuple[int, int, str]] = []
    for s in spans:
        if not out or s[0] >= out[-1][1]:
            out.append(s)
    return out


# an evidence line that states the customer's record ("Customer record: phone …", the form the pipeline uses too):
# its values are the customer's, never the brand's
_RECORD_LINE = re.compile(r"\s*(?:customer\s+record|kundendaten|kundenakte|crm(?:\s+record)?)\s*:", re.I)
# a personal mailbox: name parts joined by "." or "_", or a name with digits ("anna.schmidt", "lena.vogt84");
# role mailboxes ("service", "kundenservice", "no-reply") are the brand's
_PERSONAL_MAILBOX = re.compile(r"^[^\W\d_]+[._][^\W\d_]+|\d", re.I)
# the customer's phone: "call you back on", "your mobile", "deine Handynummer", "erreichen dich unter", "SIM linked to"
_CUSTOMERS_PHONE = re.compile(
    r"\b(?:(?:call|ring|text|reach|contact)\s+you|your\s+(?:\w+\s+)?(?:number|mobile|phone|landline|line|sim)|"
    r"linked\s+to|(?:dein|deine|deiner|ihr|ihre|ihrer)\s+(?:\w+\s+)?\w*(?:nummer|handy|telefon|anschluss|sim)\w*|"
    r"(?:rufen|ruft|rufe|erreichen|erreicht|kontaktieren|kontaktiert|anrufen|melden|meldet)\s+(?:wir\s+)?(?:dich|sie|euch)"
    r"(?!\s+uns)|(?:number|nummer)\s+(?:from|on|in|of|aus|in|im|laut|von)\s+(?:your|deine[mnr]?|ihre[mnr]?)\b|"
    r"(?:wir|team|techniker\w*)\s+(?:\w+\s+){0,2}?(?:dich|sie|euch)\s+(?:\w+\s+){0,2}?unter)\b",
    re.I)
# the customer's (or another person's) address: "bei dir im …", "deine Lieferadresse", "on its way to Mrs …",
# "abgegeben bei Familie …"; an address with none of this ("Unser Showroom in der …") is the brand's
_PERSONS_ADDRESS = re.compile(
    r"\b(?:your\s+(?:\w+\s+)?(?:address|home|flat|house|door)|(?:to|at)\s+you\b|"
    r"(?:on\s+its\s+way|delivered|shipped|sent|going|handed|left)\s+(?:\w+\s+)?(?:to|at|with)|"
    r"mrs?\.?|ms\.?|miss|(?:bei|zu)\s+(?:dir|ihnen|euch)|(?:deine|ihre|eure|dein|ihr)\s+(?:\w+\s+)?\w*(?:adresse|anschrift|wohnung|haus)\w*|"
    r"(?:geliefert|zugestellt|abgegeben|unterwegs|geschickt|verschickt|gesendet|ging|gingen|geht|gehen|kam|kommt|"
    r"went|goes|is\s+going|was\s+sent)\s+(?:\w+\s+){0,2}(?:an|zu|nach|bei|to)|"
    r"frau|herrn?|familie|fam\.)(?![\w])", re.I)


_APPOSITION = re.compile(r"\s*(?:\w+\s*)?[,(\u2013-]\s*(?:also\s+|auch\s+)?(?:the|your|deine[mnrs]?|ihre[mnrs]?|der|die|das)"
                         r"\b[^.!?\n]{0,50}", re.I)


def _brand_like(kind: str, draft: str, start: int, end: int) -> bool:
    """Whether a value found in the evidence can be the brand's own: a phone not said to be the customer's, a role
    mailbox, an address not said to be a person's. Bank accounts, cards, birth dates, ID numbers and the record's
    references (order, contract, case numbers) in the evidence are the customer's record (a brand declares its own
    contact data in the policy's ``contact``)."""
    value = draft[start:end]
    left = max(draft.rfind(c, 0, start) for c in ".!?\n") + 1
    # the sentence before the value, and an apposition right after it that says whose it is ("… unter +43 664
    # 1234567 versucht, deiner Nummer aus dem Vertrag", "on +1 555-010-3378, the number on your account")
    apposition = _APPOSITION.match(draft, end)
    around = draft[left:start] + " \u2026 " + (apposition.group(0) if apposition else "")
    if kind == "phone":  # a service number of an article, unless the reply says it is the customer's
        return not _CUSTOMERS_PHONE.search(around)
    if kind == "email":
        return not _PERSONAL_MAILBOX.search(value.split("@")[0])
    if kind == "address":  # a shop's or office's address, unless the reply says whose home it is
        return not _PERSONS_ADDRESS.search(around)
    return False


def official_spans(draft: str, policy: Policy) -> list[tuple[int, int]]:
    """Where the draft gives the brand's official contact data (policy ``contact``), however written ("+49 800
    1234567" for "0800 123 4567"): found as the leak check finds private values (``guardrails.value_match``)."""
    values = tuple(policy.contact.values())
    if not values or not any(ch.isdigit() or ch == "@" for ch in draft):
        return []
    return _official_spans(draft[:MAX_CHARS], values)


@lru_cache(maxsize=256)
def _official_spans(draft: str, values: tuple[str, ...]) -> list[tuple[int, int]]:
    view = value_view(normalise(draft))
    return [view.span(a, b) for _, a, b in small_index(values).find(view)]


def _spans(draft: str, ctx: CheckContext, policy: Policy | None = None) -> list[tuple[int, int, str]]:
    """(start, end, label) of every piece of personal data in the draft."""
    return [(s, e, KIND_LABELS.get(k, k)) for s, e, k in _detected(draft, ctx, policy)]


class PiiPublic:
    rule_id = "pii-public"
    cost = 3

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def handoff(self, lang: str, form: str | None, channel: str) -> str:
        text = self.policy.replies.text("private_handoff", lang, form, channel)
        return text or HANDOFF.get((lang, form if lang == "de" else None), HANDOFF[("en", None)])

    def fixed(self, draft: str, spans: list[tuple[int, int, str]], ctx: CheckContext) -> str:
        """The draft without the sentences/clauses carrying the data, the full name cut to the first name, the
        private hand-off added once (before the sign-off) and within the channel's length limit."""
        lang = draft_language(draft, ctx)
        form = (ctx.address_form or self.policy.address_form("de", ctx.channel) or "Sie") if lang == "de" else None
        handoff = self.handoff(lang, form, ctx.channel)
        first = (ctx.customer_name or "").split()[0] if ctx.customer_name else ""
        replacements = {}
        for s, e, kind in spans:
            if kind == "customer_data" and ctx.customer_name and draft[s:e].lower() == ctx.customer_name.lower():
                replacements[(s, e)] = first
        sig = re.search(r"\s*" + self.policy.voice.signoff + r"\s*$", draft)
        body, tail = (draft[:sig.start()], sig.group(0).strip()) if sig else (draft, "")
        inside = [(s, e) for s, e, _ in spans if e <= len(body)]
        reps = {k: v for k, v in replacements.items() if k[1] <= len(body)}
        greeting = self.policy.lex(lang).greeting
        text, greeting_only = remove_spans(body, inside, greeting=greeting, replacements=reps)
        if handoff in text or PRIVATE_CHANNEL.search(text):
            handoff = ""  # the draft already sends the customer to a private channel
        if handoff and greeting_only:
            text, handoff = join_handoff(text, handoff, True), ""
        ch = self.policy.channel(ctx.channel)
        return fit_limit(text, ch.max_chars, ch.url_weight, tail=tail, keep=handoff)

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        if ctx.visibility != "public":
            return []
        spans = _detected(draft, ctx, self.policy)
        if not spans:
            return []
        fix = Fix(label=msg(ctx, "Daten entfernen und in privaten Kanal verlegen",
                            "Remove the data and move to a private channel"),
                  replacement_text=self.fixed(draft, spans, ctx))
        return [
            finding(self.rule_id, "block",
                    msg(ctx, f"Personenbezogene Daten ({KIND_LABELS.get(kind, kind)}) in einer öffentlichen Antwort.",
                        f"Personal data ({KIND_LABELS.get(kind, kind)}) in a public reply."),
                    start, end,
                    suggestion=msg(ctx, "Entfernen und per DM weitermachen.", "Remove it and continue by DM."),
                    fix=fix)
            for start, end, kind in spans
        ]

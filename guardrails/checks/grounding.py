"""``unsupported-claim`` and ``unapproved-promise``: say only what a cited passage or the CRM backs."""

from __future__ import annotations

import re
from functools import lru_cache

from guardrails.checks.base import draft_language, finding, msg
from guardrails.checks.pii import official_spans
from guardrails.lookalike import lookalikes, official_hosts
from guardrails.models import LANGUAGES, CheckContext, Finding
from guardrails.policy import Policy
from guardrails.text import URL_RX, analyse

# A claim: a number with what it counts (price, duration, date, time, percentage) — digits are the anchor.
NUMBER = re.compile(r"(?<![\w^])\d+(?:[.,:/ ]\d+)*(?:\s?(?:[-–]|bis|to)\s?\d+(?:[.,]\d+)*)?(?:\s?(?:%|€|EUR|Euro|\$|GB|MB|Mbit/s))?",
                    re.I)
SIGNOFF = re.compile(r"\^[A-Z]{2,3}\b")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("–", "-").replace(",", ".")).lower()


def _digits(s: str) -> list[str]:
    """The digit runs of ``s`` as compared: without leading zeros, so a record's "2026-12-01" backs "1. Dezember"."""
    return [d.lstrip("0") or "0" for d in re.findall(r"\d+", s)]


_PM = re.compile(r"\s?p\.?m\b", re.I)


def _clock_forms(numbers: list[str], after: str) -> list[set[str]]:
    """Each number with the forms it may take in the evidence: "6pm" is 18 on a 24-hour clock."""
    pm = bool(_PM.match(after))
    return [{n, str(int(n) + 12)} if pm and len(n) <= 2 and 0 < int(n) < 12 else {n} for n in numbers]


def _bare_url(url: str) -> str:
    """A link as compared: lower-case, without scheme, ``www.`` and trailing slash or sentence punctuation."""
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", url.lower().rstrip(".,!?:;")).rstrip("/")


@lru_cache(maxsize=256)
def _evidence_urls(evidence: tuple[str, ...]) -> frozenset[str]:
    """The links the cited passages and the CRM record contain, found by the same detector as the draft's."""
    return frozenset(_bare_url(m.group(0)) for text in evidence for m in URL_RX.finditer(text))


def _customers_contact(draft: str, ctx: CheckContext) -> list[tuple[int, int]]:
    """Spans of phone numbers and postal addresses the draft says are the customer's."""
    from guardrails.checks.pii import _brand_like
    from guardrails.pii_detect import detect, phone_regions

    spans = detect(draft, regions=phone_regions(ctx.private_values, ctx.language), kinds=("phone", "address"))
    return [(s.start, s.end) for s in spans if not _brand_like(s.kind, draft, s.start, s.end)]


class UnsupportedClaim:
    rule_id = "unsupported-claim"
    cost = 2

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.official = official_hosts(policy.contact.urls, policy.allowed_urls)

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        evidence = _norm(" \n ".join(ctx.evidence))
        evidence_numbers = set(_digits(evidence))
        severity = "block" if ctx.evidence else "warn"
        out: list[Finding] = []
        masked, _ = analyse(draft)  # handles masked so "@12345" is not a claim
        evidence_urls = _evidence_urls(tuple(ctx.evidence)) if ctx.evidence else frozenset()
        for m in URL_RX.finditer(draft):
            if m.start() > 0 and draft[m.start() - 1] == "@":
                continue  # the domain of an e-mail address (pii-public's business)
            url = m.group(0).rstrip(".,!?:;")
            bare = _bare_url(url)
            # only the brand's official domains (policy allowed_urls, contact.urls) and links that a cited passage
            # or the CRM record contains pass: a look-alike ("brand.example.evil.shop") is another host
            allowed = self.policy.allowed_url_rx and self.policy.allowed_url_rx.fullmatch(bare)
            if allowed or bare in evidence_urls or any(u.startswith(bare + "/") for u in evidence_urls):
                continue
            # A policy that names the brand's official domains decides a link without any cited passage: a link to
            # another host is a block even in `replydesk check` without evidence (a look-alike or phishing domain
            # is never a figure to verify later). Without official domains, only evidence can back a link.
            official = self.policy.allowed_url_rx is not None
            out.append(finding(self.rule_id, "block" if official else severity,
                               msg(ctx, "Link führt auf keine offizielle Domain der Marke und steht in keinem "
                                        "zitierten Artikel." if official else
                                   "Link ist durch keinen zitierten Artikel gedeckt.",
                                   "Link to a domain that is not one of the brand's official domains and not in a "
                                   "cited article or the CRM record." if official else
                                   "Link not backed by a cited article or the CRM record."),
                               m.start(), m.start() + len(url),
                               suggestion=msg(ctx, "Nur Links aus dem Wissensartikel verwenden.",
                                              "Use only links from the knowledge-base article.")))
        url_spans = [(m.start(), m.end()) for m in URL_RX.finditer(draft)]
        # the brand's official contact data (policy ``contact``) is always grounded ("ruf uns unter 0800 … an")
        url_spans += official_spans(draft, self.policy)
        # a host written like an official one but another ("brand.exarnple/status", "bra-nd.example"), also
        # where its top-level domain is none: phishing, blocked with or without evidence
        for start, end, host in lookalikes(draft, self.official):
            if any(s <= start < e for s, e in url_spans) or (start > 0 and draft[start - 1] == "@"):
                continue  # already judged as a link, or the domain of an e-mail address
            out.append(finding(self.rule_id, "block",
                               msg(ctx, f"„{host}“ sieht aus wie eine offizielle Domain der Marke, ist aber eine "
                                        "andere (Phishing-Muster).",
                                   f"\"{host}\" looks like one of the brand's official domains but is another host "
                                   "(a phishing pattern)."),
                               start, end,
                               suggestion=msg(ctx, "Nur die offizielle Domain verwenden.",
                                              "Use the official domain only.")))
        # a figure the customer's own message states ("das Abo über 4,99 EUR") is restated, not claimed: a warning to
        # check it against the record, never a block
        message_numbers = set(_digits(_norm(ctx.customer_message))) if ctx.customer_message else set()
        customers: list[tuple[int, int]] | None = None
        for m in NUMBER.finditer(masked):
            if any(s <= m.start() < e for s, e in url_spans):
                continue
            numbers = _clock_forms(_digits(m.group(0)), masked[m.end():m.end() + 5])
            if not numbers or all(forms & evidence_numbers for forms in numbers):
                continue
            restated = all(forms & (evidence_numbers | message_numbers) for forms in numbers)
            if not restated and ctx.visibility == "private":
                # the customer's own phone number or address, said to be theirs ("we'll call you back on …", "geht an
                # Lindauer Weg 8 …"), is contact data, not a claim: in a private reply a warning to check it against
                # the record (in a public one pii-public blocks it)
                if customers is None:
                    customers = _customers_contact(draft, ctx)
                restated = any(s <= m.start() < e for s, e in customers)
            out.append(finding(self.rule_id, "warn" if restated else severity,
                               msg(ctx, f"Angabe „{m.group(0).strip()}“ stammt nur aus der Kundennachricht: mit dem "
                                        "Kundendatensatz abgleichen." if restated else
                                   f"Angabe „{m.group(0).strip()}“ ist durch keine Quelle belegt (Artikel/CRM).",
                                   f"\"{m.group(0).strip()}\" only restates the customer's message: check it against "
                                   "the record." if restated else
                                   f"\"{m.group(0).strip()}\" is not backed by a cited article or the CRM record."),
                               m.start(), m.end(),
                               suggestion=msg(ctx, "Zahl aus dem Artikel übernehmen oder weglassen.",
                                              "Take the figure from the article or leave it out.")))
        return out


class UnapprovedPromise:
    """A promise of money, credit, cost coverage or a guarantee passes only when a cited passage or the record states
    that policy for this case (``guardrails.promises``: promise sentences, policy sentences of the evidence, and
    the cosine of their multilingual embeddings at least ``support_threshold``). Without the sentence encoder:
    the lexical fallback (the promise word's stem appears in the evidence)."""

    rule_id = "unapproved-promise"
    cost = 2

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.threshold = policy.rules.unapproved_promise.support_threshold

    def _lexicons(self, lang: str):
        return [self.policy.lex(lang).promise] + [self.policy.lex(x).promise for x in LANGUAGES if x != lang]

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        from guardrails.promises import benefit_spans, promise_support

        lexicons = self._lexicons(draft_language(draft, ctx))
        scored = promise_support(draft, ctx.evidence, lexicons)
        if scored == []:
            return []
        if scored is None:  # lexical fallback without the encoder: the evidence names this kind of benefit
            from guardrails import meaning
            from guardrails.promises import is_commitment

            evidence = " \n ".join(ctx.evidence).lower()
            promises = [(a, b, s) for a, b, s in meaning.sentences(draft) if is_commitment(s, lexicons)]
            supported = [any(draft[a + x:a + y].lower()[:6] in evidence for x, y in benefit_spans(draft[a:b], lexicons))
                         for a, b, _ in promises]
        else:
            promises = [(a, b, "") for a, b, _ in scored]
            supported = [support >= self.threshold for _, _, support in scored]
        out = []
        for (a, b, _), ok in zip(promises, supported, strict=True):
            if ok:
                continue
            last = -1
            for x, y in benefit_spans(draft[a:b], lexicons) or [(0, b - a)]:
                if a + x < last:
                    continue  # overlapping cues ("Kosten übernehmen wir" and "übernehmen wir"): one finding
                start, end, last = a + x, a + y, a + y
                out.append(finding(
                    self.rule_id, "block",
                    msg(ctx, f"Zusage „{draft[start:end]}“ ist durch keine Richtlinie/keinen Artikel für diesen Fall "
                             "gedeckt.",
                        f"Promise \"{draft[start:end]}\" is not stated for this case by policy or a cited article."),
                    start, end,
                    suggestion=msg(ctx, "Nur zusagen, was der Artikel erlaubt, sonst an das Team eskalieren.",
                                   "Promise only what the article allows; otherwise escalate.")))
        return out

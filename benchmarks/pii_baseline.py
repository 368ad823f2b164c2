"""Frozen baselines for ``bench_pii.py``: the ``pii-public`` detector and the pseudonymiser's patterns as they
were before the shared detector (commit 8868160). Kept only to measure against; not used by the product."""

from __future__ import annotations

import re

import phonenumbers
from stdnum import iban as std_iban
from stdnum import luhn

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")  # bounded: linear
# IBAN candidates: any case, spaces or dashes between characters; the longest valid prefix wins, so a trailing
# word ("… 3201 EUR") or a group too many does not hide a valid IBAN.
IBAN_CAND = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,32}")
CARD_CAND = re.compile(r"(?<![\d-])(?:\d[ -]?){11,18}\d(?![\d])")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]|\.\d)")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?:[0-9A-Fa-f:]{0,20})(?![\w:])")
DE_VAT = re.compile(r"(?<![A-Za-z0-9])DE[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}(?!\d)", re.I)
DE_IDNR = re.compile(r"(?<!\d)\d{2}[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}(?!\d)")
MAX_CHARS = 20_000
# Card brands by issuer identification number (IIN) prefix and the lengths they issue.
_CARD_BRANDS = [
    (("4",), (13, 16, 19)),  # Visa
    (tuple(str(i) for i in range(51, 56)) + tuple(str(i) for i in range(2221, 2721)), (16,)),  # Mastercard
    (("34", "37"), (15,)),  # American Express
    (("6011", "65") + tuple(str(i) for i in range(644, 650)), (16, 17, 18, 19)),  # Discover
    (tuple(str(i) for i in range(3528, 3590)), (16, 17, 18, 19)),  # JCB
    (("36", "38", "39") + tuple(str(i) for i in range(300, 306)), (14, 15, 16, 19)),  # Diners Club
    (("62",), (16, 17, 18, 19)),  # UnionPay
    (("50",) + tuple(str(i) for i in range(56, 70)), (12, 13, 14, 15, 16, 17, 18, 19)),  # Maestro
]
PHONE_REGIONS = ("DE", "AT", "CH", "GB", "US", "FR", "NL", "IT", "ES", "PL", "BE", "DK")


def card_valid(digits: str) -> bool:
    if not luhn.is_valid(digits):
        return False
    return any(digits.startswith(prefixes) and len(digits) in lengths for prefixes, lengths in _CARD_BRANDS)


def _iban_spans(text: str) -> list[tuple[int, int]]:
    out = []
    for m in IBAN_CAND.finditer(text):
        pos = [m.start() + i for i, c in enumerate(m.group(0)) if c.isalnum()]
        compact = "".join(c for c in m.group(0) if c.isalnum()).upper()
        for n in range(min(len(compact), 34), 14, -1):
            if std_iban.is_valid(compact[:n]):
                out.append((m.start(), pos[n - 1] + 1))
                break
    return out


def _ip_spans(text: str) -> list[tuple[int, int]]:
    import ipaddress

    out = []
    for rx in (IPV4, IPV6):
        for m in rx.finditer(text):
            if re.search(r"(?:version|v)\s*$", text[max(0, m.start() - 10):m.start()], re.I):
                continue  # "Version 1.2.3.4"
            try:
                ipaddress.ip_address(m.group(0))
            except ValueError:
                continue
            out.append((m.start(), m.end()))
    return out


def _german_id_spans(text: str) -> list[tuple[int, int, str]]:
    from stdnum.de import idnr, vat

    out = [(m.start(), m.end(), "USt-IdNr") for m in DE_VAT.finditer(text) if vat.is_valid(m.group(0))]
    out += [(m.start(), m.end(), "Steuer-ID") for m in DE_IDNR.finditer(text) if idnr.is_valid(m.group(0))]
    return out


_PHONE_HINT = re.compile(r"(?:\+|\(?\d)[\d ()/.-]{5,}\d")


def _phone_spans(text: str) -> list[tuple[int, int]]:
    """Numbers valid in Germany (matcher over the text), else in one of several other regions (a customer abroad
    writes the national format): each remaining digit run is parsed once per region."""
    if not _PHONE_HINT.search(text):
        return []
    seen: set[tuple[int, int]] = set()
    try:
        for match in phonenumbers.PhoneNumberMatcher(text, "DE", leniency=phonenumbers.Leniency.VALID):
            seen.add((match.start, match.end))
    except Exception:  # noqa: BLE001 - a parser hiccup must not hide the other findings
        pass
    for m in _PHONE_HINT.finditer(text):
        start, end = m.start(), m.end()
        if text[start] == "(" or (start > 0 and text[start - 1] == "("):
            start = start - 1 if text[start] != "(" else start
        if any(s <= m.start() < e for s, e in seen):
            continue
        cand = text[start:end].strip(" ./-")
        if sum(c.isdigit() for c in cand) < 7 or IPV4.fullmatch(cand):
            continue
        for region in PHONE_REGIONS[1:]:
            try:
                num = phonenumbers.parse(cand, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(num):
                seen.add((start, start + len(text[start:end].rstrip(" ./-"))))
                break
    return sorted(seen)
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

def old_guardrail_spans(draft: str, ctx) -> list[tuple[int, int, str]]:
    draft = draft[:MAX_CHARS]
    spans: list[tuple[int, int, str]] = []
    spans += [(m.start(), m.end(), "email") for m in EMAIL.finditer(draft)]
    spans += [(s, e, "iban") for s, e in _iban_spans(draft)]
    for m in CARD_CAND.finditer(draft):
        digits = re.sub(r"\D", "", m.group(0))
        if card_valid(digits):
            spans.append((m.start(), m.end(), "card"))
    spans += _german_id_spans(draft)
    spans += [(s, e, "phone") for s, e in _phone_spans(draft)]
    spans += [(s, e, "IP address") for s, e in _ip_spans(draft)]
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




# The pseudonymiser's own patterns before the shared detector (assistant/privacy.py, _PATTERNS).
OLD_PSEUDO_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b")),
    ("PHONE", re.compile(r"(?<!\w)(?:\+|00)\d[\d ()/-]{6,}\d|\b0\d{2,5}[ /-]?\d{4,}\b")),
]


def old_pseudonymiser_spans(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), kind) for kind, rx in OLD_PSEUDO_PATTERNS for m in rx.finditer(text)]

"""One personal-data detector, shared by the ``pii-public`` rule and the pseudonymiser (``assistant.privacy``).

:func:`detect` returns typed, non-overlapping spans (:class:`PiiSpan`: kind, start, end, value, confidence) for

* ``email`` — also written out: ``anna(at)example.de``, ``anna [at] example [dot] com``, ``anna at example dot org``
* ``phone`` — international (``+``/``00``) numbers valid anywhere; national formats valid in one of several
  candidate regions (the customer's own region first), accepted when a phone cue precedes them or when they look
  like a dialled number (trunk prefix or area code in brackets) and no reference-number cue is nearer
* ``iban`` — any case, spaces or dashes; the longest valid prefix wins (trailing words do not hide it)
* ``card`` — valid issuer prefix (IIN) and length for the brand, and Luhn; never inside an IBAN-shaped token
* ``ip`` — IPv4/IPv6 (not after "version", "firmware", "build" …)
* German identifiers: ``de_tax_id`` (Steuer-ID), ``de_vat_id`` (USt-IdNr), ``de_id_card`` (Personalausweis,
  with a cue), ``de_pension_no`` (RV-/Sozialversicherungsnummer, structure and check digit), ``de_health_no``
  (KVNR, with a cue); python-stdnum validates where it has a module
* ``birth_date`` — a date after a birth cue ("geb.", "geboren am", "Geburtsdatum", "born on", "DOB" …)
* ``address`` — street and house number (DE/EN street words), a postcode and town right after it
* ``credential``, ``id_document`` — a password or PIN, a licence, passport or social security number after its cue
  (:mod:`guardrails.pii_secrets`)
* ``reference`` — the caller's reference-number patterns (the brand policy's ``reference_patterns``)

Every pattern is bounded (no nested unbounded repeats), so the cost is linear in the text.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Sequence

import phonenumbers
from stdnum import iban as std_iban
from stdnum import luhn

# The span type and the cue helpers live in guardrails.pii_base, the German identifiers in guardrails.pii_de;
# their public names stay importable from here.
from guardrails.pii_base import (
    ADDRESS_CUE,
    HEALTH_CUE,
    ID_CARD_CUE,
    PHONE_CUE,
    REFERENCE_CUE,
    TAX_CUE,
    TECH_CUE,
    WEAK_PHONE_CUE,
    PiiSpan,
    _before,
    _nearest_cue,
)
from guardrails.pii_dates import BIRTH, _birth_dates
from guardrails.pii_de import (
    DE_ID_CARD,
    DE_IDNR,
    DE_KVNR,
    DE_RVNR,
    DE_VAT,
    _german_ids,
    kvnr_valid,
    rvnr_valid,
)
from guardrails.pii_disguised import spelled_phones, strip_invisible
from guardrails.pii_secrets import secrets

__all__ = [
    "ADDRESS_CUE", "BIRTH", "CARD_CAND", "DEFAULT_REGIONS", "DE_IDNR", "DE_ID_CARD", "DE_KVNR", "DE_RVNR", "DE_STREET",
    "DE_VAT", "EMAIL", "EMAIL_SPELLED", "EN_STREET", "HEALTH_CUE", "IBAN_CAND", "ID_CARD_CUE", "IPV4", "IPV6",
    "LABELS", "LANGUAGE_REGIONS", "MAX_CHARS", "PHONE_CAND", "PHONE_CUE", "REFERENCE_CUE", "TAX_CUE", "TECH_CUE",
    "TOWN", "WEAK_PHONE_CUE", "PiiSpan", "card_valid", "detect", "kvnr_valid", "phone_regions", "rvnr_valid",
]

MAX_CHARS = 20_000

# Labels for messages, (German, English).
LABELS: dict[str, tuple[str, str]] = {
    "email": ("E-Mail-Adresse", "e-mail address"),
    "phone": ("Telefonnummer", "phone number"),
    "iban": ("IBAN", "IBAN"),
    "card": ("Kartennummer", "card number"),
    "ip": ("IP-Adresse", "IP address"),
    "de_tax_id": ("Steuer-ID", "German tax ID"),
    "de_vat_id": ("USt-IdNr", "VAT ID"),
    "de_id_card": ("Ausweisnummer", "ID card number"),
    "de_pension_no": ("Sozialversicherungsnummer", "social security number"),
    "de_health_no": ("Krankenversichertennummer", "health insurance number"),
    "birth_date": ("Geburtsdatum", "birth date"),
    "address": ("Adresse", "address"),
    "credential": ("Passwort/PIN", "password/PIN"),
    "id_document": ("Ausweis-/Dokumentnummer", "identity document number"),
    "reference": ("Referenznummer", "reference number"),
}

# Candidate regions for national phone formats: the customer's region (when known) is tried first.
DEFAULT_REGIONS: tuple[str, ...] = ("DE", "AT", "CH", "GB", "US", "FR", "NL", "IT", "ES", "PL", "TR", "BE", "DK",
                                    "SE")
LANGUAGE_REGIONS = {"de": ("DE", "AT", "CH"), "en": ("GB", "US", "IE")}

# ------------------------------------------------------------------------------------------------ e-mail
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")  # bounded: linear
_AT = r"(?:\s?[(\[{]\s?(?:at|ät)\s?[)\]}]\s?|\s(?:at|ät)\s)"
_DOT = r"(?:\s?[(\[{]\s?(?:dot|punkt)\s?[)\]}]\s?|\s(?:dot|punkt)\s|\.)"
EMAIL_SPELLED = re.compile(
    rf"(?<![\w.+-])[\w+-]{{1,32}}(?:{_DOT}[\w+-]{{1,32}}){{0,3}}{_AT}[\w-]{{1,63}}(?:{_DOT}[\w-]{{1,63}}){{0,3}}"
    rf"{_DOT}[A-Za-z]{{2,6}}(?![\w])",
    re.I,
)


def _emails(text: str) -> list[PiiSpan]:
    out = [PiiSpan("email", m.start(), m.end(), m.group(0), 0.99) for m in EMAIL.finditer(text)]
    for m in EMAIL_SPELLED.finditer(text):
        value = m.group(0)
        if "@" in value:
            continue
        # "at" as a plain word needs a written-out "dot"/"punkt" too ("we are at home.de" is no address)
        if not re.search(r"[(\[{]\s?(?:at|ät)", value, re.I) and not re.search(r"\s(?:dot|punkt)\s", value, re.I):
            continue
        out.append(PiiSpan("email", m.start(), m.end(), value, 0.85))
    return out


# ------------------------------------------------------------------------------------------------ IBAN, card
# IBAN candidates: any case, spaces or dashes between characters; the longest valid prefix wins, so a trailing
# word ("… 3201 EUR") or a group too many does not hide a valid IBAN.
IBAN_CAND = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,32}")
CARD_CAND = re.compile(r"(?<![\w-])(?:\d[ -]?){11,24}\d(?![\w])")  # one optional separator per digit: linear
# Card brands by issuer identification number (IIN) prefix and the lengths they issue.
_CARD_BRANDS = [
    (("4",), (13, 16, 19)),  # Visa
    (tuple(str(i) for i in range(51, 56)) + tuple(str(i) for i in range(2221, 2721)), (16,)),  # Mastercard
    (("34", "37"), (15,)),  # American Express
    (("6011", "65") + tuple(str(i) for i in range(644, 650)), (16, 17, 18, 19)),  # Discover
    (tuple(str(i) for i in range(3528, 3590)), (16, 17, 18, 19)),  # JCB
    (("36", "38", "39") + tuple(str(i) for i in range(300, 306)), (14, 15, 16, 19)),  # Diners Club
    (("62",), (16, 17, 18, 19)),  # UnionPay
    (("5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763"), tuple(range(12, 20))),  # Maestro
]


def card_valid(digits: str) -> bool:
    if not luhn.is_valid(digits):
        return False
    return any(digits.startswith(prefixes) and len(digits) in lengths for prefixes, lengths in _CARD_BRANDS)


def _ibans(text: str) -> tuple[list[PiiSpan], list[tuple[int, int]]]:
    """Valid IBANs, and every IBAN-shaped token (valid or not: card numbers are not looked for inside)."""
    out, shapes = [], []
    for m in IBAN_CAND.finditer(text):
        shapes.append((m.start(), m.end()))
        pos = [m.start() + i for i, c in enumerate(m.group(0)) if c.isalnum()]
        compact = "".join(c for c in m.group(0) if c.isalnum()).upper()
        for n in range(min(len(compact), 34), 14, -1):
            if std_iban.is_valid(compact[:n]):
                end = pos[n - 1] + 1
                out.append(PiiSpan("iban", m.start(), end, text[m.start():end], 0.99))
                break
    return out, shapes


def _cards(text: str, exclude: Sequence[tuple[int, int]]) -> list[PiiSpan]:
    out = []
    for m in CARD_CAND.finditer(text):
        if any(s <= m.start() < e for s, e in exclude):
            continue
        # try every prefix ending at a group boundary, longest first ("4111 1111 1111 1111 09/27")
        groups = [(g.start(), g.end()) for g in re.finditer(r"\d+", m.group(0))]
        for k in range(len(groups), 0, -1):
            end = groups[k - 1][1]
            digits = re.sub(r"\D", "", m.group(0)[:end])
            if len(digits) < 12:
                break
            if card_valid(digits):
                out.append(PiiSpan("card", m.start(), m.start() + end, m.group(0)[:end], 0.97))
                break
    return out


# ------------------------------------------------------------------------------------------------ IP
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]|\.\d)")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?:[0-9A-Fa-f:]{0,20})(?![\w:])")


def _ips(text: str) -> list[PiiSpan]:
    out = []
    for rx in (IPV4, IPV6):
        for m in rx.finditer(text):
            if TECH_CUE.search(text[max(0, m.start() - 12):m.start()]):
                continue  # "Version 1.2.3.4", "Firmware 10.0.0.1"
            try:
                ipaddress.ip_address(m.group(0))
            except ValueError:
                continue
            out.append(PiiSpan("ip", m.start(), m.end(), m.group(0), 0.9))
    return out


# ------------------------------------------------------------------------------------------------ phone
PHONE_CAND = re.compile(r"(?<![\w+.,/-])(?:\+|00)?\(?\d[\d ()/.\-\u2013]{4,22}\d(?![\w]|[.,]\d)")
_DATE_LIKE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")


@functools.cache
def _trunk_prefix(region: str) -> str | None:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return meta.national_prefix if meta else None


_MOBILE = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _mobile(number) -> bool:
    return phonenumbers.number_type(number) in _MOBILE


def _phones(text: str, regions: Sequence[str], exclude: Sequence[tuple[int, int]] = (),
            lenient: bool = False) -> list[PiiSpan]:
    """Phone numbers. ``lenient`` (the pseudonymiser: masking too much is cheap) accepts numbers that are merely
    *possible* (right length for the country) instead of valid in today's numbering plan."""
    ok = phonenumbers.is_possible_number if lenient else phonenumbers.is_valid_number
    out = []
    for m in PHONE_CAND.finditer(text):
        if any(s <= m.start() < e for s, e in exclude):
            continue  # digits inside an IBAN-shaped token
        cand = m.group(0).rstrip(" -/.(\u2013")
        start = m.start()
        # an unbalanced bracket at either end belongs to the sentence, not the number
        if cand.startswith("(") and ")" not in cand:
            cand, start = cand[1:], start + 1
        if cand.endswith(")") and "(" not in cand:
            cand = cand[:-1]
        digits = sum(c.isdigit() for c in cand)
        if not 7 <= digits <= 15 or _DATE_LIKE.fullmatch(cand) or IPV4.fullmatch(cand):
            continue
        head = _before(text, start)
        if TECH_CUE.search(head[-12:]):
            continue
        international = cand.startswith(("+", "00"))
        number = None
        if international:
            try:
                number = phonenumbers.parse("+" + cand[2:] if cand.startswith("00") else cand, None)
            except phonenumbers.NumberParseException:
                number = None
            # written with "+" and a country code, a number of a possible length is a phone number even outside
            # today's plan (a reserved or fictional range is still someone's number in a reply)
            if number is None or not (ok(number) or cand.startswith("+") and phonenumbers.is_possible_number(number)):
                continue
            confidence = 0.95
        else:
            lead = cand.lstrip("(")[:1]
            for region in regions:
                if _trunk_prefix(region) == "0" and lead != "0":
                    continue  # where national numbers are dialled with 0, "3718 989070 …" is no national number
                try:
                    parsed = phonenumbers.parse(cand, region)
                except phonenumbers.NumberParseException:
                    continue
                if ok(parsed):
                    number = parsed
                    break
            if number is None:
                continue
            cue = _nearest_cue(head, PHONE_CUE, REFERENCE_CUE)
            if cue is None and WEAK_PHONE_CUE.search(head):
                cue = 0
            dialled = cand.startswith(("0", "(")) and digits >= 9
            if cue == 0:
                confidence = 0.9
            elif dialled and (cue is None or _mobile(number)):
                # a reference word before a dialled mobile number ("the SIM linked to 0151-2345-6789", "the number on
                # your account is 0171 …") does not make it a reference: order and case numbers do not take the shape
                # of a valid mobile number with its trunk prefix
                confidence = 0.7
            else:
                continue
        out.append(PiiSpan("phone", start, start + len(cand), cand, confidence))
    return out


# ------------------------------------------------------------------------------------------------ address
_DE_STREET_WORD = r"(?:stra(?:ß|ss)e|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad|markt)"
_DE_STREET_NOUN = r"(?:Stra(?:ß|ss)e|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer|Chaussee|Steig|Pfad|Markt)"
DE_STREET = re.compile(
    r"(?<![\w-])(?:"
    r"[A-ZÄÖÜ][\wäöüß-]{0,40}" + _DE_STREET_WORD.replace("(?i:", "(?:")  # Lindenstraße, Hauptstr.
    + r"|[A-ZÄÖÜ][\wäöüß.-]{1,40}(?:er\s|-)" + _DE_STREET_NOUN  # Berliner Straße, Karl-Marx-Allee
    + r")\s{1,2}\d{1,4}\s?[a-zA-Z]?(?![\w])"
    r"|(?<![\w-])(?:Am|An der|An den|Auf dem|Auf der|Im|In der|Zum|Zur|Unter den)\s[A-ZÄÖÜ][\wäöüß-]{2,40}"
    r"\s\d{1,4}\s?[a-z]?(?![\w])"
)
# the common street suffixes of British and US addresses (Royal Mail, USPS)
_EN_STREET_WORD = (r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Way|Terrace|Close|Place|Pl|Court|Ct|"
                   r"Boulevard|Blvd|Crescent|Gardens|Square|Sq|Row|Hill|Grove|Mews|Walk|Rise|Parade|Green|Park|"
                   r"Vale|Wharf|Quay|Yard|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Alley|Plaza)\b\.?")
EN_STREET = re.compile(r"(?<![\w.,])\d{1,5}[A-Za-z]?\s(?:[A-Z][\w'’-]{1,30}\s){1,3}" + _EN_STREET_WORD)
TOWN = re.compile(
    r",?\s{1,2}(?:\d{4,5}\s[A-ZÄÖÜ][\wäöüß-]{1,40}(?:\s(?:am|an der|im|in der)\s[A-ZÄÖÜ][\wäöüß-]{1,30})?"
    r"|[A-Z][\w'-]{1,30}(?:\s[A-Z][\w'-]{1,30})?,?\s(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]{2}\s\d{5}))"
)


def _addresses(text: str) -> list[PiiSpan]:
    out = []
    for rx in (DE_STREET, EN_STREET):
        for m in rx.finditer(text):
            value = m.group(0)
            if value.startswith(("Am ", "An ", "Auf ", "Im ", "In ", "Zu", "Unter ")) and not ADDRESS_CUE.search(
                    _before(text, m.start())):
                continue  # "Am Montag 12 …": only after an address cue
            out.append(PiiSpan("address", m.start(), m.end(), value, 0.85))
            town = TOWN.match(text, m.end())
            if town:
                t_start = m.end() + len(town.group(0)) - len(town.group(0).lstrip(", "))
                out.append(PiiSpan("address", t_start, town.end(), text[t_start:town.end()], 0.85))
    return out


# ------------------------------------------------------------------------------------------------ API

def phone_regions(values: Iterable[str] = (), language: str | None = None) -> tuple[str, ...]:
    """Candidate regions for national phone formats: those of the customer's own phone numbers (``+44 …`` → GB),
    then the customer's language's, then the defaults."""
    first: list[str] = []
    for value in values:
        v = (value or "").strip()
        if v.startswith(("+", "00")) and sum(c.isdigit() for c in v) >= 7:
            try:
                region = phonenumbers.region_code_for_number(phonenumbers.parse("+" + v.lstrip("+0"), None))
            except phonenumbers.NumberParseException:
                continue
            if region and region != "ZZ":
                first.append(region)
    first += LANGUAGE_REGIONS.get(language or "", ())
    return tuple(dict.fromkeys([*first, *DEFAULT_REGIONS]))


def _resolve(spans: list[PiiSpan]) -> list[PiiSpan]:
    """Non-overlapping spans: the more certain, then the longer, wins."""
    chosen: list[PiiSpan] = []
    for s in sorted(spans, key=lambda s: (-s.confidence, -(s.end - s.start), s.start)):
        if all(s.end <= c.start or s.start >= c.end for c in chosen):
            chosen.append(s)
    return sorted(chosen, key=lambda s: s.start)


def detect(text: str, *, regions: Sequence[str] | None = None, references: Iterable[re.Pattern[str]] = (),
           kinds: Iterable[str] | None = None, lenient: bool = False,
           max_chars: int | None = MAX_CHARS) -> list[PiiSpan]:
    """Personal data in ``text`` as non-overlapping typed spans (offsets into ``text``). At most ``max_chars``
    characters are read (None: all, as the pseudonymiser needs). ``lenient``: see :func:`_phones`."""
    if max_chars is not None:
        text = text[:max_chars]
    stripped = strip_invisible(text)
    if stripped is not None:  # a zero-width character inside a value: detect without them, map the spans back
        clean, kept = stripped
        return [PiiSpan(s.kind, kept[s.start], kept[s.end - 1] + 1, text[kept[s.start]:kept[s.end - 1] + 1],
                        s.confidence)
                for s in detect(clean, regions=regions, references=references, kinds=kinds, lenient=lenient,
                                max_chars=None)]
    ibans, iban_shapes = _ibans(text)
    spans = [*_emails(text), *ibans, *_cards(text, iban_shapes), *_ips(text), *_german_ids(text),
             *_birth_dates(text), *_addresses(text), *secrets(text)]
    if any(c.isdigit() for c in text):
        spans += _phones(text, regions or DEFAULT_REGIONS, iban_shapes, lenient)
    spans += spelled_phones(text, regions or DEFAULT_REGIONS, _trunk_prefix, lenient)
    for rx in references:
        spans += [PiiSpan("reference", m.start(), m.end(), m.group(0), 0.8) for m in rx.finditer(text) if m.group(0)]
    if kinds is not None:
        wanted = set(kinds)
        spans = [s for s in spans if s.kind in wanted]
    return _resolve(spans)

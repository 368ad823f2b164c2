"""German identifiers for the PII detector (:mod:`guardrails.pii_detect`): ``de_tax_id`` (Steuer-ID),
``de_vat_id`` (USt-IdNr), ``de_id_card`` (Personalausweis, with a cue), ``de_pension_no`` (RV-/
Sozialversicherungsnummer, structure and check digit), ``de_health_no`` (KVNR, with a cue); python-stdnum
validates where it has a module.
"""

from __future__ import annotations

import re

from stdnum.de import idnr, vat

from guardrails.pii_base import (
    HEALTH_CUE,
    ID_CARD_CUE,
    REFERENCE_CUE,
    TAX_CUE,
    PiiSpan,
    _before,
    _nearest_cue,
)

DE_VAT = re.compile(r"(?<![A-Za-z0-9])DE[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}(?!\d)", re.I)
DE_IDNR = re.compile(r"(?<![\d-])\d{2}[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}(?![\d-])")
_ID_ALPHABET = "CFGHJKLMNPRTVWXYZ"
DE_ID_CARD = re.compile(rf"(?<![A-Za-z0-9])[{_ID_ALPHABET}][{_ID_ALPHABET}0-9]{{8}}\d?(?![A-Za-z0-9])")
DE_RVNR = re.compile(r"(?<![\w])(\d{2}) ?(\d{6}) ?([A-Z]) ?(\d{2}) ?(\d)(?!\w)")
DE_KVNR = re.compile(r"(?<![\w])[A-Z] ?\d{4} ?\d{5}(?!\w)")
_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def _check_731(chars: str) -> str:
    return str(sum(_VALUES[c] * (7, 3, 1)[i % 3] for i, c in enumerate(chars)) % 10)


def _cross(n: int) -> int:
    return n // 10 + n % 10


def rvnr_valid(area: str, birth: str, letter: str, serial: str, check: str) -> bool:
    """Rentenversicherungsnummer: area, birth date DDMMYY, initial, serial, check digit (weights 2121 2 5 7 …)."""
    day, month = int(birth[:2]), int(birth[2:4])
    if not (1 <= day % 50 <= 31 and 1 <= month <= 12):
        return False
    num = area + birth + f"{ord(letter) - 64:02d}" + serial
    weights = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)
    return sum(_cross(int(d) * w) for d, w in zip(num, weights, strict=True)) % 10 == int(check)


def kvnr_valid(value: str) -> bool:
    """Krankenversichertennummer: a letter (as 01-26), eight digits, a check digit (Luhn-like weights 1, 2)."""
    value = value.replace(" ", "")
    num = f"{ord(value[0]) - 64:02d}" + value[1:9]
    return sum(_cross(int(d) * (1, 2)[i % 2]) for i, d in enumerate(num)) % 10 == int(value[9])


def _german_ids(text: str) -> list[PiiSpan]:
    out = [PiiSpan("de_vat_id", m.start(), m.end(), m.group(0), 0.97)
           for m in DE_VAT.finditer(text) if vat.is_valid(m.group(0))]
    for m in DE_IDNR.finditer(text):
        if not idnr.is_valid(m.group(0)):
            continue
        head = _before(text, m.start())
        cue = _nearest_cue(head, TAX_CUE, REFERENCE_CUE)
        if cue == 1:  # an order or contract number that happens to pass the check
            continue
        out.append(PiiSpan("de_tax_id", m.start(), m.end(), m.group(0), 0.95 if cue == 0 else 0.8))
    for m in DE_ID_CARD.finditer(text):
        value = m.group(0)
        if not ID_CARD_CUE.search(_before(text, m.start())) or value.isdigit():
            continue
        if len(value) == 10 and _check_731(value[:9]) != value[9]:
            continue
        out.append(PiiSpan("de_id_card", m.start(), m.end(), value, 0.95 if len(value) == 10 else 0.8))
    for m in DE_RVNR.finditer(text):
        if rvnr_valid(*m.groups()):
            out.append(PiiSpan("de_pension_no", m.start(), m.end(), m.group(0), 0.95))
    for m in DE_KVNR.finditer(text):
        if HEALTH_CUE.search(_before(text, m.start())) and kvnr_valid(m.group(0)):
            out.append(PiiSpan("de_health_no", m.start(), m.end(), m.group(0), 0.9))
    return out


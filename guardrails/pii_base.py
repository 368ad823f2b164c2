"""Shared pieces of the PII detector (:mod:`guardrails.pii_detect`): the span type and the cue helpers.

A cue is a word shortly before a candidate (same clause) that says what the number is; :func:`_before` gives that
clause and :func:`_nearest_cue` says which of several cues is nearest to the candidate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PiiSpan:
    kind: str
    start: int
    end: int
    value: str
    confidence: float


# ------------------------------------------------------------------------------------------------ cues
# A cue is a word shortly before a candidate (same clause) that says what the number is.
_WINDOW = 40
PHONE_CUE = re.compile(
    r"(?<!\w)(?:tel(?:efon|\.)?|phone|call|ruf|anruf|r[üu]ckruf|erreich|reach|handy|mobil|mobile|cell|whats ?app|"
    r"signal|ring|text|sms|fax|hotline|festnetz|landline|durchwahl)",
    re.I,
)
# "number"/"Nummer" alone says nothing of its kind: it counts as a phone cue only when no reference cue is near.
WEAK_PHONE_CUE = re.compile(r"(?<!\w)(?:nummer|number|nr\.?|no\.)(?!\w)", re.I)
REFERENCE_CUE = re.compile(
    r"(?:bestell|order|sendung|tracking|paket|parcel|rechnung|invoice|vertrag|contract|kunden|customer|case|fall|"
    r"ticket|artikel|article|serial|seriennummer|plz|postcode|auftrag|vorgang|buchung|booking|z[äa]hler|meter|"
    r"gutschein|voucher|coupon|imei|iccid|sim|konto|account|steuer|tax|ust|vat|version|firmware|build|"
    r"versicher|ausweis|id card)",
    re.I,
)
TECH_CUE = re.compile(r"(?:version|firmware|build|release|update|v|ver\.?)\s*$", re.I)
TAX_CUE = re.compile(r"(?:steuer|tax|identifikationsnummer|idnr|id-nr|tin\b)", re.I)
ID_CARD_CUE = re.compile(r"(?:ausweis|identity card|id[ -]?card|passport|reisepass|dokumentennummer)", re.I)
HEALTH_CUE = re.compile(r"(?:versicherten|kvnr|krankenkasse|krankenversicher|gesundheitskarte|health insurance|"
                        r"insurance (?:number|no))", re.I)
ADDRESS_CUE = re.compile(r"(?:adresse|address|anschrift|wohn|liefer|deliver|send (?:it|them) to|ship (?:it )?to|"
                         r"post (?:it|the \w+) to|moved to|umgezogen|zu\s*$|nach\s*$|an\s*$|to\s*$|in der\s*$)", re.I)


_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-ZÄÖÜ\"'„“])|\n")  # not after "Tel. 0151", "Nr. 12"


def _before(text: str, start: int, width: int = _WINDOW) -> str:
    """The clause before ``start`` (at most ``width`` characters, not across a sentence end or a line break)."""
    head = text[max(0, start - width):start]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    return head[ends[-1]:] if ends else head


def _nearest_cue(head: str, *cues: re.Pattern[str]) -> int | None:
    """Index of the cue whose last match ends nearest to the end of ``head`` (None: no cue)."""
    best, best_end = None, -1
    for i, cue in enumerate(cues):
        end = -1
        for m in cue.finditer(head):
            end = m.end()
        if end > best_end:
            best, best_end = i, end
    return best


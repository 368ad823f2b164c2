"""Credentials and identity-document numbers for the shared PII detector (:mod:`guardrails.pii_detect`).

* ``credential`` — a password, PIN or security code given after its cue ("Kundenkennwort „Sonnenblume88“",
  "your PIN is 4711", "password: hunter22"): the value counts when it is quoted or holds a digit, so "Passwort
  zurücksetzen" or "your PIN is on the letter" are no values;
* ``id_document`` — the number of a driving licence, passport, national insurance or social security card after its
  cue ("driving licence MORGA753116SM9IJ", "Führerscheinnummer B072RRE2I55", "SSN 123-45-6789"): a token of at
  least six letters and digits with at least two digits.
"""

from __future__ import annotations

import re

from guardrails.pii_base import PiiSpan

_QUOTES = "\"'„“‚‘«"
CREDENTIAL = re.compile(
    r"(?<![\w-])(?:(?:kunden|online|login|konto|account|app)[-\s]?)?"
    r"(?:passwort|kennwort|password|passcode|passwd|pin(?:-code|\s+code)?|zugangscode|sicherheitscode|"
    r"security\s+code|geheimzahl|secret\s+answer|sicherheitsantwort)"
    r"(?:\s+(?:is|ist|lautet|was|war|of|von|for|für)(?:\s+(?:still|noch|immer\s+noch))?)?\s*[:=]?\s*"
    rf"(?P<quote>[{_QUOTES}])?(?P<value>[^\s\"'“”‘’»,;!?]{{4,40}})",
    re.I)
DOCUMENT = re.compile(
    r"(?<![\w-])(?i:(?:driv(?:ing|er'?s)\s+licen[cs]e|licen[cs]e\s+(?:number|no\.?)|passport|reisepass|"
    r"führerschein|national\s+insurance|ni\s+number|social\s+security|ssn|sozialversicherungsausweis|"
    r"ausweis|personalausweis|id[-\s]?(?:card|number|nummer))\w*"
    r"(?:\s+(?:number|no\.?|nummer|nr\.?|is|ist|lautet|was|war|ending\s+in))*)\s*[:#]?\s*"
    # the number itself in capitals and digits, in up to five groups ("AB 12 34 56 C", "123-45-6789")
    r"(?P<value>[A-Z0-9]+(?:[ -][A-Z0-9]+){0,4})(?![\w-])")


_LENGTH = re.compile(r"\d+-?(?:stellig\w*|digits?|zeichen|characters?|chars?)$", re.I)


def _credentials(text: str) -> list[PiiSpan]:
    out = []
    for m in CREDENTIAL.finditer(text):
        value = m.group("value").rstrip(".")
        if _LENGTH.match(value):
            continue  # "die PIN ist 4-stellig", "a 6-digit PIN": its length, not its value
        if len(value) >= 4 and (m.group("quote") or any(c.isdigit() for c in value)):
            out.append(PiiSpan("credential", m.start("value"), m.start("value") + len(value), value, 0.9))
    return out


def _documents(text: str) -> list[PiiSpan]:
    out = []
    for m in DOCUMENT.finditer(text):
        value = m.group("value")
        compact = re.sub(r"[ -]", "", value)
        if len(compact) >= 6 and sum(c.isdigit() for c in compact) >= 2:
            out.append(PiiSpan("id_document", m.start("value"), m.end("value"), value, 0.75))  # below the validated kinds
    return out


def secrets(text: str) -> list[PiiSpan]:
    """Credentials and identity-document numbers in ``text``."""
    lower = text.lower()
    if not any(k in lower for k in ("pass", "kennw", "pin", "code", "geheim", "secret", "sicherheits", "licen",
                                    "führerschein", "insurance", "security", "ssn", "ausweis", "id", "ni ")):
        return []
    return [*_credentials(text), *_documents(text)]

"""Birth dates for the shared PII detector (:mod:`guardrails.pii_detect`): a date with a birth cue before it
("geboren am 3. April 1985", "the date of birth on your account is 17 June 1991") or "geboren"/"born" after it
("am 02.09.1998 geboren"); the looser patterns only for a date at least ten years back (a birthday offer "until
31.12.2026" is no birth date)."""

from __future__ import annotations

import re

from guardrails.pii_base import PiiSpan

_MONTHS = (r"(?:januar|jänner|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember|"
           r"january|february|march|may|june|july|october|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|okt|"
           r"nov|dez|dec)\.?")
_DATE = (rf"(?:\d{{1,2}}[./-]\d{{1,2}}[./-](?:19|20)?\d{{2}}|(?:19|20)\d{{2}}-\d{{1,2}}-\d{{1,2}}"
         rf"|\d{{1,2}}(?:\.|st|nd|rd|th)?\s{{1,2}}(?:of\s)?{_MONTHS}\s{{1,2}}(?:19|20)\d{{2}}"
         rf"|{_MONTHS}\s{{1,2}}\d{{1,2}}(?:st|nd|rd|th)?,?\s{{1,2}}(?:19|20)\d{{2}})")
BIRTH = re.compile(
    r"(?<!\w)(?:geb(?:oren)?\.?|geburtsdatum|geburtstag|geb\.-datum|born|birth\s?(?:day|date)|date of birth|"
    r"d\.?o\.?b\.?)"
    rf"[\s:,-]{{0,3}}(?:(?:am|on|ist|is|the|was|:|file|record|bei|uns|hinterlegt|laut|we|have|haben|wir)[:,]?\s{{1,2}})"
    rf"{{0,3}}({_DATE})(?!\d)",
    re.I,
)


# the cue before a date of a past year in the same sentence ("the date of birth on your account is 17 June 1991",
# "mit dem Geburtsdatum prüfen wir, dass du es bist – bei dir ist das der 12.07.1994"), or the
# date right before "geboren"/"born" ("bist du am 02.09.1998 geboren")
_BIRTH_CUE = (r"(?<!\w)(?:geb(?:oren)?|geburtsdatum|geburtstag|geb\.-datum|born|birth\s?(?:day|date)|date of birth|"
              r"d\.?o\.?b)")
BIRTH_FAR = re.compile(rf"{_BIRTH_CUE}\.?(?:[\s:,\u2013-]+[^\s.!?]+){{0,15}}?[\s:,\u2013-]+({_DATE})(?!\d)", re.I)
BIRTH_AFTER = re.compile(rf"({_DATE})(?!\d)\s+(?:[^\s.!?]+\s+){{0,2}}?(?:geboren|born)(?!\w)", re.I)
_YEAR = re.compile(r"(?:19|20)\d{2}(?!\d)")


def _past_year(date: str, before: int = 10) -> bool:
    """A date whose year lies at least ``before`` years back (a birth date, not an appointment); a two-digit year
    counts as past."""
    import datetime

    m = _YEAR.search(date)
    return m is None or int(m.group(0)) <= datetime.date.today().year - before


def _birth_dates(text: str) -> list[PiiSpan]:
    spans = [PiiSpan("birth_date", m.start(1), m.end(1), m.group(1), 0.9) for m in BIRTH.finditer(text)]
    lower = text.lower()
    if "born" in lower or "geboren" in lower:  # the date-first pattern is costly: only where its cue is
        spans += [PiiSpan("birth_date", m.start(1), m.end(1), m.group(1), 0.85)
                  for m in BIRTH_AFTER.finditer(text) if _past_year(m.group(1))]
    spans += [PiiSpan("birth_date", m.start(1), m.end(1), m.group(1), 0.85)
              for m in BIRTH_FAR.finditer(text) if _past_year(m.group(1))]
    return spans

"""Sentence collection and filtering (module doc of :mod:`knowledge_base.mining`, steps 2 and 3): a reply's
sentences without greeting and sign-off, personal data dropped, the drafter's own text dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from knowledge_base.mining.replies import ApprovedReply

MIN_WORDS = 4
MAX_CHARS = 280

_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_GREETING = re.compile(
    r"^\s*(?:(?:@\w+\s*)*(?:hallo|hi|hey|moin|servus|hello|good (?:morning|afternoon|evening)|"
    r"guten (?:morgen|tag|abend)|sehr geehrte[rs]?|liebe[rs]?|dear)\b[^,!:.?]{0,40}[,!:]\s*)", re.I)
_SIGNOFF = re.compile(r"^\s*(?:viele grüße|vg|mfg|mit freundlichen grüßen|lg|liebe grüße|beste grüße|gruß|grüße|"
                      r"best(?: regards| wishes)?|kind regards|regards|cheers|thanks again|dein|ihr|your|"
                      r"the .{0,30} team|euer)\b", re.I)
_INITIALS = re.compile(r"^[\s^*~–-]*[A-Z]{1,3}[.]?$")  # "^AB", "– AB"
_WORD = re.compile(r"[^\W\d_]{2,}")
_HANDLE = re.compile(r"(?<![\w.])@\w{2,}")
_DATE = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.(?:\d{2,4})?|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}\.\s(?:jan|feb|mär|apr|mai|"
                   r"jun|jul|aug|sep|okt|nov|dez)\w*", re.I)
_TITLE_NAME = re.compile(r"\b(?:Herr|Frau|Herrn|Mr|Mrs|Ms|Miss)\.?\s+[A-ZÄÖÜ][\w-]+")
_NORM = re.compile(r"[^\w]+")


@dataclass
class _Candidate:
    text: str
    approval_id: int
    edited: bool
    vector: Any = None


def normalise(text: str) -> str:
    return _NORM.sub(" ", text.lower()).strip()


def split_sentences(text: str) -> list[str]:
    """The reply's sentences without the greeting and the sign-off (a greeting before the first sentence on the
    same line is cut off; the sentence after it gets its capital letter back)."""
    out: list[str] = []
    for part in _SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        cut = _GREETING.sub("", part, count=1).strip()
        if cut != part:
            if not cut:
                continue
            part = cut[0].upper() + cut[1:]
        if _SIGNOFF.match(part) or _INITIALS.match(part):
            continue
        out.append(part)
    return out


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _same(a: str, b: str) -> bool:
    """Lexically the same sentence (equal when normalised, or sharing nearly all words)."""
    if normalise(a) == normalise(b):
        return True
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.8


class PersonalData:
    """Does a sentence contain personal data? The pseudonymiser's detection (known values of the mined replies'
    customers, e-mail, IBAN, phone, reference numbers) plus handles, titled names and dates."""

    def __init__(self, values: list[str], policy: Any | None = None) -> None:
        from assistant.privacy import Pseudonymizer

        self._pseudo = Pseudonymizer([("PII", v) for v in values], policy=policy)

    def __call__(self, sentence: str) -> bool:
        if _HANDLE.search(sentence) or _TITLE_NAME.search(sentence) or _DATE.search(sentence):
            return True
        return self._pseudo.pseudonymize(sentence) != sentence


def candidates(reply: ApprovedReply, body: list[str], personal: PersonalData) -> list[_Candidate]:
    """The sentences of one approved reply that may become a block (see the module doc, steps 2 and 3)."""
    machine = split_sentences(reply.machine_draft) if reply.machine_draft else []
    out: list[_Candidate] = []
    seen: set[str] = set()
    for sentence in split_sentences(reply.text):
        key = normalise(sentence)
        if key in seen or len(_words(sentence)) < MIN_WORDS or len(sentence) > MAX_CHARS or personal(sentence):
            continue
        seen.add(key)
        from_drafter = any(_same(sentence, m) for m in machine)
        if from_drafter and not any(_same(sentence, b) for b in body):
            continue  # the drafter's own text (greeting, acknowledgement, a block, a fact)
        out.append(_Candidate(text=sentence, approval_id=reply.approval_id, edited=not from_drafter))
    return out

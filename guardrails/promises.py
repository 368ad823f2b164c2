"""Promise sentences and whether a cited passage states them (``unapproved-promise`` by meaning, issue 11).

A **promise** is a sentence that commits the brand to money, credit, cost coverage or a guarantee for the customer
("we will refund you the full amount", "the repair is on us", "wir übernehmen die Kosten", "dafür zahlst du
nichts"): a benefit cue (the policy's ``promise`` lexicon plus generic cost-coverage phrases, German and English)
in a sentence that is neither a question nor hedged/only a mention ("you can see the status of your refund",
"we'll check whether a credit is possible", "Fragen zu Erstattungen …").

A promise is **supported** when a sentence of the evidence (a cited passage or a record fact) is itself such a
policy statement (benefit cue, not hedged, not a mention) and says the same thing: the cosine of the two
sentences' multilingual embeddings is at least the rule's ``support_threshold``. A passage that merely mentions
refunds has no policy sentence, and a policy for another case ("we refund unwanted subscriptions") is not close to
the promise made ("we refund your roaming charges").
"""

from __future__ import annotations

import re

# generic cost-coverage and benefit phrases beyond the policy's lexicon (both languages, any brand)
BENEFIT_EXTRA = re.compile(
    r"\b(?:on us|on the house|at our (?:own )?(?:cost|expense)|"
    r"(?:cover|pay for|take care of|absorb)(?:s|ed|ing)?\s+(?:\w+\s+){0,3}?(?:costs?|fees?|charges?|bills?|expenses?|repairs?)|"
    r"we(?:'ll| will)\s+(?:cover|pay for|reimburse)|(?:costs?|fees?|charges?)\s+(?:is\s+|are\s+|will\s+be\s+)?(?:covered|waived)|"
    r"money back|(?:won't|will not|don't|do not|never)\s+(?:be\s+)?(?:charged|pay|have to pay)|no (?:extra )?charge|"
    r"at no (?:extra |additional )?cost|costs? (?:you )?nothing|for free|"
    r"free (?:of charge|replacement|repair|loan\w*|months?|upgrade|shipping|delivery)|voucher\w*|guarant\w*|goodwill|"
    r"(?:is|are|ist|sind)\s+(?:\w+\s+){0,2}?(?:free|gratis)|(?:months?|monate?)\s+(?:for\s+)?(?:free|gratis|kostenlos)|"
    r"übernehm\w*\s+(?:wir\s+)?(?:\w+\s+){0,3}?\w*kosten|\w*kosten\s+(?:\w+\s+){0,3}?übernehm\w*|übernehmen wir|"
    r"\w*kosten\s+(?:tragen|zahlen|bezahlen)\s+wir|(?:tragen|zahlen|bezahlen)\s+wir\s+(?:\w+\s+){0,2}?\w*kosten|"
    r"auf uns|auf unsere kosten|zahl\w*\s+(?:\w+\s+){0,3}?nichts|nichts\s+(?:zu\s+)?(?:be)?zahlen|umsonst|"
    r"ohne\s+(?:zusätzliche\s+|weitere\s+)?kosten|nicht\s+(?:in\s+rechnung|berechn)\w*|erlass\w*|gutschein\w*|"
    r"kulanz\w*|garant\w*|geld\s+(?:zurück|wieder)|(?:schreib\w*\s+wir|wir\s+schreib\w*)\s+(?:\S+\s+){0,8}?gut)\b",
    re.I)
# a mention of a benefit, not a statement of it ("the status of your refund", "questions about credits")
MENTION = re.compile(
    r"\b(?:whether|if eligible|apply for|status|questions? (?:about|on)|track|see|ob|beantrag\w*|antrag\w*|"
    r"stand|fragen zu\w*|siehst|sehen sie)\b", re.I)
# an option or a possibility, not a commitment: in a reply any modal; in a passage the brand's own modals
MODAL = re.compile(r"\b(?:can(?!'t|not)|could|may|might|perhaps|maybe|kann|kannst|können|könnt|könnte|könnten|"
                   r"eventuell|vielleicht|möglicherweise)\b", re.I)
BRAND_MODAL = re.compile(
    r"\b(?:we|us)\s+(?:\w+\s+)?(?:can(?!'t|not)|could|may|might)\b|\b(?:can|could|may|might)\s+(?:\w+\s+)?be\b|"
    r"\bwir\s+(?:\w+\s+)?(?:können|könnten)\b|\b(?:können|könnten)\s+wir\b|\b(?:kann|können|könnte)\b.*\bwerden\b|"
    r"\bkann\b.*\bdauern\b|\b(?:perhaps|maybe|eventuell|vielleicht|möglicherweise)\b", re.I)


_NUMBER = re.compile(r"\d+(?:[.,:/–-]\d+)*")


def support_text(sentence: str) -> str:
    """A sentence as compared for support: figures (amounts, days) read alike — whether they match the evidence is
    ``unsupported-claim``'s business; this rule compares what kind of commitment is made for which case."""
    return _NUMBER.sub("0", sentence)


def benefit_spans(sentence: str, lexicons=()) -> list[tuple[int, int]]:
    """Spans of benefit cues: the generic phrases and every given ``promise`` lexicon regex."""
    spans = [m.span() for m in BENEFIT_EXTRA.finditer(sentence)]
    for rx in lexicons:
        if rx is not None:
            spans += [m.span() for m in rx.finditer(sentence)]
    return sorted(spans)


def is_commitment(sentence: str, lexicons=()) -> bool:
    """A reply's promise: a benefit cue, no modal or mention cue, not a question."""
    s = sentence.strip()
    if not s or s.endswith("?"):
        return False
    return bool(benefit_spans(s, lexicons)) and not MODAL.search(s) and not MENTION.search(s)


def is_policy(sentence: str, lexicons=()) -> bool:
    """A passage's policy statement: a benefit cue, not a mention, not a possibility of the brand's ("we may",
    "kann erstattet werden"); the customer's options ("you can switch it on free of charge") state the policy."""
    s = sentence.strip()
    if not s or s.endswith("?"):
        return False
    return bool(benefit_spans(s, lexicons)) and not BRAND_MODAL.search(s) and not MENTION.search(s)

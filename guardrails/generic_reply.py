"""Is the reply generic? (issue 11, ``relevance``): a reply that takes up nothing of what it answers — its
evidence (the cited article, the customer's record) — and names nothing concrete (a figure, a date or time span, a
weekday, a link, the specific piece of information still needed) answers nobody in particular: "Thanks for reaching
out, our team is looking into it and will get back to you shortly."

Lexical, no model call (a few set operations per draft, the evidence's words cached). What counts:
- **taken-up words**: the reply's content words (stemmed, >= 4 letters, no function or courtesy words, not the
  customer's name or the brand's) that the cited passages or the evidence texts have and the message has not
  (German compounds by their parts, as ``relevance_features.covered``). A reply built on an article or a record
  fact repeats several; a stock phrase shares at most one by chance ("team", "message");
- **restated words** (the message's own words) do not ground a reply: "Thanks for your message about your router
  delivery, we're looking into it" restates and answers nothing;
- **own words**: content words that are neither restated nor the stock vocabulary of service replies (``STOCK``:
  courtesy, "we look into it", "we get back to you", vague time, light verbs; whole words, so "Internet" or
  "Bestellung" are content). A reply with ``NEW_WORDS`` of them says something of its own (a rule, a cause, an
  action) even without evidence to match;
- **concrete**: ``CONCRETE`` — a digit, a link, a time span ("innerhalb eines Werktags", "within two days",
  "morgen", a weekday), an identifier or detail asked for ("deine Kundennummer", "your order number"); or a question
  (or a request to tell "when/which/where …") that names something beyond the stock vocabulary.

Generic = at most ``MAX_GROUNDED`` taken-up words, fewer than ``NEW_WORDS`` own words and nothing concrete. Not
judged: messages that only praise or thank (nothing asked, mood ``praise``), where a thank-you is the right answer.
A letter's closing ("Viele Grüße, dein Service-Team", "^AB") is no content, nor is a handle ("@115757"). Measured by
``benchmarks/bench_generic_replies.py`` (``benchmarks/README.md``): the composer's own drafts (answers and honest
hand-offs) against stock replies written for the purpose (``benchmarks/data/generic_replies.jsonl``) and real brand
replies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from guardrails.relevance_features import covered, indexed, surface_words
from guardrails.text import TOPIC_WORD_RX

MAX_GROUNDED = 1
_UNIT = (r"(werktag\w*|arbeitstag\w*|tag|tage|tagen|tages|woche\w*|stunde\w*|minute\w*|monat\w*|working days?|"
         r"business days?|days?|weeks?|hours?|minutes?|months?)")
_COUNT = (r"(ein|eine|eines|einem|einen|einer|zwei|drei|vier|fünf|one|two|three|four|five|a|an|next|"
          r"nächste\w*|kommende\w*|coming)")
CONCRETE = re.compile(
    r"\d"
    r"|(?<![\w-])[\w-]+\.[a-z]{2,}/\S*|https?://\S+|\bwww\.\S+"  # a link (from a word run's start: linear)
    rf"|\b{_COUNT}\s+{_UNIT}\b"  # a time span
    r"|\b(morgen|übermorgen|tomorrow|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday)\b"
    # the specific piece of information still needed: an identifier, an address, a screenshot …
    r"|(nummer|number)\b|\b(ID|IBAN)\b|\b(e-?mail-?)?adresse\b|\b(e-?mail )?address\b|\bscreenshot\w*|\bfoto\w*|"
    r"\bphoto\w*|\bmodell\w*|\bmodel\b|\bdatum\b|\bdate of\b|\be-?mail\b|\baccount (info\w*|details?)\b|"
    r"\b(konto|kunden|zugangs|bank)daten\b|\bpostleitzahl\b|\b(post|zip) ?code\b",
    re.I,
)
_QUESTION = re.compile(r"\?")
# a question, or a request naming what to tell ("DM us when you visited the store"): specific when it names
# something beyond the stock vocabulary ("Did you order light cheese?" — not "How can we help?")
_REQUEST = re.compile(r"\b(please|bitte|dm|schick\w*|send|tell us|let us know|sag uns|nenn\w*)\b[^.!?\n]{0,160}?\b(when|where|which|"
                      r"what|wann|wo|welche\w*|was für)\b", re.I)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
# the vocabulary of stock service replies (courtesy, "we look into it", "we get back to you", vague time): words a
# reply can consist of without saying anything of its own. Whole stems with an inflection ending, a separable particle
# and the participle's ge- ("weitergeleitet", "gemeldet"), never a mere word start: "Internet", "Leitung",
# "Bestellung", "Gutschrift" are content, not "intern", "leit…", "best", "gut".
_STOCK_STEMS = (
    "danke|dank|thank|thankful|bitte|please|pleas|gern|glad|happy|froh|freu|freut|sorry|entschuldig|apolog|apologis|"
    "apologiz|leid|versteh|verstand|verständnis|understand|understood|apprecia|appreciat|schätz|value|wichtig|"
    "important|priority|concern|anliegen|anfrag|request|enquiry|enquir|inquiry|inquir|query|frag|question|nachricht|"
    "message|note|hinweis|feedback|rückmeld|info|information|detail|problem|issue|sach|prüf|check|schau|anseh|"
    "ansieh|look|review|investigat|kümmer|care|handl|bearbeit|process|arbeit|work|klär|resolv|lös|sort|fix|help|"
    "hilf|helf|assist|unterstütz|support|servic|kund|kunden|customer|team|abteilung|department|fachabteilung|"
    "specialist|spezialist|kolleg|colleague|member|mitarbeit|mitarbeiter|agent|jemand|someone|weiter|forward|pass|"
    "flag|escalat|intern(?!et)|internal|internally|meld|zurück|back|touch|contact|kontakt|kontaktier|reach|respond|"
    "response|antwort|beantwort|reply|update|laufend|post|inform|bescheid|news|neuigkeit|know|wiss|weiß|find|"
    "herausfind|schnell|schnellstmöglich|quick|quickly|prompt|promptly|soon|bald|short|shortly|kürz|zeitnah|umgehend|"
    "asap|möglich|possibl|possible|gleich|sofort|course|gegeb|geduld|patienc|patient|moment|sure|sicher|assur|best|"
    "bestes|hard|hochdruck|erhalt|receiv|notiert|noted|gesehen|seen|teil|shar|writ|write|written|schreib|schrieb|zeit|"
    "time|day|tag|great|toll|super|gut|good|ask|situation|erfahrung|experienc|right|richtig|people|leut|"
    # light verbs and particles of any such sentence
    "geb|gib|gab|halt|hält|mach|bleib|komm|geh|sag|lass|seh|sieh|nehm|nimm|dran|darauf|darum|dafür|daran|dabei|"
    "total|einfach|direkt|alles|genau|ganz|wirklich|really|totally|complet|completely|absolut|absolutely|definit|"
    "definitely|make|take|keep|dazu|davon|darüber|more|bisschen|little|about|this|that|give|come|tell|hear|hör|let|"
    "ensur|ensure|sorg|weiterleit|weitergeleit|schick|send|sent|get|got|going|tun|doing|done|verständnis|"
    "anlieg")
_PARTICLE = "weiter|zurück|nach|an|ab|auf|aus|ein|mit|vor|durch|um|her|hin"
STOCK = re.compile(rf"(?:{_PARTICLE})?(?:ge)?(?:{_STOCK_STEMS})(?:e|en|er|es|s|t|et|st|est|te|ten|ed|ing|ly|d|n|nd|end|ier|ieren|iert)?$",
                   re.I)
NEW_WORDS = 4  # a reply with this many content words of its own (neither stock nor grounded) says something
# a letter's closing and what follows it (the team's name): its words are no reply content
_CLOSING = re.compile(
    r"(?:^|[\n.!]\s*)((viele|freundliche|beste|liebe|herzliche|schöne) grüße|mit freundlichen grüßen|gruß|"
    r"(kind|best|warm|many) (regards|wishes)|regards|cheers|best|take care)\b[^.!?]{0,80}$|\s*\^[A-Z]{2,3}\s*$",
    re.I)
_CLOSING_REACH = 160
_DIGIT = re.compile(r"\d")
_HANDLE = re.compile(r"(?<![\w@])[@#]\w+")  # "@115757", "#Verspätung": an address or a tag, not a figure


def without_closing(body: str) -> str:
    """``body`` without a closing line at its end ("Viele Grüße\ndein Service-Team", "Kind regards, …", "^QA")."""
    for _ in range(2):  # a closing line, then an agent's initials (only the tail is read: a closing is short)
        body = body.rstrip()
        cut = max(0, len(body) - _CLOSING_REACH)
        body = body[:cut] + _CLOSING.sub("", body[cut:])
    return body


def _content_words(text: str, skip: frozenset[str]) -> dict[str, str]:
    """stem -> the word as written (lower case): the reply's content words (``relevance_features``' tokenizer and stop
    list), without the words of ``skip``."""
    return {stem: w for stem, word in surface_words(text).items() if (w := word.lower()) not in skip}


def _stock(word: str) -> bool:
    return STOCK.match(word) is not None


def _covered_by(stems: Iterable[str], sources: Iterable[str]) -> set[str]:
    """The ``stems`` that one of ``sources`` has (German compounds by their parts)."""
    text, words = indexed(" \n ".join(sources))  # cached: a re-check of an edited draft reads it again
    return {w for w in stems if covered(w, text, words)}


def is_generic(body: str, message: str, sources: Iterable[str], mood: str | None = None,
               skip: Iterable[str] = ()) -> bool:
    """True when ``body`` (the reply without greeting and sign-off) takes up at most ``MAX_GROUNDED`` words of
    ``sources`` that the message does not have (restating the message is no answer), has fewer than ``NEW_WORDS``
    words of its own and names nothing concrete. ``skip``: names whose words do not count (the customer, the brand)."""
    if mood == "praise" and not _QUESTION.search(message):
        return False  # a thank-you answers praise
    body = _HANDLE.sub(" ", body)
    if _DIGIT.search(body):  # the common case, a figure or date: concrete (one fast scan)
        return False
    body = without_closing(body)
    if CONCRETE.search(body):
        return False
    skip_words = frozenset(w for s in skip for w in TOPIC_WORD_RX.findall(s.lower()))
    for sentence in _SENTENCE.findall(body):
        if (sentence.rstrip().endswith("?") or _REQUEST.search(sentence)) and any(
                not _stock(w) for w in _content_words(sentence, skip_words).values()):
            return False  # a question for a specific fact: the information still needed
    mine = _content_words(body, skip_words)
    restated = _covered_by(mine, [message])
    taken_up = _covered_by(mine, sources) - restated
    if len(taken_up) > MAX_GROUNDED:
        return False
    own = {stem for stem, w in mine.items() if stem not in restated and not _stock(w)}
    return len(own) < NEW_WORDS

"""Features for ``relevance`` (issue 11): does the reply built on a cited article answer what the message asks?

Each feature is a number in a small, explainable range; ``guardrails.checks.relevance`` combines them with weights
learned by grouped cross-validation on the drafting dev set (``benchmarks/bench_relevance.py``).

Signals (all computed from the check context, nothing from the retriever's own ranking):
- **meaning**: the cosine of the message (whole and sentence by sentence) to the cited passages, and the same
  against the best other evidence passage (``margin``): wrong articles the retriever picks are often a close
  second, right ones a clear first;
- **parts**: each sentence of the message compared with the cited passages (and the reply, ``with_draft``): the part
  least covered (``worst_part``) is named in the finding, with the message's words neither article nor reply has;
- **asks answered**: each question of the message (its sentences with a question mark; all of them when it has
  none) against the evidence texts the reply repeats verbatim — article sentences *and* the customer's record facts —
  the least answered question's best cosine (``ask_answered``; those vectors are the evidence's: no model call);
- **words**: the share of the message's content words (stemmed; German compounds matched by their parts) found in
  the cited article and the reply, against the best other evidence passage;
- **ask**: the question kinds asked (cost, when, how, status) against whether the reply/article carries that kind
  of answer (an amount, a day or time span, a place or step) — computed, not in the model (no CV gain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from guardrails.text import TOPIC_SKIP_RX, TOPIC_WORD_RX, topic_stem

_STOP_WORDS = (
    "aber alle auch bitte dann dass denn diese dieser doch eine einen einem einer euch eure eurem euren habe haben "
     "hallo hast hatte heute immer jetzt kann kannst keine kein mehr mein meine meinem meinen meiner mich noch oder "
     "schon sein seit sich sind sollte über unser warum weil wenn wieder wird wurde zwei danke schön also been does "
     "from have hello here just know like make need please really some still than thanks that their them then there "
     "they thing this what when where which while will with would your you're about after again could didn doesn "
     "don't going into it's only other over should since thank very want were gibt geht habt ihr nicht eigentlich "
     "irgendwie kurze frage ganz gerade grad einfach team lieben liebe viele vielen gruß grüße regards kind hi hey "
     "everything something anything hier nach dich euer deine deinen dein ihre ihren ihnen wäre gerne bekomme "
     "bekommen kommt kommen machen mache macht "
     # function and courtesy words (letter openings, modal verbs, fillers, indefinites): no topic to take up
     "sehr geehrte geehrter damen herren möchte möchten muss müssen damit wegen leider etwas alles überhaupt nochmal "
     "eben halt endlich weiß gemacht passiert ganzen diesen dieses irgendwas jemand niemand nichts selbst actually someone "
     "anyone nobody nothing because quick said says saying exactly same things anyway maybe already never ever also")
STOP = frozenset(_STOP_WORDS.split())
ASKS = {k: re.compile(v, re.I) for k, v in {
    "cost": r"(\bkoste\w*|\bpreis\w*|\bgebühr\w*|\bteuer\w*|\bbillig\w*|\bgünstig\w*|\bhow much\b|\bcost\w*|\bprice\w*|"
            r"\bfees?\b|\bcheap\w*|\bcharge[sd]?\b|\bgeld\b|\bmoney\b|\berstatt\w*|\brefund\w*|€)",
    "when": r"\b(wann|bis wann|wie lange|how long|when|arriv\w*|kommt das|kommts|ankommen|heute noch|"
            r"auf\?|open|geöffnet)\b",
    "how": r"\b(wie (kann|geht|mache|funktioniert|komme|richte|aktiviere|ändere|krieg|bekomme|lade|setze)|"
           r"how (do|can|to|does)|where do i|wo (gebe|trage|finde)|einrichten|set ?up)\b",
    "status": r"\b(stand|status|schon (da|fertig|unterwegs|repariert|verschickt|raus)|already|yet\?|"
              r"verschickt|shipped|tracking|sendungs\w*)\b",
}.items()}
ANSWERS = {k: re.compile(v, re.I) for k, v in {
    "cost": r"(€|\beuro?\b|kostenlos|kostenfrei|gratis|\bfree\b|\bkostet|\bcosts?\b|\bpreis\w*|\bprice\w*|"
            r"\bgebühr\w*|\bfee\b|erstatt\w*|refund\w*|gutschrift\w*|credit\w*|verrechn\w*)",
    "when": r"(\d|\b(tag|tage|tagen|werktag\w*|woche\w*|stunde\w*|uhr|montag|samstag|sonntag|heute|morgen|day|days|"
            r"week\w*|hour\w*|today|tomorrow|monday|saturday|sunday|frist\w*|sofort|immediately)\b)",
    "how": r"(\b[\w-]+\.[a-z]{2,}/\S*|\bunter\b|\bunder\b|\bapp\b|\bklick\w*|\btipp\w*|\bgeh\w* auf\b|"
           r"\bgo to\b|\bopen\b|\böffne\w*|\bschritt\w*|\bstep\w*|\bscan\w*|\beinstellung\w*|\bsettings?\b|"
           r"\bgib\b|\bgeben sie\b|\benter\b)",
    "status": r"(sendungs\w*|tracking|verfolg\w*|status|unterwegs|on (its|the) way|versand\w*|dispatch\w*|shipp\w*)",
}.items()}
FEATURES = ("sim", "whole", "margin", "part_min", "draft_part_min", "word_cover", "word_margin", "ask_missing",
            "margin_other", "closer_other", "parts", "draft_whole", "draft_margin", "reply_article", "ask_answered")
# the features the learned check reads (chosen by grouped CV among five subsets, benchmarks/README.md)
MODEL_FEATURES = ("sim", "margin_other", "closer_other", "word_cover", "word_margin", "reply_article", "ask_answered")
# The reply's own embedding (``draft_margin``: reply-vs-message against reply-vs-evidence) added 2.7 points of CV
# recall but one model call per new draft (first check p50 12.9 vs 4.8 ms on the loaded box): off, ``with_draft``.
SAME_ARTICLE = 0.8  # an evidence passage this close to a cited passage is taken as part of the cited article


def surface_words(text: str) -> dict[str, str]:
    """stem → the word as first written in ``text`` (for naming it in a finding), in order."""
    out: dict[str, str] = {}
    for m in TOPIC_WORD_RX.finditer(TOPIC_SKIP_RX.sub(lambda h: " " * len(h.group(0)), text.lower())):
        if m.group(0) not in STOP:
            out.setdefault(topic_stem(m.group(0)), text[m.start():m.end()])
    return out


def covered(word: str, text: str, words: frozenset[str]) -> bool:
    """``word`` (a stem) occurs in ``text``: as a substring (``daten`` in ``datenvolumen``) or as the whole of one of
    a compound's parts (``volumen`` of the message's ``datenvolumen`` among the text's words)."""
    if word in text:
        return True
    return any(len(w) >= 5 and w in word for w in words)


@lru_cache(maxsize=8192)
def indexed(text: str) -> tuple[str, frozenset[str]]:
    low = text.lower()
    return low, frozenset(topic_stem(w) for w in TOPIC_WORD_RX.findall(low) if w not in STOP)


def cover(asked: list[str], text: str) -> float:
    """The share of ``asked`` (stems) that ``text`` covers (1.0 when nothing is asked)."""
    if not asked:
        return 1.0
    low, words = indexed(text)
    return sum(covered(w, low, words) for w in asked) / len(asked)


@dataclass
class Features:
    values: dict[str, float] = field(default_factory=dict)
    worst_part: str | None = None  # the message sentence least covered by the cited article and the reply
    missing_asks: list[str] = field(default_factory=list)
    missing_words: list[str] = field(default_factory=list)  # the message's content words neither article nor reply has
    others: int = 0  # evidence passages of other articles compared (none: the margins say nothing)

    def vector(self) -> np.ndarray:
        return np.array([self.values[k] for k in FEATURES], dtype=np.float64)


EVIDENCE_CHARS = 1000


_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text.lower()).strip()


def _clean(text: str) -> str:
    from guardrails import meaning

    return " ".join(s for _, _, s in meaning.sentences(text)) or " ".join(text.split())


def draft_text(draft: str) -> str:
    """The text the reply is embedded as: handles, links and signature masked, the same text (and so the same cache
    entry) as ``no-bare-sorry``'s classifier and ``tone``'s abuse model — one model call per draft for all three."""
    from guardrails.checks.substance_model import embed_text

    return embed_text(draft)


def features(message: str, draft: str, draft_body: str, cited: list[str], evidence: list[str],
             with_draft: bool = False) -> Features | None:
    """The features of one draft, or None without an encoder or without a cited passage. The message's sentences (and
    with ``with_draft`` the reply) are embedded in one batch (cached per process); cited and evidence passages are
    cached across drafts."""
    from guardrails import meaning

    if not cited or not meaning.available():
        return None
    parts = [s for _, _, s in meaning.sentences(message)]
    whole = _clean(message)
    cited_texts = [t for t in (_clean(c) for c in cited) if t]
    evidence_texts = list(dict.fromkeys(t[:EVIDENCE_CHARS] for t in (_clean(e) for e in evidence if len(e) > 20) if t))
    if not whole or not cited_texts:
        return None
    units = list(dict.fromkeys([whole] + parts))
    reply = draft_text(draft) if with_draft and draft_body.strip() else ""
    batch = meaning.vectors(units + ([reply] if reply else []))
    c = meaning.vectors(cited_texts)
    if batch is None or c is None:
        return None
    m = batch[: len(units)]
    to_cited = meaning.similarity(m, c).max(axis=1)
    ev = meaning.vectors(evidence_texts) if evidence_texts else np.zeros((0, m.shape[1]), dtype=np.float32)
    ev_to_msg = meaning.similarity(m[:1], ev)[0]
    best_evidence = float(ev_to_msg.max()) if len(ev) else float(to_cited[0])
    # evidence passages of other articles (not near-copies of a cited passage): the best of them, and how many are
    # closer to the message than the cited article
    other = meaning.similarity(ev, c).max(axis=1) < SAME_ARTICLE if len(ev) else np.zeros(0, dtype=bool)
    best_other = float(ev_to_msg[other].max()) if other.any() else float(to_cited[0])
    closer_other = float((ev_to_msg[other] > to_cited[0]).sum())
    # the article's sentences the reply uses verbatim (found among the evidence, so their vectors are already there: no
    # model call): how close the closest of them comes to the message or one of its sentences
    position = {t: i for i, t in enumerate(evidence_texts)}
    used = [position[t] for _, _, t in meaning.sentences(draft_body) if t in position]
    reply_article = float(meaning.similarity(m, ev[used]).max()) if used else float(to_cited.max())
    # the parts of the message: each sentence, by its best cosine to the cited passages or the reply
    part_idx = list(range(1, len(units))) or [0]
    part_scores = to_cited[part_idx]
    if reply:
        dw = batch[len(units):]
        to_draft = meaning.similarity(m, dw)[:, 0][part_idx]
        draft_whole = float(meaning.similarity(m[:1], dw)[0, 0])
        draft_margin = draft_whole - (float(meaning.similarity(dw, ev).max()) if len(ev) else draft_whole)
    else:
        to_draft = np.zeros(len(part_idx))
        draft_whole, draft_margin = 0.0, -1.0
    joint = np.maximum(part_scores, to_draft)
    # the message's questions against the evidence texts the reply repeats verbatim (article sentences and record facts,
    # compared as cleaned text, so a sentence ending in a link or a two-sentence record fact is found too): the least
    # answered question's best cosine
    flat = _flat(_clean(draft_body)) if draft_body.strip() else ""
    repeated = [i for i, t in enumerate(evidence_texts) if len(t) >= 20 and _flat(t) in flat]
    questions = [i for i in part_idx if "?" in units[i]] or part_idx
    ask_answered = (float(meaning.similarity(m[questions], ev[repeated]).max(axis=1).min()) if repeated
                    else float(part_scores.min()))
    worst = int(np.argmin(joint))
    # content words of the message found in the cited article + reply, vs the best other evidence passage
    surface = surface_words(message)
    asked = list(surface)
    answer_text = " ".join(cited) + " " + draft_body
    word_cover = cover(asked, answer_text)
    low, words = indexed(answer_text)
    not_covered = [surface[w] for w in asked if not covered(w, low, words)]
    other_cover = max((cover(asked, e) for e in evidence_texts), default=word_cover)
    # question kinds asked vs kinds of answer present
    asks = [k for k, rx in ASKS.items() if rx.search(message)]
    missing = [k for k in asks if not ANSWERS[k].search(answer_text)]
    values = {
        "sim": float(to_cited.max()),
        "whole": float(to_cited[0]),
        "margin": float(to_cited[0]) - best_evidence,
        "part_min": float(part_scores.min()),
        "draft_part_min": float(joint.min()),
        "word_cover": word_cover,
        "word_margin": word_cover - other_cover,
        "ask_missing": len(missing) / len(asks) if asks else 0.0,
        "margin_other": float(to_cited[0]) - best_other,
        "closer_other": min(closer_other, 5.0),
        "parts": float(min(len(parts), 6)),
        "draft_whole": draft_whole,
        "draft_margin": draft_margin,
        "reply_article": reply_article,
        "ask_answered": ask_answered,
    }
    return Features(values, units[part_idx[worst]] if len(part_idx) > 1 else None, missing, not_covered,
                    int(other.sum()))

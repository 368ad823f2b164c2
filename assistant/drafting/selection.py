"""Choosing what a reply says: the article for each question (re-ranked among the top-k, not the top hit
alone) and, inside it, the building blocks that answer the question (block-level scoring, not the default).

Signals, each explainable: the retrieval score, the customer's record (an open case, appointment or claim on
that article, an order when the question is where/when), the question kinds the brand maps to topics
(``replies.ask_topics``), and for blocks the dense similarity to the question, shared words and whether the
block carries what the question kind needs (a time for "when", a price for "cost", a step for "how").
"""

from __future__ import annotations

import re
import threading

import numpy as np

from assistant.models import Fact
from assistant.understanding import Understanding
from knowledge_base.lexical import tokenize
from knowledge_base.models import Article, Passage, ReplyBlock

TIME = re.compile(r"\d+\s*(–|-|bis|to)?\s*\d*\s*(werktag\w*|tag\w*|stunde\w*|minute\w*|woche\w*|monat\w*|day\w*|hour\w*|"
                  r"minute\w*|week\w*|month\w*)|\b(sofort|immediately|heute|today|morgen|tomorrow)\b", re.I)
PRICE = re.compile(r"\d+([.,]\d+)?\s*(€|eur\w*|ct|cent\w*)|\b(kostenlos|gratis|free|kostet|costs?)\b", re.I)
STEP = re.compile(r"https?://|\w+\.\w{2,}/|\b(unter|über|in der app|im app|at|via|in the app|tippe|tap|wähle|select|"
                  r"geh\w*|go to|öffne|open|starte|restart)\b", re.I)
YESNO = re.compile(r"\b(möglich|geht|kann|können|nicht|kein\w*|possible|can|cannot|can't|not|no)\b", re.I)
ASK_FIT = {"when": TIME, "cost": PRICE, "how": STEP, "where": STEP, "whether": YESNO}


# Re-ranking weights (added to the retrieval score). ``RECORD_*``: the customer's record points at an article —
# an open case/appointment/claim on it (``ON_ARTICLE``), or a record whose kind maps to the article's topic and
# which the message names (``NAMED``) or whose question kinds the message asks (``FITS``). A signal weighted 0
# is no evidence: it neither moves the article nor lets it answer a weak match.
RECORD_ON_ARTICLE, RECORD_ON_ARTICLE_FITS, RECORD_ON_ARTICLE_NAMED = 0.25, 0.1, 0.1
RECORD_TOPIC, RECORD_TOPIC_FITS, RECORD_TOPIC_NAMED = 0.12, 0.08, 0.15
ASK_TOPIC, ASK_TOPIC_SAFETY = 0.08, 0.2  # a question kind the brand maps to the article's topic
LEXICAL_WEIGHT = 0.0  # extra weight on shared words (BM25 / log(1 + chunks), capped at 1)


def _article_topics(article: Article) -> set[str]:
    return {article.id, *article.tags}


def mentions(fact: Fact, text: str) -> bool:
    """The message names what the record is about ("mein Router" and an order of a "Router 5G")."""
    words = {t for t in tokenize(" ".join(fact.keywords)) if len(t) > 2 and not t.isdigit()}
    return bool(words & set(tokenize(text)))


def fact_affinity(article: Article, facts: list[Fact], asks: list[str], text: str = "") -> tuple[float, list[str]]:
    """How strongly the customer's record points at this article for this message."""
    topics = _article_topics(article)
    best, why = 0.0, []
    for f in facts:
        fits = set(asks) & f.asks
        named = bool(text) and mentions(f, text)
        if article.id in f.topics:
            bonus = RECORD_ON_ARTICLE + (RECORD_ON_ARTICLE_FITS if fits else 0.0) + \
                (RECORD_ON_ARTICLE_NAMED if named else 0.0)
            reason = f"record: open {f.kind} on this article"
        elif topics & f.topics and (fits or named):
            bonus = RECORD_TOPIC + (RECORD_TOPIC_FITS if fits else 0.0) + (RECORD_TOPIC_NAMED if named else 0.0)
            reason = f"record: {f.kind} fits this {'/'.join(sorted(fits)) or 'message'}"
        else:
            continue
        if bonus > best and bonus > 0:
            best, why = bonus, [reason + (" (the message names it)" if named else "")]
    return best, why


def rank_articles(passages: list[Passage], articles: list[Article], u: Understanding, facts: list[Fact],
                  ask_topics: dict[str, list[str]], asks: list[str] | None = None,
                  text: str = "") -> list[tuple[float, Article, Passage, list[str]]]:
    """The candidates re-ranked: retrieval score + record affinity + question-kind fit."""
    by_id = {a.id: a for a in articles}
    asks = u.asks if asks is None else asks
    out = []
    for p in passages:
        a = by_id.get(p.article_id)
        if a is None:
            continue
        score, why = p.score + LEXICAL_WEIGHT * min(p.lexical or 0.0, 1.0), [f"retrieval {p.score:.2f}"]
        bonus, fwhy = fact_affinity(a, facts, asks, text)
        score += bonus
        why += fwhy
        for ask in asks:
            if _article_topics(a) & set(ask_topics.get(ask, [])):
                score += ASK_TOPIC_SAFETY if ask == "safety" else ASK_TOPIC  # a safety concern outranks a shared word
                why.append(f"{ask} question fits this topic")
                break
        out.append((score, a, p, why))
    out.sort(key=lambda x: -x[0])
    return out


_HEADING = re.compile(r"^\s*#{1,6}\s+.*$", re.M)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9„\"'(])")
_MARKUP = re.compile(r"[*_`>]+|\[([^\]]*)\]\([^)]*\)")


def body_sentences(article: Article, language: str) -> list[ReplyBlock]:
    """Answer candidates from the article body, for a knowledge base without reply building blocks (a help
    centre export): its sentences in the reply's language, as they stand (headings and markup dropped)."""
    if article.language != language or not article.body.strip():
        return []
    text = _HEADING.sub("\n", article.body)
    out: list[ReplyBlock] = []
    for para in re.split(r"\n\s*\n|\n", text):
        para = _MARKUP.sub(lambda m: m.group(1) or "", para).strip(" -•\t")
        for sentence in _SENTENCE.split(para):
            sentence = sentence.strip()
            if 25 <= len(sentence) <= 260 and sentence[-1:] in ".!?":
                out.append(ReplyBlock(id=f"body-{len(out) + 1}", language=language, kind="answer", text=sentence,
                                      length="short"))
    return out


class BlockScorer:
    """Scores an article's answer blocks against a question; block vectors are cached per article version."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self._cache: dict[tuple[str, int, str, str], np.ndarray] = {}
        self._lock = threading.Lock()

    def _vectors(self, article: Article, blocks: list[ReplyBlock]) -> np.ndarray:
        keys = [(article.id, article.version, b.id, b.text) for b in blocks]
        missing = [k for k in keys if k not in self._cache]
        if missing and self.embedder is not None:
            vecs = self.embedder.embed([f"{article.title}: {k[3]}" for k in missing])
            with self._lock:
                if len(self._cache) > 50_000:
                    self._cache.clear()
                for k, v in zip(missing, vecs, strict=True):
                    self._cache[k] = v
        dim = next(iter(self._cache.values())).shape[0] if self._cache else 1
        return np.vstack([self._cache.get(k, np.zeros(dim, dtype=np.float32)) for k in keys])

    def score(self, question_text: str, question_vec: np.ndarray | None, asks: list[str], article: Article,
              blocks: list[ReplyBlock]) -> list[tuple[float, ReplyBlock]]:
        if not blocks:
            return []
        q_tokens = set(tokenize(question_text))
        dense = (self._vectors(article, blocks) @ question_vec) if question_vec is not None else np.zeros(len(blocks))
        out = []
        for i, b in enumerate(blocks):
            b_tokens = set(tokenize(b.text))
            overlap = len(q_tokens & b_tokens) / (len(q_tokens) ** 0.5 or 1.0)
            fit = sum(0.08 for a in asks if a in ASK_FIT and ASK_FIT[a].search(b.text))
            prior = 0.04 if i == 0 else 0.0  # the trainer's default answer, when nothing else decides
            out.append((float(dense[i]) + 0.25 * overlap + fit + prior, b))
        out.sort(key=lambda x: -x[0])
        return out

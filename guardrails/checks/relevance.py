"""``relevance`` (warn): the reply does not address the customer's message.

Its signals, each cheap and explainable:
- **tone** (on): a cheerful opener ("Schön, dass …", "Great that …") to a message the pipeline read as angry or
  sarcastic (``CheckContext.customer_mood``);
- **meaning** (on; issue 11): a logistic regression over ``guardrails.relevance_features`` — the message against the
  cited passages and against the best passage of another article among the evidence (multilingual sentence
  embeddings; how many of those are closer), the share of the message's content words (German compounds by their
  parts) the cited article and the reply cover, against the best other passage, and how well the message's least
  answered question is met by the evidence texts the reply repeats (article sentences, record facts) — plus a
  similarity floor; weights, floor and threshold learned by grouped cross-validation on the drafting dev set
  (``benchmarks/bench_relevance.py --write`` → ``checks/data/relevance_lr.json``). The finding names the sentence of
  the message least addressed and the message's words neither article nor reply takes up. Only replies that cite an
  article are judged (an honest hand-off is not). Without the weights file, or when the evidence holds no other
  article's passage (a context not built by the pipeline), the two thresholds of the rule before apply
  (``min_similarity``, ``min_margin``);
- **generic** (on; issue 11): the reply takes up nothing of the cited article or the customer's record (restating the
  message does not count) and names nothing concrete — no figure, time span, link or specific piece of information
  still needed (``guardrails.generic_reply``; judged with or without a cited article, not for a message that only
  praises);
- **topic** (off by default; ``rules: {relevance: {topic_check: true}}`` in the policy, or
  ``Relevance(policy, topic_check=True)``): the reply cites an article and none of the
  message's content words (stemmed, ≥ 4 letters, no stop words) appears in the reply or that article.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from guardrails.checks.base import finding, msg
from guardrails.models import CheckContext, Finding
from guardrails.policy import Policy
from guardrails.text import TOPIC_SKIP_RX, TOPIC_WORD_RX, topic_stem

STOP = frozenset(
    ["aber", "alle", "auch", "bitte", "dann", "dass", "denn", "diese", "dieser", "doch", "eine", "einen", "einem", "einer", "euch", "eure", "eurem", "euren", "habe", "haben", "hallo", "hast", "hatte", "heute", "immer", "jetzt", "kann", "kannst", "keine", "kein", "mehr", "mein", "meine", "meinem", "meinen", "meiner", "mich", "noch", "oder", "schon", "sein", "seit", "sich", "sind", "sollte", "über", "unser", "warum", "weil", "wenn", "wieder", "wird", "wurde", "zwei", "danke", "schön", "also", "been", "does", "from", "have", "hello", "here", "just", "know", "like", "make", "need", "please", "really", "some", "still", "than", "thanks", "that", "their", "them", "then", "there", "they", "thing", "this", "what", "when", "where", "which", "while", "will", "with", "would", "your", "you're", "about", "after", "again", "could", "didn", "doesn", "don't", "going", "into", "it's", "only", "other", "over", "should", "since", "thank", "very", "want", "were"])  # noqa: SIM905
CHEERFUL = re.compile(r"^\W*(schön|super|toll|klasse|prima|wie schön|freut (uns|mich)|great|glad|happy|awesome|"
                      r"wonderful|love|nice)\b", re.I)
# words a finding does not name as "not taken up" (modal verbs, greetings, hearsay markers: they carry no topic)
NOT_NAMED = frozenset(("sollten", "sollen", "solle", "wollte", "wollten", "könnte", "könnten", "würde", "würden",
                       "müsste", "guten", "laut", "supposed", "would", "should", "could", "might"))


def content_words(text: str) -> set[str]:
    """The lexical rule's topic words: the meaning check's tokens and stems, with this rule's (shorter) stop list."""
    return {topic_stem(w) for w in TOPIC_WORD_RX.findall(TOPIC_SKIP_RX.sub(" ", text.lower())) if w not in STOP}


def _body(draft: str) -> str:
    """The reply without its greeting line ("Hallo Anna," …) and sign-off."""
    first, _, rest = draft.partition(",")
    return rest if rest and len(first) <= 40 else draft


class Relevance:
    rule_id = "relevance"
    cost = 2

    def __init__(self, policy: Policy, topic_check: bool | None = None) -> None:
        self.policy = policy
        options = policy.rules.relevance
        self.topic_min_words = options.topic_min_words
        # Off by default: measured on the drafting dev set it warned 1 of 26 wrong-article drafts and 4 of 96 right
        # ones (wrong articles share the words that retrieved them), and its false warnings cost agents a written
        # override. Kept for callers that want it (e.g. LLM drafts without citations).
        self.topic_check = options.topic_check if topic_check is None else topic_check
        self.meaning_check = options.meaning_check
        self.generic_check = options.generic_check
        self.min_similarity = options.min_similarity
        self.min_margin = options.min_margin

    def _topic(self, draft: str, body: str, message: str, ctx: CheckContext) -> list[Finding]:
        asked = content_words(message)
        if len(asked) < self.topic_min_words or not ctx.cited:  # only replies built on a cited article are judged on topic words
            return []
        if asked & (content_words(body) | content_words(" ".join(ctx.cited))):
            return []
        return [finding(self.rule_id, "warn", msg(
            ctx, "Die Antwort geht auf kein Stichwort der Nachricht ein – passt das Thema?",
            "The reply shares no topic word with the message – is it about what was asked?"),
            0, len(draft), suggestion=msg(ctx, "Artikel prüfen oder ehrlich übergeben.",
                                          "Check the article, or hand off honestly."))]

    def _meaning(self, draft: str, message: str, ctx: CheckContext) -> list[Finding]:
        verdict = learned_verdict(message, draft, ctx.cited, ctx.evidence)
        if verdict is None:  # no weights, or nothing to compare with: the two thresholds of the rule before
            scores = meaning_scores(message, ctx.cited, ctx.evidence)
            if scores is None or (scores[0] >= self.min_similarity and scores[1] >= self.min_margin):
                return []
            from guardrails.relevance_features import surface_words

            both = " ".join(ctx.cited).lower() + " " + draft.lower()
            part, words = None, [w for s, w in surface_words(message).items() if s not in both][:4]
        else:
            warn, feats = verdict
            if not warn:
                return []
            part, words = feats.worst_part, [w for w in feats.missing_words if w.lower() not in NOT_NAMED][:4]
        text = msg(ctx, "Der zitierte Artikel passt kaum zur Nachricht", "The cited article is far from what the message asks")
        if part:
            quoted = part if len(part) <= 80 else part[:77].rstrip() + "…"
            text += msg(ctx, f"; am wenigsten beantwortet: „{quoted}“", f"; least addressed: \"{quoted}\"")
        if words:
            text += msg(ctx, f" (nicht aufgegriffen: {', '.join(words)})", f" (not taken up: {', '.join(words)})")
        text += msg(ctx, " – beantwortet die Antwort die Frage?", " – does the reply answer it?")
        return [finding(self.rule_id, "warn", text, 0, len(draft),
                        suggestion=msg(ctx, "Artikel prüfen oder ehrlich übergeben.",
                                       "Check the article, or hand off honestly."))]

    def _generic(self, draft: str, body: str, message: str, ctx: CheckContext) -> list[Finding]:
        from guardrails.generic_reply import is_generic

        names = [n for n in [ctx.customer_name, *self.policy.brand_names] if n]
        if not is_generic(body, message, [*ctx.cited, *ctx.evidence], ctx.customer_mood, skip=names):
            return []
        return [finding(self.rule_id, "warn", msg(
            ctx, "Die Antwort ist allgemein: Sie greift nichts aus der Nachricht, dem Artikel oder den Kundendaten auf "
                 "und nennt keinen konkreten Schritt, keine Frist und keine benötigte Angabe.",
            "The reply is generic: it takes up nothing from the message, the article or the customer's record and "
            "names no concrete step, time frame or piece of information needed."), 0, len(draft),
            suggestion=msg(ctx, "Die Frage beantworten, oder sagen, was als Nächstes passiert und bis wann.",
                           "Answer the question, or say what happens next and by when."))]

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        message = (ctx.customer_message or "").strip()
        if not message:
            return []
        out: list[Finding] = []
        body = _body(draft)
        if self.topic_check:
            out += self._topic(draft, body, message, ctx)
        judged = len(content_words(message)) >= self.topic_min_words
        generic = self._generic(draft, body, message, ctx) if self.generic_check and judged else []
        out += generic
        if self.meaning_check and ctx.cited and judged and not generic:
            out += self._meaning(draft, message, ctx)
        if ctx.customer_mood in ("angry", "sarcastic") and (m := CHEERFUL.search(body.lstrip())):
            start = len(draft) - len(body.lstrip()) + m.start()
            out.append(finding(self.rule_id, "warn", msg(
                ctx, "Fröhlicher Einstieg auf eine verärgerte Nachricht.",
                "A cheerful opener to an angry message."), start, start + len(m.group(0)),
                suggestion=msg(ctx, "Den Ärger anerkennen, dann antworten.", "Acknowledge the frustration first.")))
        return out


MODEL = Path(__file__).resolve().parent / "data" / "relevance_lr.json"


@lru_cache(maxsize=1)
def _model() -> dict | None:
    if not MODEL.exists():
        return None
    import numpy as np

    m = json.loads(MODEL.read_text())
    return {"features": m["features"], "w": np.array(m["weights"]), "b": float(m["bias"]),
            "mu": np.array(m["mean"]), "sd": np.array(m["sd"]), "t": float(m["threshold"]),
            "floor": float(m["sim_floor"])}


def learned_score(values: dict[str, float]) -> float | None:
    """The learned check's score (a logit: higher = more likely a wrong article) or None without weights."""
    m = _model()
    if m is None:
        return None
    import numpy as np

    x = (np.array([values[k] for k in m["features"]]) - m["mu"]) / m["sd"]
    return float(x @ m["w"] + m["b"])


def learned_verdict(message: str, draft: str, cited: list[str], evidence: list[str]):
    """(warn, Features) by the learned check; None without weights, encoder or a cited passage, or when the evidence
    holds no passage of another article to compare with (a context not built by the pipeline: the rule before
    applies)."""
    from guardrails.relevance_features import features

    m = _model()
    if m is None:
        return None
    feats = features(message, draft, _body(draft), cited, evidence)
    if feats is None or not feats.others:  # fitted on pipeline contexts, which always hold other passages
        return None
    # an article this far from the message is warned whatever the other features say (the floor)
    return feats.values["sim"] < m["floor"] or learned_score(feats.values) > m["t"], feats


EVIDENCE_CHARS = 1000  # an evidence text (an article body) is compared by its first sentences


def _clean(text: str) -> str:
    from guardrails import meaning

    return " ".join(s for _, _, s in meaning.sentences(text)) or " ".join(text.split())


def meaning_scores(message: str, cited: list[str], evidence: list[str]) -> tuple[float, float] | None:
    """(similarity, margin): the best cosine of the message or one of its sentences to a cited passage, and the
    whole message's best cosine to a cited passage minus its best cosine to any evidence text. None without an
    encoder or anything to compare."""
    from guardrails import meaning

    if not cited or not meaning.available():
        return None
    units = list(dict.fromkeys([_clean(message)] + [s for _, _, s in meaning.sentences(message)]))
    cited_texts = [t for t in (_clean(c) for c in cited) if t]
    evidence_texts = [t[:EVIDENCE_CHARS] for t in (_clean(e) for e in evidence if len(e) > 20) if t]
    if not units[0] or not cited_texts:
        return None
    m = meaning.vectors(units)
    c = meaning.vectors(cited_texts)
    to_cited = meaning.similarity(m, c)
    whole = float(to_cited[0].max())
    best_evidence = float(meaning.similarity(m[:1], meaning.vectors(evidence_texts)).max()) if evidence_texts else whole
    return float(to_cited.max()), whole - best_evidence

"""Triage, explainable and offline: language, sentiment, intent, urgency/SLA, risk, troll, no-reply and injection
flags — each with why.

Sentiment, the injection flag and the "not about the brand" part of the no-reply flag are small linear heads
(numpy) over the shipped multilingual sentence embedding (``knowledge_base.embeddings.UseEmbedder``, 512-d) plus a
few interpretable lexical/structural features; sentiment also stacks per-class NB-LR n-gram heads on top. Weights: ``assistant/models_data/triage.npz``
(provenance, licence and cross-validated figures in ``assistant/models_data/README.md``; reproduced by
``benchmarks/train_triage.py``). Pass ``embedding=`` (the message's USE vector, e.g. the retrieval query's) to
share one embedding per message; otherwise triage embeds the text itself (~3–7 ms).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from assistant.triage_features import (  # noqa: F401  (re-exported: the training script and tests use them)
    _TOKEN,
    ABUSE,
    FEATURES_INJ,
    FEATURES_LEX,
    FEATURES_REPLY,
    FIRST_PERSON,
    HASH_DIM,
    HASHTAG,
    INJECTION_CUES,
    MENTION,
    MODEL_PATH,
    NEG_CUES,
    NEG_EMOJI,
    NEGATION,
    NEWS,
    PLEA,
    POS_CUES,
    POS_EMOJI,
    QUESTION,
    SECOND_PERSON,
    TO_OTHERS,
    URL,
    LinearHead,
    _embedding,
    _negated_positive,
    brand_pattern,
    embed,
    extra_features,
    hashed_ngrams,
    injection_features,
    lexical_cues,
    lexical_features,
    load_models,
    reply_cues,
    reply_features,
)
from assistant.understanding import UPSET, upset
from assistant.understanding import mood as read_mood
from guardrails.language_id import detect
from replydesk.db import utcnow


class TriageValue(BaseModel):
    value: Any
    reason: str


class Triage(BaseModel):
    language: TriageValue
    sentiment: TriageValue  # negative | neutral | positive
    intent: TriageValue  # best article id or None (a gap)
    urgency: TriageValue  # low | normal | high
    sla_due_at: TriageValue
    risk: TriageValue  # 0..1
    troll: TriageValue
    no_reply: TriageValue = TriageValue(value=False, reason="not assessed")  # True: not addressed to the brand
    injection: TriageValue = TriageValue(value=False, reason="not assessed")  # True: looks like a prompt injection
    # angry | sarcastic | worried | praise | neutral, from the message's cues (assistant.understanding.mood). The
    # sentiment head learned German posts about a railway, where shouting and irony are often news or banter: it
    # reads most angry customer messages as neutral, so urgency, risk and four eyes also count an angry or
    # sarcastic mood as negative.
    mood: TriageValue = TriageValue(value="neutral", reason="not assessed")

    def flat(self) -> dict[str, Any]:
        return {k: v.model_dump(mode="json") for k, v in self}


def detect_language(text: str, fallback: str = "de") -> tuple[str, str]:
    found = detect(text)
    if found:
        return found, "detected by lingua (de/en)"
    return fallback, f"too short to detect; using {fallback}"


# ---- features ----------------------------------------------------------------------------------------------
def _shouts(text: str) -> bool:
    from assistant.understanding import _ACRONYM, SHOUT

    return ("!!" in text or "?!" in text) and any(not _ACRONYM.match(w) for w in SHOUT.findall(text))


def sentiment(text: str, embedding: np.ndarray | None = None, ngrams=None, language: str = "de"
              ) -> tuple[Literal["negative", "neutral", "positive"], float, str]:
    """(label, score = positive − negative margin, reason with the model's margin and the lexical cues).

    The model was trained on German posts only (GermEval 2017) and does not transfer to English (it says
    "neutral" to most English praise and complaints: tests/assistant/data/triage_sentiment_en.jsonl), so for
    English a clear lexical balance (negation-aware cues) decides and the model is the fallback. The NB-LR n-gram
    heads stacked on the ridge head are German word models: for English the ridge head alone is the fallback (with
    the stack the German model's English hits fell from 21 to 16 of 40 on that set)."""
    head = load_models()["sentiment"]
    s = head.scores(extra_features("sentiment", text), _embedding(text, embedding),
                    ngrams if ngrams is not None else hashed_ngrams(text))
    if head.stack is not None and language != "en":  # stacked with the German NB-LR n-gram heads' logits
        s = head.stack.scores(s, text)
    scores = dict(zip(head.classes, s.tolist(), strict=True))
    label = max(scores, key=scores.get)
    margin = scores[label] - max(v for k, v in scores.items() if k != label)
    score = scores.get("positive", 0.0) - scores.get("negative", 0.0)
    cues = lexical_cues(text)
    parts = [f"model margin {margin:.2f}"]
    if language == "en":
        balance = len(cues["pos"]) - len(cues["neg"]) - len(cues["negated_pos"])
        if balance != 0:
            label = "positive" if balance > 0 else "negative"
            parts = [f"English lexicon balance {balance:+d} (model: {max(scores, key=scores.get)})"]
    if label == "neutral" and _shouts(text):
        # shouting with "!!" is a complaint whatever the words: 9 of 2,369 GermEval posts, 5 of them negative
        label = "negative"
        parts.append("shouting with !! (overrides a neutral model verdict)")
    if cues["neg"]:
        parts.append("negative cues: " + ", ".join(dict.fromkeys(cues["neg"]))[:80])
    if cues["negated_pos"]:
        parts.append("negated: " + ", ".join(dict.fromkeys(cues["negated_pos"]))[:60])
    if cues["pos"]:
        parts.append("positive cues: " + ", ".join(dict.fromkeys(cues["pos"]))[:60])
    if len(parts) == 1:
        parts.append("no lexical cues (meaning of the whole message)")
    return label, score, "; ".join(parts)  # type: ignore[return-value]


def injection(text: str, embedding: np.ndarray | None = None, ngrams=None) -> tuple[bool, float, str]:
    head = load_models()["injection"]
    s = float(head.scores(extra_features("injection", text), _embedding(text, embedding),
                          ngrams if ngrams is not None else hashed_ngrams(text))[0])
    cues = [f"{k}: {m.group(0)[:40]}" for k, rx in INJECTION_CUES.items() if (m := rx.search(text))]
    flagged = s >= head.threshold
    reason = f"injection score {s:.2f} (threshold {head.threshold:.2f})"
    if cues:
        reason += "; cues: " + "; ".join(cues)
    return flagged, s, reason


def no_reply_decision(cues: dict[str, Any], sentiment_label: str | None, score: float | None, threshold: float,
                      channel: str, visibility: str, brand: str | None, best_article: str | None = None
                      ) -> tuple[bool, str]:
    """The no-reply rules; ``score`` is the relevance head's not-relevant score (None: no model)."""
    if visibility != "public" or channel in ("dm", "email"):
        return False, f"sent to us ({channel}, {visibility})"
    if cues["rt"]:
        return True, "a retweet (starts with RT)"
    if cues["brand_addressed"]:
        return False, f"addressed to {brand}"
    if cues["lead_other"] and not (cues["brand_mention"] and (sentiment_label == "negative" or cues.get("complaint"))):
        return True, ("a conversation between other users (starts with an @-mention of someone else; the brand is "
                      "not addressed" + (", only talked about)" if cues["brand_mention"] else ")"))
    if sentiment_label == "negative" or (cues["question"] and cues["second_person"]):
        return False, "a complaint or a question: drafting a reply"
    if cues["to_others"]:
        return True, "asks other people (\"hat jemand …\", \"anyone …\"), not the brand"
    if sentiment_label == "positive" and not cues["question"] and not cues["second_person"]:
        return True, "a positive post about the brand that asks nothing and is not addressed to it"
    if not (cues["question"] or cues["second_person"] or cues["first_person"] or cues.get("complaint")
            or cues.get("plea")):
        # nobody speaks to anyone: news, a headline, a fan post that mentions the brand in the third person
        return True, "a post about the brand, not to it: no question, no one addressed, nothing about the writer"
    if score is None:
        return False, "no relevance model"
    if best_article is None and score >= threshold:
        why = ("news with a link" if cues["url"] and cues["news"] else "a link with a headline" if cues["url_only"]
               else "not about the brand's service")
        return True, f"{why}, nothing asked or complained about (not-relevant score {score:.2f} ≥ {threshold:.2f})"
    return False, ("matches a knowledge-base article" if best_article else
                   f"may be about the brand (not-relevant score {score:.2f} < {threshold:.2f})")


def no_reply(text: str, channel: str, visibility: str, *, brand: str | list[str] | None = None,
             best_article: str | None = None, sentiment_label: str | None = None) -> tuple[bool, str]:
    """Whether the message needs no reply: not addressed to the brand (a retweet, chatter between other users,
    news, a post that is not about the brand). Precision first: when in doubt, a reply is drafted.
    ``brand``: the brand's name, or its name and other spellings/handles (the policy's ``brand_names``)."""
    names = [brand] if isinstance(brand, str) else list(brand or [])
    rx = brand_pattern(names)
    brand = names[0] if names else None
    cues = reply_cues(text, rx)
    if rx is None:  # no brand configured: a leading @-mention may well be the brand's handle
        cues["lead_other"] = False
    cues["complaint"] = bool(lexical_cues(text)["neg"])  # a complaint about the brand in others' conversation
    cues["plea"] = bool(PLEA.search(text))  # "hilfe!!", "please" — someone wants help
    head = load_models().get("relevance")
    score = None if head is None else float(head.scores(extra_features("relevance", text, rx))[0])
    return no_reply_decision(cues, sentiment_label, score, head.threshold if head else 0.0, channel, visibility,
                             brand, best_article)


def triage(text: str, channel: str, visibility: str, *, followers: int = 0, customer_language: str | None = None,
           best_article: str | None = None, best_score: float | None = None, policy=None,
           received_at: datetime | None = None, embedding: np.ndarray | None = None) -> Triage:
    """``embedding``: the message's USE vector if the caller already has it (the retrieval query's); computed
    here otherwise."""
    from guardrails.policy import load_policy

    policy = policy or load_policy()
    lang, lang_reason = detect_language(text, customer_language or "de")
    if customer_language and detect(text) is None:
        lang, lang_reason = customer_language, "too short to detect; customer's CRM language"
    vec = _embedding(text, embedding)
    grams = hashed_ngrams(text)
    polarity, score, polarity_reason = sentiment(text, vec, grams, lang)
    mood, mood_reason = read_mood(text, polarity)
    is_upset = upset(polarity, mood)
    feeling = polarity if mood not in UPSET or polarity == "negative" else f"{polarity} but {mood}"
    escalation_rx = getattr(policy, "escalation_rx", None)
    escalation = [m.group(0) for m in escalation_rx.finditer(text)] if escalation_rx else []
    abusive = abuse_terms(text)
    troll = bool(abusive) and best_article is None
    sla = policy.sla_minutes(channel)
    received = received_at or utcnow()
    urgency = "high" if (escalation or (visibility == "public" and is_upset and followers >= 1000)) else (
        "normal" if polarity != "positive" or is_upset else "low")
    due = received + timedelta(minutes=sla if urgency != "high" else max(15, sla // 2))
    reach = min(1.0, (followers / 50000) ** 0.5) if followers else 0.0
    risk = (0.35 if visibility == "public" else 0.05) + (0.25 if is_upset else 0.0) + 0.25 * reach + (
        0.15 if escalation else 0.0)
    risk = round(min(1.0, risk), 3)
    intent_reason = (f"best matching article (score {best_score:.2f})" if best_article
                     else "no good article found (knowledge gap)")
    names = getattr(policy, "brand_names", None) or ([policy.brand] if getattr(policy, "brand", "") else [])
    skip, skip_reason = no_reply(text, channel, visibility, brand=names or None,
                                 best_article=best_article, sentiment_label=polarity)
    inj, _, inj_reason = injection(text, vec, grams)
    return Triage(
        language=TriageValue(value=lang, reason=lang_reason),
        sentiment=TriageValue(value=polarity, reason=f"{polarity_reason} (score {score:+.2f})"),
        intent=TriageValue(value=best_article, reason=intent_reason),
        urgency=TriageValue(value=urgency, reason=(
            f"escalation words: {', '.join(dict.fromkeys(escalation))}" if escalation else
            f"{visibility}, {feeling}, reach {followers}")),
        sla_due_at=TriageValue(value=due.isoformat(), reason=f"{channel}: {sla} min SLA" + (
            ", halved for high urgency" if urgency == "high" else "")),
        risk=TriageValue(value=risk, reason=f"{visibility} × {feeling} × reach {followers}" + (
            " × escalation" if escalation else "")),
        troll=TriageValue(value=troll, reason=(f"abusive words: {', '.join(dict.fromkeys(abusive))}" if abusive
                                               else "no abuse")),
        no_reply=TriageValue(value=skip, reason=skip_reason),
        injection=TriageValue(value=inj, reason=inj_reason),
        mood=TriageValue(value=mood, reason=mood_reason),
    )


def abuse_terms(text: str) -> list[str]:
    """Abusive words. Uses the shared detector ``guardrails.abuse.detect_abuse`` when it exists (one detector for
    triage and the tone rule); until then this module's small list."""
    try:
        from guardrails.abuse import detect_abuse  # type: ignore[import-not-found]
    except ImportError:
        return [m.group(0) for m in ABUSE.finditer(text)]
    return [term for _, _, term in detect_abuse(text)]


class TriageSummary(BaseModel):
    """The short form stored with a draft."""

    values: dict[str, Any] = Field(default_factory=dict)

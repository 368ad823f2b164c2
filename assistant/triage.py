"""Triage, explainable and offline: language, sentiment, intent, urgency/SLA, risk, troll, no-reply and injection
flags — each with why.

Sentiment, the injection flag and the "not about the brand" part of the no-reply flag are small logistic
regressions (numpy) over the shipped multilingual sentence embedding (``knowledge_base.embeddings.UseEmbedder``,
512-d) plus a few interpretable lexical/structural features. Weights: ``assistant/models_data/triage.npz``
(provenance, licence and cross-validated figures in ``assistant/models_data/README.md``; reproduced by
``benchmarks/train_triage.py``). Pass ``embedding=`` (the message's USE vector, e.g. the retrieval query's) to
share one embedding per message; otherwise triage embeds the text itself (~3–7 ms).
"""

from __future__ import annotations

import functools
import re
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from guardrails.language_id import detect
from replydesk.db import utcnow

# ---- interpretable lexical cues (used as features next to the embedding, and in the reasons) --------------
# Negations ("nicht", "kein", "no") are NOT negative on their own: they only flip a positive cue that follows them.
NEG_CUES = re.compile(
    r"\b(verspät\w*|verspaet\w*|störung\w*|stoerung\w*|ausfall\w*|ausgefallen|fällt \w*\s?aus|fiel \w*\s?aus|streik\w*|"
    r"chaos|ärger\w*|sauer|wütend|frech\w*|unverschämt\w*|katastroph\w*|schlecht\w*|mies\w*|scheiß\w*|scheiss\w*|mist|"
    r"abzocke|betrug|enttäusch\w*|frust\w*|nerv(t|ig\w*|en)|kaputt\w*|defekt\w*|überfüllt|verpasst|zu spät|"
    r"funktioniert (immer noch |schon wieder )?nicht|geht (immer noch |schon wieder )?nicht|schon wieder|immer noch nicht|"
    r"delay\w*|cancel+ed|outage\w*|strike\w*|angry|furious|terrible|awful|worst|useless|scam|rip-?off|ridiculous|"
    r"unacceptable|disappoint\w*|broken|fail(ed|s|ure)?|wtf|sucks?|hate|annoy\w*|(does|did|is)n'?t work\w*|not working|"
    r"still (not|waiting))\b",
    re.I,
)
POS_CUES = re.compile(
    r"\b(danke\w*|dank|super|toll\w*|klasse|perfekt\w*|prima|pünktlich\w*|freu\w*|schön\w*|zufrieden\w*|hilfreich\w*|"
    r"lob\w*|gut|gute[nrs]?|bestens|thanks?|thank you|thx|great|awesome|love\w*|perfect\w*|happy|excellent|helpful|"
    r"amazing|brilliant|on time|well done|nice)\b",
    re.I,
)
NEGATION = re.compile(r"(\b(nicht|kein\w*|nie|niemals|no|not|never)\b|n't\b)", re.I)
# Escalation words (lawyer, press, the regulator's name) come from the policy: ``escalation.words``/``regulators``.
ABUSE = re.compile(r"\b(idiot\w*|arschl\w*|wichser|fick\w*|fuck\w*|bitch\w*|hurensohn|spast\w*|retard\w*|cunt|"
                   r"scheißladen|verreck\w*|kill\w*)\b", re.I)
NEG_EMOJI = re.compile("[😡🤬😠👎💩😤😒🙄😭]")
POS_EMOJI = re.compile("[😊🙂😀😃😍👍❤️🙏🎉]")


INJECTION_CUES = {
    "override": re.compile(
        r"\b(ignor\w*|forget|disregard|vergiss\w*|vergessen|überspring\w*|skip) .{0,40}?\b(previous|prior|above|all|"
        r"everything|instructions?|assignments?|tasks?|rules?|vorherige\w*|alle\w*|bisherige\w*|anweisung\w*|"
        r"aufgabe\w*|informationen|regeln)\b|\b(new|neue\w*) (task|aufgabe|instructions?|anweisung\w*)\b|"
        r"\bnow (concentrate|focus)\b|\b(fange?n?|beginn\w*) (sie )?(von vorne|neu)\b|\bstart (over|from scratch)\b",
        re.I),
    "persona": re.compile(
        r"\b(act as|pretend|you are now|from now on|roleplay|role-play|du bist (jetzt|nun|ab jetzt)|"
        r"stell dir vor,? du|tu so,? als|spiel\w* (die rolle|eine?n?)|nun bist du|jetzt bist du|ab sofort bist du)\b",
        re.I),
    "output": re.compile(
        r"\b(say|print|output|write|antworte\w* mit|sag\w*|schreib\w*|gib\w* aus|formulate|generate|generiere\w*)\b"
        r".{0,30}\b(that|dass|following|folgende\w*|only|nur)\b|\bsystem ?prompt\b|\bprompt\b|\bjailbreak\b|"
        r"\bdan\b|\bexecute\b|\bpython\b",
        re.I),
}
URL = re.compile(r"https?://\S+|\bwww\.\S+|\b\w+\.(de|com|net|org|ly|co)/\S*", re.I)
MENTION = re.compile(r"(?<![\w@])@(\w{1,30})")
HASHTAG = re.compile(r"(?<!\w)#\w+")
QUESTION = re.compile(r"\?|\b(wie|wo|wann|warum|wieso|weshalb|was|welche\w*|kann|können|könnt|gibt es|how|where|when|why|"
                      r"what|which|can|could|is there|do you|are you)\b[^.!]*\?", re.I)
SECOND_PERSON = re.compile(r"\b(du|dich|dir|dein\w*|ihr|euch|euer|eure\w*|you|your|yours|u)\b", re.I)
FIRST_PERSON = re.compile(r"\b(ich|mich|mir|mein\w*|wir|uns|unser\w*|i|me|my|mine|we|our|us)\b", re.I)
NEWS = re.compile(r"\b(dpa|afp|reuters|berichtet\w*|meldet|laut|zufolge|pressemitteilung|uhr|reports?|according to|"
                  r"breaking|live-?ticker|news)\b|\(\w+\) -", re.I)
FEATURES_LEX = ["neg_cues", "pos_cues", "negated_pos", "neg_emoji", "pos_emoji", "caps_words", "exclaim", "question"]
FEATURES_REPLY = ["rt", "lead_other", "brand_mention", "brand_addressed", "other_mentions", "url", "url_only",
                  "question", "second_person", "first_person", "news", "forum_reply", "long", "hashtags"]
FEATURES_INJ = ["override", "persona", "output", "newlines", "long", "mixed_script"]
MODEL_PATH = Path(__file__).with_name("models_data") / "triage.npz"


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

    def flat(self) -> dict[str, Any]:
        return {k: v.model_dump(mode="json") for k, v in self}


def detect_language(text: str, fallback: str = "de") -> tuple[str, str]:
    found = detect(text)
    if found:
        return found, "detected by lingua (de/en)"
    return fallback, f"too short to detect; using {fallback}"


# ---- features ----------------------------------------------------------------------------------------------
def _negated_positive(text: str) -> list[str]:
    """Positive cues with a negation up to three words before them ("nicht gut", "not happy", "kein Dank")."""
    found = []
    for m in POS_CUES.finditer(text):
        before = text[max(0, m.start() - 30):m.start()]
        window = " ".join(before.split()[-3:])
        if NEGATION.search(window) or NEGATION.fullmatch(m.group(0)):
            found.append(f"{window.split()[-1] if window.split() else ''} {m.group(0)}".strip())
    return found


def lexical_cues(text: str) -> dict[str, list[str]]:
    negated = _negated_positive(text)
    negated_words = {n.split()[-1].lower() for n in negated}
    return {
        "neg": [m.group(0) for m in NEG_CUES.finditer(text)] + NEG_EMOJI.findall(text),
        "pos": [m.group(0) for m in POS_CUES.finditer(text) if m.group(0).lower() not in negated_words]
        + POS_EMOJI.findall(text),
        "negated_pos": negated,
    }


def lexical_features(text: str) -> np.ndarray:
    neg = len(NEG_CUES.findall(text))
    negated = len(_negated_positive(text))
    pos = max(0, len(POS_CUES.findall(text)) - negated)
    return np.log1p(np.array([
        neg, pos, negated, len(NEG_EMOJI.findall(text)), len(POS_EMOJI.findall(text)),
        len(re.findall(r"\b[A-ZÄÖÜ]{4,}\b", text)), len(re.findall(r"!{2,}", text)) + text.count("!") / 3,
        text.count("?"),
    ], dtype=np.float32))


def brand_pattern(names: list[str] | tuple[str, ...]) -> re.Pattern[str] | None:
    """Brand name or handle ("Acme", "@Acme_Hilfe", "Ac me") from the policy's brand and brand words."""
    alts = []
    for name in names:
        parts = [re.escape(p) for p in re.split(r"[\s_-]+", name.strip()) if p]
        if parts:
            alts.append(r"[\s_-]?".join(parts))
    if not alts:
        return None
    return re.compile(r"(?<![\w])@?(" + "|".join(alts) + r")\w*", re.I)


PLEA = re.compile(r"\b(hilfe|help|bitte|please|pls|dringend|urgent)\b", re.I)
TO_OTHERS = re.compile(r"\b(hat|hast|habt|kennt|weiß) (hier )?(denn )?jemand\b|\bjemand (lust|bock|eine idee)\b|"
                       r"\b(anyone|anybody|someone|somebody) (else|here|know|got|want|up for)\b", re.I)


def reply_cues(text: str, brand: re.Pattern[str] | None) -> dict[str, Any]:
    stripped = text.strip()
    mentions = [m.group(1) for m in MENTION.finditer(stripped)]
    brand_handles = [h for h in mentions if brand is not None and brand.fullmatch("@" + h)]
    others = [h for h in mentions if h not in brand_handles]
    body = HASHTAG.sub(" ", MENTION.sub(" ", URL.sub(" ", stripped)))
    body = re.sub(r"^\s*RT\b:?", " ", body)
    words = re.findall(r"\w+", body)
    lead = MENTION.match(stripped)
    return {
        "rt": bool(re.match(r"^\s*(RT|MT)\b\s*@?", stripped)),
        "lead_other": bool(lead) and lead.group(1) in others,
        "brand_mention": bool(brand and brand.search(stripped)),
        "brand_addressed": bool(brand_handles) and not re.match(r"^\s*RT\b", stripped),
        "other_mentions": len(others),
        "url": bool(URL.search(stripped)),
        "url_only": bool(URL.search(stripped)) and len(words) <= 14 and "?" not in body,
        "question": bool(QUESTION.search(body)),
        "second_person": bool(SECOND_PERSON.search(body)),
        "first_person": bool(FIRST_PERSON.search(body)),
        "news": bool(NEWS.search(body)),
        "forum_reply": stripped.startswith("Re:"),
        "to_others": bool(TO_OTHERS.search(body)),
        "long": len(stripped) > 400,
        "hashtags": len(HASHTAG.findall(stripped)),
    }


def reply_features(text: str, brand: re.Pattern[str] | None) -> np.ndarray:
    cues = reply_cues(text, brand)
    return np.log1p(np.array([float(cues[k]) for k in FEATURES_REPLY], dtype=np.float32))


def injection_features(text: str) -> np.ndarray:
    latin = len(re.findall(r"[A-Za-zÄÖÜäöüß]", text))
    other = len(re.findall(r"[^\W\d_A-Za-zÄÖÜäöüß]", text))
    return np.log1p(np.array([
        len(INJECTION_CUES["override"].findall(text)), len(INJECTION_CUES["persona"].findall(text)),
        len(INJECTION_CUES["output"].findall(text)), text.count("\n") + text.count("\\n"), len(text) / 200,
        float(other > 0.2 * (latin + other)),
    ], dtype=np.float32))


# ---- models ------------------------------------------------------------------------------------------------
HASH_DIM = 2 ** 15
_TOKEN = re.compile(r"\w+|[!?]+|[^\w\s]")


def hashed_ngrams(text: str, dim: int = HASH_DIM) -> tuple[np.ndarray, np.ndarray]:
    """Sparse, L2-normalised log counts of hashed word uni/bigrams and within-word character 4-grams (so that
    compounds and inflections share features: "Zugausfall", "ausgefallen"). Returns (indices, values)."""
    t = MENTION.sub(" @user ", URL.sub(" url ", text.lower()))
    toks = _TOKEN.findall(t)
    feats = toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]
    for w in re.findall(r"\w+", t):
        w = f"<{w}>"
        feats += [w[j:j + 4] for j in range(len(w) - 3)]
    counts: dict[int, int] = {}
    for f in feats:
        h = zlib.crc32(f.encode("utf-8")) % dim
        counts[h] = counts.get(h, 0) + 1
    idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    val = np.log1p(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
    norm = float(np.linalg.norm(val)) or 1.0
    return idx, val / norm


def extra_features(head: str, text: str, brand: re.Pattern[str] | None = None) -> np.ndarray:
    """A head's interpretable features."""
    if head == "sentiment":
        return lexical_features(text)
    if head == "injection":
        return injection_features(text)
    if head == "relevance":
        return np.concatenate([reply_features(text, brand), lexical_features(text)])
    raise ValueError(head)


class LinearHead:
    """A linear scorer over [embedding | hashed n-grams | standardised interpretable features] (each block
    optional), trained as a ridge classifier (benchmarks/train_triage.py). Multi-class: argmax of the scores;
    one output: flag when score ≥ threshold."""

    def __init__(self, classes: list[str], b: np.ndarray, w_extra: np.ndarray, mu: np.ndarray, sd: np.ndarray,
                 w_emb: np.ndarray | None = None, w_hash: np.ndarray | None = None, threshold: float = 0.5,
                 feature_names: list[str] | None = None) -> None:
        self.classes, self.b, self.w_extra, self.mu, self.sd = classes, b, w_extra, mu, sd
        self.w_emb, self.w_hash, self.threshold = w_emb, w_hash, threshold
        self.feature_names = feature_names or []

    def contributions(self, extra: np.ndarray) -> np.ndarray:
        """Per interpretable feature, its contribution to each output's score."""
        return ((np.asarray(extra) - self.mu) / self.sd)[:, None] * self.w_extra

    def scores(self, extra: np.ndarray, embedding: np.ndarray | None = None,
               ngrams: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        s = self.b + ((np.asarray(extra) - self.mu) / self.sd) @ self.w_extra
        if self.w_emb is not None and embedding is not None:
            s = s + np.asarray(embedding, dtype=np.float32) @ self.w_emb
        if self.w_hash is not None and ngrams is not None:
            idx, val = ngrams
            s = s + val @ self.w_hash[idx]
        return s

    def to_arrays(self, head: str) -> dict[str, np.ndarray]:
        out = {f"{head}_classes": np.array(self.classes), f"{head}_b": self.b, f"{head}_w_extra": self.w_extra,
               f"{head}_mu": self.mu, f"{head}_sd": self.sd, f"{head}_threshold": np.array(self.threshold),
               f"{head}_features": np.array(self.feature_names)}
        if self.w_emb is not None:
            out[f"{head}_w_emb"] = self.w_emb
        if self.w_hash is not None:
            out[f"{head}_w_hash"] = self.w_hash
        return {k: (v.astype(np.float32) if v.dtype.kind == "f" else v) for k, v in out.items()}


@functools.cache
def load_models(path: str | None = None) -> dict[str, LinearHead]:
    """The shipped heads, loaded once per process."""
    data = np.load(path or MODEL_PATH, allow_pickle=False)
    heads = {}
    for head in ("sentiment", "injection", "relevance"):
        if f"{head}_b" not in data:
            continue
        heads[head] = LinearHead(
            [str(c) for c in data[f"{head}_classes"]], data[f"{head}_b"], data[f"{head}_w_extra"],
            data[f"{head}_mu"], data[f"{head}_sd"], data.get(f"{head}_w_emb"), data.get(f"{head}_w_hash"),
            float(data[f"{head}_threshold"]), [str(c) for c in data[f"{head}_features"]])
    return heads


def embed(text: str) -> np.ndarray:
    """The message's USE embedding (the model the knowledge base uses; loaded once per process)."""
    from knowledge_base.embeddings import UseEmbedder

    return np.asarray(UseEmbedder._get().encode([text]), dtype=np.float32).reshape(-1)


def _embedding(text: str, embedding: np.ndarray | None) -> np.ndarray:
    if embedding is not None:
        vec = np.asarray(embedding, dtype=np.float32).reshape(-1)
        if vec.shape[0] == 512:  # a USE vector; an OpenAI one (1536-d) cannot be used by these heads
            return vec
    return embed(text)


def _shouts(text: str) -> bool:
    from assistant.understanding import _ACRONYM, SHOUT

    return ("!!" in text or "?!" in text) and any(not _ACRONYM.match(w) for w in SHOUT.findall(text))


def sentiment(text: str, embedding: np.ndarray | None = None, ngrams=None, language: str = "de"
              ) -> tuple[Literal["negative", "neutral", "positive"], float, str]:
    """(label, score = positive − negative margin, reason with the model's margin and the lexical cues).

    The model was trained on German posts only (GermEval 2017) and does not transfer to English (it says
    "neutral" to most English praise and complaints: tests/assistant/data/triage_sentiment_en.jsonl), so for
    English a clear lexical balance (negation-aware cues) decides and the model is the fallback."""
    head = load_models()["sentiment"]
    s = head.scores(extra_features("sentiment", text), _embedding(text, embedding),
                    ngrams if ngrams is not None else hashed_ngrams(text))
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
    mood, score, mood_reason = sentiment(text, vec, grams, lang)
    escalation_rx = getattr(policy, "escalation_rx", None)
    escalation = [m.group(0) for m in escalation_rx.finditer(text)] if escalation_rx else []
    abusive = abuse_terms(text)
    troll = bool(abusive) and best_article is None
    sla = policy.sla_minutes(channel)
    received = received_at or utcnow()
    urgency = "high" if (escalation or (visibility == "public" and mood == "negative" and followers >= 1000)) else (
        "normal" if mood != "positive" else "low")
    due = received + timedelta(minutes=sla if urgency != "high" else max(15, sla // 2))
    reach = min(1.0, (followers / 50000) ** 0.5) if followers else 0.0
    risk = (0.35 if visibility == "public" else 0.05) + (0.25 if mood == "negative" else 0.0) + 0.25 * reach + (
        0.15 if escalation else 0.0)
    risk = round(min(1.0, risk), 3)
    intent_reason = (f"best matching article (score {best_score:.2f})" if best_article
                     else "no good article found (knowledge gap)")
    names = getattr(policy, "brand_names", None) or ([policy.brand] if getattr(policy, "brand", "") else [])
    skip, skip_reason = no_reply(text, channel, visibility, brand=names or None,
                                 best_article=best_article, sentiment_label=mood)
    inj, _, inj_reason = injection(text, vec, grams)
    return Triage(
        language=TriageValue(value=lang, reason=lang_reason),
        sentiment=TriageValue(value=mood, reason=f"{mood_reason} (score {score:+.2f})"),
        intent=TriageValue(value=best_article, reason=intent_reason),
        urgency=TriageValue(value=urgency, reason=(
            f"escalation words: {', '.join(dict.fromkeys(escalation))}" if escalation else
            f"{visibility}, {mood}, reach {followers}")),
        sla_due_at=TriageValue(value=due.isoformat(), reason=f"{channel}: {sla} min SLA" + (
            ", halved for high urgency" if urgency == "high" else "")),
        risk=TriageValue(value=risk, reason=f"{visibility} × {mood} × reach {followers}" + (
            " × escalation" if escalation else "")),
        troll=TriageValue(value=troll, reason=(f"abusive words: {', '.join(dict.fromkeys(abusive))}" if abusive
                                               else "no abuse")),
        no_reply=TriageValue(value=skip, reason=skip_reason),
        injection=TriageValue(value=inj, reason=inj_reason),
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

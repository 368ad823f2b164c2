"""Triage features and models: interpretable lexical/structural cues, hashed n-grams, the shipped linear heads
(``assistant/models_data/triage.npz``) and the message embedding. ``assistant.triage`` makes the decisions."""

from __future__ import annotations

import functools
import re
import zlib
from pathlib import Path
from typing import Any

import numpy as np

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


class NgramStack:
    """Per-class NB-LR n-gram heads (one vs rest: logistic regression over naive-Bayes-scaled sublinear TF-IDF of
    ``guardrails.abuse_model.hashed``'s word/bigram/character 3-5-grams; the ratios are folded into the weights) and the
    softmax layer that stacks their logits with a ridge head's scores (benchmarks/triage_stack.py)."""

    def __init__(self, w: np.ndarray, b: np.ndarray, idf: np.ndarray, stack_w: np.ndarray, stack_b: np.ndarray):
        self.w, self.b, self.idf = w.astype(np.float32), b, idf.astype(np.float32)
        self.stack_w, self.stack_b = stack_w, stack_b

    def logits(self, text: str) -> np.ndarray:
        from guardrails.abuse_model import hashed, tfidf

        idx = hashed(text)
        if not idx:
            return self.b
        u, v = tfidf(idx, self.idf)
        return self.b + v @ self.w[u]

    def scores(self, ridge_scores: np.ndarray, text: str) -> np.ndarray:
        return np.concatenate([ridge_scores, self.logits(text)]) @ self.stack_w + self.stack_b


class LinearHead:
    """A linear scorer over [embedding | hashed n-grams | standardised interpretable features] (each block
    optional), trained as a ridge classifier (benchmarks/train_triage.py). Multi-class: argmax of the scores;
    one output: flag when score ≥ threshold. ``stack``: NB-LR n-gram heads stacked on top (sentiment)."""

    def __init__(self, classes: list[str], b: np.ndarray, w_extra: np.ndarray, mu: np.ndarray, sd: np.ndarray,
                 w_emb: np.ndarray | None = None, w_hash: np.ndarray | None = None, threshold: float = 0.5,
                 feature_names: list[str] | None = None, stack: NgramStack | None = None) -> None:
        self.classes, self.b, self.w_extra, self.mu, self.sd = classes, b, w_extra, mu, sd
        self.w_emb, self.w_hash, self.threshold = w_emb, w_hash, threshold
        self.feature_names = feature_names or []
        self.stack = stack

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
            float(data[f"{head}_threshold"]), [str(c) for c in data[f"{head}_features"]],
            NgramStack(*(data[f"{head}_{k}"] for k in ("nb_w", "nb_b", "nb_idf", "stack_w", "stack_b")))
            if f"{head}_nb_w" in data else None)
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

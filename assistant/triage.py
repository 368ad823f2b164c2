"""Triage, explainable and offline: language, sentiment, intent, urgency/SLA, risk, troll flag — each with why."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from guardrails.language_id import detect
from replydesk.db import utcnow

NEGATIVE = re.compile(
    r"\b(nicht|kein\w*|nie|schon wieder|immer noch|seit \w+ tag\w*|ärger\w*|sauer|wütend|frech|unverschämt|katastroph\w*|"
    r"schlecht\w*|mies\w*|scheiß\w*|mist|abzocke|betrug|kündig\w*|enttäusch\w*|frust\w*|never|not|no|again|still|"
    r"angry|furious|terrible|awful|worst|useless|scam|rip-?off|ridiculous|unacceptable|disappoint\w*|cancel\w*|"
    r"broken|down|fail\w*|wtf|sucks?|hate|annoy\w*|nervt?|funktioniert nicht|geht nicht|doesn'?t work|not working)\b",
    re.I,
)
POSITIVE = re.compile(r"\b(danke|super|toll|klasse|perfekt|thanks?|thank you|great|awesome|love|perfect|happy|zufrieden)\b", re.I)
ESCALATION = re.compile(
    r"\b(anwalt|verbraucherzentrale|bundesnetzagentur|presse|zeitung|journalist|klage|kündige|kündigung|lawyer|"
    r"sue|press|journalist|regulator|ofcom|cancel(ling)? my contract|switching to|wechsle zu|bbb)\b", re.I)
ABUSE = re.compile(r"\b(idiot\w*|arschl\w*|wichser|fick\w*|fuck\w*|bitch\w*|hurensohn|spast\w*|retard\w*|cunt|"
                   r"scheißladen|verreck\w*|kill\w*)\b", re.I)
NEG_EMOJI = re.compile("[😡🤬😠👎💩😤😒🙄😭]")
POS_EMOJI = re.compile("[😊🙂😀😃😍👍❤️🙏🎉]")


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

    def flat(self) -> dict[str, Any]:
        return {k: v.model_dump(mode="json") for k, v in self}


def detect_language(text: str, fallback: str = "de") -> tuple[str, str]:
    found = detect(text)
    if found:
        return found, "detected by lingua (de/en)"
    return fallback, f"too short to detect; using {fallback}"


def sentiment(text: str) -> tuple[Literal["negative", "neutral", "positive"], float, str]:
    neg = [m.group(0) for m in NEGATIVE.finditer(text)] + NEG_EMOJI.findall(text)
    pos = [m.group(0) for m in POSITIVE.finditer(text)] + POS_EMOJI.findall(text)
    caps = len(re.findall(r"\b[A-ZÄÖÜ]{4,}\b", text))
    score = len(pos) - len(neg) - 0.5 * caps - (1 if "!!" in text else 0)
    words = ", ".join(dict.fromkeys(neg))[:80]
    if score <= -1:
        return "negative", score, f"negative cues: {words or 'caps/!!'}"
    if score >= 1:
        return "positive", score, "positive cues: " + ", ".join(dict.fromkeys(pos))[:80]
    return "neutral", score, "no strong cues"


def triage(text: str, channel: str, visibility: str, *, followers: int = 0, customer_language: str | None = None,
           best_article: str | None = None, best_score: float | None = None, policy=None,
           received_at: datetime | None = None) -> Triage:
    from guardrails.policy import load_policy

    policy = policy or load_policy()
    lang, lang_reason = detect_language(text, customer_language or "de")
    if customer_language and detect(text) is None:
        lang, lang_reason = customer_language, "too short to detect; customer's CRM language"
    mood, score, mood_reason = sentiment(text)
    escalation = [m.group(0) for m in ESCALATION.finditer(text)]
    abusive = [m.group(0) for m in ABUSE.finditer(text)]
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
    return Triage(
        language=TriageValue(value=lang, reason=lang_reason),
        sentiment=TriageValue(value=mood, reason=f"{mood_reason} (score {score:+.1f})"),
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
    )


class TriageSummary(BaseModel):
    """The short form stored with a draft."""

    values: dict[str, Any] = Field(default_factory=dict)

"""The brand's reply profile (``replies:`` in the policy): greetings, sign-offs, acknowledgements per mood, honest
hand-offs, the topics record kinds and question kinds point at, and the knowledge-gap thresholds."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Mood = Literal["angry", "sarcastic", "worried", "praise", "neutral"]


class ReplyProfile(BaseModel):
    """How the brand's replies sound: greetings, sign-offs, acknowledgements per mood, honest hand-offs.

    Texts are keyed ``"<lang>.<form or named/anonymous>[.<channel>]"`` (the most specific key wins) and may use
    ``{first_name}``, ``{last_name}``, ``{salutation}``, ``{brand}``, ``{topics}``.
    """

    model_config = ConfigDict(extra="forbid")
    greeting: dict[str, str] = Field(default_factory=dict)
    signoff: dict[str, str] = Field(default_factory=dict)  # e-mail and other long-form sign-offs
    acknowledge: dict[str, list[str]] = Field(default_factory=dict)  # "<lang>.<form>.<mood>" -> variants
    gap: dict[str, str] = Field(default_factory=dict)  # nothing in the KB answers: a specific, honest hand-off
    clarify: dict[str, str] = Field(default_factory=dict)  # the message is too vague to know what it is about
    private_handoff: dict[str, str] = Field(default_factory=dict)  # known customer: continue privately, no data asked
    second_issue: dict[str, str] = Field(default_factory=dict)  # no room for the second answer: name the next step
    clarify_topics: dict[str, list[str]] = Field(default_factory=dict)  # per language, offered when unclear
    record_topics: dict[str, list[str]] = Field(default_factory=dict)  # record kind -> KB tags/article ids
    ask_topics: dict[str, list[str]] = Field(default_factory=dict)  # question kind -> KB tags it points to
    # Knowledge-gap decision (calibrate per knowledge base, see evals/README.md): the best article answers when its
    # dense similarity is at least ``sure_similarity``, or at least ``gap_similarity`` and the message shares
    # enough words with it (BM25 / log(1 + chunks) ≥ ``gap_min_lexical``); below, the reply hands off instead.
    gap_similarity: float = Field(default=0.24, ge=0.0, le=1.0)
    sure_similarity: float = Field(default=0.48, ge=0.0, le=1.0)
    gap_min_lexical: float = Field(default=0.5, ge=0.0)

    def answers(self, similarity: float | None, lexical: float | None) -> bool:
        """Does an article with this similarity and lexical score answer the message (not a knowledge gap)?"""
        sim = similarity or 0.0
        return sim >= self.sure_similarity or (sim >= self.gap_similarity and (lexical or 0.0) >= self.gap_min_lexical)

    def text(self, table: str, lang: str, form: str | None, channel: str | None = None) -> str | None:
        entries = getattr(self, table)
        for key in _profile_keys(lang, form, channel):
            if key in entries:
                return entries[key]
        return None

    def variants(self, lang: str, form: str | None, mood: str) -> list[str]:
        for key in _profile_keys(lang, form, None):
            if f"{key}.{mood}" in self.acknowledge:
                return self.acknowledge[f"{key}.{mood}"]
        return []


def _profile_keys(lang: str, form: str | None, channel: str | None) -> list[str]:
    heads = [f"{lang}.{form}"] if form else []
    heads.append(lang)
    keys = [f"{h}.{channel}" for h in heads] if channel else []
    return keys + heads

"""``confidential-leak``: no part of the system prompt, internal notes or other customers' data in a reply."""

from __future__ import annotations

import re

from guardrails.checks.base import finding, msg
from guardrails.models import CheckContext, Finding
from guardrails.policy import Policy

WORD = re.compile(r"\w+")
# A reply that talks about its own prompt or instructions is disclosing them, whatever follows.
DISCLOSURE = re.compile(
    r"\b(?:my (?:system )?(?:prompt|instructions)|system ?prompt|(?:mein|meine) (?:system)?(?:prompt|anweisungen)|"
    r"systemprompt|systemanweisung\w*)\b", re.I)
SHINGLE = 6  # six consecutive words shared with a confidential text is a leak


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in WORD.findall(text)]
    return {tuple(words[i:i + SHINGLE]) for i in range(max(0, len(words) - SHINGLE + 1))}


class ConfidentialLeak:
    rule_id = "confidential-leak"
    cost = 3

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def __call__(self, draft: str, ctx: CheckContext) -> list[Finding]:
        out = [(m.start(), m.end()) for m in DISCLOSURE.finditer(draft)]
        if not ctx.confidential and not out:
            return []
        lower = draft.lower()
        draft_words = list(WORD.finditer(draft))
        draft_shingles = {}
        for i in range(max(0, len(draft_words) - SHINGLE + 1)):
            key = tuple(w.group(0).lower() for w in draft_words[i:i + SHINGLE])
            draft_shingles.setdefault(key, (draft_words[i].start(), draft_words[i + SHINGLE - 1].end()))
        for text in ctx.confidential:
            text = text.strip()
            if not text:
                continue
            # short secrets (a canary token, a note) must not appear at all
            if len(WORD.findall(text)) < SHINGLE and len(text) >= 6:
                pos = lower.find(text.lower())
                if pos >= 0:
                    out.append((pos, pos + len(text)))
                continue
            for sh in _shingles(text) & set(draft_shingles):
                out.append(draft_shingles[sh])
        spans = sorted(set(out))
        return [finding(self.rule_id, "block",
                        msg(ctx, "Vertrauliche Inhalte (Systemanweisung, interne Notiz oder fremde Daten) in der Antwort.",
                            "Confidential content (system prompt, internal note or someone else's data) in the reply."),
                        s, e) for s, e in spans[:5]]

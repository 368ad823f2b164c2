"""Small helpers every check uses."""

from __future__ import annotations

from guardrails.models import CheckContext, Finding, Severity

MESSAGES: dict[str, dict[str, str]] = {}


def msg(ctx: CheckContext, de: str, en: str) -> str:
    return de if ctx.ui_language == "de" else en


def finding(rule: str, severity: Severity, message: str, start: int = 0, end: int = 0,
            suggestion: str | None = None, fix=None) -> Finding:
    return Finding(rule=rule, severity=severity, message=message, start=start, end=end, suggestion=suggestion,
                   fix=fix)


def draft_language(draft: str, ctx: CheckContext) -> str:
    """The language to read the draft in: the context's, else detected."""
    if ctx.language:
        return ctx.language
    from guardrails.language_id import detect

    return detect(draft) or "en"


# ---- one sentence embedding per draft, shared by the rules that read meaning -----------------------------------
# The multilingual USE encoder (knowledge_base.embeddings, ~5 ms per draft) is the expensive part of a check. Rules
# ask for the embedding of a text through ``text_embedding``; the vector is computed once per process and kept in
# the one cache of ``guardrails.meaning`` (the same encoder and cache the meaning-based rules use), so several rules
# reading the same draft (or sentence) embed it once. The encoder loads lazily on first use (never at import);
# without it (package missing) the answer is None and the rules fall back to their lexical readings.
def text_embeddings(texts: list[str]):
    """L2-normalised USE vectors (numpy, one row per text) or None without an encoder; cached per text."""
    from guardrails import meaning

    return meaning.vectors(list(texts))


def text_embedding(text: str):
    """The embedding of one text (see ``text_embeddings``), or None without an encoder."""
    out = text_embeddings([text])
    return None if out is None else out[0]

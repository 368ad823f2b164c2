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

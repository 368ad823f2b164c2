"""The JSON shapes of the CLI contract (``--json``), built in one place for the CLI and the HTTP API.

Keep these free of heavy imports: ``replydesk draft`` imports this module too.
"""

from __future__ import annotations

from typing import Any

FINDING_FIELDS = {"rule", "severity", "message", "start", "end", "suggestion"}


def finding_json(finding) -> dict[str, Any]:
    return finding.model_dump(include=FINDING_FIELDS)


def check_json(report) -> dict[str, Any]:
    """``replydesk check --json``: ``{"passed", "findings"}``."""
    return {"passed": report.passed, "findings": [finding_json(f) for f in report.findings]}


def draft_json(result) -> dict[str, Any]:
    """``replydesk draft --json``: the contract's fields plus why (triage, understanding, the record's facts)."""
    return {
        "draft": result.draft, "language": result.language, "engine": result.engine,
        "citations": [c.model_dump() for c in result.citations],
        "findings": [finding_json(f) for f in result.findings],
        "passed": result.passed, "latency_ms": result.latency_ms,
        # why the draft says what it says: triage with reasons, the questions found, the record's facts
        "triage": result.triage, "understanding": result.understanding, "no_reply": result.no_reply,
        "facts": [{"kind": f.kind, "text": f.text, "refs": f.field_refs} for f in result.facts],
    }


def kb_search_json(passages) -> list[dict[str, Any]]:
    """``replydesk kb search --json``: ``[{"article_id", "title", "language", "score", "snippet"}]``."""
    return [{"article_id": p.article_id, "title": p.title, "language": p.language, "score": p.score,
             "snippet": p.text[:200]} for p in passages]


def triage_json(ctx) -> dict[str, Any]:
    """Triage of one message (the ``triage`` part of ``draft --json`` with the language and questions)."""
    return {"language": ctx.language, "triage": ctx.triage, "understanding": ctx.understanding.summary(),
            "no_reply": bool((ctx.triage.get("no_reply") or {}).get("value"))}

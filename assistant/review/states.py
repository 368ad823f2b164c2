"""The review state machine's vocabulary: which message and approval states allow which action, and its error."""

from __future__ import annotations

import difflib
from typing import Any

APPROVABLE = ("drafted", "escalated", "error", "pending")
REDRAFTABLE = (*APPROVABLE, "no_reply")  # an agent may draft a message triage set aside
# Message states a reject/escalate may leave from ("approved" only while its approval is not possibly sent).
REJECTABLE = ("drafted", "escalated", "error", "pending", "awaiting_approval", "approved")
# Approval states that can still lead to a post; at most one per message.
LIVE_APPROVAL = ("awaiting_second", "queued", "posting", "failed")
# Live approvals a reject/escalate cancels — unless they may have reached the channel already (maybe_sent).
CANCELLABLE = ("awaiting_second", "queued", "failed")


class ReviewError(ValueError):
    """An action the rules do not allow (message says why and what to do)."""


def row(obj) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def diff(a: str, b: str) -> str:
    return "\n".join(difflib.unified_diff(a.splitlines(), b.splitlines(), "draft", "final", lineterm=""))

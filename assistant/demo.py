"""Demo customers and inbox of the fictitious telecom FunkWerk."""

from __future__ import annotations

from pathlib import Path

DEMO = Path(__file__).parent / "demo"


def load_demo(db) -> str:
    from assistant.customers import CustomerService

    parts = []
    if (DEMO / "customers.json").exists():
        parts.append(f"{CustomerService(db).import_path(DEMO / 'customers.json')} customers")
    if (DEMO / "inbox.jsonl").exists():
        from datetime import timedelta

        from assistant.inbox import import_messages, read_inbox
        from replydesk.db import utcnow

        messages = read_inbox(DEMO / "inbox.jsonl")
        # Demo messages arrive "now": spread over the last ~3 hours, in file order, newest five minutes old.
        now = utcnow()
        for i, m in enumerate(messages):
            m.received_at = now - timedelta(minutes=5) - timedelta(seconds=75 * (len(messages) - 1 - i))
        new, known = import_messages(db, messages)
        parts.append(f"{new} new inbox messages ({known} already there)")
        # Draft what is pending (offline composer), so the review screen opens with suggestions.
        from assistant.pipeline import Pipeline
        from assistant.worker import drain

        parts.append(f"{drain(Pipeline.from_settings(db, engine='composer'))} drafted")
    return ", ".join(parts) or "no demo customers/inbox shipped"

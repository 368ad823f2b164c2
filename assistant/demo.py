"""Demo customers and inbox of the fictitious telecom FunkWerk."""

from __future__ import annotations

from pathlib import Path

DEMO = Path(__file__).parent / "demo"


def load_demo(db) -> str:
    from assistant.customers import CustomerService
    from assistant.inbox import import_path

    parts = []
    if (DEMO / "customers.json").exists():
        parts.append(f"{CustomerService(db).import_path(DEMO / 'customers.json')} customers")
    if (DEMO / "inbox.jsonl").exists():
        new, known = import_path(db, DEMO / "inbox.jsonl")
        parts.append(f"{new} new inbox messages ({known} already there)")
    return ", ".join(parts) or "no demo customers/inbox shipped"

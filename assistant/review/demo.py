"""Demo users, one per role (password ``demo``; change them for anything but a demo)."""

from __future__ import annotations

from assistant.review.auth import UserStore

DEMO_USERS = [
    ("anna", "Anna Agent", ["agent"]),
    ("ben", "Ben Approver", ["agent", "approver"]),
    ("tina", "Tina Trainer", ["trainer"]),
    ("quinn", "Quinn QA", ["qa"]),
    ("ada", "Ada Admin", ["admin"]),
]
DEMO_PASSWORD = "demo"


def load_demo(db) -> str:
    from assistant.review.auth import mark_demo_installation

    mark_demo_installation()  # this data dir is the demo: the login page may show the demo passwords
    store = UserStore.from_settings()
    created = 0
    for username, name, roles in DEMO_USERS:
        if store.get(username) is None:
            store.upsert(username, name, roles, DEMO_PASSWORD)
            created += 1
    return f"{created} demo users created ({len(DEMO_USERS) - created} already there), password '{DEMO_PASSWORD}'"

"""The Outbox page lists failed posts (attempts, next retry, error as text, 'may have arrived') and retries one with
the approval's own key."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from assistant.review.channels import PostError
from assistant.review.service import ReviewService

from .conftest import add_message  # noqa: TID252

ROOT = Path(__file__).resolve().parents[2]
ANNA = {"username": "anna", "display_name": "Anna", "roles": ["agent"]}
TEXT = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung bis morgen. ^AB"


class Down:
    name = "down"

    def post(self, reply):
        raise PostError("receiver said **503** ![](//evil.example/x.png)")


def test_outbox_page_lists_failed_posts_and_retries_with_the_same_key(data_dir, static_pipeline):
    from replydesk.db import get_database

    db = get_database()
    failed = ReviewService(db, ANNA, pipeline=static_pipeline, channel=Down()).approve(add_message(db), TEXT)
    at = AppTest.from_file(str(ROOT / "ui/pages/outbox.py"), default_timeout=60)
    at.session_state["user"] = ANNA
    at.run()
    assert not at.exception
    texts = [t.value for t in at.text]
    assert any(t == "receiver said **503** ![](//evil.example/x.png)" for t in texts)  # as text, not Markdown
    assert any(f"#{failed.id}" in t and "1" in t for t in texts)
    assert at.warning  # the post may have arrived: check the channel, no reject
    at.button(key=f"outbox_retry_{failed.id}").click().run()
    assert not at.exception
    lines = [json.loads(x) for x in (data_dir / "outbox.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["idempotency_key"] for x in lines] == [failed.idempotency_key]
    assert any("No failed posts" in s.value or "Keine fehlgeschlagenen" in s.value for s in at.success)

"""Streamlit AppTest per page, on a data dir with the demo loaded once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
AGENT = {"username": "anna", "display_name": "Anna", "roles": ["agent"]}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    from replydesk import db as dbmod
    from replydesk.settings import reset_settings_cache

    d = tmp_path_factory.mktemp("apptest") / "data"
    old = {k: os.environ.get(k) for k in ("REPLYDESK_DATA_DIR", "REPLYDESK_CONFIG")}
    os.environ["REPLYDESK_DATA_DIR"] = str(d)
    os.environ["REPLYDESK_CONFIG"] = str(d / "none.toml")
    reset_settings_cache()
    dbmod.reset_default_database()
    from replydesk.cli import demo

    demo()
    yield d
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    reset_settings_cache()
    dbmod.reset_default_database()


def run(page: str, user: dict | None, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    if user:
        at.session_state["user"] = user
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def test_login_page_rejects_wrong_password(demo_dir):
    at = run("app.py", None)
    at.text_input[0].input("anna")
    at.text_input[1].input("wrong")
    at.button[0].click().run()
    assert any("falsch" in e.value for e in at.error)
    assert "user" not in at.session_state


def test_review_page_queue_and_item(demo_dir):
    from sqlalchemy import select

    from assistant.orm import Message
    from replydesk.db import get_database

    with get_database().session() as s:
        mid = s.scalar(select(Message.id).where(Message.external_id == "demo-001"))
    at = run("ui/pages/review.py", AGENT, open_id=mid)
    assert not at.exception
    assert at.metric[0].value == "148"
    draft = at.text_area(key=f"draft_{mid}")
    assert draft.value.startswith("Hallo Anna")
    draft.input("Sorry, wir kümmern uns darum. ^AB").run()
    assert any("no-bare-sorry" in m.value for m in at.markdown)
    assert at.button(key=None) is not None


def test_kb_page_trainer_and_agent(demo_dir):
    at = run("ui/pages/knowledge_base.py", {"username": "tina", "display_name": "Tina", "roles": ["trainer"]})
    assert not at.exception
    assert at.metric[0].value == "64"
    at2 = run("ui/pages/knowledge_base.py", AGENT)
    assert not at2.exception
    assert any("Nur Trainer" in i.value for i in at2.info)


@pytest.mark.parametrize("page", ["ui/pages/feedback.py", "ui/pages/audit.py", "ui/pages/evaluations.py",
                                  "ui/pages/settings.py"])
def test_other_pages_render(demo_dir, page):
    at = run(page, {"username": "ada", "display_name": "Ada", "roles": ["admin"]})
    assert not at.exception, at.exception


def test_settings_page_is_admin_only(demo_dir):
    at = run("ui/pages/settings.py", AGENT)
    assert not at.exception and any("Nur Admins" in i.value for i in at.info)

"""End to end in a real browser: log in, open a German message, break and fix the draft, approve, post once;
a four-eyes case that needs a second user; customer HTML is shown as text."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS, login, message_id  # noqa: TID252

pytestmark = pytest.mark.browser


def _outbox(data_dir):
    path = data_dir / "outbox.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def _approval_states(data_dir, mid):
    import sqlite3

    con = sqlite3.connect(data_dir / "replydesk.db")
    try:
        return [r[0] for r in con.execute("SELECT state FROM approvals WHERE message_id = ?", (mid,))]
    finally:
        con.close()


def _toast(page, text):
    """Wait for the page's own confirmation: the toast appears after the service call returned."""
    page.locator('[data-testid="stToast"]', has_text=text).first.wait_for()


def test_agent_fixes_a_finding_and_posts_once(demo_server, page):
    url, data_dir, _ = demo_server
    mid = message_id(data_dir, "demo-001")  # @anna_s, German, public, delivery
    login(page, url, "anna", path=f"/?m={mid}")
    editor = page.get_by_label("Entwurf")
    editor.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-1-item.png"), full_page=True)
    text = ("Hallo Anna, schick uns deine Bestellnummer per DM, dann prüfen wir die Sendung. "
            "Antwort gern an anna.schmidt@example.org ^AB")
    editor.fill(text)
    editor.press("Tab")  # commit the edit → the guardrails re-check
    page.get_by_text("pii-public").first.wait_for()
    assert page.get_by_role("button", name="Freigeben & posten").is_disabled()
    page.screenshot(path=str(ARTIFACTS / "e2e-2-finding.png"), full_page=True)
    page.get_by_role("button", name="Korrektur übernehmen").first.click()
    page.get_by_text("Alle Prüfungen bestanden").wait_for()
    fixed = editor.input_value()
    assert "anna.schmidt@example.org" not in fixed and fixed.endswith("^AB")
    # the enabled button: while Streamlit reruns, the previous (disabled) one can still be on the page
    page.get_by_role("button", name="Freigeben & posten", disabled=False).click()
    _toast(page, "Gepostet")
    assert len([x for x in _outbox(data_dir) if x["message_id"] == mid]) == 1
    posts = [x for x in _outbox(data_dir) if x["message_id"] == mid]
    assert posts[0]["text"] == fixed and posts[0]["approved_by"] == ["anna"]
    page.screenshot(path=str(ARTIFACTS / "e2e-3-posted.png"), full_page=True)
    # exactly one post: one approval, in its final state, and one outbox line (written before the state changes)
    assert _approval_states(data_dir, mid) == ["posted"]
    assert len([x for x in _outbox(data_dir) if x["message_id"] == mid]) == 1


def test_four_eyes_needs_a_second_user(demo_server, browser):
    url, data_dir, _ = demo_server
    mid = message_id(data_dir, "demo-019")  # @maria_lange_news: 19,500 followers, negative → four eyes
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = ctx.new_page()
    page.set_default_timeout(20000)
    login(page, url, "anna", path=f"/?m={mid}")
    page.get_by_label("Entwurf").wait_for()
    page.get_by_text("Alle Prüfungen bestanden").wait_for()
    page.get_by_role("button", name="Freigeben & posten", disabled=False).click()
    # wait for the state (the approval waits for a second approver), then check nothing was posted by one person
    _toast(page, "Zur zweiten Freigabe gesendet")
    assert _approval_states(data_dir, mid) == ["awaiting_second"]
    assert [x for x in _outbox(data_dir) if x["message_id"] == mid] == []
    page.screenshot(path=str(ARTIFACTS / "e2e-4-awaiting.png"), full_page=True)
    ctx.close()
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = ctx.new_page()
    page.set_default_timeout(20000)
    login(page, url, "ben")
    page.get_by_text("Wartet auf zweite Freigabe").wait_for()
    buttons = page.get_by_role("button", name="Zweite Freigabe & posten")
    expect(buttons).to_have_count(1)  # the only reply awaiting a second approval in this demo server
    buttons.first.click()
    expect(buttons).to_have_count(0)  # the card is gone: second_approve has returned
    assert len([x for x in _outbox(data_dir) if x["message_id"] == mid]) == 1
    post = next(x for x in _outbox(data_dir) if x["message_id"] == mid)
    assert post["approved_by"] == ["anna", "ben"]
    page.screenshot(path=str(ARTIFACTS / "e2e-5-second.png"), full_page=True)
    ctx.close()


def test_customer_html_is_shown_as_text(demo_server, page):
    url, data_dir, _ = demo_server
    mid = message_id(data_dir, "demo-057")  # contains <script>alert('xss')</script>
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, url, "anna", path=f"/?m={mid}")
    page.get_by_label("Entwurf").wait_for()
    page.get_by_text("<script>alert('xss')</script>", exact=False).first.wait_for()
    assert dialogs == []
    assert page.locator("script:text('xss')").count() == 0

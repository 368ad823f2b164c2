"""The queue and item screens as an agent meets them (issue 14), at a 1366×768 laptop and a 1920×1080 screen:
an accessible queue table (full message, SLA countdown, reach, status) opened by click or Enter, the item with its
actions in view and a readable customer card; keyboard shortcuts. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
import sqlite3

import pytest

from .conftest import ARTIFACTS, login  # noqa: TID252

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (1920, 1080)]


def _status(data_dir, mid: str) -> str:
    con = sqlite3.connect(data_dir / "replydesk.db")
    try:
        return con.execute("select status from messages where id = ?", (mid,)).fetchone()[0]
    finally:
        con.close()


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    vp = page.viewport_size
    return bool(box) and box["x"] >= 0 and box["x"] + box["width"] <= vp["width"] + 1 \
        and box["y"] >= 0 and box["y"] + box["height"] <= vp["height"] + 1


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_queue_and_item_screens(demo_server, browser, size):
    url, data_dir, _ = demo_server
    width, height = size
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="de-DE")
    page = ctx.new_page()
    page.set_default_timeout(30000)
    try:
        login(page, url, "ben")  # ben: another agent's claims stay theirs
        table = page.get_by_role("table", name="Posteingang")
        table.wait_for()
        headers = [h.inner_text().strip() for h in table.get_by_role("columnheader").all()]
        assert headers == ["SLA & Risiko", "Nachricht", "Status"]
        # the demo's first message in full (it is longer than 30 characters), wrapped inside the visible column
        full = "@FunkWerk mein Router ist seit 5 Tagen unterwegs?! Langsam reicht's."
        cell = table.locator("td.rd-msg", has_text=full)
        cell.scroll_into_view_if_needed()
        assert _in_viewport(page, cell), cell.bounding_box()
        assert _in_viewport(page, table.locator("td.rd-msg").first), table.locator("td.rd-msg").first.bounding_box()
        assert table.locator("td.rd-sla").first.inner_text()
        assert re.search(r"(noch|überfällig) \d", table.locator("td.rd-sla").first.inner_text())
        assert table.get_by_text(re.compile(r"[\d.]+ Follower")).count() > 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"queue-{width}x{height}.png"))

        # a click on the row opens the item; its actions are in view without scrolling
        cell.click()
        editor = page.get_by_label("Entwurf", exact=True)
        editor.wait_for()
        page.get_by_role("heading", name=re.compile("@anna_s")).wait_for()
        approve = page.get_by_role("button", name="Freigeben & posten")
        approve.wait_for()
        page.locator("[data-testid='stMain']").evaluate("el => el.scrollTo(0, 0)")
        assert _in_viewport(page, approve), approve.bounding_box()
        assert _in_viewport(page, page.get_by_role("button", name="Ablehnen"))
        # the draft is shown once (the editor) when nothing is flagged
        draft = editor.input_value()
        if page.get_by_text("Alle Prüfungen bestanden").count():
            assert page.get_by_text(draft[:40], exact=False).count() <= 1  # the editor's own text node
        # the customer card: labelled fields, local time, no raw dicts or UTC timestamps
        card = page.get_by_text("Tarif:", exact=False).first
        card.wait_for()
        body = page.locator("section.main, [data-testid='stMain']").first.inner_text()
        assert "{'" not in body and "+00:00" not in body and not re.search(r"\d{2}:\d{2}:\d{2}\.\d{6}", body)
        assert "Versand mit:" in body and "unterwegs" in body
        page.screenshot(path=str(ARTIFACTS / f"item-{width}x{height}.png"))
        page.screenshot(path=str(ARTIFACTS / f"item-{width}x{height}-full.png"), full_page=True)
    finally:
        ctx.close()

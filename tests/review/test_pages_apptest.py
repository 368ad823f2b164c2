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
    # why the draft says what it says: the question found and the customer's record (issue 10)
    shown = [line for t in at.text for line in t.value.splitlines()]  # "what the draft answers" is one text block
    assert any(v.startswith("Aus dem Kundenkonto: ") and "DHL" in v for v in shown), shown
    assert any(v.startswith("? ") for v in shown)
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


# ---- issue 12: crashes in the item view, Markdown injection ------------------------------------------------
def _message_id(external_id: str) -> str:
    from sqlalchemy import select

    from assistant.orm import Message
    from replydesk.db import get_database

    with get_database().session() as s:
        return s.scalar(select(Message.id).where(Message.external_id == external_id))


def _button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, (label, [b.label for b in at.button])
    return found[0]


def test_item_with_two_findings_of_the_same_rule_renders(demo_dir):
    """Issue 12 item 1: the README's "Sorry, wir kümmern uns darum." has two `structure` warnings (greeting and
    sign-off); the item view crashed with StreamlitDuplicateElementKey and the approve button never appeared."""
    mid = _message_id("demo-002")
    at = run("ui/pages/review.py", AGENT, open_id=mid)
    at.text_area(key=f"draft_{mid}").input("Sorry, wir kümmern uns darum.").run()
    assert not at.exception, at.exception
    reasons = [t for t in at.text_input if "structure" in t.label]
    assert len(reasons) >= 2
    assert _button(at, "Freigeben & posten").disabled  # blocked by no-bare-sorry, but there


def test_regenerate_and_move_to_private_do_not_crash(demo_dir):
    """Issue 12 item 2: both buttons set the draft editor's state after it was rendered
    (StreamlitWidgetAlreadyInstantiatedError); regenerate stored versions identical to the first."""
    from sqlalchemy import func, select

    from assistant.orm import Draft
    from replydesk.db import get_database

    mid = _message_id("demo-003")
    at = run("ui/pages/review.py", AGENT, open_id=mid)
    original = at.text_area(key=f"draft_{mid}").value
    at.text_area(key=f"draft_{mid}").input("Hallo, kurz notiert. ^AB").run()
    _button(at, "Neu entwerfen").click().run()
    assert not at.exception, at.exception
    assert at.text_area(key=f"draft_{mid}").value == original  # the composer's draft again
    with get_database().session() as s:
        assert s.scalar(select(func.count()).select_from(Draft).where(Draft.message_id == mid)) == 1
    _button(at, "In privaten Kanal verlegen").click().run()
    assert not at.exception, at.exception
    assert "DM" in at.text_area(key=f"draft_{mid}").value
    assert at.text_area(key=f"dm_{mid}").value


HOSTILE = "![](http://127.0.0.1:9/x.png)\n\n![](//127.0.0.1:9/y.png?n=Anna)\n\n[click](http://evil.example) www.evil.example"


def _markdown_leaks(body: str) -> list[str]:
    """Images, links and raw <img>/<a> a Markdown body would render (CommonMark with HTML, plus GFM autolinks)."""
    import re

    from markdown_it import MarkdownIt

    leaks: list[str] = []

    def walk(tokens):
        for t in tokens:
            if t.type in ("image", "link_open"):
                leaks.append(f"{t.type}: {body!r}")
            if t.type in ("html_block", "html_inline") and re.search(r"<\s*(img|a)\b", t.content, re.I):
                leaks.append(f"raw html: {t.content!r}")
            walk(t.children or [])

    walk(MarkdownIt("commonmark").parse(body))
    if re.search(r"https?:|www\.|//127", body):
        leaks.append(f"autolink/url text: {body!r}")
    return leaks


def _rendered_leaks(at: AppTest) -> list[str]:
    import re

    leaks: list[str] = []

    def walk(node):
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            fields = {f.name for f in proto.DESCRIPTOR.fields}
            if kind == "html" and re.search(r"<\s*(img|a)\b", proto.body, re.I):
                leaks.append(f"html: {proto.body!r}")
            elif kind not in ("text", "code", "html"):
                for name in ("body", "label"):
                    if name in fields and getattr(proto, name):
                        leaks.extend(_markdown_leaks(getattr(proto, name)))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return leaks


def test_customer_and_model_text_render_as_text(demo_dir):
    """Issue 12 item 13: a draft with `![](…)` after a blank line rendered as a live image (exfiltration), and
    handles, thread messages, customer data, finding messages and webhook errors were Markdown too."""
    import uuid

    from assistant.orm import AuditEvent, Customer, CustomerHandle, Draft, Message
    from assistant.review.orm import Approval
    from replydesk.db import get_database

    mid, cid = uuid.uuid4().hex, f"K-{uuid.uuid4().hex[:6]}"
    handle = "@x [click](http://evil.example)"
    with get_database().transaction() as s:
        s.add(Customer(id=cid, display_name="Eve ![](http://127.0.0.1:9/c.png)", first_name="Eve", language="de",
                       address_form="du", followers=10, dm_allowed=True, notes="[note](http://evil.example)"))
        s.flush()
        s.add(CustomerHandle(customer_id=cid, channel="twitter", handle=handle))
        for i, text in enumerate([HOSTILE, "earlier " + HOSTILE]):
            s.add(Message(id=mid if i == 0 else uuid.uuid4().hex, external_id=f"hostile-{mid}-{i}", channel="twitter",
                          visibility="public", author_handle=handle, customer_id=cid, text=text, raw={},
                          thread_id=f"t-{mid}", status="drafted" if i == 0 else "posted", risk=0.1, attempts=0,
                          language="de",
                          triage={"intent": {"value": "[i](http://evil.example)", "reason": HOSTILE}}))
        s.flush()
        s.add(Draft(message_id=mid, version=1, engine="llm", text="Hallo Eve,\n\n" + HOSTILE + "\n^AB", language="de",
                    citations=[{"kind": "kb", "ref": "x#0", "title": "[t](http://evil.example)", "text": HOSTILE}],
                    findings=[], passed=False, needs_human=True, latency_ms=1.0, tokens_in=0, tokens_out=0,
                    cost_usd=0.0, meta={}, fallback_reason="LLM said ![](http://127.0.0.1:9/f.png)"))
        s.add(Approval(message_id=mid, text=HOSTILE, channel="twitter", visibility="public", author="ben",
                       needs_second=False, overrides=[], state="failed", idempotency_key=uuid.uuid4().hex,
                       attempts=1, receipt={}, error="webhook said ![](http://127.0.0.1:9/w.png) [click](http://evil.example)"))
        s.add(AuditEvent(actor="[eve](http://evil.example)", action="post_failed", message_id=mid,
                         data={"error": HOSTILE, "reason": "[r](http://evil.example)"}))
    at = run("ui/pages/review.py", AGENT, open_id=mid)
    assert not at.exception, at.exception
    assert at.text_area(key=f"draft_{mid}").value.startswith("Hallo Eve")
    assert _rendered_leaks(at) == []
    audit = run("ui/pages/audit.py", {"username": "ada", "display_name": "Ada", "roles": ["admin"]})
    assert not audit.exception and _rendered_leaks(audit) == []
    from assistant.review.auth import UserStore

    UserStore.from_settings().upsert("eve", "Eve", ["agent"])  # roles are read from the users store
    shell = run("app.py", {"username": "eve", "display_name": "![](http://127.0.0.1:9/u.png)", "roles": ["agent"]})
    assert _rendered_leaks(shell) == []


def test_second_approver_card_shows_the_customers_message_the_customer_and_opens_the_item(demo_dir):
    """Issue 12 item 10: the second approver saw only the reply — not what the customer wrote, who the customer is
    (a 120,000-follower account) or a way to open the item. The card shows all three, as text."""
    import uuid

    from assistant.orm import Customer, CustomerHandle, Draft, Message
    from assistant.review.orm import Approval
    from replydesk.db import get_database

    mid, cid = uuid.uuid4().hex, f"K-{uuid.uuid4().hex[:6]}"
    asked = "Seit drei Tagen kein Netz in Leipzig! ![](http://127.0.0.1:9/q.png) [mehr](http://evil.example)"
    with get_database().transaction() as s:
        s.add(Customer(id=cid, display_name="Mara Großkonto", first_name="Mara", language="de", address_form="du",
                       followers=120_000, dm_allowed=True))
        s.flush()
        s.add(CustomerHandle(customer_id=cid, channel="twitter", handle="@mara_gross"))
        s.add(Message(id=mid, external_id=f"four-eyes-{mid}", channel="twitter", visibility="public",
                      author_handle="@mara_gross", customer_id=cid, text=asked, raw={}, thread_id=f"t-{mid}",
                      status="awaiting_approval", risk=0.2, attempts=0, language="de", triage={}))
        s.flush()
        s.add(Draft(message_id=mid, version=1, engine="composer", text="Hallo Mara, wir schauen nach. ^AB",
                    language="de", citations=[], findings=[], passed=True, needs_human=False, latency_ms=1.0,
                    tokens_in=0, tokens_out=0, cost_usd=0.0, meta={}))
        s.add(Approval(message_id=mid, text="Hallo Mara, wir schauen nach. ^AB", channel="twitter",
                       visibility="public", author="ben", needs_second=True, overrides=[], state="awaiting_second",
                       idempotency_key=uuid.uuid4().hex, attempts=0, receipt={}))
    approver = {"username": "olga", "display_name": "Olga", "roles": ["agent", "approver"]}
    from assistant.review.auth import UserStore

    UserStore.from_settings().upsert("olga", "Olga", ["agent", "approver"])  # roles are read from the users store
    at = run("ui/pages/review.py", approver)
    assert not at.exception, at.exception
    texts = [t.value for t in at.text]
    assert asked in texts, texts  # the customer's message, verbatim and as text (not Markdown)
    import html

    shown = html.unescape(" ".join([*texts, *(m.value for m in at.markdown), *(c.value for c in at.caption)]))
    assert "Mara Großkonto" in shown and "@mara_gross" in shown
    assert "120.000" in shown or "120,000" in shown or "120k" in shown.lower()  # the reach
    assert _rendered_leaks(at) == []
    at = _open_second(at, mid)
    assert not at.exception, at.exception
    assert at.session_state["open_id"] == mid
    assert at.text_area(key=f"draft_{mid}").value.startswith("Hallo Mara")


def _open_second(at: AppTest, mid: str) -> AppTest:
    found = [b for b in at.button if (b.key or "").startswith("open_second_") and b.key.endswith(mid)]
    assert found, [b.key for b in at.button]
    return found[0].click().run()


def _item_errors(at):
    """Errors other than the failed-posts list (other tests in this module leave a failed webhook post)."""
    return [e.value for e in at.error if "fehlgeschlagen" not in e.value and "failed" not in e.value]


REPLY = "Hallo Anna, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung bis morgen. ^AB"


def test_a_posted_deep_linked_message_is_not_reopened_and_a_filter_keeps_the_open_message(demo_dir):
    """Issue 12 item 4: the leftover selection (deep link) reopened the posted message after posting and
    filtering; a filter change must never open another message."""
    from sqlalchemy import select

    from assistant.orm import Message
    from replydesk.db import get_database

    with get_database().session() as s:
        other = s.scalar(select(Message.id).where(Message.external_id == "demo-001"))
        assert s.get(Message, other).channel == "twitter"
    at = AppTest.from_file(str(ROOT / "ui/pages/review.py"), default_timeout=60)
    at.session_state["user"] = AGENT
    at.query_params["m"] = other
    at.run()
    assert not at.exception and at.session_state["open_id"] == other
    # a filter change keeps the open message (no other message is opened or locked)
    at.sidebar.selectbox[0].select("email").run()
    assert not at.exception and at.session_state["open_id"] == other
    assert [t.key for t in at.text_area] == [f"draft_{other}"]
    at.sidebar.selectbox[0].select("").run()
    at.text_area(key=f"draft_{other}").input(REPLY).run()
    assert not at.button(key="rd_approve").disabled
    at.button(key="rd_approve").click().run()
    assert not at.exception, at.exception
    assert not _item_errors(at), _item_errors(at)
    with get_database().session() as s:
        assert s.get(Message, other).status in ("posted", "awaiting_approval")
    # posted: nothing is open any more, also after filtering; the deep link is gone
    assert "open_id" not in at.session_state and "m" not in at.query_params
    assert not [t for t in at.text_area if str(t.key).startswith("draft_")]
    at.sidebar.selectbox[0].select("twitter").run()
    assert not at.exception and "open_id" not in at.session_state
    assert not [t for t in at.text_area if str(t.key).startswith("draft_")]


def test_unknown_message_in_a_deep_link_says_so_without_a_traceback(demo_dir):
    at = AppTest.from_file(str(ROOT / "ui/pages/review.py"), default_timeout=60)
    at.session_state["user"] = AGENT
    at.query_params["m"] = "doesnotexist"
    at.run()
    assert not at.exception
    assert any("doesnotexist" in e.value for e in at.error)
    assert "open_id" not in at.session_state  # not kept: the next run shows the queue, not the error again
    at.run()
    assert not at.exception and not _item_errors(at)


QA = {"username": "quinn", "display_name": "Quinn", "roles": ["qa"]}


def test_evaluations_page_binary_file_and_paths_outside_the_data_dirs(demo_dir):
    """Issue 12 item 4: a binary labelled file showed a traceback; any server path could be read."""
    binary = demo_dir / "labelled.bin"
    binary.write_bytes(bytes(range(256)) * 40)
    at = run("ui/pages/evaluations.py", QA)
    at.text_input[0].input(str(binary))
    next(b for b in at.button if b.label in ("Calibrate", "Kalibrieren")).click().run()
    assert not at.exception
    assert at.error and "labelled" in at.error[0].value
    for outside in ("/etc/passwd", str(demo_dir / ".." / ".." / "x.jsonl"), "../../../../etc/hostname"):
        at.text_input[0].input(outside)
        next(b for b in at.button if b.label in ("Calibrate", "Kalibrieren")).click().run()
        assert not at.exception
        assert at.error and "root:" not in at.error[0].value and "passwd:1" not in at.error[0].value
        assert any(w in at.error[0].value for w in ("erlaubt", "allowed")), at.error[0].value
    # a labelled file inside the data dir still works
    good = demo_dir / "labelled.jsonl"
    good.write_text('{"text": "Hallo Anna, wir prüfen das. ^AB", "label": "ok"}\n', encoding="utf-8")
    at.text_input[0].input(str(good))
    next(b for b in at.button if b.label in ("Calibrate", "Kalibrieren")).click().run()
    assert not at.exception
    assert not at.error or "allowed" not in at.error[0].value and "erlaubt" not in at.error[0].value


def test_a_due_followup_is_marked_done_from_the_review_page(demo_dir):
    """Issue 12 item 20: the follow-up list has a "done" button; a done follow-up leaves the list."""
    from datetime import timedelta

    from sqlalchemy import select

    from assistant.orm import Message
    from assistant.review.orm import FollowUp
    from replydesk.db import get_database, utcnow

    db = get_database()
    with db.transaction() as s:
        mid = s.scalar(select(Message.id).where(Message.external_id == "demo-002"))
        fu = FollowUp(message_id=mid, due_at=utcnow() - timedelta(hours=2), done=False, note="nachfassen-test")
        s.add(fu)
        s.flush()
        fu_id = fu.id
    at = run("ui/pages/review.py", AGENT)
    assert not at.exception
    at.button(key=f"fu_done_{fu_id}").click().run()
    assert not at.exception and not [e.value for e in at.error if "follow" in e.value.lower()], [e.value for e in at.error]
    with db.session() as s:
        assert s.get(FollowUp, fu_id).done is True
    assert f"fu_done_{fu_id}" not in [b.key for b in at.button]


def test_roles_are_read_again_on_every_run_and_demo_passwords_only_on_the_demo(demo_dir):
    """Issue 12 item 16: a demoted user loses the role at the next page run (the session's copy is not trusted);
    the demo passwords are shown on the login page only when the data dir carries the demo marker."""
    from assistant.review.auth import DEMO_MARKER, UserStore

    store = UserStore.from_settings()
    store.upsert("demoted", "Demoted", ["admin"], "pw-demoted-1")
    at = run("app.py", {"username": "demoted", "display_name": "Demoted", "roles": ["admin"]})
    assert not at.exception
    assert any("admin" in c.value for c in at.sidebar.caption)
    store.upsert("demoted", "Demoted", ["trainer"])
    at.run()
    assert not at.exception
    assert at.session_state["user"]["roles"] == ["trainer"]
    assert not any("admin" in c.value for c in at.sidebar.caption)
    assert any("trainer" in c.value for c in at.sidebar.caption)
    store.upsert("demoted", "Demoted", [])
    at.run()
    assert any("keine Rolle" in w.value for w in at.warning)

    marker = demo_dir / DEMO_MARKER
    marker.unlink(missing_ok=True)
    login = run("app.py", None)
    assert not any("demo" in c.value.lower() for c in login.caption)
    marker.write_text("demo\n")
    try:
        login = run("app.py", None)
        assert any("Passwort „demo“" in c.value for c in login.caption)
    finally:
        marker.unlink()

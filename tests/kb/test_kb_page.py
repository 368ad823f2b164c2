"""The trainers' knowledge-base page (Streamlit AppTest) on a real data dir: edit, versions, rollback, roles."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from knowledge_base.store import Actor

PAGE = str(Path(__file__).resolve().parents[2] / "ui" / "pages" / "knowledge_base.py")
TRAINER = {"username": "tina", "display_name": "Tina", "roles": ["trainer"]}
AGENT = {"username": "anna", "display_name": "Anna", "roles": ["agent"]}


@pytest.fixture
def page_kb(data_dir):
    import streamlit as st

    from knowledge_base.service import KnowledgeBase
    from replydesk.db import get_database

    from .conftest import make_articles  # noqa: TID252

    st.cache_resource.clear()  # ui.common caches the database per process; this test has its own data dir
    kb = KnowledgeBase.open(get_database())
    kb.store.save_many(make_articles())
    kb.sync()
    yield kb
    st.cache_resource.clear()


def run(user: dict, **state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["user"] = user
    at.session_state["ui_lang"] = "en"
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def test_trainer_edits_sees_diff_and_rolls_back(page_kb):
    at = run(TRAINER, kb_chosen="password-reset")
    assert not at.exception
    assert at.metric[0].value == "6" and at.metric[2].value == "0"  # articles, stale
    body = at.text_area(key="kb_edit_body_password-reset_1")
    body.input(body.value.replace("24 Stunden", "48 Stunden"))
    next(b for b in at.button if b.label == "Save (new version)").click().run()
    assert not at.exception and not at.error
    assert any("Saved as v2" in s.value for s in at.success)
    assert page_kb.store.get("password-reset").version == 2
    assert page_kb.index_status().stale_articles == []  # re-indexed at once
    diff = at.code[0].value
    assert "-" in diff and "+" in diff and "48 Stunden" in diff
    at.button(key="rb_password-reset").click().run()
    assert not at.exception
    restored = page_kb.store.get("password-reset")
    assert restored.version == 3 and "24 Stunden" in restored.body
    assert page_kb.store.history("password-reset")[0].action == "rolled_back_to_v1"


def test_block_form_shows_a_validation_error_first_then_previews_and_saves(page_kb):
    """Issue 14: blocks are edited as a form; errors name the field in the UI language; a preview drafts with
    the unsaved block; saving makes one new version."""
    at = run(TRAINER, kb_chosen="password-reset")
    assert not at.exception
    assert any("Drafts come from the building blocks" in i.value for i in at.info)
    fk = "password-reset_1_new"
    at.selectbox(key=f"kb_blk_form_{fk}").select("du")
    at.text_area(key=f"kb_blk_text_{fk}").input("Bitte prüfen Sie Ihr Postfach.")
    next(b for b in at.button if b.label == "Save block (new version)").click().run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("Text:") and "'Sie'" in at.error[0].value
    assert page_kb.store.get("password-reset").version == 1  # nothing saved
    at.text_area(key=f"kb_blk_text_{fk}").input("Schau bitte auch in deinen Spam-Ordner, falls keine Mail kommt.")
    at.text_input(key=f"kb_blk_sample_{fk}").input("Ich habe mein Passwort vergessen und keine Mail bekommen")
    next(b for b in at.button if b.label == "Preview").click().run()
    assert not at.exception and not at.error
    assert at.code and "Spam-Ordner" in at.code[0].value and at.code[0].value.startswith("Hallo Alex")
    assert page_kb.store.get("password-reset").version == 1  # a preview saves nothing
    next(b for b in at.button if b.label == "Save block (new version)").click().run()
    assert not at.exception and not at.error
    assert any("Block saved as v2" in x.value for x in at.success)
    saved = page_kb.store.get("password-reset")
    assert saved.version == 2 and saved.updated_by == "tina"
    assert [(b.kind, b.language, b.address_form, b.text) for b in saved.blocks] == [
        ("answer", "de", "du", "Schau bitte auch in deinen Spam-Ordner, falls keine Mail kommt.")]


def test_block_form_errors_in_german(page_kb):
    at = run(TRAINER, kb_chosen="password-reset", ui_lang="de")
    next(b for b in at.button if b.label == "Baustein speichern (neue Version)").click().run()
    assert at.error and at.error[0].value == "Text: darf nicht leer sein"


def test_suggested_block_is_accepted_with_one_click(page_kb):
    from knowledge_base.orm import BlockSuggestionRow
    from replydesk.db import get_database

    with get_database().transaction() as s:
        s.add(BlockSuggestionRow(article_id="password-reset", language="de", address_form="du", channel="twitter",
                                 kind="answer", text="Öffne den Link am besten im Browser.", support=3, edited=3,
                                 variants=["Öffne den Link am besten im Browser."], approval_ids=[1, 2, 3],
                                 status="suggested"))
    at = run(TRAINER)
    assert not at.exception
    assert any("Öffne den Link am besten im Browser" in m.value for m in at.markdown)
    accept = next(b for b in at.button if b.label == "Accept")
    accept.click().run()
    assert not at.exception and not at.error
    assert any("added to password-reset (v2)" in x.value for x in at.success)
    article = page_kb.store.get("password-reset")
    assert article.version == 2 and article.blocks[-1].text == "Öffne den Link am besten im Browser."
    assert not any(b.label == "Accept" for b in at.button)  # no open suggestion left
    at2 = run(AGENT)
    assert not any(b.label in ("Accept", "Mine approved replies") for b in at2.button)  # trainers only


def test_preview_shows_scored_articles_cross_lingual(page_kb):
    at = run(TRAINER)
    at.text_area(key="kb_preview_q").input("I forgot my password and can't log in").run()
    assert not at.exception
    shown = [m.value for m in at.markdown if "`" in m.value]
    assert shown and "`password-reset`" in shown[0]  # a German article for an English question


def test_agent_sees_no_edit_controls_and_the_service_refuses(page_kb):
    at = run(AGENT, kb_chosen="password-reset")
    assert not at.exception
    assert not [b for b in at.button if b.label in ("Save (new version)", "Delete", "Create")]
    assert any("Only trainers" in i.value for i in at.info)
    article = page_kb.get_article("password-reset")
    with pytest.raises(PermissionError):
        page_kb.save(article.model_copy(update={"body": "x"}), Actor(username="anna", roles=["agent"]))
    assert page_kb.store.get("password-reset").version == 1


def test_german_ui_text(page_kb):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["user"] = TRAINER
    at.session_state["ui_lang"] = "de"
    at.run()
    assert not at.exception
    assert at.header[0].value == "Wissensdatenbank"


def _body(at: AppTest):
    return next(t for t in at.text_area if str(t.key).startswith("kb_edit_body_password-reset_"))


def test_after_a_rollback_the_page_shows_it_and_the_next_edit_is_saved(page_kb):
    """Issue 12 item 3: after a rollback the form showed the old version and the next edit was dropped while
    the page said 'Saved as v3'."""
    at = run(TRAINER, kb_chosen="password-reset")
    _body(at).input(_body(at).value.replace("24 Stunden", "48 Stunden"))
    next(b for b in at.button if b.label == "Save (new version)").click().run()
    assert any("Saved as v2" in s.value for s in at.success)
    assert "48 Stunden" in _body(at).value
    at.button(key="rb_password-reset").click().run()
    assert not at.exception
    assert page_kb.store.get("password-reset").version == 3
    assert any("v1 is current again (as v3)" in s.value for s in at.success)
    # the form shows the restored text at once ...
    assert "24 Stunden" in _body(at).value and "48 Stunden" not in _body(at).value
    assert any("v3" in c.value for c in at.caption)
    # ... and the next edit is saved as v4, not dropped
    _body(at).input(_body(at).value.replace("24 Stunden", "72 Stunden"))
    next(b for b in at.button if b.label == "Save (new version)").click().run()
    assert not at.exception and not at.error
    saved = page_kb.store.get("password-reset")
    assert saved.version == 4 and "72 Stunden" in saved.body
    assert any("Saved as v4" in s.value for s in at.success)
    assert not any("Saved as v3" in s.value for s in at.success)


def test_an_edit_of_a_version_someone_else_replaced_is_refused_not_lost(page_kb):
    at = run(TRAINER, kb_chosen="password-reset")
    _body(at).input(_body(at).value.replace("24 Stunden", "48 Stunden"))
    other = page_kb.get_article("password-reset")
    page_kb.save(other.model_copy(update={"body": other.body + "\n\nNachtrag."}), Actor(username="tom", roles=["trainer"]))
    next(b for b in at.button if b.label == "Save (new version)").click().run()
    assert not at.exception
    assert at.error and "v2" in at.error[0].value
    assert page_kb.store.get("password-reset").version == 2  # the other trainer's v2 is not overwritten
    assert "48 Stunden" in _body(at).value  # the edit is still in the form
    # a no-op save does not claim a new version
    at = run(TRAINER, kb_chosen="password-reset")
    next(b for b in at.button if b.label == "Save (new version)").click().run()
    assert not any("Saved as" in s.value for s in at.success) and page_kb.store.get("password-reset").version == 2

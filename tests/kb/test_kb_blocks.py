"""The trainer's block form (issue 14): validation naming the field in German and English, saving one block as
one new version, and a non-persisting preview of the draft the block produces."""

from __future__ import annotations

import pytest

from knowledge_base.blocks import (
    BlockForm,
    BlockInvalid,
    delete_block,
    known_channels,
    preview_block,
    save_block,
    validate_block,
)
from knowledge_base.models import Article, ReplyBlock
from knowledge_base.service import VersionConflict
from knowledge_base.store import Actor
from tests.support import fixtures as _shared

env, small_kb_dir = _shared.env, _shared.small_kb_dir
CHANNELS = ["twitter", "facebook", "instagram", "email", "dm"]
TRAINER = Actor(username="tina", roles=["trainer"])
ARTICLE = Article(id="a-b", title="T", language="de", blocks=[ReplyBlock(id="ans-de", language="de", text="Hi.")])


def fields(form: BlockForm) -> dict[str, str]:
    return {e.field: e.message("en") for e in validate_block(form, ARTICLE, CHANNELS)}


def test_a_good_block_has_no_errors():
    assert validate_block(BlockForm(kind="answer", language="de", address_form="du", channels=["twitter"],
                                    text="Schau bitte in deinen Spam-Ordner, {first_name}."), ARTICLE, CHANNELS) == []


@pytest.mark.parametrize("form, field, words", [
    (BlockForm(text="  "), "text", "must not be empty"),
    (BlockForm(text="Hallo {kundennr}."), "text", "unknown placeholders: {kundennr}"),
    (BlockForm(text="Hallo {first_name."), "text", "unclosed placeholder"),
    (BlockForm(text="x" * 700), "text", "too long"),
    (BlockForm(text="Bitte prüfen Sie Ihr Postfach.", address_form="du"), "text", "'Sie'"),
    (BlockForm(text="Check your inbox.", language="en", address_form="Sie"), "address_form", "only German"),
    (BlockForm(text="Ok.", language="fr"), "language", "unknown (fr)"),
    (BlockForm(text="Ok.", kind="greeting"), "kind", "unknown (greeting)"),
    (BlockForm(text="Ok.", channels=["fax"]), "channels", "unknown: fax"),
    (BlockForm(text="Ok.", id="ans-de"), "id", "already exists"),
    (BlockForm(text="Ok.", id="Ans DE"), "id", "lower-case"),
])
def test_errors_name_the_field(form, field, words):
    got = fields(form)
    assert field in got and words in got[field], got


def test_messages_in_german_name_the_german_field():
    errors = validate_block(BlockForm(text="", channels=["fax"]), ARTICLE, CHANNELS)
    de = [e.message("de") for e in errors]
    assert "Text: darf nicht leer sein" in de and "Kanäle: unbekannt: fax" in de


def test_known_channels_include_the_builtin_ones():
    assert set(CHANNELS) <= set(known_channels())


def test_save_replace_delete_one_version_each(env):
    kb = env["kb"]
    before = kb.store.get("password-reset")
    with pytest.raises(BlockInvalid) as info:
        save_block(kb, "password-reset", BlockForm(text=""), TRAINER, expected_version=before.version)
    assert info.value.errors[0].field == "text"
    assert kb.store.get("password-reset").version == before.version  # nothing saved
    form = BlockForm(kind="answer", language="de", address_form="du", channels=["dm"],
                     text="Öffne den Link im Browser und nicht in der App.")
    saved = save_block(kb, "password-reset", form, TRAINER, expected_version=before.version)
    assert saved.version == before.version + 1 and saved.updated_by == "tina"
    new = saved.blocks[-1]
    assert new.id == "answer-de-du" and new.channels == ["dm"] and new.address_form == "du"
    with pytest.raises(VersionConflict):
        save_block(kb, "password-reset", form, TRAINER, expected_version=before.version)
    edited = save_block(kb, "password-reset", form.model_copy(update={"id": new.id, "text": "Öffne den Link im Browser."}),
                        TRAINER, editing=new.id, expected_version=saved.version)
    assert [b.text for b in edited.blocks if b.id == new.id] == ["Öffne den Link im Browser."]
    assert len(edited.blocks) == len(saved.blocks)
    with pytest.raises(PermissionError):
        save_block(kb, "password-reset", form, Actor(username="anna", roles=["agent"]))
    gone = delete_block(kb, "password-reset", new.id, TRAINER, expected_version=edited.version)
    assert new.id not in {b.id for b in gone.blocks} and gone.version == edited.version + 1


def test_preview_drafts_with_the_unsaved_block_and_stores_nothing(env):
    from sqlalchemy import func, select

    from assistant.orm import Draft

    kb, db = env["kb"], env["db"]
    article = kb.store.get("password-reset")
    with db.session() as s:
        drafts = s.scalar(select(func.count()).select_from(Draft))
    form = BlockForm(kind="answer", language="de", address_form="du", channels=["dm"],
                     text="Öffne den Passwort-Link am besten im Browser und nicht in der App.")
    p = preview_block(env["pipeline"], article, form, "Der Passwort-Link öffnet sich in der App nicht, was tun?")
    assert p.used and form.text in p.draft and p.article_id == "password-reset", p
    assert p.draft.startswith("Hallo Alex")
    assert kb.store.get("password-reset").version == article.version  # nothing saved
    assert form.text not in {b.text for b in kb.get_article("password-reset").blocks}
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Draft)) == drafts
    with pytest.raises(BlockInvalid):
        preview_block(env["pipeline"], article, BlockForm(text=""), "Passwort vergessen")

"""Versioned store: every edit a version; history, diff, rollback; roles; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from knowledge_base.models import ArticleIn
from knowledge_base.store import Actor, ArticleNotFound, KnowledgeStore


def _article(**kw) -> ArticleIn:
    data = {"id": "tariff-change", "title": "Tarifwechsel", "language": "de", "body": "Version eins.",
            "status": "published"}
    data.update(kw)
    return ArticleIn(**data)


def test_versions_history_diff_rollback(db):
    store = KnowledgeStore(db)
    trainer = Actor(username="tina", roles=["trainer"])
    a1 = store.save(_article(), trainer)
    assert a1.version == 1 and a1.updated_by == "tina"
    assert store.save(_article(), trainer).version == 1  # unchanged content makes no version
    a2 = store.save(_article(body="Version zwei, mit 14 Tagen Frist."), trainer)
    assert a2.version == 2
    diff = store.diff("tariff-change", 1, 2)
    assert "-Version eins." in diff and "+Version zwei, mit 14 Tagen Frist." in diff
    a3 = store.rollback("tariff-change", 1, trainer)
    assert a3.version == 3 and a3.body == "Version eins."
    assert [v.version for v in store.history("tariff-change")] == [3, 2, 1]
    assert store.history("tariff-change")[0].action == "rolled_back_to_v1"
    store.delete("tariff-change", trainer)
    assert store.get("tariff-change") is None
    assert store.history("tariff-change")[0].action == "deleted"  # history survives deletion
    with pytest.raises(ArticleNotFound):
        store.version("tariff-change", 99)


def test_only_trainers_and_admins_edit(db):
    store = KnowledgeStore(db)
    with pytest.raises(PermissionError, match="only trainers and admins"):
        store.save(_article(), Actor(username="anna", roles=["agent"]))
    store.save(_article(), Actor(username="ada", roles=["admin"]))
    with pytest.raises(PermissionError):
        store.delete("tariff-change", Actor(username="quinn", roles=["qa"]))
    assert store.get("tariff-change") is not None


def test_save_many_is_all_or_nothing(db):
    store = KnowledgeStore(db)
    good = _article()
    bad = _article(id="other")
    bad.title = "x" * 400  # bypasses validation on assignment; the DB column is 300 chars on PostgreSQL
    with pytest.raises(Exception):  # noqa: B017 - either pydantic or the database refuses
        store.save_many([good, bad])
    assert store.count() == 0


def test_slug_and_language_are_validated():
    with pytest.raises(ValueError):
        ArticleIn(id="Bad Slug!", title="x", language="de")
    with pytest.raises(ValueError):
        ArticleIn(id="ok-slug", title="x", language="fr")

"""Demo loader idempotency, all-or-nothing import into a filled KB, CLI export/import round trip."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from knowledge_base.io import ImportProblem, to_markdown
from knowledge_base.orm import ArticleVersionRow


def _versions(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(ArticleVersionRow))


def test_load_demo_is_idempotent(data_dir):
    from knowledge_base.demo import load_demo
    from knowledge_base.service import KnowledgeBase
    from replydesk.db import get_database

    db = get_database()
    first = load_demo(db)
    assert first.startswith("64 articles new") and "0 stale" in first, first
    versions = _versions(db)
    second = load_demo(db)
    assert second.startswith("0 articles new, 0 updated, 64 unchanged") and "re-embedded" not in second, second
    assert _versions(db) == versions == 64
    kb = KnowledgeBase.open(db)
    assert kb.search("wann kommt mein paket", k=3)[0].article_id in {"delivery-delayed", "delivery-status-tracking"}
    assert len(kb.get_articles(["delivery-delayed", "nope", "roaming-eu"])) == 2


def test_bad_import_leaves_a_filled_kb_unchanged(kb, tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    good = kb.get_article("password-reset").model_copy(update={"body": "Ganz neuer Text."})
    (folder / "password-reset.md").write_text(to_markdown(good), encoding="utf-8")
    (folder / "zz-broken.md").write_text("---\nid: zz-broken\ntitle: Kaputt\nlanguage: fr\n---\nText\n")
    before = (kb.store.get("password-reset"), _versions(kb.db), kb.vectors.count())
    with pytest.raises(ImportProblem) as info:
        kb.import_path(folder)
    assert "zz-broken.md:4: field 'language'" in str(info.value)
    assert (kb.store.get("password-reset"), _versions(kb.db), kb.vectors.count()) == before
    (folder / "zz-broken.md").unlink()
    change = kb.import_path(folder)
    assert change.updated == ["password-reset"] and kb.store.get("password-reset").version == 2
    assert kb.index_status().stale_articles == []


def test_cli_export_all_formats_and_reimport(data_dir, tmp_path):
    from replydesk.cli import app

    from .conftest import make_articles  # noqa: TID252

    folder = tmp_path / "src"
    folder.mkdir()
    for a in make_articles():
        (folder / f"{a.id}.md").write_text(to_markdown(a), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["kb", "import", str(folder)]).exit_code == 0
    again = runner.invoke(app, ["kb", "import", str(folder)])
    assert again.exit_code == 0 and "0 new, 0 updated, 6 unchanged" in again.output
    for fmt, target in (("md", tmp_path / "out"), ("csv", tmp_path / "kb.csv"), ("json", tmp_path / "kb.json")):
        result = runner.invoke(app, ["kb", "export", str(target), "--format", fmt])
        assert result.exit_code == 0 and "exported 6 articles" in result.output, result.output
        re_import = runner.invoke(app, ["kb", "import", str(target)])
        assert re_import.exit_code == 0 and "6 unchanged" in re_import.output, (fmt, re_import.output)
    assert len(json.loads((tmp_path / "kb.json").read_text(encoding="utf-8"))) == 6
    bad = runner.invoke(app, ["kb", "export", str(tmp_path / "x"), "--format", "xml"])
    assert bad.exit_code == 2 and "--format" in bad.output
    missing = runner.invoke(app, ["kb", "import", str(tmp_path / "does-not-exist")])
    assert missing.exit_code == 2 and "no such file or folder" in missing.output

"""KB as code: Markdown/CSV/JSON import and export; bad input names file + line + field, changes nothing."""

from __future__ import annotations

import json

import pytest

from knowledge_base.io import ImportProblem, export, load_path
from knowledge_base.store import KnowledgeStore

GOOD = """---
id: {id}
title: Roaming in der EU
language: de
tags: [roaming]
status: published
blocks:
  - id: ans-de-du
    language: de
    address_form: du
    kind: answer
    text: "In der EU surfst du zu Inlandspreisen."
---
## Roaming
In der EU gilt Roam like at home.
"""


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(text, encoding="utf-8")


def test_markdown_folder_roundtrip(tmp_path, sqlite_db):
    src = tmp_path / "kb"
    _write(src, "roaming-eu", GOOD.format(id="roaming-eu"))
    _write(src, "roaming-eu-2", GOOD.format(id="roaming-eu-2"))
    articles = load_path(src)
    assert [a.id for a in articles] == ["roaming-eu", "roaming-eu-2"]
    assert articles[0].blocks[0].address_form == "du"
    store = KnowledgeStore(sqlite_db)
    store.save_many(articles)
    for fmt, target in (("md", tmp_path / "out"), ("csv", tmp_path / "kb.csv"), ("json", tmp_path / "kb.json")):
        export(store.list(), target, fmt)
        again = load_path(target)
        assert [a.model_dump() for a in again] == [a.model_dump() for a in articles], fmt


def test_bad_markdown_names_file_line_field_and_changes_nothing(tmp_path, sqlite_db):
    store = KnowledgeStore(sqlite_db)
    src = tmp_path / "kb"
    _write(src, "aaa-good", GOOD.format(id="aaa-good"))
    _write(src, "bbb-bad", GOOD.format(id="bbb-bad").replace("language: de\n", "language: fr\n"))
    with pytest.raises(ImportProblem) as info:
        load_path(src)
    msg = str(info.value)
    assert "bbb-bad.md:4: field 'language'" in msg, msg
    assert "nothing was changed" in msg
    assert store.count() == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no front matter", ":1: missing YAML front matter"),
        ("---\nid: x-y\ntitle: [unclosed\n---\nbody", "invalid YAML"),
        ("---\nid: x-y\ntitle: T\nlanguage: de\n", "not closed"),
        ("---\nid: wrong-id\ntitle: T\nlanguage: de\n---\n", "does not match the file name"),
        ("---\nid: x-y\nlanguage: de\n---\n", "field 'title'"),
        ("---\nid: x-y\ntitle: T\nlanguage: de\nblocks:\n  - id: b\n    language: de\n---\n", "field 'blocks.0.text'"),
    ],
)
def test_malformed_markdown_messages(tmp_path, text, expected):
    _write(tmp_path / "kb", "x-y", text)
    with pytest.raises(ImportProblem) as info:
        load_path(tmp_path / "kb")
    assert expected in str(info.value)


def test_bad_csv_and_json_name_the_row(tmp_path):
    csv_file = tmp_path / "kb.csv"
    csv_file.write_text("id,title,language\nok-one,Gut,de\nbad-one,Schlecht,xx\n", encoding="utf-8")
    with pytest.raises(ImportProblem, match=r"kb.csv:3: field 'language'"):
        load_path(csv_file)
    json_file = tmp_path / "kb.json"
    json_file.write_text(json.dumps([{"id": "ok-one", "title": "a", "language": "de"}, {"id": "x"}]))
    with pytest.raises(ImportProblem, match=r"kb.json\[1\]:1: field 'title'"):
        load_path(json_file)
    (tmp_path / "broken.json").write_text('[{"id": "a",\n "title": }]')
    with pytest.raises(ImportProblem, match=r"broken.json:2: invalid JSON"):
        load_path(tmp_path / "broken.json")


def test_duplicate_ids_and_encoding(tmp_path):
    (tmp_path / "kb.json").write_text(json.dumps([{"id": "dup-id", "title": "a", "language": "de"}] * 2))
    with pytest.raises(ImportProblem, match="duplicate article id 'dup-id'"):
        load_path(tmp_path / "kb.json")
    _write(tmp_path / "latin", "x-y", "")
    (tmp_path / "latin" / "x-y.md").write_bytes("---\nid: x-y\ntitle: Grüße\n---\n".encode("latin-1"))
    with pytest.raises(ImportProblem, match="not UTF-8"):
        load_path(tmp_path / "latin")
    bom = tmp_path / "bom"
    _write(bom, "roaming-eu", "")
    (bom / "roaming-eu.md").write_bytes(b"\xef\xbb\xbf" + GOOD.format(id="roaming-eu").encode())
    assert load_path(bom)[0].id == "roaming-eu"  # a UTF-8 BOM is fine

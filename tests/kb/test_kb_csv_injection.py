"""`kb export --format csv` and spreadsheet formula injection (issue 12 item 18, OWASP CSV injection)."""

from __future__ import annotations

import csv

from knowledge_base.io import export, load_path
from knowledge_base.store import KnowledgeStore

HOSTILE = """---
id: formula-test
title: "=HYPERLINK(\\"http://evil.example\\",\\"click\\")"
language: de
tags: ["+tag", "@ref", "ok"]
questions: ["-2+3", "=1+1", "\\tTab", "Wie geht das?"]
status: published
---
@SUM(1+1)*cmd|' /C calc'!A0
"""


def test_csv_export_neutralises_formula_cells(tmp_path, sqlite_db):
    src = tmp_path / "kb"
    src.mkdir()
    (src / "formula-test.md").write_text(HOSTILE, encoding="utf-8")
    store = KnowledgeStore(sqlite_db)
    store.save_many(load_path(src))
    target = tmp_path / "kb.csv"
    export(store.list(), target, "csv")
    with target.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    cells = [c for row in rows[1:] for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["title"] == "'" + '=HYPERLINK("http://evil.example","click")'
    assert row["body"].startswith("'@SUM(1+1)")
    assert row["tags"].startswith("'+tag")
    assert row["id"] == "formula-test" and row["language"] == "de"  # harmless cells stay as they are

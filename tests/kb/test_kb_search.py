"""Hybrid retrieval over the real USE model and a real Chroma (embedded); incremental sync."""

from __future__ import annotations

import json
import time

import numpy as np
from typer.testing import CliRunner

from knowledge_base.embeddings import UseEmbedder
from knowledge_base.models import SearchFilters


def test_cross_lingual_both_ways(kb):
    hits = kb.search("how long does a delivery take, my parcel is late", k=3)
    assert hits[0].article_id == "delivery-delayed"  # English question, German-only article
    hits = kb.search("Was kostet Roaming in der Türkei? Gibt es Reisepakete?", k=3)
    assert hits[0].article_id == "roaming-outside-eu"  # German question, English-only article


def test_colloquial_and_modes(kb):
    assert kb.search("pw vergessen, komm nicht mehr rein 😤", k=1)[0].article_id == "password-reset"
    for mode in ("dense", "bm25", "hybrid"):
        hits = kb.search("Passwort vergessen", k=3, mode=mode)
        assert hits and hits[0].article_id == "password-reset", mode


def test_filters(kb):
    hits = kb.search("Lieferung Paket Sendung verspätet Entwurf", k=10)
    assert "secret-draft" not in {h.article_id for h in hits}  # drafts are not served
    hits = kb.search("Lieferung Paket Sendung verspätet Entwurf", SearchFilters(status="any"), k=10)
    assert "secret-draft" in {h.article_id for h in hits}
    assert all(h.language == "en" for h in kb.search("Paket", SearchFilters(language="en"), k=10))
    assert "wifi-calling" not in {h.article_id for h in kb.search("WiFi calling", SearchFilters(channel="twitter"))}
    assert "wifi-calling" in {h.article_id for h in kb.search("WiFi calling", SearchFilters(channel="email"))}
    assert len({h.article_id for h in kb.search("Paket", k=10)}) == len(kb.search("Paket", k=10))  # one per article


class CountingEmbedder(UseEmbedder):
    """The real embedder, counting how many texts it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed(self, texts):
        self.embedded += len(texts)
        return super().embed(texts)


def test_incremental_sync_reembeds_only_changed_chunks(db, tmp_path):
    from knowledge_base.service import KnowledgeBase
    from replydesk.settings import Settings

    from .conftest import make_articles  # noqa: TID252

    embedder = CountingEmbedder()
    kb = KnowledgeBase(db, Settings(data_dir=tmp_path / "d"), embedder=embedder)
    kb.store.save_many(make_articles())
    first = kb.sync()
    assert first.embedded == first.chunks == embedder.embedded > 0
    assert kb.sync().embedded == 0  # nothing changed, nothing embedded
    article = kb.get_article("delivery-delayed")
    edited = article.model_copy(update={"body": article.body.replace("2–4 Werktagen", "1–3 Werktagen")})
    before = embedder.embedded
    kb.save(edited)
    assert embedder.embedded - before == 1  # one changed section, one chunk
    assert kb.index_status().stale_articles == []
    assert kb.search("Lieferzeit Werktage", k=1)[0].article_id == "delivery-delayed"
    assert any("1–3 Werktagen" in c.text for c in kb._fresh().chunks.values())
    wifi_chunks = len(kb.vectors.ids(["wifi-calling"]))
    assert wifi_chunks >= 1
    kb.delete("wifi-calling")
    assert kb.vectors.count() == first.chunks - wifi_chunks
    assert "wifi-calling" not in {h.article_id for h in kb.search("WiFi calling", SearchFilters(channel="email"))}
    kb.vectors.reset()  # the vector store loses its data (new Chroma dir, server reset)
    report = kb.sync()
    assert report.embedded == report.chunks and kb.vectors.count() == report.chunks


def test_use_vectors_are_normalised_and_multilingual():
    e = UseEmbedder()
    v = e.embed(["Mein Paket ist nicht angekommen", "My parcel has not arrived", "Ich möchte mein Passwort ändern"])
    assert v.shape == (3, 512) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-3)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_langchain_retriever(kb):
    docs = kb.as_langchain_retriever(k=2).invoke("password forgotten")
    assert docs[0].metadata["article_id"] == "password-reset"


def test_cli_search_json_shape(data_dir, tmp_path):
    from replydesk.cli import app

    folder = tmp_path / "kb"
    folder.mkdir()
    from knowledge_base.io import to_markdown

    from .conftest import make_articles  # noqa: TID252

    for a in make_articles():
        (folder / f"{a.id}.md").write_text(to_markdown(a), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["kb", "import", str(folder)]).exit_code == 0
    result = runner.invoke(app, ["kb", "search", "Passwort vergessen", "--lang", "de", "--k", "2", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["article_id"] == "password-reset"
    assert set(rows[0]) == {"article_id", "title", "language", "score", "snippet"}
    bad = runner.invoke(app, ["kb", "search", "x", "--lang", "fr"])
    assert bad.exit_code == 2 and "--lang" in bad.output
    (folder / "password-reset.md").write_text("---\nid: password-reset\ntitle: T\nlanguage: xx\n---\n")
    bad = runner.invoke(app, ["kb", "import", str(folder)])
    assert bad.exit_code == 2 and "password-reset.md" in bad.output and "language" in bad.output
    assert runner.invoke(app, ["kb", "reindex"]).exit_code == 0


def test_edit_in_another_process_is_seen(db, tmp_path, monkeypatch):
    """Two KnowledgeBase objects on one database (as two workers/replicas): B's caches follow A's edits."""
    from knowledge_base import service
    from knowledge_base.service import KnowledgeBase
    from replydesk.settings import Settings

    from .conftest import make_articles  # noqa: TID252

    monkeypatch.setattr(service, "REFRESH_SECONDS", 0.0)
    settings = Settings(data_dir=tmp_path / "shared")
    a = KnowledgeBase(db, settings)
    a.store.save_many(make_articles())
    a.sync()
    b = KnowledgeBase(db, settings)
    assert b.get_article("password-reset").version == 1
    assert "roaming-outside-eu" in {p.article_id for p in b.search("Reisepaket Türkei", k=3)}
    article = a.get_article("password-reset")
    a.save(article.model_copy(update={"title": "Kennwort zurücksetzen"}))
    a.delete("roaming-outside-eu")
    assert b.get_article("password-reset").title == "Kennwort zurücksetzen"  # article cache: at once
    assert [x.id for x in b.get_articles(["roaming-outside-eu", "password-reset"])] == ["password-reset"]
    # The BM25/metadata state is rebuilt in the background (the old one serves meanwhile): wait for it.
    deadline = time.monotonic() + 20
    while "roaming-outside-eu" in {p.article_id for p in b.search("Reisepaket Türkei", k=5)}:
        assert time.monotonic() < deadline, "the other process's delete never reached this one's index"
        time.sleep(0.05)
    assert b.search("Kennwort", k=1)[0].title == "Kennwort zurücksetzen"


def test_big_kb_rebuilds_in_the_background_after_a_local_edit(kb, monkeypatch):
    from knowledge_base import service

    monkeypatch.setattr(service, "SYNC_REBUILD_MAX_CHUNKS", 0)  # behave like a 10k-article KB
    kb.search("Passwort", k=1)
    article = kb.get_article("password-reset")
    kb.save(article.model_copy(update={"title": "Kennwort neu setzen"}))
    kb.save(kb.store.get("password-reset").model_copy(update={"title": "Kennwort vergessen"}))  # twice, quickly
    deadline = time.monotonic() + 20
    while kb.search("Kennwort", k=1)[0].title != "Kennwort vergessen":  # the old state serves meanwhile
        assert time.monotonic() < deadline, "the background rebuild never landed"
        time.sleep(0.05)
    assert kb.get_article("password-reset").title == "Kennwort vergessen"


def test_parallel_embedding_matches_one_process(caplog):
    texts = [f"Rechnung {i}: Ihre Rechnung steht ab dem {i % 28 + 1}. im Portal bereit." for i in range(40)]
    serial = UseEmbedder(workers=1).embed(texts)
    parallel = UseEmbedder(workers=2, parallel_from=1, batch_size=8).embed(texts)  # spawned worker processes
    assert parallel.shape == serial.shape == (40, 512)
    assert np.allclose(parallel, serial, atol=1e-5)
    assert not [r for r in caplog.records if "parallel embedding unavailable" in r.getMessage()]  # no fallback


def test_parallel_embedding_does_not_rerun_the_main_script(tmp_path, monkeypatch, caplog):
    """Spawned workers must not execute the parent's __main__ (a Streamlit page, a test runner)."""
    import sys

    bomb = tmp_path / "page.py"
    bomb.write_text("raise SystemExit('the main script was re-run in a worker')\n")
    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "__file__", str(bomb), raising=False)
    monkeypatch.setattr(main, "__spec__", None, raising=False)
    texts = [f"Lieferung {i} ist unterwegs" for i in range(16)]
    vecs = UseEmbedder(workers=2, parallel_from=1, batch_size=4).embed(texts)
    assert vecs.shape == (16, 512)
    assert not [r for r in caplog.records if "parallel embedding unavailable" in r.getMessage()]
    assert main.__file__ == str(bomb)  # restored afterwards

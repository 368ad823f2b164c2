"""Demo knowledge base of the fictitious telecom FunkWerk (German and English articles)."""

from __future__ import annotations

from pathlib import Path

DEMO_ARTICLES = Path(__file__).parent / "demo" / "articles"


def load_demo(db) -> str:
    from knowledge_base.service import KnowledgeBase

    kb = KnowledgeBase.open(db)
    if not DEMO_ARTICLES.is_dir() or not any(DEMO_ARTICLES.glob("*.md")):
        return "no demo articles shipped"
    change = kb.import_path(DEMO_ARTICLES)
    report = kb.sync()  # also repairs an index that lost data
    status = kb.index_status()
    return (f"{len(change.created)} articles new, {len(change.updated)} updated, {len(change.unchanged)} "
            f"unchanged; index {status.chunks_indexed} chunks, {len(status.stale_articles)} stale"
            + (f" ({report.embedded} re-embedded)" if report.embedded else ""))

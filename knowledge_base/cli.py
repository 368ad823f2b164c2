"""``replydesk kb …``: import, export, reindex, search."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from guardrails.models import LANGUAGES

console = Console()
err = Console(stderr=True, soft_wrap=True)
kb_app = typer.Typer(help="Knowledge base: import, export, reindex, search.", no_args_is_help=True)


def _kb():
    from knowledge_base.service import KnowledgeBase
    from replydesk.db import get_database

    return KnowledgeBase.open(get_database())


@kb_app.command("import")
def import_cmd(path: Path = typer.Argument(..., help="folder of .md files, a .csv or a .json")) -> None:
    """Import articles (all-or-nothing: one bad file and nothing changes)."""
    from knowledge_base.io import ImportProblem

    try:
        change = _kb().import_path(path)
    except ImportProblem as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    console.print(f"imported: {len(change.created)} new, {len(change.updated)} updated, "
                  f"{len(change.unchanged)} unchanged")


@kb_app.command("export")
def export_cmd(
    path: Path = typer.Argument(..., help="target folder (md) or file (csv/json)"),
    fmt: str = typer.Option("md", "--format", help="md | csv | json"),
) -> None:
    """Export every article (KB as code)."""
    from knowledge_base.io import export

    if fmt not in ("md", "csv", "json"):
        err.print(f"[red]error:[/red] --format must be md, csv or json, not {fmt!r}")
        raise typer.Exit(2)
    n = export(_kb().store.list(), path, fmt)
    console.print(f"exported {n} articles to {path}")


@kb_app.command("reindex")
def reindex_cmd() -> None:
    """Rebuild the vector index from the SQL store."""
    report = _kb().reindex()
    console.print(f"reindexed {report.articles} articles, {report.chunks} chunks in {report.seconds:.1f} s")


@kb_app.command("status")
def status_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """Index health: stale articles, chunk rows whose vector is missing in Chroma, last sync."""
    st = _kb().index_status()
    if as_json:
        typer.echo(json.dumps(st.model_dump(), ensure_ascii=False))
        return
    console.print(f"articles: {st.articles}, chunks indexed: {st.chunks_indexed}, vectors: {st.vectors}, "
                  f"missing vectors: {st.missing_vectors}, stale articles: {len(st.stale_articles)}, "
                  f"last sync: {st.last_sync or 'never'}, embedder: {st.embedder}")
    if st.stale_articles or st.missing_vectors:
        console.print("run [bold]replydesk kb reindex[/bold] (or import again) to repair the index")


@kb_app.command("search")
def search_cmd(
    query: str = typer.Argument(..., help="the customer's question"),
    lang: str | None = typer.Option(None, "--lang", help="only articles in this language (" + "|".join(LANGUAGES) + ")"),
    k: int = typer.Option(5, "--k", min=1, max=50, help="how many articles"),
    channel: str | None = typer.Option(None, "--channel"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Hybrid search (dense + BM25); published articles only."""
    from knowledge_base.models import SearchFilters

    if lang is not None and lang not in LANGUAGES:
        err.print(f"[red]error:[/red] --lang must be {' or '.join(LANGUAGES)}, not {lang!r}")
        raise typer.Exit(2)
    if not query.strip():
        err.print("[red]error:[/red] the query is empty")
        raise typer.Exit(2)
    passages = _kb().search(query, SearchFilters(language=lang, channel=channel), k)
    rows = [{"article_id": p.article_id, "title": p.title, "language": p.language, "score": p.score,
             "snippet": p.text[:200]} for p in passages]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("score", "article", "lang", "title")
    for r in rows:
        table.add_row(f"{r['score']:.3f}", r["article_id"], r["language"], r["title"])
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(kb_app, name="kb")

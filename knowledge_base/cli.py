"""``replydesk kb …``: import, export, reindex, search, suggested building blocks."""

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


def _actor(username: str | None):
    """The user the CLI acts as: ``--as`` is looked up in the users store (its roles apply); none = this machine's
    operator (trusted, like ``kb import``)."""
    from knowledge_base.store import SYSTEM, Actor

    if username is None:
        return SYSTEM
    from assistant.review.auth import UserStore

    user = UserStore.from_settings().get(username)
    if user is None:
        err.print(f"[red]error:[/red] no user {username!r}")
        raise typer.Exit(2)
    return Actor(username=user.username, roles=list(user.roles))


@kb_app.command("suggest-blocks")
def suggest_blocks_cmd(
    min_support: int | None = typer.Option(None, "--min-support", min=1,
                                           help="approved replies a sentence needs (default: settings, 2)"),
    no_mine: bool = typer.Option(False, "--no-mine", help="only list the stored suggestions"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Mine approved replies for building blocks agents keep writing, and list the open suggestions."""
    from knowledge_base import mining
    from replydesk.db import get_database

    db = get_database()
    found = mining.list_suggestions(db) if no_mine else mining.suggest_blocks(db, _kb(), min_support)
    if as_json:
        typer.echo(json.dumps([s.model_dump() for s in found], ensure_ascii=False))
        return
    table = Table("id", "support", "article", "lang", "form", "channel", "text")
    for s in found:
        table.add_row(str(s.id), str(s.support), s.article_id, s.language, s.address_form or "", s.channel or "",
                      s.text)
    console.print(table)
    console.print(f"{len(found)} suggested; accept with [bold]replydesk kb accept-block ID[/bold]")


def _decide(suggestion_id: int, username: str | None, accept: bool) -> None:
    from knowledge_base import mining
    from replydesk.db import get_database

    actor = _actor(username)
    try:
        if accept:
            s = mining.accept_suggestion(get_database(), _kb(), suggestion_id, actor)
            console.print(f"added block {s.block_id} to {s.article_id} (v{s.article_version})")
        else:
            mining.dismiss_suggestion(get_database(), suggestion_id, actor)
            console.print(f"dismissed suggestion {suggestion_id}")
    except (mining.SuggestionError, PermissionError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


@kb_app.command("accept-block")
def accept_block_cmd(suggestion_id: int = typer.Argument(..., help="the suggestion's id"),
                     user: str | None = typer.Option(None, "--as", help="act as this user (needs trainer)")) -> None:
    """Accept a suggested building block: it is added to its article as a new version."""
    _decide(suggestion_id, user, accept=True)


@kb_app.command("dismiss-block")
def dismiss_block_cmd(suggestion_id: int = typer.Argument(..., help="the suggestion's id"),
                      user: str | None = typer.Option(None, "--as", help="act as this user (needs trainer)")) -> None:
    """Dismiss a suggested building block (it is not suggested again)."""
    _decide(suggestion_id, user, accept=False)


def register(app: typer.Typer) -> None:
    app.add_typer(kb_app, name="kb")

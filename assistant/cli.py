"""``replydesk draft``, ``inbox import|draft-all``, ``worker``, ``customers import``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console()
err = Console(stderr=True, soft_wrap=True)
CHANNELS = ("twitter", "facebook", "instagram", "email", "dm")

inbox_app = typer.Typer(help="Inbound messages: import and draft.", no_args_is_help=True)
customers_app = typer.Typer(help="Customers (CRM side): import, GDPR export and erasure.", no_args_is_help=True)


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(2)


def _pipeline(engine: str = "auto"):
    from assistant.pipeline import Pipeline
    from replydesk.db import get_database

    return Pipeline.from_settings(get_database(), engine=engine)


def draft(
    text: str = typer.Option(..., "--text", help="the customer's message"),
    channel: str = typer.Option("twitter", "--channel", help="twitter | facebook | instagram | email | dm"),
    visibility: str = typer.Option("public", "--visibility", help="public | private"),
    handle: str | None = typer.Option(None, "--handle", help="the author's handle, e.g. @anna_s"),
    engine: str = typer.Option("auto", "--engine", help="auto | composer | llm"),
    signoff: str | None = typer.Option(None, "--signoff",
                                       help="the agent's sign-off, e.g. ^AB (default: the policy's voice.agent_signoff)"),
    force: bool = typer.Option(False, "--force", help="draft even if triage says no reply is needed"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Draft a reply to one message (grounded in the knowledge base and the customer's record)."""
    from assistant.api.shapes import draft_json
    from assistant.models import DraftRequest

    if channel not in CHANNELS:
        _fail(f"--channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    if visibility not in ("public", "private"):
        _fail(f"--visibility must be public or private, not {visibility!r}")
    if engine not in ("auto", "composer", "llm"):
        _fail(f"--engine must be auto, composer or llm, not {engine!r}")
    if not text.strip():
        _fail("--text is empty")
    try:
        result = _pipeline(engine).run(DraftRequest(text=text, channel=channel, visibility=visibility,
                                                    handle=handle, engine=engine, force=force,
                                                    **({"agent_signoff": signoff} if signoff is not None else {})))
    except RuntimeError as exc:
        _fail(str(exc))
    out = draft_json(result)
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    if result.no_reply:
        console.print("[yellow]no reply needed[/yellow]: " + str(result.triage["no_reply"]["reason"])
                      + " (use --force to draft anyway)", markup=True)
        return
    console.print(f"[bold]{result.engine}[/bold] · {result.language} · {result.latency_ms:.0f} ms · "
                  + ("[green]passed[/green]" if result.passed else "[red]needs a human[/red]"))
    console.print(result.draft)
    for c in result.citations:
        console.print(f"  [dim]cites {c.kind}: {c.ref}[/dim]")
    for f in result.findings:
        console.print(f"  [{'red' if f.severity == 'block' else 'yellow'}]{f.rule}[/]: {f.message}")
    if result.fallback_reason:
        console.print(f"[yellow]{result.fallback_reason}[/yellow]")


@inbox_app.command("import")
def inbox_import(path: Path = typer.Argument(..., help="JSONL, JSON list or CSV of messages")) -> None:
    """Import inbound messages (idempotent: known ids are skipped)."""
    from assistant.inbox import InboxImportError, import_path
    from replydesk.db import get_database

    if not path.exists():
        _fail(f"{path}: no such file")
    try:
        new, known = import_path(get_database(), path)
    except InboxImportError as exc:
        _fail(str(exc))
    console.print(f"imported {new} new messages ({known} already there)")


@inbox_app.command("draft-all")
def draft_all(
    concurrency: int = typer.Option(1, "--concurrency", min=1, max=64, help="parallel drafts (LLM engines)"),
    engine: str = typer.Option("auto", "--engine"),
) -> None:
    """Draft every pending message. Safe to kill and run again: nothing is drafted twice."""
    from sqlalchemy import func, select

    from assistant.orm import Message
    from assistant.worker import drain

    pipeline = _pipeline(engine)
    with pipeline.db.session() as s:
        total = s.scalar(select(func.count()).select_from(Message).where(Message.status.in_(("pending", "drafting"))))
    with Progress(TextColumn("drafting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        task = progress.add_task("draft", total=total or 0)
        done = drain(pipeline, concurrency=concurrency, on_done=lambda _id, _ok: progress.advance(task))
    console.print(f"drafted {done} messages")


def worker(
    concurrency: int = typer.Option(1, "--concurrency", min=1, max=64),
    once: bool = typer.Option(False, "--once", help="exit when the queue is empty"),
) -> None:
    """Run a drafting worker (claims with FOR UPDATE SKIP LOCKED on PostgreSQL)."""
    from assistant.worker import drain

    done = drain(_pipeline(), concurrency=concurrency, idle_exit=once)
    console.print(f"worker drafted {done} messages")


@customers_app.command("import")
def customers_import(path: Path = typer.Argument(..., help="JSON list or CSV of customers")) -> None:
    """Import customers with handles and records (all-or-nothing)."""
    from assistant.customers import CustomerImportError, CustomerService
    from replydesk.db import get_database

    if not path.exists():
        _fail(f"{path}: no such file")
    try:
        n = CustomerService(get_database()).import_path(path)
    except CustomerImportError as exc:
        _fail(str(exc))
    console.print(f"imported {n} customers")


def register(app: typer.Typer) -> None:
    app.command("draft")(draft)
    app.command("worker")(worker)
    app.add_typer(inbox_app, name="inbox")
    app.add_typer(customers_app, name="customers")

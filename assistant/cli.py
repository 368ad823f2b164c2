"""``replydesk draft``, ``triage --batch``, ``inbox import|draft-all``, ``worker``, ``customers import``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console()
err = Console(stderr=True, soft_wrap=True)
CHANNEL_HELP = "twitter | facebook | instagram | email | dm, and any the policy adds under channels:"

inbox_app = typer.Typer(help="Inbound messages: import and draft.", no_args_is_help=True)
customers_app = typer.Typer(help="Customers (CRM side): import, GDPR export and erasure.", no_args_is_help=True)


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(2)


def _check_channel(channel: str) -> None:
    """Exit 2 unless ``channel`` is a built-in channel or one the installation's policy declares (the policy is
    loaded only for a name that is not known yet; loading it declares its channels)."""
    from guardrails.models import known_channels

    if channel not in known_channels():
        from guardrails.policy import PolicyError, load_policy

        try:
            load_policy()
        except PolicyError as exc:
            _fail(str(exc))
    channels = known_channels()
    if channel not in channels:
        _fail(f"--channel must be one of {', '.join(channels)}, not {channel!r}")


def _pipeline(engine: str = "auto"):
    from assistant.pipeline import Pipeline
    from replydesk.db import get_database

    return Pipeline.from_settings(get_database(), engine=engine)


def draft(
    text: str = typer.Option(..., "--text", help="the customer's message"),
    channel: str = typer.Option("twitter", "--channel", help=CHANNEL_HELP),
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

    _check_channel(channel)
    if visibility not in ("public", "private"):
        _fail(f"--visibility must be public or private, not {visibility!r}")
    if engine not in ("auto", "composer", "llm"):
        _fail(f"--engine must be auto, composer or llm, not {engine!r}")
    if not text.strip():
        _fail("--text is empty")
    from replydesk import remote

    if remote.configured():  # a running `replydesk serve` has everything warm (replydesk/remote.py)
        try:
            out = remote.call("/draft", {"text": text, "channel": channel, "visibility": visibility, "handle": handle,
                                         "engine": engine, "signoff": signoff, "force": force})
        except remote.RemoteError as exc:
            _fail(str(exc))
        if out is not None:
            _show_draft(out, as_json)
            return
    try:
        result = _pipeline(engine).run(DraftRequest(text=text, channel=channel, visibility=visibility,
                                                    handle=handle, engine=engine, force=force,
                                                    **({"agent_signoff": signoff} if signoff is not None else {})))
    except RuntimeError as exc:
        _fail(str(exc))
    _show_draft(draft_json(result), as_json, result.fallback_reason)


def _show_draft(out: dict, as_json: bool, fallback_reason: str | None = None) -> None:
    """Print ``draft --json``'s object, or a readable summary of it."""
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    if out["no_reply"]:
        console.print("[yellow]no reply needed[/yellow]: " + str(out["triage"]["no_reply"]["reason"])
                      + " (use --force to draft anyway)", markup=True)
        return
    console.print(f"[bold]{out['engine']}[/bold] · {out['language']} · {out['latency_ms']:.0f} ms · "
                  + ("[green]passed[/green]" if out["passed"] else "[red]needs a human[/red]"))
    console.print(out["draft"])
    for c in out["citations"]:
        console.print(f"  [dim]cites {c['kind']}: {c['ref']}[/dim]")
    for f in out["findings"]:
        console.print(f"  [{'red' if f['severity'] == 'block' else 'yellow'}]{f['rule']}[/]: {f['message']}")
    if fallback_reason:
        console.print(f"[yellow]{fallback_reason}[/yellow]")


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
    """Run a drafting worker (claims with FOR UPDATE SKIP LOCKED on PostgreSQL) that also sweeps the posting
    outbox (due retries, posts a dead process left behind)."""
    from assistant.review.outbox import Outbox
    from assistant.worker import drain

    pipeline = _pipeline()
    done = drain(pipeline, concurrency=concurrency, idle_exit=once, outbox=Outbox.from_settings(pipeline.db))
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


BATCH_INTENT_REASON = "not assessed in batch mode (no knowledge-base search)"


def _triage_extra(obj: dict, item: dict) -> None:
    from datetime import UTC, datetime

    from guardrails.cli import BadLine

    followers = obj.get("followers", 0)
    if followers is None:
        followers = 0
    if not isinstance(followers, int) or isinstance(followers, bool) or followers < 0:
        raise BadLine("field 'followers': must be an integer >= 0")
    item["followers"] = followers
    received = obj.get("received_at")
    if received is not None:
        if not isinstance(received, str):
            raise BadLine("field 'received_at': must be an ISO 8601 string")
        try:
            when = datetime.fromisoformat(received.replace("Z", "+00:00"))
        except ValueError:
            raise BadLine(f"field 'received_at': not ISO 8601: {received!r}") from None
        received = when if when.tzinfo else when.replace(tzinfo=UTC)
    item["received_at"] = received


def triage_items(items: list[dict], policy, embedder=None) -> list[dict]:
    """Triage validated batch items (see ``guardrails.cli.parse_batch_line``): one embedding call for all texts,
    then ``assistant.triage.triage`` per item. Each result is the pipeline's triage dict (``{value, reason}`` per
    field) plus ``id``; there is no knowledge-base search, so ``intent`` is None ("not assessed")."""
    from assistant.triage import TriageValue, triage
    from knowledge_base.embeddings import UseEmbedder

    vectors = (embedder or UseEmbedder(workers=1)).embed([item["text"] for item in items])
    out = []
    for item, vec in zip(items, vectors, strict=True):
        tri = triage(item["text"], item["channel"], item["visibility"], followers=item.get("followers", 0),
                     customer_language=item["lang"], policy=policy, received_at=item.get("received_at"),
                     embedding=vec)
        tri.intent = TriageValue(value=None, reason=BATCH_INTENT_REASON)
        out.append({"id": item["id"], **tri.flat()})
    return out


def triage_cmd(
    batch: str = typer.Option(..., "--batch", metavar="FILE.jsonl",
                              help='triage every line {"id", "text", "channel", "visibility", "lang"} of a JSONL '
                                   "file ('-': stdin); one JSON result per line on stdout"),
    channel: str = typer.Option("twitter", "--channel", help="default for lines without a channel: " + CHANNEL_HELP),
    visibility: str = typer.Option("public", "--visibility", help="default for lines without a visibility"),
) -> None:
    """Triage messages from a JSONL file (language, sentiment, urgency, SLA, risk, troll, no-reply, injection with
    reasons). Exit 2 if any line was bad (reported on stdout with its line number) or the file is missing."""
    from guardrails.cli import run_batch
    from guardrails.policy import PolicyError, load_policy

    _check_channel(channel)
    if visibility not in ("public", "private"):
        _fail(f"--visibility must be public or private, not {visibility!r}")
    try:
        policy = load_policy()
    except PolicyError as exc:
        _fail(str(exc))
    from knowledge_base.embeddings import UseEmbedder

    embedder = UseEmbedder(workers=1)
    code = run_batch(batch, lambda items: triage_items(items, policy, embedder), channel=channel,
                     visibility=visibility, extra=_triage_extra)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("draft")(draft)
    app.command("triage")(triage_cmd)
    app.command("worker")(worker)
    app.add_typer(inbox_app, name="inbox")
    app.add_typer(customers_app, name="customers")

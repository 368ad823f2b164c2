"""``replydesk outbox sweep`` (post due and interrupted replies from the approvals table) and ``replydesk outbox
failed`` (replies whose last attempt failed)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def _approval_json(a) -> dict:
    return {"approval_id": a.id, "message_id": a.message_id, "channel": a.channel, "state": a.state,
            "attempts": a.attempts, "error": a.error, "maybe_sent": bool(a.maybe_sent),
            "next_attempt_at": a.next_attempt_at.isoformat() if a.next_attempt_at else None}


def register(app: typer.Typer) -> None:
    outbox_app = typer.Typer(help="The posting outbox (the approvals table): sweep, list failed posts.",
                             no_args_is_help=True)
    app.add_typer(outbox_app, name="outbox")

    @outbox_app.command("sweep")
    def sweep_cmd(
        limit: int = typer.Option(100, "--limit", min=1, help="post at most this many replies"),
        as_json: bool = typer.Option(False, "--json", help="print JSON"),
    ) -> None:
        """Post queued replies, retries that are due and posts a dead process left behind (same idempotency key:
        a receiver that de-duplicates by it never posts twice). ``replydesk worker`` does this continuously."""
        from assistant.review.outbox import Outbox
        from replydesk.db import get_database

        report = Outbox.from_settings(get_database()).sweep(limit=limit)
        if as_json:
            typer.echo(report.model_dump_json())
            return
        console.print(f"claimed {len(report.claimed)}, posted {len(report.posted)}, failed {len(report.failed)}")

    @outbox_app.command("failed")
    def failed_cmd(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
        """Replies whose last post attempt failed: retried automatically at ``next_attempt_at`` (empty: given up —
        retry from the review screen's outbox page, or ``POST /messages/{id}/approve``)."""
        from assistant.review.outbox import Outbox
        from replydesk.db import get_database

        db = get_database()
        outbox = Outbox(db, channel=None)  # listing needs no channel
        outbox.recover_stuck()
        rows = [_approval_json(a) for a in outbox.failed()]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False))
            return
        table = Table("approval", "message", "channel", "attempts", "maybe sent", "next attempt", "error",
                      title="failed posts")
        for r in rows:
            table.add_row(str(r["approval_id"]), r["message_id"], r["channel"], str(r["attempts"]),
                          "yes" if r["maybe_sent"] else "no", r["next_attempt_at"] or "given up (retry by hand)",
                          (r["error"] or "")[:120])
        console.print(table)

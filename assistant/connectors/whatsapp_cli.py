"""``replydesk whatsapp resolve``: settle a WhatsApp post whose outcome is unknown, then post (or record) it.

Only ``typer`` at module level: ``register`` runs on every ``replydesk`` start."""

from __future__ import annotations

import getpass
import json

import typer


def register(app: typer.Typer) -> None:
    wa_app = typer.Typer(help="WhatsApp posting: settle a post whose outcome is unknown.", no_args_is_help=True)
    app.add_typer(wa_app, name="whatsapp")

    @wa_app.command("resolve")
    def resolve_cmd(
        message_id: str = typer.Argument(..., help="the message whose WhatsApp post timed out"),
        delivered: bool = typer.Option(..., "--delivered/--not-delivered",
                                       help="is the reply in the customer's WhatsApp chat?"),
        by: str = typer.Option(None, "--by", help="who looked (default: the login name)"),
        as_json: bool = typer.Option(False, "--json", help="print JSON"),
    ) -> None:
        """After a post whose outcome is unknown, look at the chat: --delivered records it as posted (nothing is
        sent), --not-delivered sends it once more, now."""
        from assistant.connectors.whatsapp import WhatsAppError, resolve
        from assistant.review.outbox import Outbox
        from replydesk.db import get_database

        db = get_database()
        who = by or getpass.getuser()
        try:
            found = resolve(db, message_id, delivered=delivered, by=who)
        except WhatsAppError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        a = Outbox.from_settings(db, actor=who).post_now(found["approval_id"])
        out = {"message_id": message_id, "approval_id": a.id, "state": a.state, "error": a.error,
               "receipt": a.receipt}
        if as_json:
            typer.echo(json.dumps(out, ensure_ascii=False, default=str))
        else:
            typer.echo(f"approval {a.id}: {a.state}" + (f" ({a.error})" if a.state != "posted" else ""))
        if a.state != "posted":
            raise typer.Exit(1)

"""``replydesk customers export ID`` and ``replydesk customers forget ID`` (GDPR requests)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

err = Console(stderr=True, soft_wrap=True)


def _customers_group(app: typer.Typer) -> typer.Typer:
    """The ``customers`` sub-app (created by the customers module, or here if it is absent)."""
    for group in app.registered_groups:
        if group.name == "customers" and group.typer_instance is not None:
            return group.typer_instance
    sub = typer.Typer(help="Customers (CRM side): import, GDPR export and erasure.", no_args_is_help=True)
    app.add_typer(sub, name="customers")
    return sub


def register(app: typer.Typer) -> None:
    customers = _customers_group(app)

    @customers.command("export")
    def export_cmd(
        customer_id: str = typer.Argument(..., help="customer id, e.g. K-100234"),
        out: Path | None = typer.Option(None, "--out", help="write the JSON to this file instead of stdout"),
    ) -> None:
        """Everything stored about one customer (data access request, Art. 15 GDPR), as JSON."""
        from assistant.privacy import CustomerNotFound, export_customer
        from replydesk.db import get_database

        try:
            data = export_customer(get_database(), customer_id)
        except CustomerNotFound as exc:
            err.print(f"[red]error:[/red] {exc}. List customers with the review screen or the CRM import file.")
            raise typer.Exit(2) from None
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        if out:
            out.write_text(text, encoding="utf-8")
            err.print(f"written to {out}")
        else:
            typer.echo(text)

    @customers.command("forget")
    def forget_cmd(
        customer_id: str = typer.Argument(..., help="customer id"),
        yes: bool = typer.Option(False, "--yes", help="do not ask for confirmation"),
        actor: str = typer.Option("cli", "--actor", help="who asked for the erasure (audit)"),
    ) -> None:
        """Erase a customer (Art. 17 GDPR): data deleted, audit entries pseudonymised."""
        from assistant.privacy import CustomerNotFound, forget_customer
        from replydesk.db import get_database
        from replydesk.settings import get_settings

        if not yes and not typer.confirm(f"Erase all data of customer {customer_id}?"):
            raise typer.Exit(1)
        try:
            report = forget_customer(get_database(), customer_id, actor=actor,
                                     outbox_path=get_settings().data_dir / "outbox.jsonl")
        except CustomerNotFound as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        typer.echo(report.model_dump_json())

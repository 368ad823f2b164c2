"""The ``replydesk`` command. Each package registers its own commands through ``register(app)``, found by the
``replydesk.commands`` entry point group (see :mod:`replydesk.plugins`); registration stays cheap: command modules
import their heavy dependencies inside the commands."""

from __future__ import annotations

import json

import typer
from rich.console import Console

import replydesk  # noqa: F401  (telemetry off before anything else is imported)
from replydesk.plugins import load_all

app = typer.Typer(
    name="replydesk",
    help="Offline-first reply drafting for customer-care teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)


@app.command()
def config(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Print the effective settings (secrets masked)."""
    from rich.table import Table

    from replydesk.settings import get_settings

    values = get_settings().masked()
    if as_json:
        typer.echo(json.dumps(values, indent=2, default=str))
        return
    table = Table("setting", "value", title="replydesk settings")
    for key, value in values.items():
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


@app.command()
def demo() -> None:
    """Load the demo data (knowledge base, customers, inbox, users). Safe to run again."""
    from replydesk.db import get_database

    loaders = load_all("demo")  # every loader imports before any data is written
    db = get_database()
    for name, load_demo in loaders:
        console.print(f"[green]✓[/green] {name}: {load_demo(db)}")


def _register_all() -> None:
    for _name, register in load_all("commands"):
        register(app)


_register_all()  # at import: ``from replydesk.cli import app`` is the whole command (tests, scripts)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

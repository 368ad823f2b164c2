"""The ``replydesk`` command. Each package registers its own commands through ``register(app)``."""

from __future__ import annotations

import importlib
import json

import typer
from rich.console import Console
from rich.table import Table

import replydesk  # noqa: F401  (telemetry off before anything else is imported)
from replydesk.settings import get_settings

app = typer.Typer(
    name="replydesk",
    help="Offline-first reply drafting for customer-care teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)

# Packages that add commands (in this order) and demo data (``<pkg>.demo.load_demo``).
COMMAND_MODULES = ("knowledge_base.cli", "guardrails.cli", "assistant.cli", "assistant.privacy_cli", "evals.cli",
                   "assistant.api.cli")
DEMO_MODULES = ("knowledge_base.demo", "assistant.demo", "assistant.review.demo")


@app.command()
def config(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Print the effective settings (secrets masked)."""
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

    db = get_database()
    for name, module in _optional_modules(DEMO_MODULES):
        console.print(f"[green]✓[/green] {name}: {module.load_demo(db)}")


def _optional_modules(names):
    """(name, module) for each module that exists; an import error inside an existing module is raised."""
    for name in names:
        try:
            yield name, importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise


def _register_all() -> None:
    for _name, module in _optional_modules(COMMAND_MODULES):
        module.register(app)


_register_all()


def main() -> None:
    app()


if __name__ == "__main__":
    main()

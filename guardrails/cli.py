"""``replydesk check``: run the guardrails on a draft (text or stdin)."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

CHANNELS = ("twitter", "facebook", "instagram", "email", "dm")
err = Console(stderr=True, soft_wrap=True)


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(2)


def check(
    channel: str = typer.Option(..., "--channel", help="twitter | facebook | instagram | email | dm"),
    visibility: str = typer.Option(..., "--visibility", help="public | private"),
    lang: str | None = typer.Option(None, "--lang", help="the customer's language (de | en)"),
    text: str | None = typer.Option(None, "--text", help="the draft; read from stdin when omitted"),
    evidence: list[str] = typer.Option([], "--evidence", help="text a claim may rest on (repeatable)"),
    customer_message: str | None = typer.Option(None, "--customer-message", help="the customer's message"),
    customer_name: str | None = typer.Option(None, "--customer-name"),
    address_form: str | None = typer.Option(None, "--address-form", help="du | Sie"),
    ui_lang: str = typer.Option("en", "--ui-lang", help="language of the messages (de | en)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Check a draft against the policy guardrails. Exit 0 whether it passes or not; 2 on bad input."""
    from guardrails.engine import GuardrailEngine
    from guardrails.models import CheckContext
    from guardrails.policy import PolicyError

    if channel not in CHANNELS:
        _fail(f"--channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    if visibility not in ("public", "private"):
        _fail(f"--visibility must be public or private, not {visibility!r}")
    for name, value, allowed in (("--lang", lang, ("de", "en")), ("--ui-lang", ui_lang, ("de", "en")),
                                 ("--address-form", address_form, ("du", "Sie"))):
        if value is not None and value not in allowed:
            _fail(f"{name} must be {' or '.join(allowed)}, not {value!r}")
    if text is None:
        if sys.stdin.isatty():
            _fail("no draft: pass --text or pipe the draft on stdin")
        text = sys.stdin.read()
    if not text.strip():
        _fail("the draft is empty")
    try:
        engine = GuardrailEngine.from_policy()
    except PolicyError as exc:
        _fail(str(exc))
    ctx = CheckContext(channel=channel, visibility=visibility, language=lang, evidence=evidence,
                       customer_message=customer_message, customer_name=customer_name,
                       address_form=address_form, ui_language=ui_lang)
    report = engine.check(text, ctx)
    if as_json:
        typer.echo(json.dumps({
            "passed": report.passed,
            "findings": [f.model_dump(include={"rule", "severity", "message", "start", "end", "suggestion"})
                         for f in report.findings],
        }, ensure_ascii=False))
        return
    console = Console()
    shown = Text(text)
    for f in report.findings:
        if f.end > f.start:
            shown.stylize("bold red underline" if f.severity == "block" else "yellow underline", f.start, f.end)
    console.print(shown)
    table = Table("rule", "severity", "span", "message")
    for f in report.findings:
        table.add_row(f.rule, f.severity, f"{f.start}-{f.end}", f.message)
    console.print(table)
    console.print("[green]passed[/green]" if report.passed else "[red]blocked[/red]")


def register(app: typer.Typer) -> None:
    app.command("check")(check)

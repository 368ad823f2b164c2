"""``replydesk evals …``: reply evaluations for QA."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True, soft_wrap=True)
evals_app = typer.Typer(help="Reply evaluations: run, compare, calibrate guardrails.", no_args_is_help=True)


@evals_app.command("guardrails")
def guardrails_cmd(
    labelled: Path = typer.Argument(..., help="labelled replies (JSONL: id, text, label none|bare|thin|ok, lang)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Calibrate the no-bare-sorry rule: precision/recall/F1 per severity and a confusion table."""
    from guardrails.calibration import LabelledFileError, calibrate_file

    if not labelled.exists():
        err.print(f"[red]error:[/red] {labelled}: no such file")
        raise typer.Exit(2)
    try:
        report = calibrate_file(labelled)
    except LabelledFileError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(report.model_dump_json())
        return
    table = Table("severity", "precision", "recall", "F1", "support", title=f"no-bare-sorry on {labelled.name}")
    for sev, m in report.per_severity.items():
        table.add_row(sev, f"{m.precision:.3f}", f"{m.recall:.3f}", f"{m.f1:.3f}", str(m.support))
    console.print(table)
    conf = Table("gold \\ predicted", "block", "warn", "pass")
    for gold, row in report.confusion.items():
        conf.add_row(gold, *(str(row[k]) for k in ("block", "warn", "pass")))
    console.print(conf)
    console.print(f"ok replies blocked: {report.ok_blocked_rate:.1%} · naive baseline F1 {report.baseline['block_f1']:.3f}")


def register(app: typer.Typer) -> None:
    app.add_typer(evals_app, name="evals")

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


@evals_app.command("run")
def run_cmd(
    dataset: Path = typer.Argument(..., help="evaluation cases (JSONL or YAML)"),
    engine: str = typer.Option("composer", "--engine", help="composer | llm"),
    out: Path | None = typer.Option(None, "--out", help="run directory (reuse it to resume)"),
    judge: bool = typer.Option(False, "--judge", help="LLM-judge rubric (needs an LLM configured)"),
    judge_k: int = typer.Option(3, "--judge-k", min=1, max=10, help="judgements per case"),
    as_json: bool = typer.Option(False, "--json"),
    demo: bool = typer.Option(False, "--demo", help="load the demo brand (KB and customers) if the knowledge base "
                              "is empty; without it an empty knowledge base is an error"),
) -> None:
    """Run a data set through the pipeline; writes results.jsonl, summary.json/.md and report.html."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from evals.datasets import DatasetError, load_cases
    from evals.report import write_reports
    from evals.runner import load_run, run_dataset
    from replydesk.db import get_database, utcnow

    if engine not in ("composer", "llm"):
        err.print(f"[red]error:[/red] --engine must be composer or llm, not {engine!r}")
        raise typer.Exit(2)
    try:
        total = len(load_cases(dataset))
    except DatasetError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    out = out or Path("evals/runs") / f"{dataset.stem}-{engine}-{utcnow():%Y%m%d-%H%M%S}"
    rubric = None
    if judge:
        from evals.judge import RubricJudge
        from replydesk.settings import get_settings

        if not get_settings().llm_configured:
            err.print("[red]error:[/red] --judge needs an LLM: set OPENAI_API_KEY or REPLYDESK_LLM_BASE_URL")
            raise typer.Exit(2)
        rubric = RubricJudge.from_settings(get_settings(), judge_k)
    try:
        with Progress(TextColumn("evaluating"), BarColumn(), MofNCompleteColumn(), console=err,
                      disable=as_json) as progress:
            task = progress.add_task("cases", total=total)
            summary = run_dataset(get_database(), dataset, out, engine, on_case=lambda _r: progress.advance(task),
                                  judge=rubric, demo=demo)
    except RuntimeError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    _, results = load_run(out)
    md, page = write_reports(out, summary, results)
    if as_json:
        typer.echo(summary.model_dump_json())
        return
    table = Table("metric", "value", title=f"{dataset.name} · {engine} · {summary.cases} cases")
    for k, v in summary.metrics.items():
        table.add_row(k, f"{v:.4g}")
    console.print(table)
    console.print(f"run: {out}  ·  report: {page}")


@evals_app.command("compare")
def compare_cmd(
    a: Path = typer.Argument(..., help="baseline run directory"),
    b: Path = typer.Argument(..., help="new run directory"),
    fail_on_regression: bool = typer.Option(False, "--fail-on-regression"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Per-metric deltas with bootstrap 95% CIs and the cases that got worse; exit 1 on regression if asked."""
    from evals.compare import compare
    from evals.runner import load_run

    try:
        (_, ra), (_, rb) = load_run(a), load_run(b)
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/red] cannot read runs: {exc}")
        raise typer.Exit(2) from None
    result = compare(ra, rb)
    if as_json:
        typer.echo(result.model_dump_json())
    else:
        table = Table("metric", "A", "B", "Δ", "95% CI", "regression")
        for d in result.deltas:
            table.add_row(d.metric, f"{d.a:.3f}", f"{d.b:.3f}", f"{d.delta:+.3f}", f"[{d.ci_low:+.3f}, {d.ci_high:+.3f}]",
                          "[red]yes[/red]" if d.regression else "")
        console.print(table)
        console.print(f"{len(result.worse_cases)} cases got worse")
    if fail_on_regression and result.regressions:
        err.print(f"[red]regression:[/red] {', '.join(result.regressions)}")
        raise typer.Exit(1)


@evals_app.command("report")
def report_cmd(run: Path = typer.Argument(..., help="run directory")) -> None:
    """Re-create summary.md and report.html from a run directory."""
    from evals.report import write_reports
    from evals.runner import load_run

    summary, results = load_run(run)
    md, page = write_reports(run, summary, results)
    console.print(f"{md}\n{page}")


def register(app: typer.Typer) -> None:
    app.add_typer(evals_app, name="evals")

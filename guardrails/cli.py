"""``replydesk check``: run the guardrails on a draft (text or stdin), or on a JSONL file of drafts (``--batch``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from guardrails.models import CHANNELS, LANGUAGES, known_channels  # noqa: F401  (CHANNELS: the built-in ones)

err = Console(stderr=True, soft_wrap=True)


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(2)


class BadLine(ValueError):
    """A batch line that cannot be processed; the message names the field."""


def _optional_str(obj: dict, field: str, allowed: tuple[str, ...] | None = None, default: str | None = None):
    value = obj.get(field)
    if value is None:
        return default
    if not isinstance(value, str):
        raise BadLine(f"field {field!r}: must be a string, not {type(value).__name__}")
    if allowed is not None and value not in allowed:
        raise BadLine(f"field {field!r}: must be one of {', '.join(allowed)}, not {value!r}")
    return value


def parse_batch_line(obj: Any, channel: str = "twitter", visibility: str = "public") -> dict[str, Any]:
    """Validate one batch line ``{"id", "text", "channel", "visibility", "lang"}``; ``channel``/``visibility`` are
    the defaults for lines without them. Raises :class:`BadLine`."""
    if not isinstance(obj, dict):
        raise BadLine(f"a line must be a JSON object, not {type(obj).__name__}")
    if "id" not in obj or obj["id"] is None:
        raise BadLine("field 'id': required")
    if not isinstance(obj["id"], (str, int)) or isinstance(obj["id"], bool):
        raise BadLine(f"field 'id': must be a string or an integer, not {type(obj['id']).__name__}")
    text = obj.get("text")
    if text is None:
        raise BadLine("field 'text': required")
    if not isinstance(text, str):
        raise BadLine(f"field 'text': must be a string, not {type(text).__name__}")
    if not text.strip():
        raise BadLine("field 'text': empty")
    return {"id": obj["id"], "text": text,
            "channel": _optional_str(obj, "channel", known_channels(), channel),
            "visibility": _optional_str(obj, "visibility", ("public", "private"), visibility),
            "lang": _optional_str(obj, "lang", LANGUAGES)}


def read_batch(path: str) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON or a :class:`BadLine`) for each non-blank line of ``path`` (``-``: stdin).
    A missing or unreadable file ends the command with exit 2."""
    if path == "-":
        stream = sys.stdin
    else:
        file = Path(path)
        if not file.is_file():
            _fail(f"{path}: no such file" if not file.exists() else f"{path}: not a file")
        try:
            stream = file.open(encoding="utf-8")
        except OSError as exc:
            _fail(f"{path}: {exc.strerror or exc}")
    try:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                yield number, json.loads(raw)
            except json.JSONDecodeError as exc:
                yield number, BadLine(f"not valid JSON: {exc.msg} (column {exc.colno})")
    except UnicodeDecodeError as exc:
        _fail(f"{path}: not UTF-8 ({exc.reason})")
    finally:
        if stream is not sys.stdin:
            stream.close()


def run_batch(path: str, process: Callable[[list[dict[str, Any]]], list[dict[str, Any]]], *, channel: str = "twitter",
              visibility: str = "public", extra: Callable[[dict, dict], None] | None = None,
              chunk: int = 256) -> int:
    """Stream ``process`` over the valid lines of ``path`` in chunks, one JSON object per line on stdout, in input
    order; a bad line prints ``{"id", "line", "error"}`` and the run goes on. ``extra(obj, item)`` may validate
    and add command-specific optional fields (raising :class:`BadLine`). Returns the exit code: 2 if any line was
    bad, else 0."""
    bad = 0
    pending: list[tuple[int, Any]] = []  # (line, item dict or error dict), in input order

    def flush() -> None:
        items = [item for _, item in pending if "error" not in item]
        results = iter(process(items) if items else [])
        for _, item in pending:
            out = item if "error" in item else next(results)
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        pending.clear()

    for number, obj in read_batch(path):
        try:
            if isinstance(obj, BadLine):
                raise obj
            item = parse_batch_line(obj, channel, visibility)
            if extra is not None:
                extra(obj, item)
        except BadLine as exc:
            bad += 1
            pending.append((number, {"id": obj.get("id") if isinstance(obj, dict) else None, "line": number,
                                     "error": str(exc)}))
        else:
            pending.append((number, item))
        if len(pending) >= chunk:
            flush()
    flush()
    return 2 if bad else 0


def report_json(report) -> dict[str, Any]:
    """The shape of ``replydesk check --json``: ``{"passed", "findings"}``."""
    return {"passed": report.passed,
            "findings": [f.model_dump(include={"rule", "severity", "message", "start", "end", "suggestion"})
                         for f in report.findings]}


def _check_extra(obj: dict, item: dict) -> None:
    item["customer_message"] = _optional_str(obj, "customer_message")
    evidence = obj.get("evidence") or []
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise BadLine("field 'evidence': must be a list of strings")
    item["evidence"] = evidence
    item["customer_name"] = _optional_str(obj, "customer_name")
    item["address_form"] = _optional_str(obj, "address_form", ("du", "Sie"))


def check(
    channel: str | None = typer.Option(None, "--channel", help="a channel of the policy: twitter | facebook | "
                                       "instagram | email | dm, and any the policy adds under channels: (required without --batch; with --batch the default for lines without one, "
                                       "else twitter)"),
    visibility: str | None = typer.Option(None, "--visibility", help="public | private (required without --batch; "
                                          "with --batch the default for lines without one, else public)"),
    lang: str | None = typer.Option(None, "--lang", help=f"the customer's language ({' | '.join(LANGUAGES)})"),
    text: str | None = typer.Option(None, "--text", help="the draft; read from stdin when omitted"),
    evidence: list[str] = typer.Option([], "--evidence", help="text a claim may rest on (repeatable)"),
    customer_message: str | None = typer.Option(None, "--customer-message", help="the customer's message"),
    customer_name: str | None = typer.Option(None, "--customer-name"),
    address_form: str | None = typer.Option(None, "--address-form", help="du | Sie"),
    ui_lang: str = typer.Option("en", "--ui-lang", help=f"language of the messages ({' | '.join(LANGUAGES)})"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
    batch: str | None = typer.Option(None, "--batch", metavar="FILE.jsonl",
                                     help='check every line {"id", "text", "channel", "visibility", "lang"} of a JSONL '
                                          "file ('-': stdin); one JSON result per line on stdout"),
) -> None:
    """Check a draft against the policy guardrails. Exit 0 whether it passes or not; 2 on bad input (with --batch:
    2 if any line was bad)."""
    if batch is not None:
        if text is not None:
            _fail("--text and --batch exclude each other")
        _check_batch(batch, channel, visibility, ui_lang)
        return
    if channel is None or visibility is None:
        _fail("--channel and --visibility are required (or use --batch FILE.jsonl)")
    from replydesk import remote

    if remote.configured():  # a running `replydesk serve` has everything warm (replydesk/remote.py)
        text = _read_draft(text)
        try:
            data = remote.call("/check", {
                "text": text, "channel": channel, "visibility": visibility, "lang": lang, "evidence": evidence,
                "customer_message": customer_message, "customer_name": customer_name, "address_form": address_form,
                "ui_lang": ui_lang})
        except remote.RemoteError as exc:
            _fail(str(exc))
        if data is not None:
            from guardrails.models import Report

            _show(Report.model_validate(data), text, as_json)
            return
    from guardrails.engine import GuardrailEngine
    from guardrails.models import CheckContext
    from guardrails.policy import PolicyError

    try:
        engine = GuardrailEngine.from_policy()
    except PolicyError as exc:
        _fail(str(exc))
    channels = _channels(engine)
    if channel not in channels:
        _fail(f"--channel must be one of {', '.join(channels)}, not {channel!r}")
    if visibility not in ("public", "private"):
        _fail(f"--visibility must be public or private, not {visibility!r}")
    for name, value, allowed in (("--lang", lang, LANGUAGES), ("--ui-lang", ui_lang, LANGUAGES),
                                 ("--address-form", address_form, ("du", "Sie"))):
        if value is not None and value not in allowed:
            _fail(f"{name} must be {' or '.join(allowed)}, not {value!r}")
    text = _read_draft(text)
    ctx = CheckContext(channel=channel, visibility=visibility, language=lang, evidence=evidence,
                       customer_message=customer_message, customer_name=customer_name,
                       address_form=address_form, ui_language=ui_lang)
    _show(engine.check(text, ctx), text, as_json)


def _read_draft(text: str | None) -> str:
    """``--text``, else stdin; exit 2 when there is none or it is empty."""
    if text is None:
        if sys.stdin.isatty():
            _fail("no draft: pass --text or pipe the draft on stdin")
        text = sys.stdin.read()
    if not text.strip():
        _fail("the draft is empty")
    return text


def _show(report, text: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(report_json(report), ensure_ascii=False))
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


def _channels(engine) -> tuple[str, ...]:
    """The channels a draft may be checked for: the built-in ones and those the loaded policy declares."""
    return tuple(dict.fromkeys([*CHANNELS, *engine.policy.channels]))


def _check_batch(path: str, channel: str | None, visibility: str | None, ui_lang: str) -> None:
    """``check --batch``: the engine loads once; each line gets ``{"id", "passed", "findings"}``."""
    from guardrails.engine import GuardrailEngine
    from guardrails.models import CheckContext
    from guardrails.policy import PolicyError

    try:
        engine = GuardrailEngine.from_policy()
    except PolicyError as exc:
        _fail(str(exc))
    channels = _channels(engine)
    if channel is not None and channel not in channels:
        _fail(f"--channel must be one of {', '.join(channels)}, not {channel!r}")
    if visibility is not None and visibility not in ("public", "private"):
        _fail(f"--visibility must be public or private, not {visibility!r}")
    if ui_lang not in LANGUAGES:
        _fail(f"--ui-lang must be {' or '.join(LANGUAGES)}, not {ui_lang!r}")

    def process(items: list[dict]) -> list[dict]:
        out = []
        for item in items:
            ctx = CheckContext(channel=item["channel"], visibility=item["visibility"], language=item["lang"],
                               evidence=item["evidence"], customer_message=item["customer_message"],
                               customer_name=item["customer_name"], address_form=item["address_form"],
                               ui_language=ui_lang)
            out.append({"id": item["id"], **report_json(engine.check(item["text"], ctx))})
        return out

    code = run_batch(path, process, channel=channel or "twitter", visibility=visibility or "public",
                     extra=_check_extra)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("check")(check)

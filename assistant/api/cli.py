"""``replydesk serve`` (the HTTP API) and ``replydesk api-token add|list``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.console import Console

console = Console()
err = Console(stderr=True, soft_wrap=True)
token_app = typer.Typer(help="API tokens for `replydesk serve` (only their hashes are stored).", no_args_is_help=True)


def _tokens_file(path: Path | None) -> Path:
    from replydesk.settings import get_settings

    if path is not None:
        return path
    env = os.environ.get("REPLYDESK_API_TOKENS_FILE")
    return Path(env) if env else get_settings().data_dir / "api_tokens.json"


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="interface to listen on"),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    log_level: str = typer.Option("info", "--log-level"),
    openapi_out: Path | None = typer.Option(None, "--openapi-out", help="write the OpenAPI schema here and exit"),
) -> None:
    """Run the HTTP API (check, triage, draft, kb search, queue, approve/reject, posting status; Chatwoot webhook)."""
    from assistant.api.app import create_app, openapi_schema
    from assistant.api.tokens import TokenFileError, TokenStore
    from replydesk.settings import get_settings

    if openapi_out is not None:
        openapi_out.write_text(json.dumps(openapi_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        console.print(f"wrote {openapi_out}")
        return
    import uvicorn

    try:
        tokens = TokenStore.from_env(_tokens_file(None))
    except TokenFileError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if not len(tokens):
        err.print("[yellow]no API tokens: every request will get 401. Add one with "
                  "`replydesk api-token add NAME --role agent`[/yellow]")
    uvicorn.run(create_app(get_settings(), tokens=tokens), host=host, port=port, log_level=log_level)


@token_app.command("add")
def token_add(
    name: str = typer.Argument(..., help="who uses it, e.g. chatwoot-bot"),
    roles: list[str] = typer.Option(..., "--role", help="agent | approver | trainer | qa | admin (repeatable)"),
    path: Path | None = typer.Option(None, "--file", help="token file; default REPLYDESK_API_TOKENS_FILE or "
                                                          "<data_dir>/api_tokens.json"),
) -> None:
    """Create a token; it is shown once, only its SHA-256 is stored."""
    from pydantic import ValidationError

    from assistant.api.tokens import add_token

    try:
        token = add_token(_tokens_file(path), name, roles)
    except ValidationError as exc:
        err.print(f"[red]error:[/red] {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from None
    console.print(f"token for {name} ({', '.join(roles)}) — shown once, store it now:")
    typer.echo(token)


@token_app.command("list")
def token_list(path: Path | None = typer.Option(None, "--file")) -> None:
    """Names and roles of the tokens (never the tokens)."""
    from assistant.api.tokens import TokenStore

    store = TokenStore.from_env(_tokens_file(path))
    for t in store._by_hash.values():
        console.print(f"{t.name}: {', '.join(t.roles)}")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(token_app, name="api-token")

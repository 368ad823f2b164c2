"""CLI start-up: median wall time of ``replydesk --help``, ``check``, ``draft`` and ``triage``, each a fresh process,
against baselines measured in the same run (``python -c pass``, ``python -c "import typer"``).

Targets (issue 13): ``check`` ≤ 0.5 s, ``draft`` ≤ 2 s on a warm machine. Besides wall time it prints each
process's CPU time (user + system), the steadier figure on a shared machine (about the wall time on an idle core),
and the same ``check`` and ``draft`` handed to a running ``replydesk serve`` (``REPLYDESK_SERVER_URL``). Runs on a temporary data dir holding the
demo knowledge base (64 articles), the demo policy and customers; the USE start-up cache is warmed once first
(``--cold-cache`` measures without it: ``REPLYDESK_USE_CACHE=off``).

    .venv/bin/python benchmarks/bench_cli_startup.py [--runs 7] [--cold-cache]
    PYTHONPATH=/tmp/old-checkout .venv/bin/python benchmarks/bench_cli_startup.py   # another version, same run
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ``python -m replydesk`` (what the console script runs) from a neutral folder, so ``PYTHONPATH=<another checkout>``
# measures that checkout (e.g. the commit before a change) with the same interpreter and packages
REPLYDESK = [sys.executable, "-m", "replydesk"]

CHECK_APOLOGY = "Sorry, wir kümmern uns darum."  # apology without substance: the classifier (USE) runs
CHECK_PLAIN = "Dein Router ist unterwegs und kommt morgen bis 18 Uhr mit DHL. ^AB"  # no apology: lexicons only
TRIAGE_LINES = ('{"id": "1", "text": "Wo bleibt mein Router? Seit drei Tagen warte ich!!"}\n'
                '{"id": "2", "text": "How do I reset my password?"}\n')


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], env: dict[str, str], runs: int, stdin: str | None = None) -> tuple[float, list[float], float]:
    """(median wall time, wall times, median CPU time) of ``runs`` fresh processes. CPU time (user + system of the
    process) is what the command costs on an idle core: on a shared machine it is far steadier than wall time."""
    times, cpu = [], []
    for _ in range(runs):
        c, t = _cpu(), time.perf_counter()
        out = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, cwd=env["REPLYDESK_DATA_DIR"])
        times.append(time.perf_counter() - t)
        cpu.append(_cpu() - c)
        if out.returncode not in (0,):
            raise SystemExit(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr[-2000:]}")
    return statistics.median(times), times, statistics.median(cpu)


def setup(env: dict[str, str]) -> None:
    from knowledge_base.demo import DEMO_POLICY

    env["REPLYDESK_POLICY_PATH"] = str(DEMO_POLICY)
    Path(env["REPLYDESK_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    for args in (["kb", "import", str(ROOT / "knowledge_base" / "demo" / "articles")],
                 ["customers", "import", str(ROOT / "assistant" / "demo" / "customers.json")]):
        subprocess.run([*REPLYDESK, *args], env=env, check=True, capture_output=True, cwd=env["REPLYDESK_DATA_DIR"])


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, dict[str, str]]:
    """``replydesk serve`` on a free loopback port with an agent token; the environment that makes the CLI use it."""
    import socket
    import urllib.request

    cwd = env["REPLYDESK_DATA_DIR"]
    out = subprocess.run([*REPLYDESK, "api-token", "add", "bench-cli", "--role", "agent"], env=env, cwd=cwd,
                         capture_output=True, text=True, check=True)
    token = [line.strip() for line in out.stdout.splitlines() if line.strip()][-1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([*REPLYDESK, "serve", "--port", str(port), "--log-level", "warning"], env=env, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while True:  # the server builds the pipeline and warms the models before it answers
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("replydesk serve did not start")
        time.sleep(0.2)
    return proc, {**env, "REPLYDESK_SERVER_URL": f"http://127.0.0.1:{port}", "REPLYDESK_API_TOKEN": token}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--cold-cache", action="store_true", help="without the USE start-up cache")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="rd-startup-") as tmp:
        env = {**os.environ, "REPLYDESK_DATA_DIR": str(Path(tmp) / "data"),
               "REPLYDESK_CONFIG": str(Path(tmp) / "replydesk.toml")}
        for var in ("REPLYDESK_DATABASE_URL", "REPLYDESK_CHROMA_URL", "OPENAI_API_KEY", "REPLYDESK_LLM_API_KEY",
                    "REPLYDESK_LLM_BASE_URL"):
            env.pop(var, None)
        if args.cold_cache:
            env["REPLYDESK_USE_CACHE"] = "off"
        setup(env)
        triage_file = Path(tmp) / "triage.jsonl"
        triage_file.write_text(TRIAGE_LINES, encoding="utf-8")
        check = [*REPLYDESK, "check", "--channel", "twitter", "--visibility", "public", "--lang", "de", "--json"]
        cases = [
            ("python -c pass", [sys.executable, "-c", "pass"], None),
            ("python -c 'import typer'", [sys.executable, "-c", "import typer"], None),
            ("replydesk --help", [*REPLYDESK, "--help"], None),
            ("replydesk check (no apology)", [*check, "--text", CHECK_PLAIN], None),
            ("replydesk check (bare apology: classifier)", [*check, "--text", CHECK_APOLOGY], None),
            ("replydesk draft", [*REPLYDESK, "draft", "--channel", "twitter", "--visibility", "public", "--handle",
                                 "@anna_s", "--text", "Wo bleibt mein Router?", "--engine", "composer", "--json"],
             None),
            ("replydesk triage (2 lines)", [*REPLYDESK, "triage", "--batch", str(triage_file)], None),
        ]
        timed(cases[4][1], env, 1)  # warm the OS file cache and the USE start-up cache
        load = os.getloadavg()
        print(f"runs per command: {args.runs}; USE cache: {'off' if args.cold_cache else 'on'}; "
              f"load average at start: {load[0]:.2f} on {os.cpu_count()} cores")
        header = f"{'command':48s} {'wall median':>11s} {'min':>7s} {'max':>7s} {'CPU median':>11s}"
        print(header)
        for name, cmd, stdin in cases:
            med, times, cpu = timed(cmd, env, args.runs, stdin)
            print(f"{name:48s} {med:10.2f}s {min(times):6.2f}s {max(times):6.2f}s {cpu:10.2f}s")
        if importlib.util.find_spec("replydesk.remote") is not None:  # this version can hand work to a server
            proc, remote_env = start_server(env)
            try:
                for name, cmd in (("replydesk check via a running serve", cases[4][1]),
                                  ("replydesk draft via a running serve", cases[5][1])):
                    timed(cmd, remote_env, 1)
                    med, times, cpu = timed(cmd, remote_env, args.runs)
                    print(f"{name:48s} {med:10.2f}s {min(times):6.2f}s {max(times):6.2f}s {cpu:10.2f}s")
            finally:
                proc.terminate()
                proc.wait(timeout=60)
        print("\nwhat a command pays for (each a fresh process, including the interpreter):")
        py = [sys.executable, "-c"]
        use = "from knowledge_base.embeddings import UseEmbedder; UseEmbedder(workers=1).embed(['x'])"
        parts = [
            ("import the guardrail checks + policy", [*py, "from guardrails.engine import GuardrailEngine; "
                                                          "GuardrailEngine.from_policy()"], {}),
            ("lingua: first detection (de+en models)", [*py, "from guardrails.language_id import detect; "
                                                            "detect('we are looking into this for you today')"], {}),
            ("USE encoder: load + 1 text, no cache", [*py, use], {"REPLYDESK_USE_CACHE": "off"}),
            ("USE encoder: load + 1 text, start-up cache", [*py, use], {}),
            ("import chromadb", [*py, "import chromadb"], {}),
        ]
        for name, cmd, extra in parts:
            med, times, cpu = timed(cmd, {**env, **extra}, args.runs)
            print(f"{name:48s} {med:10.2f}s {min(times):6.2f}s {max(times):6.2f}s {cpu:10.2f}s")
        print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

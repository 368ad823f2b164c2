"""Shared fixtures: isolated settings/data dir, and real databases (SQLite file and PostgreSQL).

PostgreSQL: the server on 127.0.0.1:5432 (trust auth). Each test that asks for it gets a fresh database,
dropped afterwards. On a developer machine without PostgreSQL those tests skip and say so; in CI
(``CI=true``) a missing server is an error, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import replydesk  # noqa: F401  (telemetry off)

PG_ADMIN_URL = os.environ.get("REPLYDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("select 1")
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"


_PG_PROBLEM: str | None | bool = False  # False = not probed yet


def require_postgres() -> None:
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _pg_available()
    if _PG_PROBLEM:
        msg = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {_PG_PROBLEM}"
        if IN_CI:
            pytest.fail(msg + " (CI must run the PostgreSQL tests)")
        pytest.skip(msg)


def create_pg_database() -> str:
    """Create a fresh, empty PostgreSQL database and return its SQLAlchemy URL."""
    import psycopg

    require_postgres()
    name = f"replydesk_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


def drop_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An isolated REPLYDESK_DATA_DIR (and no stray config, LLM key or database URL from the machine)."""
    from replydesk import db as dbmod
    from replydesk.settings import reset_settings_cache

    d = tmp_path / "data"
    monkeypatch.setenv("REPLYDESK_DATA_DIR", str(d))
    monkeypatch.setenv("REPLYDESK_CONFIG", str(tmp_path / "replydesk.toml"))
    for var in ("REPLYDESK_DATABASE_URL", "REPLYDESK_CHROMA_URL", "OPENAI_API_KEY", "REPLYDESK_LLM_API_KEY",
                "REPLYDESK_LLM_BASE_URL", "REPLYDESK_ENGINE"):
        monkeypatch.delenv(var, raising=False)
    reset_settings_cache()
    dbmod.reset_default_database()
    yield d
    dbmod.reset_default_database()
    reset_settings_cache()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path):
    """A migrated :class:`replydesk.db.Database`, once on a SQLite file and once on real PostgreSQL."""
    from replydesk.db import Database

    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'test.db'}")
        yield database
        database.dispose()
        return
    url = create_pg_database()
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()
        drop_pg_database(url)


@pytest.fixture
def sqlite_db(tmp_path: Path):
    from replydesk.db import Database

    database = Database(f"sqlite:///{tmp_path / 'test.db'}")
    yield database
    database.dispose()

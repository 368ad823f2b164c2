"""Storage foundation: one declarative ``Base`` for every package, engines, sessions and migrations.

SQLite (WAL, foreign keys on) is the embedded default; PostgreSQL is used when ``REPLYDESK_DATABASE_URL``
points at it. The schema is owned by Alembic: each package keeps its revisions in its own
``<package>/migrations/versions`` folder on its own branch, and :func:`migrate` upgrades all heads. Packages
declare their ORM modules and migration folders as ``replydesk.models`` / ``replydesk.migrations`` entry points
(:mod:`replydesk.plugins`).
"""

from __future__ import annotations

import ast
import contextlib
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROOT = Path(__file__).resolve().parent.parent


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; for SQLite make sure the folder exists and set WAL and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def import_all_models() -> None:
    """Import every ``replydesk.models`` entry point so ``Base.metadata`` is complete (a module that does not
    import is an error naming its entry point, never a silently missing table)."""
    from replydesk.plugins import load_all

    load_all("models")


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "replydesk" / "migrations"))
    from replydesk.plugins import migration_folders

    locations = [str(folder) for folder in migration_folders()]
    cfg.set_main_option("version_locations", os.pathsep.join(locations))
    cfg.set_main_option("path_separator", "os")  # a plugin's folder may contain spaces
    cfg.attributes["url"] = url
    return cfg


_migrate_lock = threading.Lock()


def _literal_assignments(path: Path, names: tuple[str, ...]) -> dict[str, object] | None:
    """Module-level ``name = <literal>`` (or annotated) assignments of a revision file; None if one is not a literal."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    found: dict[str, object] = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else \
            node.target if isinstance(node, ast.AnnAssign) and node.value is not None else None
        if isinstance(target, ast.Name) and target.id in names:
            try:
                found[target.id] = ast.literal_eval(node.value)
            except ValueError:
                return None
    return found


def script_heads() -> set[str] | None:
    """The head revisions of every migration folder, read from the revision files without importing Alembic; None
    when a file is not plain enough to read this way (then Alembic decides)."""
    from replydesk.plugins import migration_folders

    revisions: set[str] = set()
    parents: set[str] = set()
    for folder in migration_folders():
        for path in folder.glob("*.py"):
            if path.name.startswith("_"):
                continue
            values = _literal_assignments(path, ("revision", "down_revision"))
            if values is None or not isinstance(values.get("revision"), str):
                return None
            revisions.add(values["revision"])
            down = values.get("down_revision")
            if isinstance(down, str):
                parents.add(down)
            elif isinstance(down, (tuple, list)):
                parents.update(down)
            elif down is not None:
                return None
    return revisions - parents


def _at_heads(engine: Engine) -> bool:
    """True when the database's ``alembic_version`` holds exactly the heads of the revision files: nothing to do,
    and Alembic (~0.3 s to import and run) is not needed. Any doubt answers False."""
    heads = script_heads()
    if not heads:
        return False
    try:
        with engine.connect() as conn:
            current = {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    except Exception:  # noqa: BLE001 - no version table yet (a new database), or no access: Alembic decides
        return False
    return current == heads


def migrate(engine_or_url: Engine | str) -> None:
    """Bring the schema to the newest revision of every package (idempotent). A database already at every head is
    recognised without Alembic (every CLI start opens the database)."""
    if isinstance(engine_or_url, Engine) and _at_heads(engine_or_url):
        return
    from alembic import command

    url = (
        engine_or_url.url.render_as_string(hide_password=False)
        if isinstance(engine_or_url, Engine)
        else engine_or_url
    )
    cfg = alembic_config(url)
    with _migrate_lock:
        if isinstance(engine_or_url, Engine):
            with engine_or_url.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "heads")
        else:
            command.upgrade(cfg, "heads")


class Database:
    """An engine plus a session factory; the one object services receive for storage."""

    def __init__(self, url: str, *, create: bool = True, **engine_kwargs) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        if create:
            migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def session(self) -> Session:
        return self._sessions()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error (all-or-nothing)."""
        with self._sessions() as s, s.begin():
            yield s

    def dispose(self) -> None:
        self.engine.dispose()


_default_db: Database | None = None
_default_lock = threading.Lock()


def get_database() -> Database:
    """The process-wide database for the effective settings (created and migrated on first use)."""
    global _default_db
    from replydesk.settings import get_settings

    with _default_lock:
        settings = get_settings()
        url = settings.effective_database_url
        if _default_db is None or _default_db.url != url:
            settings.ensure_data_dir()
            _default_db = Database(url)
        return _default_db


def reset_default_database() -> None:
    global _default_db
    with _default_lock:
        if _default_db is not None:
            _default_db.dispose()
        _default_db = None

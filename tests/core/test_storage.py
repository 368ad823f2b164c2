"""The Alembic migrations build exactly the schema the ORM models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from replydesk.db import Base, import_all_models, migrate


def test_migrations_match_models(db):
    import_all_models()
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # SQLite reports no server defaults / type nuances we care about; any table/column diff is a bug.
    assert diffs == [], f"models and migrations differ: {diffs}"


def test_migrate_is_idempotent(db):
    migrate(db.engine)
    migrate(db.engine)


def test_transaction_is_all_or_nothing(db):
    from assistant.orm import Customer

    try:
        with db.transaction() as s:
            s.add(Customer(id="c1", display_name="Anna", language="de", followers=0, dm_allowed=True))
            s.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with db.session() as s:
        assert s.scalars(select(Customer)).all() == []


def test_utc_datetimes_roundtrip(db):
    from datetime import datetime, timedelta, timezone

    from assistant.orm import Customer

    berlin = timezone(timedelta(hours=1))
    when = datetime(2026, 11, 23, 10, 0, tzinfo=berlin)
    with db.transaction() as s:
        s.add(Customer(id="c2", display_name="Ben", language="en", followers=3, dm_allowed=False,
                       created_at=when))
    with db.session() as s:
        got = s.get(Customer, "c2").created_at
    assert got == when and got.utcoffset() == timedelta(0)

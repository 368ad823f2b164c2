"""Fixtures shared by several test areas (imported by their conftest.py files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ("delivery-delayed", "password-reset", "roaming-outside-eu", "outage-mobile-network", "contact-channels",
            "invoice-higher-than-expected")


def copy_small_kb(dest: Path) -> Path:
    """The six demo articles of the small test KB, copied into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for a in ARTICLES:
        shutil.copy(ROOT / "knowledge_base" / "demo" / "articles" / f"{a}.md", dest / f"{a}.md")
    return dest


def build_env(data: Path, kb_dir: Path) -> dict:
    """A SQLite database in ``data`` with the KB from ``kb_dir`` and the demo customers; a pipeline on it (composer).
    Used by the ``env`` fixture and by benchmarks that need the same environment outside pytest."""
    from assistant.customers import CustomerService
    from assistant.pipeline import Pipeline
    from knowledge_base.demo import DEMO_POLICY
    from knowledge_base.service import KnowledgeBase
    from replydesk.db import Database
    from replydesk.settings import Settings

    data.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=data, policy_path=DEMO_POLICY)  # the demo brand's policy
    db = Database(f"sqlite:///{data / 'replydesk.db'}")
    kb = KnowledgeBase(db, settings)
    kb.import_path(kb_dir)
    CustomerService(db).import_path(ROOT / "assistant" / "demo" / "customers.json")
    pipeline = Pipeline.from_settings(db, settings, engine="composer")
    pipeline.kb = kb
    return {"db": db, "kb": kb, "settings": settings, "pipeline": pipeline}


@pytest.fixture(scope="module")
def small_kb_dir(tmp_path_factory):
    return copy_small_kb(tmp_path_factory.mktemp("kbsrc"))


@pytest.fixture(scope="module")
def env(tmp_path_factory, small_kb_dir):
    """A SQLite database with a small demo KB and the demo customers; a pipeline on it (composer)."""
    built = build_env(tmp_path_factory.mktemp("assist") / "data", small_kb_dir)
    yield built
    built["db"].dispose()

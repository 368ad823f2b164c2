"""Fixtures shared by several test areas (imported by their conftest.py files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ("delivery-delayed", "password-reset", "roaming-outside-eu", "outage-mobile-network", "contact-channels",
            "invoice-higher-than-expected")


@pytest.fixture(scope="module")
def small_kb_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("kbsrc")
    for a in ARTICLES:
        shutil.copy(ROOT / "knowledge_base" / "demo" / "articles" / f"{a}.md", d / f"{a}.md")
    return d


@pytest.fixture(scope="module")
def env(tmp_path_factory, small_kb_dir):
    """A SQLite database with a small demo KB and the demo customers; a pipeline on it (composer)."""
    from assistant.customers import CustomerService
    from assistant.pipeline import Pipeline
    from knowledge_base.demo import DEMO_POLICY
    from knowledge_base.service import KnowledgeBase
    from replydesk.db import Database
    from replydesk.settings import Settings

    data = tmp_path_factory.mktemp("assist") / "data"
    settings = Settings(data_dir=data, policy_path=DEMO_POLICY)  # the demo brand's policy
    db = Database(f"sqlite:///{data / 'replydesk.db'}")
    kb = KnowledgeBase(db, settings)
    kb.import_path(small_kb_dir)
    CustomerService(db).import_path(ROOT / "assistant" / "demo" / "customers.json")
    pipeline = Pipeline.from_settings(db, settings, engine="composer")
    pipeline.kb = kb
    yield {"db": db, "kb": kb, "settings": settings, "pipeline": pipeline}
    db.dispose()

"""Inbox import errors; kill -9 of draft-all then restart (nothing lost, nothing twice); 4 worker processes on
the real PostgreSQL drafting 1,000 messages exactly once each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.inbox import InboxImportError, import_path, read_inbox
from assistant.orm import Draft, Message
from replydesk.db import Database

ROOT = Path(__file__).resolve().parents[2]
DEMO_POLICY = ROOT / "knowledge_base" / "demo" / "policy.yaml"


def _messages(path: Path, n: int, prefix: str) -> Path:
    texts = ["@FunkWerk Passwort vergessen, was tun?", "@FunkWerk where is my parcel??", "@FunkWerk kein Netz seit heute"]
    with path.open("w") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"{prefix}-{i}", "channel": "twitter", "visibility": "public",
                                 "author": f"@user{i}", "text": texts[i % 3]}) + "\n")
    return path


def _env(data_dir: Path, db_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLYDESK_") and k != "OPENAI_API_KEY"}
    env.update(REPLYDESK_DATA_DIR=str(data_dir), REPLYDESK_CONFIG=str(data_dir / "none.toml"),
               REPLYDESK_POLICY_PATH=str(DEMO_POLICY))  # the messages are addressed to the demo brand
    if db_url:
        env["REPLYDESK_DATABASE_URL"] = db_url
    return env


def test_inbox_import_errors_name_line_and_field(tmp_path):
    bad = tmp_path / "in.jsonl"
    bad.write_text('{"id": "a", "channel": "twitter", "visibility": "public", "author": "@a", "text": "hi"}\n'
                   '{"id": "b", "channel": "fax", "visibility": "public", "author": "@b", "text": "hi"}\n'
                   '{"id": "c", "channel": "dm", "visibility": "private", "author": "@a", "text": ""}\n'
                   '{"id": "a", "channel": "dm", "visibility": "private", "author": "@a", "text": "again"}\n')
    with pytest.raises(InboxImportError) as info:
        read_inbox(bad)
    msg = str(info.value)
    assert "in.jsonl:2: field 'channel'" in msg and "in.jsonl:3: field 'text'" in msg and "duplicate" in msg
    (tmp_path / "x.jsonl").write_text('{"id": "a",\n')
    with pytest.raises(InboxImportError, match=r"x.jsonl:1: invalid JSON"):
        read_inbox(tmp_path / "x.jsonl")


@pytest.mark.parametrize("command", [["inbox", "draft-all", "--engine", "composer"], ["worker", "--once"]],
                         ids=["draft-all", "worker"])
def test_kill_minus_nine_then_restart_drafts_each_message_once(tmp_path, command):
    data = tmp_path / "data"
    env = _env(data)
    db = Database(f"sqlite:///{data / 'replydesk.db'}")
    import_path(db, _messages(tmp_path / "in.jsonl", 400, "k"))
    cmd = [sys.executable, "-m", "replydesk", *command]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        with db.session() as s:
            done = s.scalar(select(func.count()).select_from(Draft))
        if done >= 30:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with db.session() as s:
        drafted_before = s.scalar(select(func.count()).select_from(Draft))
    assert 30 <= drafted_before < 400, drafted_before  # killed mid-run
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    with db.session() as s:
        per_message = s.execute(select(Draft.message_id, func.count()).group_by(Draft.message_id)).all()
        statuses = dict(s.execute(select(Message.status, func.count()).group_by(Message.status)).all())
    assert len(per_message) == 400 and all(n == 1 for _, n in per_message)  # nothing lost, nothing twice
    assert statuses == {"drafted": 400}
    db.dispose()


@pytest.mark.postgres
def test_four_workers_on_postgres_draft_1000_messages_exactly_once(tmp_path, pg_url):
    db = Database(pg_url)
    import_path(db, _messages(tmp_path / "in.jsonl", 1000, "w"))
    procs = [subprocess.Popen([sys.executable, "-m", "replydesk", "worker", "--once", "--concurrency", "2"],
                              cwd=ROOT, env=_env(tmp_path / f"w{i}", pg_url), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
             for i in range(4)]
    outputs = [p.communicate(timeout=240)[0].decode() for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    with db.session() as s:
        per_message = s.execute(select(Draft.message_id, func.count()).group_by(Draft.message_id)).all()
        statuses = dict(s.execute(select(Message.status, func.count()).group_by(Message.status)).all())
        claimers = {c for (c,) in s.execute(select(Draft.created_by).distinct())}
    assert len(per_message) == 1000 and all(n == 1 for _, n in per_message)
    assert statuses == {"drafted": 1000}
    drafted_by_worker = [int(o.split("worker drafted ")[1].split()[0]) for o in outputs]
    assert sum(drafted_by_worker) == 1000 and sum(1 for n in drafted_by_worker if n > 0) >= 2, drafted_by_worker
    assert claimers == {"system"}
    db.dispose()

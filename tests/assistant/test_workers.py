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


# ---- issue 12 items 8 and 9: the agent's lock is not the worker's lease; a lost lease never commits ----------
AGENT = {"username": "anna", "roles": ["agent"]}


def _one_pending(db, ext: str) -> str:
    from assistant.inbox import InboundIn, import_messages

    import_messages(db, [InboundIn(id=ext, channel="twitter", visibility="public", author="@anna_s",
                                   text="@FunkWerk Passwort vergessen, was tun?")])
    with db.session() as s:
        return s.scalar(select(Message.id).where(Message.external_id == ext))


def test_worker_skips_a_message_an_agent_locked_and_drafting_keeps_the_lock(env):
    from assistant.review.queue import claim as agent_lock
    from assistant.worker import drain

    db, pipeline = env["db"], env["pipeline"]
    mid = _one_pending(db, "lock-1")
    assert agent_lock(db, mid, AGENT)
    assert drain(pipeline) == 0  # the worker does not take a message an agent has locked
    with db.session() as s:
        msg = s.get(Message, mid)
        assert msg.status == "pending" and s.scalar(select(func.count()).select_from(Draft)
                                                    .where(Draft.message_id == mid)) == 0
    pipeline.draft_message(mid, actor="anna")  # the agent asks for a draft: their lock stays
    assert not agent_lock(db, mid, {"username": "ben", "roles": ["agent"]})
    from assistant.review.queue import release_all

    assert release_all(db, AGENT) == 1  # logging out releases the user's locks
    assert agent_lock(db, mid, {"username": "ben", "roles": ["agent"]})


def test_a_worker_that_lost_its_lease_does_not_commit_a_second_draft(env):
    from datetime import timedelta

    from assistant.worker import LeaseLost, claim, lease_seconds
    from replydesk.settings import Settings

    settings = Settings(llm_timeout_s=30, llm_max_retries=4)
    assert lease_seconds(settings, max_revisions=2) > 30 * 5 * 3  # longer than a worst-case LLM draft
    db, pipeline = env["db"], env["pipeline"]
    mid = _one_pending(db, "lease-1")
    assert claim(db, "host:1:a", limit=5, lease_s=1) == [mid]
    with db.transaction() as s:  # worker A's lease runs out while its LLM call is slow
        s.get(Message, mid).claimed_until = s.get(Message, mid).claimed_until - timedelta(seconds=5)
    assert claim(db, "host:2:b", limit=5) == [mid]
    pipeline.draft_message(mid, lease_holder="host:2:b")
    with pytest.raises(LeaseLost):
        pipeline.draft_message(mid, lease_holder="host:1:a")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Draft).where(Draft.message_id == mid)) == 1

"""PostgreSQL restarted in the middle of a worker run: the workers wait, reconnect and finish; every message is
drafted exactly once. Uses a private PostgreSQL instance (initdb in a temp dir) so the shared server is untouched."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assistant.inbox import import_path
from assistant.orm import Draft, Message
from replydesk.db import Database

from .test_workers import ROOT, _env, _messages  # noqa: TID252

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
pytestmark = pytest.mark.postgres


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture
def private_pg(tmp_path):
    bin_dir = _pg_bin()
    if bin_dir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        msg = "PostgreSQL server binaries (initdb, pg_ctl) not found"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    base = Path(f"/tmp/rd-pg-{os.getpid()}-{int(time.time() * 1000) % 100000}")
    base.mkdir()
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]),
                   check=True, capture_output=True)
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"

    def ctl(*args):
        return subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"),
                                            "-o", opts, "-w", *args]), check=True, capture_output=True)

    ctl("start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", ctl
    finally:
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_workers_survive_a_postgres_restart(private_pg, tmp_path):
    url, ctl = private_pg
    db = Database(url)
    import_path(db, _messages(tmp_path / "in.jsonl", 300, "r"))
    procs = [subprocess.Popen([sys.executable, "-m", "replydesk", "worker", "--once"], cwd=ROOT,
                              env=_env(tmp_path / f"w{i}", url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for i in range(2)]
    deadline = time.time() + 60
    while time.time() < deadline:
        with db.session() as s:
            if s.scalar(select(func.count()).select_from(Draft)) >= 40:
                break
        time.sleep(0.1)
    db.dispose()
    ctl("-m", "fast", "restart")  # drops every connection mid-run
    outputs = [p.communicate(timeout=240)[0].decode() for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs[0][-3000:]
    with db.session() as s:
        per_message = s.execute(select(Draft.message_id, func.count()).group_by(Draft.message_id)).all()
        statuses = dict(s.execute(select(Message.status, func.count()).group_by(Message.status)).all())
    assert len(per_message) == 300 and all(n == 1 for _, n in per_message), statuses
    assert statuses == {"drafted": 300}
    # the restart really hit the workers: they waited for the database (or retried a draft) and went on
    assert any("database unavailable" in o or "failed" in o for o in outputs), outputs
    db.dispose()

"""Team mode, end to end with real processes: PostgreSQL, a Chroma server, two drafting workers and two API
replicas, each process with its own data folder (nothing shared through local files).

Proves: the knowledge base imported by one node is searchable through both replicas (dense vectors in the Chroma
server, no embedded Chroma folder anywhere); an article changed by a third node is found through both replicas
without a restart; two workers draft every message exactly once; both replicas draft the same reply; the same
message approved through both replicas at once reaches the customer exactly once (one webhook delivery).
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests.api.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
DEMO_POLICY = ROOT / "knowledge_base" / "demo" / "policy.yaml"
TOKEN = "team-mode-test-token"

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("team"), pytest.mark.timeout(900)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Receiver(BaseHTTPRequestHandler):
    keys: list[str] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).keys.append(self.headers.get("Idempotency-Key", ""))
        json.loads(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def receiver():
    _Receiver.keys = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Receiver.keys
    server.shutdown()


@pytest.fixture
def chroma_server(tmp_path):
    """A real Chroma server (the `chroma` command chromadb ships) on a free loopback port."""
    port = _free_port()
    exe = Path(sys.executable).with_name("chroma")
    env = {"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert proc.poll() is None, "the Chroma server exited at start-up"
        try:
            return httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(up, timeout=60, what="the Chroma server")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def _env(data_dir: Path, pg_url: str, chroma_url: str, hook: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLYDESK_") and k != "OPENAI_API_KEY"}
    tokens = {"tokens": [{"name": "team-bot", "roles": ["agent", "approver"],
                          "sha256": hashlib.sha256(TOKEN.encode()).hexdigest()}]}
    env.update(REPLYDESK_DATA_DIR=str(data_dir), REPLYDESK_CONFIG=str(data_dir / "none.toml"),
               REPLYDESK_POLICY_PATH=str(DEMO_POLICY), REPLYDESK_DATABASE_URL=pg_url,
               REPLYDESK_CHROMA_URL=chroma_url, REPLYDESK_WEBHOOK_URL=hook,
               REPLYDESK_WEBHOOK_SECRET="team-secret", REPLYDESK_API_TOKENS=json.dumps(tokens))
    return env


def _cli(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    proc = subprocess.run([sys.executable, "-m", "replydesk", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"replydesk {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


class _Replica:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "replydesk", "serve", "--port", str(self.port),
                                      "--log-level", "warning"], cwd=ROOT, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        self.client = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)

    def ready(self) -> bool:
        assert self.proc.poll() is None, f"replica on {self.port} exited: see {self._log.name}"
        try:
            return self.client.get("/health").status_code == 200
        except httpx.HTTPError:
            return False

    def search(self, q: str) -> list[str]:
        r = self.client.get("/kb/search", params={"q": q, "k": 3})
        assert r.status_code == 200, r.text
        return [hit["article_id"] for hit in r.json()]

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


def test_team_mode_two_workers_two_api_replicas_on_postgres_and_a_chroma_server(tmp_path, pg_url, chroma_server,
                                                                              receiver):
    from assistant.orm import Draft, Message
    from replydesk.db import Database

    hook, delivered = receiver
    node = lambda name: _env(tmp_path / name, pg_url, chroma_server, hook)  # noqa: E731
    admin = node("admin")
    _cli(admin, "kb", "import", str(ROOT / "knowledge_base" / "demo" / "articles"))
    _cli(admin, "customers", "import", str(ROOT / "assistant" / "demo" / "customers.json"))
    _cli(admin, "inbox", "import", str(ROOT / "assistant" / "demo" / "inbox.jsonl"))

    # Two workers, started together, each on its own data folder.
    workers = [subprocess.Popen([sys.executable, "-m", "replydesk", "worker", "--once"], cwd=ROOT,
                                env=node(f"worker{i}"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for i in range(2)]
    outputs = [w.communicate(timeout=600)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    db = Database(pg_url)
    with db.session() as s:
        per_message = dict(s.execute(select(Draft.message_id, func.count()).group_by(Draft.message_id)).all())
        pending = s.scalar(select(func.count()).select_from(Message).where(Message.status == "pending"))
    assert per_message and set(per_message.values()) == {1}, "a message was drafted twice"
    assert pending == 0, outputs

    replicas = [_Replica(node(f"api{i}"), tmp_path / f"api{i}.log") for i in range(2)]
    try:
        for r in replicas:
            wait_for(r.ready, timeout=180, what=f"API replica on {r.port}")
        # Same knowledge, same answers, through either replica.
        questions = ["Mein Paket ist seit einer Woche nicht angekommen", "How do I reset my password?"]
        for q in questions:
            assert replicas[0].search(q) == replicas[1].search(q) != []
        draft_in = {"text": "Hallo, wie setze ich mein Passwort zurück?", "channel": "twitter",
                    "visibility": "public", "engine": "composer"}
        drafts = [r.client.post("/draft", json=draft_in) for r in replicas]
        assert all(d.status_code == 200 for d in drafts), [d.text for d in drafts]
        assert drafts[0].json()["draft"] == drafts[1].json()["draft"] != ""
        assert drafts[0].json()["citations"] == drafts[1].json()["citations"]

        # A trainer on a third node adds an article: both replicas find it without a restart.
        new = tmp_path / "new-articles"
        new.mkdir()
        (new / "pigeon-post.md").write_text(
            "---\nid: pigeon-post\ntitle: Brieftauben-Zustellung\nlanguage: de\nstatus: published\n---\n"
            "Die Zustellung per Brieftaube ist in allen Tarifen enthalten und dauert zwei Werktage.\n",
            encoding="utf-8")
        _cli(node("trainer"), "kb", "import", str(new))
        for r in replicas:
            wait_for(lambda r=r: "pigeon-post" in r.search("Zustellung per Brieftaube"), timeout=60,
                     what="the new article through a replica")

        # The same message approved through both replicas at once: one delivery.
        with db.session() as s:  # a private message whose draft passed the guardrails (a blocked one is refused)
            message_id = s.scalar(select(Message.id).join(Draft, Draft.message_id == Message.id)
                                  .where(Message.status == "drafted", Message.visibility == "private",
                                         Draft.passed.is_(True)).order_by(Message.id).limit(1))
        assert message_id is not None
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda r: r.client.post(f"/messages/{message_id}/approve", json={}), replicas))
        assert sorted(a.status_code for a in answers)[0] == 200, [a.text for a in answers]
        assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
        wait_for(lambda: replicas[1].client.get(f"/messages/{message_id}/posting").json()["status"] == "posted",
                 timeout=60, what="the posting status 'posted' through the other replica")
        wait_for(lambda: delivered, timeout=30, what="the webhook delivery")
        assert len(delivered) == 1, delivered
        for name in ("api0", "api1", "worker0", "worker1"):
            assert not (tmp_path / name / "chroma").exists(), f"{name} created an embedded Chroma folder"
    finally:
        for r in replicas:
            r.stop()
        db.dispose()

"""Review screen in a real browser (Playwright + Debian chromium): time from login to an interactive queue with
5,000 queued messages, against an empty queue measured in the same run, and the item switch time.

Run: ``.venv/bin/python benchmarks/bench_review_ui.py [--messages 5000]``
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import replydesk  # noqa: E402,F401

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def seed(data_dir: Path, n: int) -> None:
    from sqlalchemy import insert

    from assistant.orm import Draft, Message
    from assistant.review.auth import UserStore
    from replydesk.db import Database, utcnow

    db = Database(f"sqlite:///{data_dir / 'replydesk.db'}")
    now = utcnow()
    msgs, drafts = [], []
    for i in range(n):
        mid = uuid.uuid4().hex
        msgs.append({"id": mid, "external_id": f"b-{i}", "channel": ["twitter", "facebook", "email"][i % 3],
                     "visibility": "public" if i % 3 != 2 else "private", "author_handle": f"@user{i}",
                     "text": f"@FunkWerk Nachricht {i}: mein Paket ist seit {i % 9 + 1} Tagen unterwegs, wo bleibt es?",
                     "received_at": now - timedelta(minutes=i), "raw": {}, "language": "de", "status": "drafted",
                     "triage": {}, "sla_due_at": now + timedelta(minutes=60 - i % 120), "risk": (i % 10) / 10,
                     "attempts": 0, "updated_at": now})
        drafts.append({"message_id": mid, "version": 1, "engine": "composer",
                       "text": f"Hallo, schick uns bitte deine Bestellnummer per DM, dann prüfen wir die Sendung ({i}). ^AB",
                       "language": "de", "citations": [], "findings": [], "passed": True, "needs_human": False,
                       "latency_ms": 1.0, "tokens_in": 0, "tokens_out": 0, "cost_usd": 0.0, "meta": {},
                       "created_at": now, "created_by": "system"})
    with db.transaction() as s:
        if msgs:
            s.execute(insert(Message), msgs)
            s.execute(insert(Draft), drafts)
    UserStore(data_dir / "users.json").upsert("anna", "Anna", ["agent"], "demo")
    db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(n: int, browser) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-ui-")) / "data"
    data_dir.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLYDESK_")}
    env.update(REPLYDESK_DATA_DIR=str(data_dir), REPLYDESK_CONFIG=str(data_dir / "none.toml"))
    os.environ.update(REPLYDESK_DATA_DIR=str(data_dir))
    seed(data_dir, n)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true", "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        out: dict = {"open_s": [], "switch_s": []}
        for attempt in range(4):
            ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
            page = ctx.new_page()
            page.set_default_timeout(60000)
            page.goto(url)
            page.get_by_label("Benutzername").fill("anna")
            page.get_by_label("Passwort").fill("demo")
            t = time.perf_counter()
            page.get_by_role("button", name="Anmelden").click()
            page.get_by_text(f"/ {n}", exact=False).first.wait_for() if n else page.get_by_text("Nachricht links").wait_for()
            opened = time.perf_counter() - t
            if attempt:  # the first load warms the server (imports, model load); report warm figures
                out["open_s"].append(opened)
            if n:
                for j in range(3):
                    before = page.evaluate("() => [...document.querySelectorAll('textarea')].map(t => t.value).join('|')")
                    box = page.get_by_label("Nachricht öffnen")
                    box.click()
                    t = time.perf_counter()
                    page.get_by_role("option").nth(j + 1).click()
                    page.wait_for_function(
                        "([b]) => { const v = [...document.querySelectorAll('textarea')].map(t => t.value).join('|');"
                        " return v.includes('Bestellnummer') && v !== b; }", arg=[before], timeout=20000)
                    if attempt:
                        out["switch_s"].append(time.perf_counter() - t)
            ctx.close()
        return out
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=5000)
    args = ap.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        empty = measure(0, browser)
        full = measure(args.messages, browser)
        browser.close()
    e, f = statistics.median(empty["open_s"]), statistics.median(full["open_s"])
    print(f"queue open (login → interactive), empty queue: median {e:.2f} s")
    print(f"queue open with {args.messages} messages: median {f:.2f} s ({f / e:.2f}x empty; target ≤ 1.5 s)")
    if full["switch_s"]:
        print(f"item switch: median {statistics.median(full['switch_s']) * 1000:.0f} ms, "
              f"max {max(full['switch_s']) * 1000:.0f} ms (target ≤ 300 ms)")


if __name__ == "__main__":
    main()

"""Review screen in a real browser (Playwright + Debian chromium), warm medians (the first pass warms the server):

- login → interactive queue (table shown, shortcuts live) with 5,000 queued, against an empty queue (target ≤ 1.5 s)
- item switch: ``j`` until the next item's draft is in the editor (target ≤ 200 ms)
- live re-check after an edit: the edit committed (Tab) until the finding (or "all passed") shows (≤ 300 ms)
- queue refresh: a message written by another process, the refresh button until its row shows (≤ 300 ms)

The per-click figures are also measured against a baseline in the same run: the same server with Streamlit's
default full garbage collection after every run (``--runner.postScriptGC true``; ``.streamlit/config.toml`` turns
it off) and the long-lived models not frozen out of the collector (``REPLYDESK_GC_FREEZE=off``; ``ui/common.py``
freezes them). ``--no-baseline`` skips that pass.

Run: ``.venv/bin/python benchmarks/bench_review_ui.py [--messages 5000]``
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import sqlite3
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


def _insert_message(data_dir: Path, text: str) -> None:
    """Another process's new message (overdue, so it is first in the queue)."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    con = sqlite3.connect(data_dir / "replydesk.db")
    con.execute(
        "insert into messages (id, external_id, channel, visibility, author_handle, text, received_at, raw, language,"
        " status, triage, sla_due_at, risk, attempts, updated_at) values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (uuid.uuid4().hex, f"new-{uuid.uuid4().hex}", "twitter", "public", "@neu", text, now.strftime(fmt), "{}",
         "de", "drafted", "{}", (now - timedelta(days=30)).strftime(fmt), 0.9, 0, now.strftime(fmt)))
    con.commit()
    con.close()


def measure(n: int, browser, server_args: tuple[str, ...] = (), server_env: dict | None = None) -> dict:
    from playwright.sync_api import expect

    data_dir = Path(tempfile.mkdtemp(prefix="bench-ui-")) / "data"
    data_dir.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLYDESK_")}
    env.update(REPLYDESK_DATA_DIR=str(data_dir), REPLYDESK_CONFIG=str(data_dir / "none.toml"),
               REPLYDESK_QUEUE_REFRESH_SECONDS="0")  # refreshes are measured by the button, not the timer
    env.update(server_env or {})
    os.environ.update(REPLYDESK_DATA_DIR=str(data_dir))
    seed(data_dir, n)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true", "--server.fileWatcherType", "none", *server_args],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    current = "tr.rd-row[aria-current='true']"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        out: dict = {"open_s": [], "switch_s": [], "recheck_s": [], "refresh_s": []}
        for attempt in range(4):
            warm = attempt > 0  # the first pass warms the server (imports, caches); report warm figures
            ctx = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="de-DE")
            page = ctx.new_page()
            page.set_default_timeout(60000)
            page.goto(url)
            page.get_by_label("Benutzername").fill("anna")
            page.get_by_label("Passwort").fill("demo")
            t = time.perf_counter()
            page.get_by_role("button", name="Anmelden").click()
            page.get_by_role("table", name="Posteingang").wait_for()
            page.locator("html[data-rd-keys='on']").wait_for(state="attached")
            if n:
                page.get_by_text(re.compile(r"^1–50 / \d+$")).first.wait_for()  # the counted queue
            if warm:
                out["open_s"].append(time.perf_counter() - t)
            if not n:
                ctx.close()
                continue
            editor = page.get_by_label("Entwurf", exact=True)
            previous, before = "", ""
            for _ in range(7):  # item switch: j until the next item's own draft is in the editor
                t = time.perf_counter()
                page.keyboard.press("j")
                page.wait_for_function(
                    "([sel, prev, before]) => { const r = document.querySelector(sel);"
                    " const eds = document.querySelectorAll('.st-key-rd_editor textarea'); const ed = eds[0];"
                    " return r && r.dataset.id !== prev && eds.length === 1 && ed.value !== before"
                    " && ed.value.includes('Bestellnummer'); }",
                    arg=[current, previous, before])
                if warm and previous:
                    out["switch_s"].append(time.perf_counter() - t)
                previous = page.locator(current).get_attribute("data-id")
                before = editor.input_value()
                page.get_by_text("Alle Prüfungen bestanden").or_(page.get_by_text("Prüfungen", exact=True)).first.wait_for()
            clean = editor.input_value()
            for j in range(4):  # live re-check: a finding appears, then goes again
                editor.fill("Sorry, wir kümmern uns darum." + " Danke!" * j + " ^AB")
                t = time.perf_counter()
                editor.press("Tab")
                page.get_by_text("no-bare-sorry").first.wait_for()
                if warm:
                    out["recheck_s"].append(time.perf_counter() - t)
                editor.fill(clean)
                t = time.perf_counter()
                editor.press("Tab")
                expect(page.get_by_text("no-bare-sorry")).to_have_count(0, timeout=60000)
                if warm:
                    out["recheck_s"].append(time.perf_counter() - t)
            for j in range(3):  # queue refresh: another process's message, the refresh button
                text = f"Neue Nachricht {attempt}-{j} {uuid.uuid4().hex[:6]}"
                _insert_message(data_dir, text)
                t = time.perf_counter()
                page.get_by_role("button", name="⟳ Aktualisieren").click()
                page.locator("td.rd-msg", has_text=text).wait_for()
                if warm:
                    out["refresh_s"].append(time.perf_counter() - t)
            con = sqlite3.connect(data_dir / "replydesk.db")  # the next pass starts from the seeded queue again
            con.execute("delete from messages where external_id like 'new-%'")
            con.commit()
            con.close()
            ctx.close()
        return out
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--no-baseline", dest="baseline", action="store_false",
                    help="skip the pass with Streamlit's default post-run garbage collection")
    args = ap.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        empty = measure(0, browser)
        full = measure(args.messages, browser)
        # the same screen with Streamlit's default full garbage collection after every run (.streamlit/config.toml
        # turns it off) and nothing frozen out of the collector (ui/common.py): the baseline of this run
        base = measure(args.messages, browser, ("--runner.postScriptGC", "true"),
                       {"REPLYDESK_GC_FREEZE": "off"}) if args.baseline else None
        browser.close()
    e, f = statistics.median(empty["open_s"]), statistics.median(full["open_s"])
    print(f"queue open (login → interactive), empty queue: median {e:.2f} s")
    print(f"queue open with {args.messages} messages: median {f:.2f} s ({f / e:.2f}x empty; target ≤ 1.5 s)")
    for key, label, target in (("switch_s", "item switch", 200), ("recheck_s", "live re-check after an edit", 300),
                               ("refresh_s", "queue refresh", 300)):
        if full[key]:
            vals = full[key]
            line = (f"{label}: median {statistics.median(vals) * 1000:.0f} ms, max {max(vals) * 1000:.0f} ms "
                    f"(n={len(vals)}; target ≤ {target} ms)")
            if base and base[key]:
                b = statistics.median(base[key])
                line += f"; baseline (post-run GC, nothing frozen) {b * 1000:.0f} ms ({statistics.median(vals) / b:.2f}x)"
            print(line)


if __name__ == "__main__":
    main()
